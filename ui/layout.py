"""One look for every page: wide layout, a title with a one-line lede."""

from __future__ import annotations

import streamlit as st


def page_setup(title: str, icon: str, lede: str) -> None:
    """Configure the page and draw its header. Call first on every page."""
    st.set_page_config(page_title=f"{title} · cvlab", page_icon=icon, layout="wide")
    st.title(f"{icon} {title}")
    st.caption(lede)
