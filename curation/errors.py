"""Errors shared by every command."""


class UsageError(Exception):
    """A mistake the user can fix (bad flag value, missing input): printed as one line, exit 2."""
