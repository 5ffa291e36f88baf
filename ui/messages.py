"""Messages for people: paths in an engine message are shown as code, never as Markdown.

A path such as ``cat/*.jpg`` written into Markdown turns into italics, and ``__init__``
into bold; inside a code span it stays exactly what the user has to type.
"""

from __future__ import annotations

import re

import streamlit as st

_PATH = re.compile(r"[^\s`'\"(),;]*[/\\][^\s`'\"(),;]*")
_TRAILING = ".:"


def code_paths(text: str) -> str:
    """``text`` with every path-like token (one holding a slash) wrapped in backticks."""

    def wrap(match: re.Match) -> str:
        token = match.group(0)
        core = token.rstrip(_TRAILING)
        return f"`{core}`{token[len(core):]}" if core.strip("/\\") else token

    return _PATH.sub(wrap, text)


def error(text: str) -> None:
    st.error(code_paths(str(text)), icon="🚫")


def warning(text: str) -> None:
    st.warning(code_paths(str(text)), icon="⚠️")
