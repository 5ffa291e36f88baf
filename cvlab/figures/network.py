"""Figures of one network's profile, and of many networks compared: pure functions of
profiler records (no streamlit, no TensorFlow).

Every axis is labelled with its unit; MACs follow :mod:`cvlab.profile`'s convention (per
image, bias excluded).
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cvlab.figures.log_axes import log_axis, log_range
from cvlab.figures.marker_names import name_markers
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


def shape_flow(p: Profile, title: str | None = None, hide_squeeze: bool = False) -> go.Figure:
    """H×W and channels after each convolution and pooling layer, on log axes.

    ``title`` names the network as people know it (``MobileNet v2``); default: its id.

    Batch norm, activations and other shape-preserving layers are left out to keep
    the staircase readable; the x axis still counts every layer. ``hide_squeeze`` also
    leaves out the 1×1 side paths of squeeze-and-excitation (layers at 1×1 pixel before
    the network's last larger map), which otherwise draw a spike down per block.
    """
    spatial = [(i, r) for i, r in enumerate(p.layers)
               if len(r.output_shape) == 3 and (r.kernel or r.kind in ("input", "concat"))]
    if hide_squeeze:
        last_map = max((i for i, r in spatial if r.output_shape[0] * r.output_shape[1] > 1),
                       default=-1)
        spatial = [(i, r) for i, r in spatial
                   if i > last_map or r.output_shape[0] * r.output_shape[1] > 1]
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


def breakdown(p: Profile, key: str, title: str | None = None,
              by: str | None = None) -> go.Figure:
    """Params and MACs summed per stage or per layer kind, side by side, as % of the total;
    ``by`` is what a group is called in the title and axis (default ``key``: a custom
    stack's stages are its branches)."""
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
    fig.update_yaxes(autorange="reversed", title_text=by or key, row=1, col=1)
    fig.update_yaxes(autorange="reversed", row=1, col=2)
    fig.update_layout(template=TEMPLATE, height=max(300, 28 * len(names) + 120),
                      title=f"Where the cost of {title or p.name} goes, by {by or key}",
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
    placed by :func:`~cvlab.figures.marker_names.name_markers` so that none overlaps a
    marker or another name.
    """
    x_range, y_range = log_range([r["macs"] for r in rows]), log_range(
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
    name_markers(fig, ordered, "params", x_range, y_range, y_log=True, plot_px=_PLOT_PX)
    fig.update_layout(template=TEMPLATE, height=_COMPARE_HEIGHT, title="Size against compute",
                      xaxis=log_axis("multiply-accumulates per image (MACs, log scale)",
                                      x_range),
                      yaxis=log_axis("parameters (log scale)", y_range),
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
        x=[r["macs"] for r in known], y=[r["top1"] for r in known], mode="markers",
        text=[r["title"] for r in known], marker={"size": 10, "line": {"width": 1}},
        customdata=[short_count(r["macs"]) for r in known], name="network",
        hovertemplate="%{text}<br>%{customdata} MACs<br>top-1 %{y:.1f}%<extra></extra>"))
    x_range = log_range([r["macs"] for r in known])
    top1 = [r["top1"] for r in known]
    y_range = (min(top1) - 3, max(top1) + 3)
    name_markers(fig, known, "top1", x_range, y_range, y_log=False, plot_px=_PLOT_PX)
    fig.update_layout(template=TEMPLATE, height=_COMPARE_HEIGHT,
                      title="Accuracy at matched compute",
                      xaxis=log_axis("multiply-accumulates per image (MACs, log scale)",
                                      x_range),
                      yaxis={"title": "ImageNet top-1 %", "range": list(y_range)},
                      legend={"orientation": "h", "y": -0.18}, margin=_COMPARE_MARGIN)
    return fig


# The compare chart's geometry, used to keep names apart and inside the plot.
_COMPARE_HEIGHT = 560
_COMPARE_MARGIN = {"t": 50, "b": 110, "l": 80, "r": 40}
_PLOT_PX = (560, _COMPARE_HEIGHT - 50 - 110)  # the narrowest plot area laid out for (w, h)
