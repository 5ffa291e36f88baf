"""Figures of a training run: its curves, its confusion matrix, a prediction's top classes.
Pure functions (no streamlit, no TensorFlow); class names go through :func:`label`.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cvlab.figures.style import MAC_COLOR, PARAM_COLOR, TEMPLATE, label


def history(epochs: Sequence[dict]) -> go.Figure:
    """Loss and accuracy per epoch, training and validation; phases shaded by name.

    Each row needs ``epoch``, ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``
    and optionally ``phase`` (e.g. "frozen", "fine-tune").
    """
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Loss", "Accuracy"),
                        horizontal_spacing=0.1)
    x = [row["epoch"] for row in epochs]
    for col, metric in ((1, "loss"), (2, "accuracy")):
        for prefix, dash, split in (("", "solid", "training"), ("val_", "dash", "validation")):
            fig.add_trace(go.Scatter(
                x=x, y=[row.get(prefix + metric) for row in epochs], mode="lines+markers",
                name=split, legendgroup=split, showlegend=col == 1,
                line={"dash": dash, "color": PARAM_COLOR if prefix else MAC_COLOR}),
                row=1, col=col)
        fig.update_xaxes(title_text="epoch", dtick=1, row=1, col=col)
    fig.update_yaxes(title_text="cross-entropy", row=1, col=1)
    fig.update_yaxes(title_text="fraction correct", range=[0, 1.02], row=1, col=2)
    changes = [row for prev, row in zip(epochs, epochs[1:], strict=False)
               if row.get("phase") != prev.get("phase")]
    for row in changes:
        for col in (1, 2):
            fig.add_vline(x=row["epoch"] - 0.5, line_dash="dot", line_color="#888",
                          row=1, col=col)
        fig.add_annotation(x=row["epoch"] - 0.5, y=1.0, yref="paper", xref="x2",
                           text=f"{row['phase']} →", showarrow=False, xanchor="left")
    fig.update_layout(template=TEMPLATE, height=360, margin={"t": 50, "b": 10},
                      legend={"orientation": "h", "y": -0.25})
    return fig


def confusion(matrix: Sequence[Sequence[int]], class_names: Sequence[str]) -> go.Figure:
    """Counts of true class (rows) against predicted class (columns)."""
    names = [label(name) for name in class_names]
    fig = go.Figure(go.Heatmap(z=matrix, x=names, y=names,
                               colorscale="Blues", text=matrix, texttemplate="%{text}",
                               hovertemplate="true %{y}, predicted %{x}: %{z}<extra></extra>",
                               colorbar={"title": "images"}))
    fig.update_layout(template=TEMPLATE, title="Confusion matrix",
                      xaxis_title="predicted class", yaxis_title="true class",
                      yaxis={"autorange": "reversed"},
                      height=max(320, 60 * len(class_names) + 140), margin={"t": 50})
    return fig


def top_k(top: Sequence[dict], title: str = "") -> go.Figure:
    """Horizontal bars of class probabilities, best at the top; rows need ``class`` and
    ``probability`` (0..1)."""
    rows = list(reversed(top))
    fig = go.Figure(go.Bar(x=[r["probability"] for r in rows],
                           y=[label(r["class"]) for r in rows],
                           orientation="h", marker_color=MAC_COLOR,
                           text=[f"{r['probability']:.1%}" for r in rows], textposition="auto",
                           hovertemplate="%{y}: %{x:.2%}<extra></extra>"))
    fig.update_layout(template=TEMPLATE, title=title, height=80 + 40 * len(rows),
                      xaxis={"title": "probability", "range": [0, 1], "tickformat": ".0%"},
                      yaxis_title="class", margin={"t": 40 if title else 10, "b": 10, "r": 30})
    return fig
