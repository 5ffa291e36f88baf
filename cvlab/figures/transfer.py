"""Plotly figures of the transfer-learning lab. Pure functions: no streamlit, no TensorFlow.

Accuracies are shown in percent with their 95% intervals as error bars.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from cvlab.figures.style import TEMPLATE, label, labels
from cvlab.train.base_layers import Block

MODE_COLORS = {"frozen": "#1f77b4", "fine-tune": "#2ca02c", "full": "#ff7f0e",
               "scratch": "#d62728"}
TRAINS, FROZEN, PARTLY = "#2ca02c", "#c7c7c7", "#98df8a"


def transfer_curve(result: dict) -> go.Figure:
    """Test accuracy against training images per class, one line per mode, with intervals.

    ``all`` is drawn right of the largest number, on a categorical axis in run order; the
    modes sit side by side within each amount, so their intervals do not hide each other."""
    amounts = list(dict.fromkeys(str(p["per_class"]) for p in result["points"]))
    fig = go.Figure()
    for mode in dict.fromkeys(p["mode"] for p in result["points"]):
        points = [p for p in result["points"] if p["mode"] == mode]
        accuracy = [100 * p["test_accuracy"] for p in points]
        fig.add_trace(go.Scatter(
            x=[str(p["per_class"]) for p in points], y=accuracy, name=mode, offsetgroup=mode,
            mode="lines+markers", line={"color": MODE_COLORS.get(mode)},
            error_y={"type": "data", "symmetric": False,
                     "array": [100 * p["ci"][1] - a for p, a in zip(points, accuracy,
                                                                     strict=True)],
                     "arrayminus": [a - 100 * p["ci"][0] for p, a in zip(points, accuracy,
                                                                          strict=True)]},
            customdata=[[100 * p["ci"][0], 100 * p["ci"][1], p["seconds"]] for p in points],
            hovertemplate=(f"{mode}, %{{x}} per class<br>test accuracy %{{y:.1f}}% "
                           "(95%: %{customdata[0]:.0f}–%{customdata[1]:.0f}%)<br>"
                           "trained in %{customdata[2]:.0f} s<extra></extra>")))
    fig.update_layout(template=TEMPLATE, height=420, margin={"t": 40, "b": 10},
                      title=f"Test accuracy on the same {result['test_images']} held-out "
                            "images (bars: 95% interval)",
                      xaxis={"title": "training images per class", "type": "category",
                             "categoryorder": "array", "categoryarray": amounts},
                      yaxis={"title": "test accuracy (%)", "range": [0, 105]},
                      legend={"title": "mode"}, scattermode="group", scattergap=0.5)
    return fig


def runs_overlay(runs: Sequence[tuple[str, list[dict]]]) -> go.Figure:
    """Validation accuracy per epoch of several runs, ``(label, history)`` each."""
    fig = go.Figure()
    for name, history in runs:
        fig.add_trace(go.Scatter(x=[h["epoch"] for h in history],
                                 y=[100 * (h.get("val_accuracy") or 0) for h in history],
                                 name=label(name), mode="lines+markers"))
    fig.update_layout(template=TEMPLATE, height=380, margin={"t": 40, "b": 10},
                      title="Validation accuracy per epoch (validation picks each run's "
                            "best epoch)",
                      xaxis={"title": "epoch", "dtick": 1},
                      yaxis={"title": "validation accuracy (%)", "range": [0, 105]})
    return fig


def clickable_confusion(matrix: Sequence[Sequence[int]], names: Sequence[str],
                        picked: tuple[int, int] | None = None) -> go.Figure:
    """Counts heatmap (rows true, columns predicted) with one clickable marker per cell, and
    a frame around the ``picked`` cell ``(true index, predicted index)``, the one shown.

    Each marker's ``customdata`` is ``[true index, predicted index]``, so a selection names
    a cell without carrying the (escaped) names back."""
    count = len(names)
    shown = labels(names)
    fig = go.Figure(go.Heatmap(z=matrix, x=shown, y=shown, colorscale="Blues",
                               showscale=False, text=matrix, texttemplate="%{text}",
                               hoverinfo="skip"))
    cells = [(t, p) for t in range(count) for p in range(count)]
    fig.add_trace(go.Scatter(
        x=[shown[p] for _, p in cells], y=[shown[t] for t, _ in cells], mode="markers",
        marker={"size": 28, "opacity": 0.01, "color": "black"}, showlegend=False,
        customdata=[[t, p] for t, p in cells],
        hovertemplate="true %{y}, predicted %{x}: click to see these images<extra></extra>"))
    fig.update_layout(template=TEMPLATE, height=120 + 60 * count, margin={"t": 40, "b": 10},
                      title="Click a cell to see its images",
                      xaxis={"title": "predicted class", "side": "bottom"},
                      yaxis={"title": "true class", "autorange": "reversed"},
                      clickmode="event+select", dragmode=False)
    if picked is not None:
        true, predicted = picked
        fig.add_shape(type="rect", x0=predicted - 0.5, x1=predicted + 0.5, y0=true - 0.5,
                      y1=true + 0.5, line={"color": "#d62728", "width": 4})
    return fig


def block_diagram(blocks: Sequence[Block], trains: Sequence[bool],
                  fine_tune_at: int) -> go.Figure:
    """MobileNetV2's blocks left to right, coloured by whether their weights train.

    ``trains`` is per base layer (see :func:`cvlab.train.base_layers.layer_trains`)."""
    names, colours, hover, params = [], [], [], []
    for block in blocks:
        flags = trains[block.first:block.last + 1]
        state = "trains" if all(flags) or (any(flags) and block.first >= fine_tune_at) \
            else "partly" if any(flags) else "frozen"
        names.append(block.name.replace("block ", "b"))
        colours.append({"trains": TRAINS, "partly": PARTLY, "frozen": FROZEN}[state])
        params.append(block.params)
        hover.append(f"{block.name}: layers {block.first}–{block.last}, "
                     f"{block.params:,} parameters, {state}")
    fig = go.Figure(go.Bar(x=names, y=[max(p, 1) for p in params], marker_color=colours,
                           hovertext=hover, hoverinfo="text"))
    fig.update_layout(template=TEMPLATE, height=300, margin={"t": 40, "b": 10},
                      title=f"Base layers from index {fine_tune_at} train (green); "
                            "grey stays frozen; BatchNorm never trains here",
                      xaxis={"title": "MobileNetV2 block (stem, inverted residuals 0–16, "
                                      "final 1×1 conv)"},
                      yaxis={"title": "parameters (log scale)", "type": "log"})
    return fig
