"""``fine_tune_at`` on a picture: which MobileNetV2 blocks train, and how many parameters.

Counts come from the zoo's definition for the chosen weights layout (no TensorFlow);
the tests hold them equal to Keras' own count after ``set_phase``.
"""

from __future__ import annotations

import streamlit as st

from cvlab.figures import block_diagram
from cvlab.train.base_layers import base_layers, blocks, layer_trains, trainable_params
from cvlab.train.config import DEFAULT_FINE_TUNE_AT

LAYOUT_TEXT = {"torch": "torchvision weights (the bundled ones)",
               "keras": "Keras Applications weights"}


def fine_tune_picture(classes: int = 2) -> None:
    """The picture for a head of ``classes`` outputs (the learner's folder's class count),
    which the Classes box takes whenever that count changes."""
    left, middle, right = st.columns([2, 3, 1])
    layout = left.radio("Weights layout", list(LAYOUT_TEXT), format_func=LAYOUT_TEXT.get,
                        key="ft_layout")
    count = base_layers(layout)
    at = middle.slider("fine_tune_at: unfreeze base layers from index", 0, count - 1,
                       min(DEFAULT_FINE_TUNE_AT, count - 1), key="ft_at",
                       help=f"The base has {count} layers with {LAYOUT_TEXT[layout]} "
                            "(input layer included).")
    classes = max(2, min(classes, 1000))
    if st.session_state.get("ft_classes_of") != classes:
        st.session_state["ft_classes_of"] = st.session_state["ft_classes"] = classes
    classes = right.number_input("Classes", 2, 1000, key="ft_classes")
    trains = layer_trains(layout, at)
    st.plotly_chart(block_diagram(blocks(layout), trains, at), width="stretch",
                    key="ft_diagram")
    head = trainable_params(layout, "head", None, int(classes))
    fine = trainable_params(layout, "fine-tune", at, int(classes))
    full = trainable_params(layout, "train", None, int(classes))
    a, b, c = st.columns(3)
    a.metric("Trainable in the head phase", f"{head:,}")
    b.metric("Trainable in the fine-tune phase", f"{fine:,}", help=f"Layer {at} of {count} "
             "and above, BatchNorm excepted, plus the head.")
    c.metric("Trainable in full mode", f"{full:,}")
    st.caption(f"{sum(trains)} of {count} base layers have weights that train. The share "
               f"trained here: {fine / full:.0%} of what full mode trains.")
