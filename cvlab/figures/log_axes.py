"""Log axes that read cleanly: ticks at round numbers, never Plotly's crowded minor labels
("3 4 5 … 9 1B 2") when a range spans about a decade.

Ranges are in log10 units, as Plotly takes them for a log axis.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def log_range(values: Sequence[float]) -> tuple[float, float]:
    """A log10 axis range with room around the extreme markers and their names."""
    low, high = math.log10(min(values)), math.log10(max(values))
    pad = max(0.25, 0.12 * (high - low))
    return low - pad, high + pad


def si_text(value: float) -> str:
    """1e6 → '1 M', 3e8 → '300 M', 2e9 → '2 G': a number and an SI prefix."""
    for prefix, size in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if value >= size:
            return f"{value / size:g} {prefix}"
    return f"{value:g}"


def log_ticks(span: tuple[float, float]) -> list[float]:
    """Round tick values inside ``span``: 1-2-5 per decade when it spans little more than
    one decade, 1-3 up to six decades, powers of ten beyond."""
    decades = span[1] - span[0]
    mantissas = (1, 2, 5) if decades <= 1.2 else (1, 3) if decades <= 6 else (1,)
    return [m * 10.0**e for e in range(math.floor(span[0]), math.ceil(span[1]) + 1)
            for m in mantissas if span[0] <= math.log10(m * 10.0**e) <= span[1]]


def log_axis(title: str, span: tuple[float, float], si: bool = True) -> dict:
    """A Plotly log axis over ``span`` with :func:`log_ticks`, written with SI prefixes
    (``si``) or as plain numbers."""
    ticks = log_ticks(span)
    text = si_text if si else (lambda v: f"{v:g}")
    return {"title": title, "type": "log", "range": list(span), "tickvals": ticks,
            "ticktext": [text(t) for t in ticks]}
