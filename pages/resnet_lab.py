"""ResNet lab: the identity a residual block can fall back to, gradients at initialisation,
and the degradation experiment (plain against residual as depth grows), all run here."""

from __future__ import annotations

import streamlit as st

from cvlab.experiments.identity import IdentitySpec
from ui import jobs
from ui.layout import page_setup
from ui.resnet_lab import (
    degradation_result,
    degradation_settings,
    identity_result,
    job_and_result,
    live_degradation,
    live_identity,
    shortcut_table,
    start_button,
)

page_setup(
    __file__,
    "Why skip connections let networks grow deep: a block that can always pass its input "
    "through, and deeper plain nets that train worse where deeper ResNets need not. Every "
    "number and curve here comes from a run of this code.",
)

# 1. The block.
st.header("1 · A residual block")
st.markdown(
    "A plain pair of layers computes $a^{[l+2]} = g(z^{[l+2]})$, with "
    "$z^{[l+2]} = W^{[l+2]} a^{[l+1]} + b^{[l+2]}$. A residual block adds its input back "
    "just before the last ReLU:\n\n"
    "$$a^{[l+2]} = g(z^{[l+2]} + a^{[l]})$$\n\n"
    "When the block changes the shape (stride 2, twice the channels), $a^{[l]}$ must be "
    "reshaped first by a shortcut $s(a^{[l]})$: a learned 1×1 convolution $W_s$ (a "
    "*projection*), "
    "or a free one that keeps every second pixel and appends channels of zeros (*zero "
    "padding*). The zero-padding shortcut adds no parameters, so a plain net and a "
    "residual net built with it have exactly the same weights; only the wiring differs."
)
st.dataframe(shortcut_table(), hide_index=True, width="stretch",
             column_config={c: st.column_config.NumberColumn(format="localized")
                            for c in ("params", "MACs per image")})
st.caption("Counted by the profiler from the zoo's one definition of each block (batch norm "
           "after every convolution; params include its moving statistics); the tests "
           "check each row against the Keras model built from the same definition.")

# 2. The identity.
st.header("2 · The identity is easy to learn")
st.markdown(
    "If the block's last weights and bias are zero, $z^{[l+2]} = 0$ and the block returns "
    "$g(a^{[l]})$. After a ReLU, $a^{[l]}$ has no negative values, so "
    "$g(a^{[l]}) = a^{[l]}$: the block is the identity. So a deeper ResNet can represent the "
    "shallower one, and its best training error is no higher; whether training reaches it "
    "depends on the optimiser and the budget (section 3's SGD run leaves ResNet-56 behind "
    "ResNet-20). L2 weight decay pulls "
    "every weight towards zero, and so pulls an unneeded block towards that identity. "
    "The demo checks the first claim value by value on real activations, then trains a "
    "small network briefly with and without weight decay."
)
jobs.warm_up()
identity_job = jobs.current("identity")
start_button("identity", identity_job, "▶ Run the identity demo", IdentitySpec,
             help="A job of about half a minute on a 2-core CPU.")
job_and_result("identity", identity_job, live_identity, identity_result)

# 3. Degradation.
st.header("3 · The degradation experiment")
st.markdown(
    "He et al. (2015) trained plain and residual networks of growing depth for the same "
    "budget. The deeper *plain* nets ended with a **higher training error**: not "
    "overfitting, since it is the error on the training set itself, but an optimisation "
    "problem. The residual nets of the same depths and parameters ended with a lower or "
    "equal error. Here the networks are the paper's CIFAR family (3×3 convolutions in "
    "three stages of 16, 32 and 64 channels, 6n + 2 layers, batch norm after each "
    "convolution) trained on Animal-MNIST silhouettes. The gradient plot shows each "
    "layer's gradient norm before training: how much of the loss signal reaches it.\n\n"
    "What to expect from the default settings (measured on seeds 0, 1 and 2): the plain "
    "nets get worse as they get deeper, and the 56-layer one ends near 50% error; both "
    "ResNets, the 56-layer one included, end at zero, the deeper one a little behind until "
    "the last epochs. The default optimizer is Adam with a rate that decays to zero: He "
    "et al.'s SGD recipe needed tens of thousands of steps, and in the 256 steps of a "
    "five-minute CPU run it leaves the 56-layer ResNet behind the 20-layer one (choose it "
    "under Optimizer to see). The line under each result says what that run showed."
)
degradation_job = jobs.current("degradation")
with st.container(border=True):
    settings = degradation_settings()
    start_button("degradation", degradation_job, "▶ Run the experiment", settings.checked,
                 type="primary")
job_and_result("degradation", degradation_job, live_degradation, degradation_result)
