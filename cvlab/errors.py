"""The one exception type that user-facing layers turn into a clear message."""


class CvlabError(ValueError):
    """Bad input from a user: the message says what was received and what is allowed."""
