"""Everything after a plugin is built: packaging, index, validation, storage, publishing."""
