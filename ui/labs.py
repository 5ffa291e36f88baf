"""The cost labs' results and figures, built once per set of control values.

A Plotly figure takes 20–50 ms to build, so each lab section's numbers and figure
are cached together on the section's own control values: moving one slider
rebuilds only its own section. Figures are shared between sessions; they are
never mutated after they are built.
"""

from __future__ import annotations

import streamlit as st

from cvlab import figures
from cvlab.labs import compound, inception, separable

_cache = st.cache_resource(show_spinner=False, max_entries=512)


@_cache
def branch(size: int, channels: int, filters: int, kernel: int, reduce: int):
    cost = inception.branch_cost(size, channels, filters, kernel, reduce)
    return cost, figures.branch_cost_bars(cost, kernel, reduce)


@_cache
def module(size: int, channels: int, widths: tuple[int, ...]):
    profile, branches = inception.inception_costs(size, channels, widths)
    return profile, branches, figures.module_bars(branches)


@_cache
def separable_pair(h: int, w: int, m: int, n: int, k: int, padding: str):
    cost = separable.separable_cost(h, w, m, n, k, padding)
    return cost, figures.separable_bars(cost)


@_cache
def blocks(size: int, c_in: int, c_out: int, t: int, stride: int, linear: bool):
    v1 = separable.v1_block(size, c_in, c_out, stride)
    v2 = separable.v2_block(size, c_in, c_out, t, stride, linear)
    return v1, v2, figures.block_bars({"v1 block": v1, f"v2 block (t = {t})": v2})


@_cache
def relu_loss():
    return figures.relu_loss_bars(separable.relu_information_loss())


@_cache
def multiplier_curves(phi: float):
    return figures.multiplier_curves(phi)


@_cache
def equal_macs(phi: float):
    rows = compound.equal_macs(phi)
    return rows, figures.equal_macs_bars(rows)
