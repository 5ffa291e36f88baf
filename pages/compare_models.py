"""Compare Models: the whole zoo on one chart, size against compute, with accuracy."""

import pandas as pd
import streamlit as st

from cvlab import plots, zoo
from cvlab.report import CONVENTION, short_count
from ui.cached import all_profiles
from ui.layout import page_setup

page_setup(
    __file__,
    "Every network at its default input size. Up and right costs more; brighter "
    "colours are more accurate on ImageNet.",
)

profiles = all_profiles()
families = st.multiselect("Families", zoo.FAMILIES, default=list(zoo.FAMILIES),
                          key="compare_families")
chosen = [n for n in zoo.names() if zoo.info(n).family in families]
if not chosen:
    st.warning("Pick at least one family to compare.")
    st.stop()

rows = [{"name": n, "title": zoo.info(n).title, "family": zoo.info(n).family,
         "year": zoo.info(n).year, "input": "×".join(map(str, profiles[n].input_shape)),
         "params": profiles[n].total_params, "macs": profiles[n].macs,
         "top1": zoo.info(n).top1, "source": zoo.info(n).top1_source or "—"}
        for n in chosen]
st.plotly_chart(plots.compare(rows), width="stretch")
st.caption(CONVENTION)

table = pd.DataFrame([{
    "model": r["title"], "year": r["year"], "input": r["input"],
    "params": short_count(r["params"]), "MACs": short_count(r["macs"]),
    "top-1 accuracy per MAC (%/GMAC)": round(r["top1"] / (r["macs"] / 1e9), 1) if r["top1"]
    else None,
    "ImageNet top-1 %": r["top1"], "top-1 source": r["source"]} for r in rows])
st.dataframe(table, width="stretch", hide_index=True)
st.markdown("""
**Reading the chart.** VGG sits top-right: many weights and many multiply-adds for its
accuracy. ResNet-50 reaches higher accuracy with a fifth of VGG-16's weights, thanks to
bottleneck blocks. MobileNets and EfficientNets sit bottom-left of the accuracy frontier:
depthwise-separable convolutions cut compute roughly eightfold, and compound scaling
spends extra compute where it buys the most accuracy. Top-1 figures are single-crop
ImageNet validation accuracy as published by the source named in the table; LeNet-5 was
built for digits and has none.
""")
