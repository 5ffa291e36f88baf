"""What a reader sees of Markdown source that :func:`ui.text.md` escaped (for AppTest)."""

import re

_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def rendered(markdown: str) -> str:
    """``markdown`` with its backslash escapes removed, as the page renders it."""
    return _ESCAPED.sub(r"\1", markdown)
