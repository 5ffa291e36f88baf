"""Figures of one network's profile, and of many networks compared: pure functions of
profiler records (no streamlit, no TensorFlow).

Every axis is labelled with its unit; MACs follow :mod:`cvlab.profile`'s convention (per
image, bias excluded).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cvlab.figures.style import (
    CHANNEL_COLOR,
    MAC_COLOR,
    PARAM_COLOR,
    SPATIAL_COLOR,
    TEMPLATE,
)
from cvlab.profile import Profile
from cvlab.report import shape_text, short_count
from cvlab.zoo.frontier import pareto_front


def shape_flow(p: Profile, title: str | None = None) -> go.Figure:
    """H×W and channels after each convolution and pooling layer, on log axes.

    ``title`` names the network as people know it (``MobileNet v2``); default: its id.

    Batch norm, activations and other shape-preserving layers are left out to keep
    the staircase readable; the x axis still counts every layer.
    """
    spatial = [(i, r) for i, r in enumerate(p.layers)
               if len(r.output_shape) == 3 and (r.kernel or r.kind in ("input", "concat"))]
    x = [i for i, _ in spatial]
    hover = [f"{r.name} ({r.kind})<br>{shape_text(r.output_shape)}" for _, r in spatial]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=[r.output_shape[0] * r.output_shape[1] for _, r in spatial],
                             name="H×W (pixels per channel)", mode="lines+markers",
                             marker={"size": 5}, line={"shape": "hv", "color": SPATIAL_COLOR},
                             hovertext=hover,
                             hoverinfo="text+y"))
    fig.add_trace(go.Scatter(x=x, y=[r.output_shape[2] for _, r in spatial],
                             name="C (channels)", mode="lines+markers",
                             marker={"size": 5}, line={"shape": "hv", "color": CHANNEL_COLOR},
                             hovertext=hover,
                             hoverinfo="text+y"))
    fig.update_layout(template=TEMPLATE, title=f"Shape flow of {title or p.name}",
                      xaxis_title="layer index (input → output)",
                      yaxis={"title": "pixels per channel, or channels (log scale)",
                             "type": "log", "dtick": 1, "tickformat": "~s"},
                      legend={"orientation": "h", "y": -0.2}, height=420,
                      margin={"t": 50, "b": 10})
    return fig


def breakdown(p: Profile, key: str, title: str | None = None) -> go.Figure:
    """Params and MACs summed per stage or per layer kind, side by side, as % of the total."""
    groups = p.by(key)
    names = [g for g, v in groups.items() if v["params"] or v["macs"]]
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Parameters", "MACs per image"),
                        horizontal_spacing=0.12)
    for col, metric, total, color in ((1, "params", p.total_params, PARAM_COLOR),
                                      (2, "macs", p.macs, MAC_COLOR)):
        values = [groups[g][metric] for g in names]
        share = [100 * v / total if total else 0 for v in values]
        fig.add_trace(go.Bar(y=names, x=share, orientation="h", marker_color=color,
                             text=[short_count(v) for v in values], textposition="auto",
                             name=metric, showlegend=False,
                             hovertemplate="%{y}: %{x:.1f}% (%{text})<extra></extra>"),
                      row=1, col=col)
        fig.update_xaxes(title_text=f"% of total {'params' if col == 1 else 'MACs'}",
                         row=1, col=col)
    fig.update_yaxes(autorange="reversed", title_text=key, row=1, col=1)
    fig.update_yaxes(autorange="reversed", row=1, col=2)
    fig.update_layout(template=TEMPLATE, height=max(300, 28 * len(names) + 120),
                      title=f"Where the cost of {title or p.name} goes, by {key}",
                      margin={"t": 70, "b": 10})
    return fig


def per_layer(p: Profile, metric: str = "macs", top: int = 25,
              title: str | None = None) -> go.Figure:
    """The ``top`` heaviest layers by MACs or params."""
    label = {"macs": "MACs per image", "params": "parameters"}[metric]
    rows = sorted(p.layers, key=lambda r: getattr(r, metric), reverse=True)[:top]
    rows = [r for r in rows if getattr(r, metric)]
    fig = go.Figure(go.Bar(
        x=[getattr(r, metric) for r in rows], y=[f"{r.name} ({r.kind})" for r in rows],
        orientation="h", marker_color=MAC_COLOR if metric == "macs" else PARAM_COLOR,
        text=[short_count(getattr(r, metric)) for r in rows], textposition="auto"))
    fig.update_layout(template=TEMPLATE,
                      title=f"Heaviest {len(rows)} layers of {title or p.name} by {label}",
                      xaxis_title=label, yaxis={"autorange": "reversed"},
                      height=max(300, 22 * len(rows) + 100), margin={"t": 50, "b": 10})
    return fig


def compare(rows: Sequence[dict]) -> go.Figure:
    """Params against MACs for many networks, log-log; colour shows ImageNet top-1 where known.

    Each row needs ``title``, ``family``, ``params``, ``macs`` and ``top1`` (or None). The
    axes span exactly the rows given, so dropping LeNet-5 spreads the rest. Names are
    placed by :func:`_place_labels` so that none overlaps a marker or another name.
    """
    x_range, y_range = _log_range([r["macs"] for r in rows]), _log_range(
        [r["params"] for r in rows])
    fig = go.Figure()
    known = [r for r in rows if r["top1"] is not None]
    unknown = [r for r in rows if r["top1"] is None]
    fig.add_trace(go.Scatter(
        x=[r["macs"] for r in known], y=[r["params"] for r in known], mode="markers",
        text=[r["title"] for r in known],
        marker={"size": 14, "color": [r["top1"] for r in known], "colorscale": "Viridis",
                "showscale": True, "colorbar": {"title": "top-1 %", "thickness": 14},
                "line": {"width": 1, "color": "#333"}},
        customdata=[[r["family"], r["top1"], short_count(r["macs"]), short_count(r["params"])]
                    for r in known], name="ImageNet top-1 known",
        hovertemplate="%{text}<br>%{customdata[2]} MACs, %{customdata[3]} params<br>"
                      "top-1 %{customdata[1]:.1f}%<extra>%{customdata[0]}</extra>"))
    if unknown:
        fig.add_trace(go.Scatter(
            x=[r["macs"] for r in unknown], y=[r["params"] for r in unknown], mode="markers",
            text=[r["title"] for r in unknown],
            marker={"size": 12, "color": "#bbbbbb", "symbol": "diamond"},
            customdata=[[short_count(r["macs"]), short_count(r["params"])] for r in unknown],
            name="no ImageNet figure", hovertemplate="%{text}<br>%{customdata[0]} MACs, "
                                                     "%{customdata[1]} params<extra></extra>"))
    ordered = known + unknown
    for row, (dx, dy) in zip(ordered, _place_labels(ordered, x_range, y_range), strict=True):
        fig.add_annotation(x=math.log10(row["macs"]), y=math.log10(row["params"]),
                           text=row["title"], ax=dx, ay=dy, showarrow=True, arrowwidth=1,
                           arrowhead=0, standoff=_MARKER_PX, arrowcolor=(
                               "#999" if math.hypot(dx, dy) > _NEAR_PX else "rgba(0,0,0,0)"),
                           font={"size": _LABEL_FONT, "color": "#333"},
                           xanchor="center", yanchor="middle")
    fig.update_layout(template=TEMPLATE, height=_COMPARE_HEIGHT, title="Size against compute",
                      xaxis=_log_axis("multiply-accumulates per image (MACs, log scale)",
                                      x_range),
                      yaxis=_log_axis("parameters (log scale)", y_range),
                      legend={"orientation": "h", "y": -0.18}, margin=_COMPARE_MARGIN)
    return fig


def accuracy_frontier(rows: Sequence[dict]) -> go.Figure:
    """ImageNet top-1 against MACs (log x), with the Pareto frontier drawn as a line.

    Rows as for :func:`compare`; rows without ``top1`` are left out. A network below the
    line is beaten by one that costs no more (see :mod:`cvlab.frontier`).
    """
    known = [r for r in rows if r["top1"] is not None]
    front = pareto_front(known)
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=[r["macs"] for r in front], y=[r["top1"] for r in front], mode="lines",
        line={"color": "#888", "dash": "dot", "shape": "hv"}, name="Pareto frontier",
        hoverinfo="skip"))
    fig.add_trace(go.Scatter(
        x=[r["macs"] for r in known], y=[r["top1"] for r in known], mode="markers+text",
        text=[r["title"] for r in known], textposition="top center",
        textfont={"size": _LABEL_FONT}, marker={"size": 10, "line": {"width": 1}},
        customdata=[short_count(r["macs"]) for r in known], name="network",
        hovertemplate="%{text}<br>%{customdata} MACs<br>top-1 %{y:.1f}%<extra></extra>"))
    fig.update_layout(template=TEMPLATE, height=_COMPARE_HEIGHT,
                      title="Accuracy at matched compute",
                      xaxis=_log_axis("multiply-accumulates per image (MACs, log scale)",
                                      _log_range([r["macs"] for r in known])),
                      yaxis={"title": "ImageNet top-1 %"},
                      legend={"orientation": "h", "y": -0.18}, margin=_COMPARE_MARGIN)
    return fig


# The compare chart's geometry, used to keep names apart and inside the plot.
_COMPARE_HEIGHT = 560
_COMPARE_MARGIN = {"t": 50, "b": 110, "l": 80, "r": 40}
_PLOT_PX = (560, _COMPARE_HEIGHT - 50 - 110)  # the narrowest plot area laid out for (w, h)
_LABEL_FONT = 11
_CHAR_PX = 6.4  # average width of a label character at _LABEL_FONT
_LINE_PX = 15
_MARKER_PX = 8  # marker radius plus a little air
_NEAR_PX = 16


def _log_range(values: Sequence[float]) -> tuple[float, float]:
    """A log10 axis range with room around the extreme markers and their names."""
    low, high = math.log10(min(values)), math.log10(max(values))
    pad = max(0.25, 0.12 * (high - low))
    return low - pad, high + pad


def _tick_text(value: float) -> str:
    """1e6 → '1 M', 3e8 → '300 M', 2e9 → '2 G': a number and an SI prefix."""
    for prefix, size in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if value >= size:
            return f"{value / size:g} {prefix}"
    return f"{value:g}"


def _log_axis(title: str, span: tuple[float, float]) -> dict:
    """A log axis over ``span`` (log10 units) with 1-3-10 ticks written with SI prefixes."""
    ticks = [m * 10**e for e in range(math.floor(span[0]), math.ceil(span[1]) + 1)
             for m in (1, 3) if span[0] <= math.log10(m * 10**e) <= span[1]]
    return {"title": title, "type": "log", "range": list(span), "tickvals": ticks,
            "ticktext": [_tick_text(t) for t in ticks]}


def _place_labels(rows: Sequence[dict], x_range, y_range) -> list[tuple[float, float]]:
    """Offsets (dx, dy) in pixels from each marker to the centre of its name.

    Greedy: each name takes the nearest candidate spot, around its marker, whose box
    overlaps no marker and no name placed before it and stays inside the plot area.
    The plot is assumed to be :data:`_PLOT_PX` large; wider plots only spread markers.
    """
    width, height = _PLOT_PX

    def pixel(row) -> tuple[float, float]:
        fx = (math.log10(row["macs"]) - x_range[0]) / (x_range[1] - x_range[0])
        fy = (math.log10(row["params"]) - y_range[0]) / (y_range[1] - y_range[0])
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
