"""cvlab's entry point: the sidebar's sections and pages, declared in ui/navigation.py."""

import streamlit as st

from ui import url_state
from ui.navigation import navigation
from ui.page_memory import keep_settings

keep_settings()  # every page's controls survive while other pages run
try:
    navigation().run()
except Exception:
    if not url_state.rejected():  # the error is the page's own, not a link's bad value
        raise
    st.rerun()
url_state.settled()
