"""Plotly figures of the ResNet lab's experiment results. Pure functions of the result
objects (:mod:`cvlab.experiments.degradation`, :mod:`cvlab.experiments.identity`):
no streamlit, no TensorFlow. Errors are shown in percent of images."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

from cvlab.figures.log_axes import log_axis, log_range
from cvlab.figures.style import TEMPLATE

FAMILY_TITLES = {"plain": "Plain networks", "residual": "Residual networks (ResNets)"}


def _depth_colours(depths: list[int]) -> dict[int, str]:
    """Shallow light, deep dark, the same colour for one depth in both panels."""
    if len(depths) == 1:
        return {depths[0]: "#08519c"}
    points = [0.35 + 0.65 * i / (len(depths) - 1) for i in range(len(depths))]
    return dict(zip(depths, sample_colorscale("Blues", points), strict=True))


def error_curves(runs: list[dict], key: str = "train_error") -> go.Figure:
    """Error (%) against epoch, one line per depth; plain left, residual right, as in the
    paper's Figure 6. ``key``: ``train_error`` or ``val_error``."""
    depths = sorted({r["depth"] for r in runs})
    colours = _depth_colours(depths)
    fig = make_subplots(rows=1, cols=2, subplot_titles=list(FAMILY_TITLES.values()),
                        shared_yaxes=True, shared_xaxes=True, horizontal_spacing=0.06)
    for col, family in enumerate(FAMILY_TITLES, 1):
        for run in sorted((r for r in runs if r["family"] == family), key=lambda r: r["depth"]):
            values = run[key]
            fig.add_trace(go.Scatter(
                x=list(range(1, len(values) + 1)), y=[100 * v for v in values],
                mode="lines+markers", name=f"{family}-{run['depth']}",
                legendgroup=str(run["depth"]), showlegend=True,
                line={"color": colours[run["depth"]], "width": 3,
                      "dash": "solid" if family == "residual" else "dot"},
                hovertemplate=f"{family}-{run['depth']}<br>epoch %{{x}}: %{{y:.1f}}%"
                              "<extra></extra>"), row=1, col=col)
    label = "training error (%)" if key == "train_error" else "validation error (%)"
    fig.update_yaxes(title_text=label, row=1, col=1, rangemode="tozero")
    fig.update_xaxes(title_text="epoch", dtick=1)
    fig.update_layout(template=TEMPLATE, height=400, margin={"t": 40, "b": 10},
                      legend={"orientation": "h", "y": -0.22})
    return fig


def gradient_norms(gradients: list[dict], depth: int) -> go.Figure:
    """‖∂loss/∂W‖ per convolution at initialisation (log scale), plain against residual."""
    fig = go.Figure()
    colours = {"plain": "#d62728", "residual": "#1f77b4"}
    shown = [g for g in gradients if g["depth"] == depth]
    for g in shown:
        fig.add_trace(go.Scatter(
            x=list(range(1, len(g["norms"]) + 1)), y=g["norms"], mode="lines+markers",
            name=f"{g['family']}-{depth}", line={"color": colours[g["family"]]},
            text=g["layers"], hovertemplate="%{text}: %{y:.3g}<extra></extra>"))
    fig.update_layout(template=TEMPLATE, height=360, margin={"t": 40, "b": 10},
                      title=f"Gradient norm per layer at initialisation, depth {depth}",
                      xaxis_title="convolution (input → output)",
                      yaxis_title="‖∂loss/∂W‖ (log scale)", yaxis_type="log",
                      legend={"orientation": "h", "y": -0.25})
    norms = [v for g in shown for v in g["norms"] if v > 0]
    if norms:
        fig.update_layout(yaxis=log_axis("‖∂loss/∂W‖ (log scale)", log_range(norms), si=False))
    return fig


def weight_decay(runs: list[dict]) -> go.Figure:
    """The block's last-layer weight norm and its distance from the identity, per step."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1, subplot_titles=(
        "‖W[l+2]‖: the block's last kernel", "‖block(a) − a‖ / ‖a‖: distance from identity"))
    colours = ["#7f7f7f", "#2ca02c"]
    for run, colour in zip(runs, colours, strict=False):
        name = f"weight decay λ = {run['weight_decay']:g}"
        for col, key in ((1, "kernel_norm"), (2, "distance_from_identity")):
            fig.add_trace(go.Scatter(x=run["epoch"], y=run[key], mode="lines", name=name,
                                     legendgroup=name, showlegend=col == 1,
                                     line={"color": colour, "width": 3}), row=1, col=col)
    fig.update_xaxes(title_text="epoch")
    fig.update_yaxes(title_text="L2 norm", row=1, col=1)
    fig.update_yaxes(title_text="relative distance", row=1, col=2, rangemode="tozero")
    fig.update_layout(template=TEMPLATE, height=360, margin={"t": 40, "b": 10},
                      legend={"orientation": "h", "y": -0.25})
    return fig
