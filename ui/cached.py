"""Cached calls into cvlab, shared by every user of this server process.

Profiles are immutable and cheap to keep, so they live in ``st.cache_resource``;
Keras models are built only on request, through :func:`keras_check`.
"""

from __future__ import annotations

import streamlit as st

from cvlab import zoo
from cvlab.profile import Profile, profile
from cvlab.stack import parse_stack


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
    """Build the network in Keras (and the keras.applications twin, if any) and count."""
    from cvlab.keras_compare import compare_with_keras

    return compare_with_keras(name, **dict(options))
