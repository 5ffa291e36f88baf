"""Messages for people: paths in an engine message are shown as code, never as Markdown.

A path such as ``cat/*.jpg`` written into Markdown turns into italics, and ``__init__``
into bold; inside a code span it stays exactly what the user has to type.
"""

from __future__ import annotations

import re

import streamlit as st

from ui.text import md

_PATH = re.compile(r"[^\s`'\"(),;]*[/\\][^\s`'\"(),;]*")
_TRAILING = ".:"


def code_paths(text: str) -> str:
    """``text`` with every path-like token (one holding a slash) wrapped in backticks."""

    def wrap(match: re.Match) -> str:
        token = match.group(0)
        core = token.rstrip(_TRAILING)
        return f"`{core}`{token[len(core):]}" if core.strip("/\\") else token

    return _PATH.sub(wrap, text)


def literal(text: str) -> str:
    """Like :func:`code_paths`, with every other character escaped (:func:`ui.text.md`), so
    names from users' folders (a Markdown link, an image, KaTeX) show as the text they are."""
    parts, last = [], 0
    for match in _PATH.finditer(text):
        token = match.group(0)
        core = token.rstrip(_TRAILING)
        parts.append(md(text[last:match.start()]))
        if core.strip("/\\") and "`" not in core:
            parts.append(f"`{core}`" + md(token[len(core):]))
        else:
            parts.append(md(token))
        last = match.end()
    parts.append(md(text[last:]))
    return "".join(parts)


def error(text: str) -> None:
    st.error(literal(str(text)), icon="🚫")


def warning(text: str) -> None:
    st.warning(literal(str(text)), icon="⚠️")
