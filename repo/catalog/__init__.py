"""Reading a channel for people: the catalog page, listings and diffs between channels."""
