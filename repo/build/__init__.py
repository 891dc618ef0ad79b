"""Building: running build files (in-process rsync), packaging built trees, the content-hash cache."""
