"""cvlab home: what the lab offers and how its numbers are counted."""

import streamlit as st

from cvlab import zoo
from cvlab.report import CONVENTION, short_count
from ui.cached import all_profiles, figure
from ui.layout import page_setup

page_setup(
    __file__,
    "An interactive lab for the classic CNNs: their shapes and costs, live data "
    "augmentation, and transfer learning on your own images.",
)

left, right = st.columns([3, 2])
with left:
    st.markdown("""
**Where to start**

- **🧭 Architecture Explorer**: one network at a time, from LeNet-5 to EfficientNet-B7,
  with its shape flow, where the weights and multiply-adds go, and a Keras cross-check.
  Write your own layer graph there too, branches and all.
- **📊 Compare Models**: every network on one chart, size against compute and accuracy,
  and against latency measured on this machine.
- **Cost labs**: move a slider and watch the course's cost arguments hold, exactly:
  **🧩 1×1 & Inception** (the bottleneck's tenfold saving), **📱 Depthwise & MobileNet**
  (1/N + 1/K², v1 against v2 blocks, and what the clock says) and **📈 Compound scaling**
  (EfficientNet's φ).
- **🎨 Augmentation Studio**: tune flips, crops, colour shifts and AlexNet's PCA colour
  noise, and copy the Keras code.
- **🗂️ Datasets**: scan a folder of images and see what is usable before you train.
- **🏋️ Training Studio**: fine-tune MobileNetV2 with ImageNet weights on that folder,
  watch the curves, find the mistakes, and export for deployment.

Everything a page computes is also available headless: `python -m cvlab --help`.
""")
with right:
    st.info(CONVENTION)

profiles = all_profiles()
rows = [{"title": zoo.info(n).title, "family": zoo.info(n).family,
         "params": p.total_params, "macs": p.macs, "top1": zoo.info(n).top1}
        for n, p in profiles.items() if zoo.info(n).family != "LeNet"]
st.plotly_chart(figure("compare", rows), width="stretch")
lenet = profiles["lenet5"]
st.caption(f"LeNet-5 ({short_count(lenet.total_params)} parameters, "
           f"{short_count(lenet.macs)} MACs) is about a thousand times smaller than the rest "
           "and would squeeze them together; Compare Models can add it.")
