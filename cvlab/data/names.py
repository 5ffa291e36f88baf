"""File names as text: a name the file system holds as bytes that are not UTF-8 comes to
Python with surrogate escapes (``'caf\\udce9'`` for ``b'caf\\xe9'``), which no UTF-8 output
(a page, JSON, a UTF-8 terminal) can carry. :func:`readable` shows each such byte as the
replacement character ``�``; the real path is kept wherever a file is opened."""

from __future__ import annotations

import os


def readable(text: str | os.PathLike) -> str:
    """``text`` with every undecodable byte shown as ``�`` (U+FFFD)."""
    return os.fspath(text).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
