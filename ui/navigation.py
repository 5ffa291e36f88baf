"""Every page declared once: its file, title, icon and sidebar section.

``app.py`` builds ``st.navigation`` from this list, and each page's header reads its
title and icon from here, so the sidebar, the browser tab and the page agree.
"""

from __future__ import annotations

import runpy
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

ENTRY_POINT = Path(__file__).resolve().parents[1] / "app.py"
PAGES_DIR = ENTRY_POINT.parent / "pages"


@dataclass(frozen=True)
class PageEntry:
    """One page: ``file`` is its name under ``pages/``; ``section`` its sidebar group."""

    file: str
    title: str
    icon: str
    section: str

    @property
    def url_path(self) -> str:
        """The page's URL path: its file name without ``.py`` (the home page has none)."""
        return "" if self.file == HOME.file else Path(self.file).stem


HOME = PageEntry("home.py", "Home", "🔬", "")

PAGES: tuple[PageEntry, ...] = (
    HOME,
    PageEntry("architecture_explorer.py", "Architecture Explorer", "🧭", "Architectures"),
    PageEntry("compare_models.py", "Compare Models", "📊", "Architectures"),
    PageEntry("resnet_lab.py", "ResNet Lab", "🪜", "Architectures"),
    PageEntry("feature_maps.py", "Feature Maps & Grad-CAM", "🔦", "Architectures"),
    PageEntry("inception_lab.py", "1×1 & Inception", "🧩", "Cost labs"),
    PageEntry("mobilenet_lab.py", "Depthwise & MobileNet", "📱", "Cost labs"),
    PageEntry("scaling_lab.py", "Compound scaling", "📈", "Cost labs"),
    PageEntry("augmentation_studio.py", "Augmentation Studio", "🎨", "Data"),
    PageEntry("datasets.py", "Datasets", "🗂️", "Data"),
    PageEntry("training_studio.py", "Training Studio", "🏋️", "Training"),
    PageEntry("transfer_lab.py", "Transfer Lab", "🧪", "Training"),
)

SECTIONS = ("", "Architectures", "Cost labs", "Data", "Training")


def entry_for(file: str) -> PageEntry:
    """The entry of a page file (a path or a bare name)."""
    name = Path(file).name
    for entry in PAGES:
        if entry.file == name:
            return entry
    known = ", ".join(e.file for e in PAGES)
    raise KeyError(f"pages/{name} is not declared in ui/navigation.py. Received: {name}; "
                   f"declared: {known}")


def through_entry_point() -> None:
    """Make sure this run goes through ``app.py``; when it did not, run ``app.py`` now.

    A fresh server whose first visitor opens a page's own URL (``/inception_lab``) sees a
    ``pages/`` folder and runs that file alone, Streamlit's old pages-folder mode: a flat
    file list in the sidebar, and ``app.py`` (which keeps settings across pages) skipped
    until some run calls ``st.navigation``. We switch the mode off as ``st.navigation``
    does and run ``app.py`` in place (it runs this page again, in its section), then stop
    the outer run. In place rather than ``st.rerun()``: a rerun shows the browser an idle
    moment between the two runs, and AppTest starts every run in that mode.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        runpy.run_path(str(ENTRY_POINT), run_name="__main__")
        st.stop()


def navigation():
    """``st.navigation`` over every declared page, grouped by section, home first."""
    groups: dict[str, list] = {section: [] for section in SECTIONS}
    for entry in PAGES:
        groups[entry.section].append(st.Page(
            PAGES_DIR / entry.file, title=entry.title, icon=entry.icon,
            url_path=entry.url_path or None, default=entry is HOME))
    return st.navigation({section: pages for section, pages in groups.items() if pages})
