"""cvlab home: what the lab offers and how its numbers are counted."""

import streamlit as st

from cvlab import zoo
from cvlab.report import CONVENTION, short_count
from cvlab.zoo.teaching import lenet_gap
from ui.cached import all_profiles, figure
from ui.layout import page_setup
from ui.navigation import where_to_start

page_setup(
    __file__,
    "An interactive lab for the classic CNNs: their shapes and costs, live data "
    "augmentation, and transfer learning on your own images.",
)

left, right = st.columns([3, 2])
with left:
    st.markdown("**Where to start**\n\n" + where_to_start() + "\n\nEverything a page "
                "computes is also available headless: `python -m cvlab --help`.")
with right:
    st.info(CONVENTION)

profiles = all_profiles()
rows = [{"title": zoo.info(n).title, "family": zoo.info(n).family,
         "params": p.total_params, "macs": p.macs, "top1": zoo.info(n).top1}
        for n, p in profiles.items() if zoo.info(n).family != "LeNet"]
st.plotly_chart(figure("compare", rows), width="stretch")
lenet = profiles["lenet5"]
st.caption(f"LeNet-5 ({short_count(lenet.total_params)} parameters, "
           f"{short_count(lenet.macs)} MACs) is left out: it would squeeze the others together. "
           f"{lenet_gap(profiles)} Compare Models can add it.")
