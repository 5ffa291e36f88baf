"""1×1 & Inception lab: a 1×1 conv is a dense layer per pixel, and a bottleneck saves ~10×."""

import pandas as pd
import streamlit as st

from cvlab.labs.inception import BRANCH_DEFAULTS, MODULE_DEFAULTS, pointwise_demo, shrink_profile
from cvlab.report import CONVENTION, count, shape_text
from ui import labs
from ui.layout import page_setup

page_setup(
    __file__,
    "Why GoogLeNet can afford 5×5 filters: a 1×1 convolution squeezes the channels first. "
    "Move the sliders and watch the multiply-adds.",
)
st.caption(CONVENTION)

# 1. A 1×1 convolution is a fully connected layer applied at every pixel.
st.header("1 · A 1×1 convolution is a dense layer at every position")
left, right = st.columns([1, 2])
with left:
    size = st.slider("Volume height and width", 2, 6, 4, key="inc_demo_size")
    channels = st.slider("Input channels C", 2, 8, 6, key="inc_demo_channels")
    filters = st.slider("1×1 filters F", 1, 4, 3, key="inc_demo_filters")
demo = pointwise_demo(size, channels, filters)
with right:
    st.markdown(
        f"A {size}×{size}×{channels} volume of small integers goes through a 1×1 convolution "
        f"with {count(filters, 'filter')}, computed as a sliding-window convolution. "
        f"Separately, each pixel's {channels} numbers go through one dense layer ({channels} "
        f"inputs, {count(filters, 'unit')}, the same weights). The two outputs are compared "
        "number by number.")
    c1, c2, c3 = st.columns(3)
    c1.metric("Largest difference", f"{demo.max_difference:g}")
    c2.metric("MACs, 1×1 conv", f"{demo.conv_macs:,}")
    c3.metric("MACs, dense per pixel", f"{demo.dense_macs:,}")
    a, b = st.columns(2)
    a.caption("1×1 convolution, output channel 1")
    a.dataframe(pd.DataFrame(demo.conv[:, :, 0]).astype(int), width="stretch")
    b.caption("Dense layer at each pixel, unit 1")
    b.dataframe(pd.DataFrame(demo.dense[:, :, 0]).astype(int), width="stretch")

# 2. Shrinking channels against shrinking space.
st.header("2 · Shrink the channels, or shrink the space")
left, right = st.columns([1, 2])
with left:
    squeeze = st.slider("1×1 filters", 8, 192, 32, step=8, key="inc_shrink_filters")
    pool = st.select_slider("Pool window and stride", [2, 4, 7], 2, key="inc_shrink_pool")
shrink = shrink_profile(28, 192, squeeze, pool)
with right:
    st.dataframe(pd.DataFrame([{
        "layer": r.name, "output (H×W×C)": shape_text(r.output_shape), "params": r.params,
        "MACs": r.macs} for r in shrink.layers]), hide_index=True, width="stretch",
        column_config={"params": st.column_config.NumberColumn(format="localized"),
                       "MACs": st.column_config.NumberColumn(format="localized")})
    st.markdown("The 1×1 convolution keeps every pixel and cuts the channels; pooling keeps "
                "every channel and cuts the pixels, with no weights at all.")

# 3. The branch-cost calculator.
st.header("3 · What the 1×1 bottleneck saves")
left, right = st.columns([1, 2])
with left:
    b_size = st.slider("Height and width", 7, 56, BRANCH_DEFAULTS["size"], key="inc_size")
    b_in = st.slider("Input channels", 16, 512, BRANCH_DEFAULTS["channels"], step=16,
                     key="inc_channels")
    b_out = st.slider("Output channels", 8, 256, BRANCH_DEFAULTS["filters"], step=8,
                      key="inc_filters")
    b_kernel = st.select_slider("Filter size K", [3, 5, 7], BRANCH_DEFAULTS["kernel"],
                                key="inc_kernel")
    b_reduce = st.slider("Bottleneck channels", 4, 128, BRANCH_DEFAULTS["reduce"], step=4,
                         key="inc_reduce")
cost, cost_figure = labs.branch(b_size, b_in, b_out, b_kernel, b_reduce)
with right:
    m1, m2, m3 = st.columns(3)
    m1.metric("Without the bottleneck", f"{cost.direct_macs:,}", help="MACs per image")
    m2.metric("With it", f"{cost.bottleneck_macs:,}",
              help=f"{cost.reduce_macs:,} + {cost.conv_macs:,} MACs per image")
    m3.metric("Saving", f"{cost.ratio:.1f}×")
    st.markdown(f"**{cost.reduce_macs:,} + {cost.conv_macs:,} = {cost.bottleneck_macs:,}** "
                f"MACs against **{cost.direct_macs:,}**; weights {cost.bottleneck_params:,} "
                f"against {cost.direct_params:,}.")
    st.plotly_chart(cost_figure, width="stretch")

# 4. A whole Inception module.
st.header("4 · Build an Inception module")
st.caption("Four branches read the same 28×28×192 input and are stacked along channels. "
           "Defaults are GoogLeNet's module 3a.")
labels = ("1×1 filters", "3×3 reduce", "3×3 filters", "5×5 reduce", "5×5 filters",
          "pool projection")
cols = st.columns(6)
widths = tuple(col.number_input(label, 1, 512, default, step=8, key=f"inc_module_{i}")
               for i, (col, label, default) in enumerate(zip(cols, labels, MODULE_DEFAULTS,
                                                             strict=True)))
module, branches, module_figure = labs.module(28, 192, widths)
st.markdown(" + ".join(str(b.channels) for b in branches)
            + f" = **{module.output_shape[-1]} channels**: output "
              f"{shape_text(module.output_shape)}, {module.total_params:,} weights, "
              f"{module.macs:,} MACs.")
st.plotly_chart(module_figure, width="stretch")

if st.button("See all nine modules in GoogLeNet, in the Explorer", key="inc_to_explorer"):
    st.session_state["explorer_source"] = "From the zoo"
    st.session_state["explorer_model"] = "googlenet"
    st.switch_page("pages/architecture_explorer.py")
