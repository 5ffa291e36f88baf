"""Names are text: show strings that came from outside (class, file, run and folder names,
paths, error messages quoting them) literally wherever Streamlit would read Markdown.

Streamlit renders GitHub-flavoured Markdown in ``st.markdown``, alerts, captions, image
captions, ``st.write`` of a string, ``st.table`` cells and widget labels: links, images
(which fetch from any address), KaTeX between dollar signs, and its own ``:colour[…]`` and
``:emoji:`` directives. :func:`md` backslash-escapes every ASCII punctuation character,
which CommonMark then shows as the character itself, so a class folder named
``[x](https:evil.example)`` reads as exactly that. Plotly's labels are HTML instead; see
:func:`cvlab.figures.label`. Selectbox options and ``st.dataframe`` cells are plain text.
"""

from __future__ import annotations

import re

from cvlab.report import count

__all__ = ["count", "md"]

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def md(text: object) -> str:
    """``text`` as Markdown source that renders as exactly ``text`` (newlines → spaces)."""
    return _PUNCTUATION.sub(r"\\\1", " ".join(str(text).splitlines()))
