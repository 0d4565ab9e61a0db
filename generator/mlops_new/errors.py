"""Errors a user can fix; the CLI shows them as one line and exits with code 2."""


class UsageError(Exception):
    """A problem with the user's input or environment, not a bug in mlops-new."""
