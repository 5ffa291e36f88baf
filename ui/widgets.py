"""Widgets shared by pages: model pickers and profile tables."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cvlab import zoo
from cvlab.profile import Profile
from cvlab.report import shape_text, short_count


def model_options(name: str, key: str) -> dict:
    """Sidebar controls for the options ``name`` accepts; returns the chosen options."""
    info = zoo.info(name)
    defaults = zoo.resolve_options(name)
    options: dict = {}
    if "alpha" in info.options:
        allowed = zoo.registry.ALPHAS[name]
        options["alpha"] = st.select_slider("Width multiplier α", allowed,
                                            value=defaults["alpha"], key=f"{key}_alpha",
                                            help="Scales every layer's channel count.")
    options["resolution"] = st.number_input(
        "Input resolution (pixels)", min_value=16, max_value=1024, step=1,
        value=defaults["resolution"], key=f"{key}_resolution_{name}",
        help="Height and width of the square input image.")
    options["include_top"] = st.toggle("Include the classifier head", value=True,
                                       key=f"{key}_top")
    if "aux" in info.options and options["include_top"]:
        options["aux"] = st.toggle("Auxiliary classifiers (training only)", value=False,
                                   key=f"{key}_aux",
                                   help="Two extra small classifiers on intermediate stages; "
                                        "they add weights and compute during training only.")
    elif "aux" in info.options:
        st.caption("Auxiliary classifiers belong to the classifier head: switch the head on "
                   "to add them.")
    return options


def totals(p: Profile) -> None:
    """Five headline numbers: size, compute, the course's depth and the graph's node count."""
    cols = st.columns(5)
    cols[0].metric("Parameters", short_count(p.total_params), help=f"{p.total_params:,} in total")
    cols[1].metric("Trainable", short_count(p.trainable_params),
                   help=f"{p.trainable_params:,}; the rest are batch-norm moving statistics")
    cols[2].metric("MACs per image", short_count(p.macs), help=f"{p.macs:,} multiply-accumulates")
    cols[3].metric("Depth (weight layers)", f"{p.depth}",
                   help="Convolution, depthwise and dense layers on the longest path from "
                        "input to output: the depth papers and the course quote.")
    cols[4].metric("Graph nodes", f"{len(p.layers)}",
                   help=f"Every node of the graph, pooling, batch norm and activations "
                        f"included; input {shape_text(p.input_shape)} → output "
                        f"{shape_text(p.output_shape)}")


#: How :func:`layer_table`'s counts are shown: whole numbers with thousands separators.
LAYER_COLUMNS = {"params": st.column_config.NumberColumn(format="localized"),
                 "MACs": st.column_config.NumberColumn(format="localized")}


def layer_table(p: Profile) -> pd.DataFrame:
    """One row per layer, as in the CLI table."""
    return pd.DataFrame([{
        "layer": r.name,
        "kind": r.kind,
        "stage": r.stage,
        "kernel / stride": f"{r.kernel[0]}×{r.kernel[1]} / {r.stride[0]}" if r.kernel else "",
        "padding": r.padding or "",
        "output (H×W×C)": shape_text(r.output_shape),
        "params": r.params,
        "MACs": r.macs,
        "% of MACs": round(100 * r.macs / p.macs, 2) if p.macs else 0.0,
    } for r in p.layers])
