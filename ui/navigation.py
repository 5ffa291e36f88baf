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
    """One page: ``file`` is its name under ``pages/``; ``section`` its sidebar group.

    ``summary`` is the page's one line on the home page's "Where to start" list (Markdown).
    """

    file: str
    title: str
    icon: str
    section: str
    summary: str = ""

    @property
    def url_path(self) -> str:
        """The page's URL path: its file name without ``.py`` (the home page has none)."""
        return "" if self.file == HOME.file else Path(self.file).stem


HOME = PageEntry("home.py", "Home", "🔬", "")

PAGES: tuple[PageEntry, ...] = (
    HOME,
    PageEntry("architecture_explorer.py", "Architecture Explorer", "🧭", "Architectures",
              "one network at a time, LeNet-5 to EfficientNet-B7: every layer's shape, weights "
              "and multiply-adds, a Keras cross-check, and your own layer graph."),
    PageEntry("compare_models.py", "Compare Models", "📊", "Architectures",
              "the whole zoo on one chart, size against compute; accuracy at matched compute; "
              "and MACs against latency measured on this machine."),
    PageEntry("resnet_lab.py", "ResNet Lab", "🪜", "Architectures",
              "the residual block and its shortcuts, the identity it can fall back to, and He et "
              "al.'s degradation experiment, run here."),
    PageEntry("feature_maps.py", "Feature Maps & Grad-CAM", "🔦", "Architectures",
              "a photo flows through the pretrained MobileNetV2: each stage's activations, the "
              "top-5 classes, and where the network looked."),
    PageEntry("inception_lab.py", "1×1 & Inception", "🧩", "Cost labs",
              "why GoogLeNet can afford 5×5 filters: a 1×1 convolution squeezes the channels "
              "first."),
    PageEntry("mobilenet_lab.py", "Depthwise & MobileNet", "📱", "Cost labs",
              r"a depthwise-separable convolution costs $\frac{1}{N} + \frac{1}{K^2}$ of a "
              "standard one; MobileNet's two blocks, and what the clock says."),
    PageEntry("scaling_lab.py", "Compound scaling", "📈", "Cost labs",
              "one knob, φ, grows EfficientNet-B0's depth, width and input size together."),
    PageEntry("augmentation_studio.py", "Augmentation Studio", "🎨", "Data",
              "tune flips, crops, colour shifts and PCA colour noise on a photo, and copy the "
              "Keras code."),
    PageEntry("datasets.py", "Datasets", "🗂️", "Data",
              "scan a folder of images and see what is usable before you train."),
    PageEntry("training_studio.py", "Training Studio", "🏋️", "Training",
              "fine-tune MobileNetV2 with ImageNet weights on your folder, watch the curves, "
              "find the mistakes, and export."),
    PageEntry("transfer_lab.py", "Transfer Lab", "🧪", "Training",
              "how much of a pretrained network to retrain for how much data, checked on your "
              "own folder."),
    PageEntry("jobs.py", "Jobs", "📋", "Training",
              "the server's queue: every training run and experiment, its state and place, "
              "and the controls of your own."),
    PageEntry("practice.py", "Practice", "✍️", "Practice",
              "write the week's blocks in Keras (identity block to transfer model) and have "
              "them checked on the spot, in the course's terms."),
)

SECTIONS = ("", "Architectures", "Cost labs", "Data", "Training", "Practice")


def where_to_start() -> str:
    """The home page's list: one Markdown line per page after home, in sidebar order."""
    return "\n".join(f"- **{e.icon} {e.title}**: {e.summary}" for e in PAGES if e is not HOME)


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
