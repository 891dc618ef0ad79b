"""What a package and an index are: safe archive reading, plugin-info, plugins.db, versions, models."""
