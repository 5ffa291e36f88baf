"""Cached calls into cvlab, shared by every user of this server process.

Profiles are immutable and cheap to keep, so they live in ``st.cache_resource``;
Keras models are built only on request, in the inference worker (:func:`keras_check`).
"""

from __future__ import annotations

import streamlit as st

from cvlab import figures, inference, zoo
from cvlab.profile import Profile, profile
from cvlab.zoo.stack import parse_stack
from ui.inference import call


@st.cache_resource(show_spinner=False)
def zoo_profile(name: str, **options) -> Profile:
    return profile(zoo.get(name, **options))


@st.cache_resource(show_spinner=False)
def stack_profile(text: str) -> Profile:
    return profile(parse_stack(text))


@st.cache_resource(show_spinner=False)
def all_profiles() -> dict[str, Profile]:
    return {name: profile(zoo.get(name)) for name in zoo.names()}


@st.cache_data(show_spinner=False, max_entries=32)
def keras_check(name: str, options: tuple) -> dict:
    """Build the network in Keras (and the keras.applications twin, if any) and count, in
    the inference worker: one build at a time, never in the server's own Keras state."""
    return call(inference.keras_check, name, options)


@st.cache_resource(show_spinner="Loading the model…", max_entries=8)
def run_model(run_dir: str, stamp: float):
    """A run's ``model.keras`` (safe mode), loaded once per file version and shared by
    every session; ``stamp`` (its mtime) is only part of the key. It keeps working
    across the ``keras.backend.clear_session()`` Streamlit calls after every script run
    (tests/test_cached_model.py)."""
    from cvlab.train.runs import load_run_model

    return load_run_model(run_dir)


@st.cache_resource(show_spinner=False, max_entries=128)
def figure(name: str, *args, **kwargs):
    """``cvlab.figures.<name>(*args, **kwargs)``, built once per server for the same arguments
    (hashed by value) and shared by every session: ``st.plotly_chart`` only reads it.
    Building a figure costs 30-160 ms of the server's CPU; hashing its inputs, a few."""
    return getattr(figures, name)(*args, **kwargs)


@st.cache_resource(show_spinner=False, max_entries=256)
def profile_figure(profile_key: tuple, _profile: Profile, name: str, *args, **kwargs):
    """:func:`figure` of ``_profile`` and ``args``, cached on ``profile_key`` (what the
    profile was made from: the zoo name and options, or the stack's text) instead of the
    profile itself, whose hashing costs as much as the figure (50 ms for EfficientNet-B7)."""
    return getattr(figures, name)(_profile, *args, **kwargs)
