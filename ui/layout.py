"""One look for every page: wide layout, a title with a one-line lede."""

from __future__ import annotations

import streamlit as st

from ui import url_state
from ui.navigation import entry_for, through_entry_point


def page_setup(page_file: str, lede: str) -> None:
    """Configure the page declared for ``page_file`` (pass ``__file__``) and draw its header.

    Call first on every page. The title and icon come from ``ui/navigation.py``. The
    page's settings come from its URL on the session's first visit, and go back into it
    (:mod:`ui.url_state`).
    """
    through_entry_point()
    entry = entry_for(page_file)
    st.set_page_config(page_title=f"{entry.title} · cvlab", page_icon=entry.icon,
                       layout="wide")
    title = "cvlab: Deep Convolutional Models, case by case" if entry.file == "home.py" \
        else entry.title
    st.title(f"{entry.icon} {title}")
    st.caption(lede)
    url_state.restore(entry.file)
    url_state.mirror(entry.file)
    if note := url_state.rejected_note():
        st.warning(note)

