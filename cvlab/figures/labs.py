"""Plotly figures for the cost labs. Pure functions: no streamlit, no TensorFlow.

MACs are per image, bias excluded; every axis names its unit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cvlab.figures.log_axes import log_axis, log_range
from cvlab.figures.marker_names import name_markers
from cvlab.figures.style import MAC_COLOR, PARAM_COLOR, TEMPLATE
from cvlab.labs.compound import Scaled, multipliers
from cvlab.labs.inception import BranchCost, ModuleBranch
from cvlab.labs.separable import SeparableCost
from cvlab.profile import Profile

BRANCH_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd")
_LAYOUT = {"template": TEMPLATE, "margin": {"t": 50, "b": 10}}


def branch_cost_bars(cost: BranchCost, kernel: int, reduce: int) -> go.Figure:
    """The direct k×k conv against 1×1 squeeze + k×k, as stacked MAC bars."""
    x = [f"{kernel}×{kernel} directly", f"1×1 to {reduce}, then {kernel}×{kernel}"]
    fig = go.Figure([
        go.Bar(x=x, y=[cost.direct_macs, 0], name=f"{kernel}×{kernel} conv",
               marker_color=MAC_COLOR, text=[f"{cost.direct_macs:,}", ""]),
        go.Bar(x=x, y=[0, cost.reduce_macs], name="1×1 squeeze", marker_color="#17becf",
               text=["", f"{cost.reduce_macs:,}"]),
        go.Bar(x=x, y=[0, cost.conv_macs], name=f"{kernel}×{kernel} on the squeezed volume",
               marker_color="#bcbd22", text=["", f"{cost.conv_macs:,}"]),
    ])
    fig.update_layout(**_LAYOUT, barmode="stack", height=380,
                      title=f"{cost.ratio:.1f}× fewer multiply-adds with the bottleneck",
                      yaxis_title="MACs per image", legend={"orientation": "h", "y": -0.15})
    return fig


def module_bars(branches: Sequence[ModuleBranch]) -> go.Figure:
    """Output channels, params and MACs of each branch, stacked in one bar per quantity."""
    fig = make_subplots(rows=1, cols=3, subplot_titles=(
        "Output channels (concatenated)", "Parameters", "MACs per image"),
        horizontal_spacing=0.1)
    for b, color in zip(branches, BRANCH_COLORS, strict=False):
        for col, value in enumerate((b.channels, b.params, b.macs), 1):
            fig.add_trace(go.Bar(x=["module"], y=[value], name=f"{b.name} branch",
                                 marker_color=color, legendgroup=b.name, showlegend=col == 1,
                                 text=[f"{value:,}"], textposition="inside",
                                 hovertemplate=f"{b.name}: %{{y:,}}<extra></extra>"),
                          row=1, col=col)
    fig.update_yaxes(title_text="channels", row=1, col=1)
    fig.update_yaxes(title_text="parameters", row=1, col=2)
    fig.update_yaxes(title_text="MACs", row=1, col=3)
    # A segment too thin for its number shows it on hover only, never cut off at the top.
    fig.update_layout(**_LAYOUT, barmode="stack", height=400,
                      uniformtext={"minsize": 9, "mode": "hide"},
                      legend={"orientation": "h", "y": -0.12})
    return fig


def separable_bars(cost: SeparableCost) -> go.Figure:
    """Standard conv against depthwise + pointwise, stacked MAC bars."""
    x = ["standard conv", "depthwise + pointwise"]
    fig = go.Figure([
        go.Bar(x=x, y=[cost.standard, 0], name="standard K×K", marker_color=MAC_COLOR,
               text=[f"{cost.standard:,}", ""]),
        go.Bar(x=x, y=[0, cost.depthwise], name="depthwise K×K", marker_color="#17becf",
               text=["", f"{cost.depthwise:,}"]),
        go.Bar(x=x, y=[0, cost.pointwise], name="pointwise 1×1", marker_color="#bcbd22",
               text=["", f"{cost.pointwise:,}"]),
    ])
    # Plotly draws no LaTeX in Streamlit; its own <i> and <sup> typeset the formula.
    fig.update_layout(**_LAYOUT, barmode="stack", height=380,
                      title=f"separable / standard = {cost.ratio:.3f}  "
                            f"(1/<i>N</i> + 1/<i>K</i><sup>2</sup> = {cost.formula:.3f})",
                      yaxis_title="MACs per image", legend={"orientation": "h", "y": -0.15})
    return fig


def block_bars(blocks: dict[str, Profile]) -> go.Figure:
    """Params and MACs of a few blocks, each stacked by layer kind."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Parameters", "MACs per image"))
    kinds = list(dict.fromkeys(r.kind for p in blocks.values() for r in p.layers
                               if r.params or r.macs))
    for kind in kinds:
        for col, metric in ((1, "params"), (2, "macs")):
            values = [p.by("kind").get(kind, {}).get(metric, 0) for p in blocks.values()]
            fig.add_trace(go.Bar(x=list(blocks), y=values, name=kind, legendgroup=kind,
                                 showlegend=col == 1, hovertemplate=f"{kind}: %{{y:,}}"
                                 "<extra></extra>"), row=1, col=col)
    fig.update_yaxes(title_text="parameters", row=1, col=1)
    fig.update_yaxes(title_text="MACs", row=1, col=2)
    fig.update_layout(**_LAYOUT, barmode="stack", height=380,
                      legend={"orientation": "h", "y": -0.15, "title": "layer kind"})
    return fig


def relu_loss_bars(lost: dict[int, float]) -> go.Figure:
    x = [f"{n} channels" for n in lost]
    fig = go.Figure(go.Bar(x=x, y=list(lost.values()), marker_color="#d62728",
                           text=[f"{v:.0%}" for v in lost.values()]))
    fig.update_layout(**_LAYOUT, height=320, yaxis={"title": "points erased by ReLU",
                                                    "tickformat": ".0%", "range": [0, 1]},
                      xaxis_title="width of the layer the ReLU acts on",
                      title="A ReLU on a narrow layer erases what a linear layer keeps")
    return fig


def multiplier_curves(phi: float, top: float = 3.0) -> go.Figure:
    """α^φ, β^φ, γ^φ and the predicted compute growth against φ, with ``phi`` marked."""
    grid = np.linspace(0, top, 61)
    ms = [multipliers(float(p)) for p in grid]
    fig = go.Figure()
    for label, values, color in (
            ("depth α^φ", [m.depth for m in ms], "#1f77b4"),
            ("width β^φ", [m.width for m in ms], "#ff7f0e"),
            ("resolution γ^φ", [m.resolution for m in ms], "#2ca02c"),
            ("compute d·w²·r²", [m.predicted_growth for m in ms], MAC_COLOR),
            ("2^φ", [2**p for p in grid], "#7f7f7f")):
        fig.add_trace(go.Scatter(x=grid, y=values, name=label, line={"color": color},
                                 mode="lines"))
    now = multipliers(phi)
    fig.add_trace(go.Scatter(
        x=[phi] * 4, y=[now.depth, now.width, now.resolution, now.predicted_growth],
        mode="markers", marker={"size": 10, "color": "black"}, name=f"φ = {phi:g}"))
    fig.update_layout(**_LAYOUT, height=400, xaxis_title="compound coefficient φ",
                      yaxis={"title": "multiplier over B0 (log scale)", "type": "log"},
                      legend={"orientation": "h", "y": -0.2})
    return fig


def equal_macs_bars(rows: Sequence[Scaled]) -> go.Figure:
    fig = make_subplots(rows=1, cols=2, subplot_titles=("MACs per image", "Parameters"))
    labels = [r.label for r in rows]
    fig.add_trace(go.Bar(x=labels, y=[r.macs for r in rows], marker_color=MAC_COLOR,
                         name="MACs", text=[f"{r.macs / 1e9:.2f} G" for r in rows]), 1, 1)
    fig.add_trace(go.Bar(x=labels, y=[r.params for r in rows], marker_color=PARAM_COLOR,
                         name="params", text=[f"{r.params / 1e6:.1f} M" for r in rows]), 1, 2)
    fig.update_yaxes(title_text="MACs", row=1, col=1)
    fig.update_yaxes(title_text="parameters", row=1, col=2)
    fig.update_layout(**_LAYOUT, height=380, showlegend=False)
    return fig


def macs_vs_latency(rows: Sequence[dict], batch: int) -> go.Figure:
    """Measured latency per image against MACs, one point per network, on log axes.

    ``rows`` hold ``title``, ``family``, ``macs``, ``batch`` and ``ms_per_image``.
    """
    fig = go.Figure()
    picked = [r for r in rows if r["batch"] == batch]
    for family in dict.fromkeys(r["family"] for r in picked):
        mine = [r for r in picked if r["family"] == family]
        fig.add_trace(go.Scatter(
            x=[r["macs"] for r in mine], y=[r["ms_per_image"] for r in mine], name=family,
            mode="markers", text=[r["title"] for r in mine], marker={"size": 11},
            hovertemplate="%{text}: %{x:.3s} MACs, %{y:.2f} ms<extra></extra>"))
    fig.update_layout(**_LAYOUT, height=480, title=f"Measured at batch {batch}",
                      legend={"orientation": "h", "y": -0.2})
    if picked:
        x_range = log_range([r["macs"] for r in picked])
        y_range = log_range([r["ms_per_image"] for r in picked])
        name_markers(fig, picked, "ms_per_image", x_range, y_range, y_log=True,
                     plot_px=(560, 480 - 50 - 10 - 60))
        fig.update_layout(xaxis=log_axis("MACs per image (log scale)", x_range),
                          yaxis=log_axis("latency per image, ms (log scale)", y_range, si=False))
    return fig
