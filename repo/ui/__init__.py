"""The command line: task boundary, progress display, text made safe for terminals."""
