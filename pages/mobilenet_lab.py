"""Depthwise & MobileNet lab: 1/N + 1/K² of the cost, v1 against v2 blocks, and real latency."""

import streamlit as st

from cvlab.labs.separable import COURSE_EXAMPLE, has_skip, kernel_fits, output_size_note
from cvlab.report import CONVENTION, shape_text
from ui import labs
from ui.latency import separable_latency_panel
from ui.layout import page_setup

page_setup(
    __file__,
    "Split a convolution into a per-channel filter and a 1×1 mix, and it costs "
    "$\\frac{1}{N} + \\frac{1}{K^2}$ as much. Then see MobileNet's two "
    "blocks, and what this machine makes of the saving.",
)
st.caption(CONVENTION)

# 1. Standard against depthwise-separable.
st.header("1 · Standard against depthwise-separable")
left, right = st.columns([1, 2])
with left:
    h = st.slider("Input height H", 3, 112, COURSE_EXAMPLE["height"], key="mob_h")
    w = st.slider("Input width W", 3, 112, COURSE_EXAMPLE["width"], key="mob_w")
    m = st.slider("Input channels M", 1, 512, COURSE_EXAMPLE["in_channels"], key="mob_m")
    n = st.slider("Output channels N", 1, 512, COURSE_EXAMPLE["out_channels"], key="mob_n")
    k = st.select_slider("Filter size K", [1, 3, 5, 7], COURSE_EXAMPLE["kernel"], key="mob_k")
    padding = st.radio("Padding", ["valid", "same"], horizontal=True, key="mob_padding")
k, fitted_note = kernel_fits(k, h, w)
cost, cost_figure = labs.separable_pair(h, w, m, n, k, padding)
out = cost.profile.layers[-1].output_shape
with right:
    if fitted_note:
        st.info(fitted_note)
    c1, c2, c3 = st.columns(3)
    c1.metric("Standard conv", f"{cost.standard:,}", help="MACs per image")
    c2.metric("Depthwise + pointwise", f"{cost.separable:,}",
              help=f"{cost.depthwise:,} + {cost.pointwise:,} MACs per image")
    c3.metric("Ratio", f"{cost.ratio:.3f}", help="separable / standard")
    st.markdown(
        f"Output {shape_text(out)}. Depthwise **{cost.depthwise:,}** + pointwise "
        f"**{cost.pointwise:,}** = **{cost.separable:,}** against **{cost.standard:,}**: a "
        f"ratio of **{cost.ratio:.3f}**, and "
        f"$\\frac{{1}}{{N}} + \\frac{{1}}{{K^2}} = \\frac{{1}}{{{n}}} + "
        f"\\frac{{1}}{{{cost.kernel}^2}} = {cost.formula:.3f}$: the same number, since the "
        "output size and M cancel out. "
        f"The separable version is {1 / cost.ratio:.1f}× cheaper.")
    st.plotly_chart(cost_figure, width="stretch")

# 2. MobileNet v1's block next to v2's bottleneck.
st.header("2 · MobileNet v1's block against v2's inverted residual")
left, right = st.columns([1, 2])
with left:
    size = st.select_slider("Input height and width", [7, 14, 28, 56, 112], 56, key="mob_size")
    c_in = st.slider("Input channels", 8, 320, 24, step=8, key="mob_cin")
    c_out = st.slider("Output channels", 8, 320, 24, step=8, key="mob_cout")
    t = st.slider("Expansion factor t (v2)", 1, 8, 6, key="mob_t")
    stride = st.radio("Stride", [1, 2], horizontal=True, key="mob_stride")
    linear = st.toggle("Linear projection (v2)", True, key="mob_linear",
                       help="MobileNetV2 leaves the last 1×1 without an activation.")
v1, v2, blocks_figure = labs.blocks(size, c_in, c_out, t, stride, linear)
with right:
    a, b = st.columns(2)
    a.metric("v1 block: params", f"{v1.total_params:,}")
    a.metric("v1 block: MACs", f"{v1.macs:,}")
    b.metric("v2 block: params", f"{v2.total_params:,}")
    b.metric("v2 block: MACs", f"{v2.macs:,}")
    st.plotly_chart(blocks_figure, width="stretch")
    if note := output_size_note(v1, v2, stride):
        st.info(note)
    st.caption(f"v1: depthwise 3×3 → pointwise 1×1. v2: 1×1 expand ×{t} → depthwise 3×3 → "
               "1×1 project. Batch norm adds 4 numbers per channel.")
    if has_skip(v2):
        st.success(f"Input and output are both {shape_text(v2.input_shape)}, so v2 adds the "
                   "input back (the skip joins the narrow ends).")
    else:
        st.info(f"No skip: the input is {shape_text(v2.input_shape)} but the output is "
                f"{shape_text(v2.output_shape)}. A skip needs stride 1 and equal channels; "
                "in MobileNetV2 that holds for 10 of the 17 blocks.")
st.markdown(
    "**Why the projection is linear.** The block's output is narrow, and a ReLU on a narrow "
    "layer destroys information. Below, points of a 2-D circle are spread over n channels "
    "by a random linear map and passed through ReLU; a point can be recovered only if at "
    "least two of its channels stay positive." +
    ("" if linear else " **You switched the projection's ReLU on: these are the losses it "
                       "risks.**"))
st.plotly_chart(labs.relu_loss(), width="stretch")

# 3. MACs are not latency.
st.header("3 · Fewer MACs, but how much faster? Measured on this machine")
separable_latency_panel(h, w, m, n, k, padding, cost)
