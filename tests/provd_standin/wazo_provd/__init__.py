"""Test stand-in for the few wazo_provd names provisioning plugins use (see README.md beside it)."""
