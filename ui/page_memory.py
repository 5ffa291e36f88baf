"""Settings that survive a trip to another page.

Streamlit forgets the value of a widget that a run does not draw, so leaving a page would
reset its controls. :func:`keep_settings` runs at the top of every run (``app.py``) and
re-asserts the value of each setting already in the session: coming back then finds every
control as it was left. Only value widgets are listed: a button, an upload or a chart's
selection cannot be set through ``st.session_state``.
"""

from __future__ import annotations

import streamlit as st

from ui.augment import setting_keys

#: Setting keys, by page; an entry ending in ``_`` stands for every key it starts.
KEPT = (
    # Architectures
    "explorer_source", "explorer_model", "explorer_stack", "explorer_rank", "explorer_alpha",
    "explorer_hide_se",
    "explorer_resolution_", "explorer_top", "explorer_aux", "compare_families",
    "compare_latency_batch", "resnet_budget", "resnet_recipe", "resnet_depths", "resnet_epochs_",
    "resnet_seed", "resnet_gradient_depth", "fm_source", "fm_photo", "fm_stage", "fm_model",
    # Cost labs
    "inc_demo_size", "inc_demo_channels", "inc_demo_filters", "inc_shrink_filters",
    "inc_shrink_pool", "inc_size", "inc_channels", "inc_filters", "inc_kernel", "inc_reduce",
    "inc_module_", "mob_h", "mob_w", "mob_m", "mob_n", "mob_k", "mob_padding", "mob_size",
    "mob_cin", "mob_cout", "mob_t", "mob_stride", "mob_linear", "mob_latency_batch",
    "scale_phi",
    # Data
    "datasets_source", "datasets_sample", "datasets_megapixels", "folder_text",
    # Training
    "train_mode", "train_model", "train_network", "train_file_mode", "train_epochs",
    "train_image_size", "train_batch_size",
    "train_lr_", "train_seed", "train_fine_tune_at", "train_augment", "curve_modes",
    "curve_amounts", "curve_epochs", "curve_image_size", "curve_seed", "ft_layout", "ft_at",
    "ft_classes", "eval_multicrop", "exp_formats",
    # Practice: the exercise, and each exercise's code
    "practice_exercise", "practice_code_",
)
#: Value widgets left to reset: choices among things that come and go (runs, photos,
#: experiments, confusion cells) and choices that only make sense on the visit they
#: were made (a held-out image, a Grad-CAM target).
NOT_KEPT = ("train_dataset", "run_pick:", "cells_run:", "curve_pick:", "compare_runs",
            "tricks_run", "tricks_members", "try_source", "try_image", "mistakes_heat",
            "fm_target:", "fm_run", "fm_held_out", "resnet_past_", "resume_epochs:",
            "cell_true", "cell_predicted", "model_file_pick:", "fm_conv:", "fm_layer:",
            "fm_file_target:")


AUGMENTATION = frozenset(setting_keys())  # the Augmentation Studio's, every op's controls


def kept(key: str) -> bool:
    """Whether the widget key ``key`` is a setting that survives leaving its page."""
    return key in AUGMENTATION or any(key == k or (k.endswith("_") and key.startswith(k))
                                      for k in KEPT)


def keep_settings() -> None:
    """Re-assert every setting's current value. Call at the top of every run, before any
    page draws."""
    for key in filter(kept, list(st.session_state)):
        st.session_state[key] = st.session_state[key]
