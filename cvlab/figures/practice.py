"""Figures of the Practice page: an exercise's block as its paths of steps, and a passing
block's shapes layer by layer. Pure functions of plain data (no TensorFlow)."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from cvlab.figures.style import SPATIAL_COLOR, TEMPLATE, label

MERGES = ("add", "concat")


def block_paths(paths: Sequence[tuple[str, Sequence[str]]], title: str) -> go.Figure:
    """One row per path (``"main path"`` first), its steps left to right from the input;
    every other path joins the main path's merge (``add``/``concat``), an empty one being
    the input itself (an identity shortcut)."""
    main = list(paths[0][1])
    others = [(name, list(steps)) for name, steps in paths[1:]]
    offset = max((len(s) for _, s in others), default=0) if main[:1] == ["concat"] else 0
    merge_x = next((offset + i for i, s in enumerate(main) if s in MERGES), len(main) - 1)
    rows = [paths[0][0]] + [name for name, _ in others]
    fig = go.Figure()
    _row(fig, [offset + i for i in range(len(main))], main, rows[0], "#444")
    for name, steps in others:
        xs = list(range(len(steps)))
        texts = steps or ["input (identity)"]
        xs = xs or [0]
        _row(fig, xs, texts, name, SPATIAL_COLOR)
        fig.add_trace(go.Scatter(x=[xs[-1], merge_x], y=[name, rows[0]], mode="lines",
                                 line={"dash": "dot", "color": SPATIAL_COLOR},
                                 hoverinfo="skip", showlegend=False))
    fig.update_layout(template=TEMPLATE, title=label(title), showlegend=False,
                      xaxis={"title": "step along the path (input → output)", "dtick": 1},
                      yaxis={"title": "path", "categoryorder": "array",
                             "categoryarray": rows[::-1]},
                      height=180 + 70 * len(rows), margin={"t": 80, "b": 10})
    return fig


def _row(fig: go.Figure, xs: list[int], steps: list[str], name: str, colour: str) -> None:
    fig.add_trace(go.Scatter(x=xs, y=[name] * len(xs), mode="lines+markers+text",
                             text=[label(s) for s in steps], textposition="top center",
                             marker={"size": 12, "color": colour}, line={"color": colour},
                             hovertext=[label(s) for s in steps], hoverinfo="text"))
