"""The figures' shared look, and the one escaper for names shown in them.

Plotly renders labels and hover text as a subset of HTML (``<a href>``, ``<b>``, ``<br>``),
so every name that comes from a user's folder, file or run goes through :func:`label`
and shows as the text it is. Every figure builder in :mod:`cvlab.figures` uses it.
"""

from __future__ import annotations

import html

TEMPLATE = "plotly_white"
SPATIAL_COLOR = "#1f77b4"
CHANNEL_COLOR = "#d62728"
PARAM_COLOR = "#2ca02c"
MAC_COLOR = "#9467bd"


def label(text: str) -> str:
    """``text`` HTML-escaped for Plotly: ``<a href=…>`` shows as characters, not a link."""
    return html.escape(str(text), quote=False)


def labels(texts) -> list[str]:
    """Each of ``texts`` through :func:`label`."""
    return [label(t) for t in texts]
