"""Compare Models: the whole zoo on one chart, size against compute, with accuracy."""

import pandas as pd
import streamlit as st

from cvlab import figures, latency, zoo
from cvlab.latency import LatencySpec
from cvlab.report import CONVENTION, short_count
from cvlab.zoo.frontier import pareto_front
from cvlab.zoo.teaching import lenet_gap
from ui.cached import all_profiles, figure
from ui.latency import measure_button
from ui.layout import page_setup

page_setup(
    __file__,
    "Every network at its default input size. Up and right costs more; brighter "
    "colours are more accurate on ImageNet.",
)

profiles = all_profiles()
families = st.multiselect("Families", zoo.FAMILIES,
                          default=[f for f in zoo.FAMILIES if f != "LeNet"],
                          key="compare_families",
                          help="The axes follow the families picked. LeNet-5, a digits "
                               "network, is left out at first so it does not squeeze the "
                               "others together. " + lenet_gap(profiles))
chosen = [n for n in zoo.names() if zoo.info(n).family in families]
if not chosen:
    st.warning("Pick at least one family to compare.")
    st.stop()

rows = [{"name": n, "title": zoo.info(n).title, "family": zoo.info(n).family,
         "year": zoo.info(n).year, "input": "×".join(map(str, profiles[n].input_shape)),
         "params": profiles[n].total_params, "macs": profiles[n].macs,
         "top1": zoo.info(n).top1, "source": zoo.info(n).top1_source or "—"}
        for n in chosen]
st.plotly_chart(figure("compare", rows), width="stretch")
st.caption(CONVENTION)
frontier = {r["name"] for r in pareto_front(rows)}

table = pd.DataFrame([{
    "model": r["title"], "year": r["year"], "input": r["input"],
    "params": short_count(r["params"]), "MACs": short_count(r["macs"]),
    "ImageNet top-1 %": "—" if r["top1"] is None else f"{r['top1']:.1f}",
    "on the frontier": "—" if r["top1"] is None else "yes" if r["name"] in frontier else "no",
    "top-1 source": r["source"]} for r in rows])
st.dataframe(table, width="stretch", hide_index=True)
if frontier:  # none when only LeNet-5 or the CIFAR nets are picked
    st.plotly_chart(figures.accuracy_frontier(rows), width="stretch")
    st.caption("Accuracy is compared at matched compute, as the EfficientNet paper does: a "
               "network on the dotted Pareto frontier is beaten by none that costs no more "
               "MACs. Accuracy *per* MAC would reward tiny networks whatever their accuracy.")
st.markdown("""
**Reading the chart.** VGG sits top-right: many weights and many multiply-adds for its
accuracy. ResNet-50 is more accurate with under a fifth of VGG-16's weights (25.6 M against
138.4 M), but not because of its bottleneck blocks: 124 M of VGG-16's weights sit in its three
dense layers, while ResNet-50 averages its last feature map into one vector (global average
pooling) and needs a single 2,048 × 1,000 dense layer. The bottlenecks save *compute*: they
keep 50 layers at 3.9 G MACs, a quarter of VGG-16's 15.5 G. MobileNets and EfficientNets sit
bottom-left: a depthwise-separable 3×3 layer costs $\\frac{1}{N} + \\frac{1}{9}$ of a
standard one, eight to nine times less, and compound scaling spends extra compute where it
buys the most accuracy.
Top-1 figures are single-crop ImageNet validation accuracy as published by the source named
in the table; LeNet-5 was built for digits and has none.
""")

# Measured latency: MACs are not milliseconds.
st.subheader("MACs against measured latency, on this machine")
measured = [{**r, "title": r["title"] if r["input_shape"][0] == zoo.resolve_options(
    r["key"].split("@")[0])["resolution"] else f"{r['title']} ({r['input_shape'][0]} px)"}
    for r in latency.stored() if r["key"].split("@")[0] in zoo.names()]
if measured:
    batch = st.radio("Batch size", sorted({r["batch"] for r in measured}), horizontal=True,
                     key="compare_latency_batch")
    st.plotly_chart(figures.macs_vs_latency(measured, batch), width="stretch")
    st.dataframe(pd.DataFrame([{
        "model": r["title"], "input": "×".join(map(str, r["input_shape"])),
        "MACs": short_count(r["macs"]), "ms / image": round(r["ms_per_image"], 3),
        "ms per G MACs": round(r["ms_per_image"] / (r["macs"] / 1e9), 2), "device": r["device"]}
        for r in measured if r["batch"] == batch]), hide_index=True, width="stretch")
    st.caption("Each network with random weights, inference mode, in Keras; the median of "
               "repeated runs divided by the batch size, so a busy machine shows in the "
               "numbers. Depthwise convolutions do little arithmetic for the memory they "
               "touch, so depthwise-heavy networks (MobileNet, EfficientNet) usually take more "
               "milliseconds per G MACs than plain ones such as VGG: compare the last column.")
else:
    st.info("Nothing measured on this machine yet. Measuring takes a few minutes on a CPU; "
            "it runs in the background and is stored, so it happens once per machine.")
measure_button("Measure latency on this machine" if not measured else "Measure again",
               LatencySpec(batches=(1, 32), force=bool(measured)), "compare_latency")
st.caption("Headless: `python -m cvlab latency --batch 1,32` (add model names to choose).")
