"""Plotly figures built from profiler records. Pure functions: no streamlit, no TensorFlow.

Every axis is labelled with its unit; MACs follow :mod:`cvlab.profile`'s
convention (per image, bias excluded).
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cvlab.profile import Profile
from cvlab.report import shape_text, short_count

TEMPLATE = "plotly_white"
SPATIAL_COLOR = "#1f77b4"
CHANNEL_COLOR = "#d62728"
PARAM_COLOR = "#2ca02c"
MAC_COLOR = "#9467bd"


def shape_flow(p: Profile) -> go.Figure:
    """H×W and channels after each convolution and pooling layer, on log axes.

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
    fig.update_layout(template=TEMPLATE, title=f"Shape flow of {p.name}",
                      xaxis_title="layer index (input → output)",
                      yaxis_title="size (log scale)", yaxis_type="log",
                      legend={"orientation": "h", "y": -0.2}, height=420,
                      margin={"t": 50, "b": 10})
    return fig


def breakdown(p: Profile, key: str) -> go.Figure:
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
                      title=f"Where the cost goes, by {key}", margin={"t": 70, "b": 10})
    return fig


def per_layer(p: Profile, metric: str = "macs", top: int = 25) -> go.Figure:
    """The ``top`` heaviest layers by MACs or params."""
    label = {"macs": "MACs per image", "params": "parameters"}[metric]
    rows = sorted(p.layers, key=lambda r: getattr(r, metric), reverse=True)[:top]
    rows = [r for r in rows if getattr(r, metric)]
    fig = go.Figure(go.Bar(
        x=[getattr(r, metric) for r in rows], y=[f"{r.name} ({r.kind})" for r in rows],
        orientation="h", marker_color=MAC_COLOR if metric == "macs" else PARAM_COLOR,
        text=[short_count(getattr(r, metric)) for r in rows], textposition="auto"))
    fig.update_layout(template=TEMPLATE, title=f"Heaviest {len(rows)} layers by {label}",
                      xaxis_title=label, yaxis={"autorange": "reversed"},
                      height=max(300, 22 * len(rows) + 100), margin={"t": 50, "b": 10})
    return fig


def compare(rows: Sequence[dict]) -> go.Figure:
    """Params against MACs for many networks, log-log; colour shows ImageNet top-1 where known.

    Each row needs ``title``, ``family``, ``params``, ``macs`` and ``top1`` (or None).
    """
    fig = go.Figure()
    known = [r for r in rows if r["top1"] is not None]
    unknown = [r for r in rows if r["top1"] is None]
    fig.add_trace(go.Scatter(
        x=[r["macs"] / 1e9 for r in known], y=[r["params"] / 1e6 for r in known],
        mode="markers+text", text=[r["title"] for r in known], textposition="top center",
        marker={"size": 14, "color": [r["top1"] for r in known], "colorscale": "Viridis",
                "showscale": True, "colorbar": {"title": "top-1 %"},
                "line": {"width": 1, "color": "#333"}},
        customdata=[[r["family"], r["top1"]] for r in known], name="ImageNet top-1 known",
        hovertemplate="%{text}<br>%{x:.2f} GMACs, %{y:.2f} M params<br>"
                      "top-1 %{customdata[1]:.1f}%<extra>%{customdata[0]}</extra>"))
    if unknown:
        fig.add_trace(go.Scatter(
            x=[r["macs"] / 1e9 for r in unknown], y=[r["params"] / 1e6 for r in unknown],
            mode="markers+text", text=[r["title"] for r in unknown], textposition="top center",
            marker={"size": 12, "color": "#bbbbbb", "symbol": "diamond"},
            name="no ImageNet figure", hovertemplate="%{text}<br>%{x:.3f} GMACs, "
                                                     "%{y:.3f} M params<extra></extra>"))
    fig.update_layout(template=TEMPLATE, height=560, title="Size against compute",
                      xaxis={"title": "GMACs per image (log scale)", "type": "log"},
                      yaxis={"title": "parameters, millions (log scale)", "type": "log"},
                      legend={"orientation": "h", "y": -0.15}, margin={"t": 50})
    return fig


def history(epochs: Sequence[dict]) -> go.Figure:
    """Loss and accuracy per epoch, training and validation; phases shaded by name.

    Each row needs ``epoch``, ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``
    and optionally ``phase`` (e.g. "frozen", "fine-tune").
    """
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Loss", "Accuracy"),
                        horizontal_spacing=0.1)
    x = [row["epoch"] for row in epochs]
    for col, metric in ((1, "loss"), (2, "accuracy")):
        for prefix, dash, label in (("", "solid", "training"), ("val_", "dash", "validation")):
            fig.add_trace(go.Scatter(
                x=x, y=[row.get(prefix + metric) for row in epochs], mode="lines+markers",
                name=label, legendgroup=label, showlegend=col == 1,
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
    fig = go.Figure(go.Heatmap(z=matrix, x=list(class_names), y=list(class_names),
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
    fig = go.Figure(go.Bar(x=[r["probability"] for r in rows], y=[r["class"] for r in rows],
                           orientation="h", marker_color=MAC_COLOR,
                           text=[f"{r['probability']:.1%}" for r in rows], textposition="auto",
                           hovertemplate="%{y}: %{x:.2%}<extra></extra>"))
    fig.update_layout(template=TEMPLATE, title=title, height=80 + 40 * len(rows),
                      xaxis={"title": "probability", "range": [0, 1], "tickformat": ".0%"},
                      yaxis_title="class", margin={"t": 40 if title else 10, "b": 10, "r": 30})
    return fig
