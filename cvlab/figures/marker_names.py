"""Names beside scatter markers, placed so that none overlaps a marker or another name.

Markers sit on a log x axis of MACs (``row["macs"]``) and a log or linear y axis; ranges are
in axis units (log10 units on a log axis), as Plotly takes them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import plotly.graph_objects as go

_LABEL_FONT = 11
_CHAR_PX = 6.4  # average width of a label character at _LABEL_FONT
_LINE_PX = 15
_MARKER_PX = 8  # marker radius plus a little air
_NEAR_PX = 16


def name_markers(fig: go.Figure, rows: Sequence[dict], y_key: str, x_range, y_range,
                 y_log: bool, plot_px: tuple[int, int]) -> None:
    """Each row's title beside its marker (MACs on a log x axis, ``y_key`` on y), placed by
    :func:`_place_labels` for a plot area of ``plot_px`` (width, height) pixels, with a
    thin leader line where the name sits away from it."""
    def y_of(row):
        return math.log10(row[y_key]) if y_log else row[y_key]

    offsets = _place_labels(rows, x_range, y_range, y_of, plot_px)
    for row, (dx, dy) in zip(rows, offsets, strict=True):
        fig.add_annotation(x=math.log10(row["macs"]), y=y_of(row), text=row["title"],
                           ax=dx, ay=dy, showarrow=True, arrowwidth=1, arrowhead=0,
                           standoff=_MARKER_PX, arrowcolor=(
                               "#999" if math.hypot(dx, dy) > _NEAR_PX else "rgba(0,0,0,0)"),
                           font={"size": _LABEL_FONT, "color": "#333"},
                           xanchor="center", yanchor="middle")


def _place_labels(rows: Sequence[dict], x_range, y_range, y_of: Callable[[dict], float],
                  plot_px: tuple[int, int]) -> list[tuple[float, float]]:
    """Offsets (dx, dy) in pixels from each marker to the centre of its name; ``y_of(row)``
    is the marker's y in axis units (log10 units on a log axis), as ``y_range`` is.

    Greedy: each name takes the nearest candidate spot, around its marker, whose box
    overlaps no marker and no name placed before it and stays inside the plot area.
    ``plot_px`` is the narrowest plot area expected; wider plots only spread markers.
    """
    width, height = plot_px

    def pixel(row) -> tuple[float, float]:
        fx = (math.log10(row["macs"]) - x_range[0]) / (x_range[1] - x_range[0])
        fy = (y_of(row) - y_range[0]) / (y_range[1] - y_range[0])
        return fx * width, (1 - fy) * height

    points = [pixel(r) for r in rows]
    boxes: list[tuple[float, float, float, float]] = []
    offsets = []
    candidates = [(r * math.cos(a), r * math.sin(a))
                  for r in (16, 26, 38, 52, 70, 90)
                  for a in (math.radians(d) for d in range(-90, 270, 30))]
    for row, (px, py) in zip(rows, points, strict=True):
        w, h = len(row["title"]) * _CHAR_PX + 4, _LINE_PX

        def box(dx, dy, w=w, h=h, px=px, py=py):
            cx, cy = px + dx, py + dy
            return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2

        def cost(dx, dy):
            b = box(dx, dy)
            inside = b[0] >= 0 and b[2] <= width and b[1] >= 0 and b[3] <= height
            hits = sum(_overlap(b, o) for o in boxes) + sum(
                _overlap(b, (qx - _MARKER_PX, qy - _MARKER_PX, qx + _MARKER_PX, qy + _MARKER_PX))
                for qx, qy in points)
            return (not inside, hits > 0, hits, math.hypot(dx, dy))

        dx, dy = min(candidates, key=lambda c: cost(*c))
        boxes.append(box(dx, dy))
        offsets.append((dx, dy))
    return offsets


def _overlap(a, b) -> float:
    """The area two boxes (x0, y0, x1, y1) share."""
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
