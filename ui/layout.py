"""One look for every page: wide layout, a title with a one-line lede."""

from __future__ import annotations

import streamlit as st

from ui.navigation import entry_for, has_run


def page_setup(page_file: str, lede: str) -> None:
    """Configure the page declared for ``page_file`` (pass ``__file__``) and draw its header.

    Call first on every page. The title and icon come from ``ui/navigation.py``.
    """
    _leave_pages_folder_mode()
    entry = entry_for(page_file)
    st.set_page_config(page_title=f"{entry.title} · cvlab", page_icon=entry.icon,
                       layout="wide")
    title = "cvlab: Deep Convolutional Models, case by case" if entry.file == "home.py" \
        else entry.title
    st.title(f"{entry.icon} {title}")
    st.caption(lede)


def _leave_pages_folder_mode() -> None:
    """Send a deep link through ``app.py`` when Streamlit ran the page file directly.

    A server whose first request is a page URL (``/inception_lab``) sees a ``pages/``
    folder and, until some run has called ``st.navigation``, runs that file without
    ``app.py``: the sidebar then lists files, not sections. ``st.navigation`` switches
    this mode off for the whole process with the flag below; we do the same and rerun,
    so the page comes back through ``app.py``, in its section.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory and not has_run():
        PagesManager.uses_pages_directory = False
        st.rerun()
