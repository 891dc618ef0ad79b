"""Publishing: repositories (local or S3), channels and their indexes, updated safely; serving them."""
