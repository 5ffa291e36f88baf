"""Datasets: pick a dataset (bundled sample, folder on disk or zip upload), scan it, see the report.

The chosen folder is stored in ``st.session_state["dataset_dir"]`` for the training page.
"""

from __future__ import annotations

from pathlib import Path

import plotly.express as px
import streamlit as st

from cvlab.data import SAMPLES, app_data_dir, data_roots, ensure_sample, resolve_allowed, scan
from cvlab.data.images import DEFAULT_MAX_PIXELS, load_resized
from cvlab.data.scan import ScanReport, tree_stamp
from cvlab.data.uploads import extract_zip, upload_folder
from cvlab.errors import CvlabError
from ui.layout import page_setup

SAMPLE_TEXT = {
    "faces": "Faces vs. not faces: 200 crops from scikit-image's lfw_subset",
    "shapes": "Shapes: circles, squares and triangles drawn on photo crops (180 images)",
    "messy": "Messy: one of every problem the scan catches (a pixel limit under 3 MP "
    "also skips its panorama)",
}
THUMBS_PER_CLASS = 6
THUMB_SIZE = (96, 96)

page_setup(
    __file__,
    "Point the lab at a folder with one sub-folder per class; see exactly what will "
    "be trained on, what was fixed, and what was left out.",
)

with st.expander("Why messy data is dangerous"):
    st.markdown(
        "- **Crashes late.** A loader that only lists files counts a truncated JPEG as "
        "an image, then fails on it mid-epoch, after minutes of training.\n"
        "- **Silent wrong pixels.** A CMYK or 16-bit file read naively gives wrong colours; "
        "a phone photo ignoring its EXIF tag arrives sideways. The model learns from "
        "pictures nobody looked at.\n"
        "- **Flattering numbers.** The same photo in two classes means a wrong label; a "
        "copy in both training and validation leaks the answer; a 95 %-majority class "
        "gives 95 % accuracy to a model that learnt nothing.\n\n"
        "So every file is fully decoded once before training, and each one is either used, "
        "used after a noted conversion, or skipped with its reason."
    )


@st.cache_data(show_spinner=False, max_entries=16)
def cached_scan(root: str, stamp: float, max_pixels: int) -> ScanReport:
    """Scan ``root``; ``stamp`` (folder mtimes) is only part of the cache key."""
    bar = st.progress(0.0, text="Decoding every image…")
    report = scan(root, max_pixels=max_pixels, progress=lambda d, t: bar.progress(d / t))
    bar.empty()
    return report


@st.cache_data(show_spinner=False, max_entries=256)
def thumbnail(path: str, stamp: float):
    """A small RGB thumbnail; ``stamp`` (file mtime) is only part of the cache key."""
    return load_resized(Path(path), THUMB_SIZE)


def choose_folder() -> Path:
    """The dataset folder the user picked; stops the page with a message when there is none."""
    source = st.radio(
        "Dataset source",
        ["Bundled sample", "Folder on disk", "Upload a zip"],
        horizontal=True,
    )
    if source == "Bundled sample":
        name = st.selectbox("Sample dataset", list(SAMPLES), format_func=SAMPLE_TEXT.get)
        with st.spinner(f"Preparing the {name} sample…"):
            return ensure_sample(name)
    if source == "Folder on disk":
        roots = ", ".join(f"`{r}`" for r in data_roots())
        st.caption(f"Allowed data folders: {roots}. Relative paths start at the first one.")
        st.session_state.setdefault("folder_text", st.session_state.get("dataset_dir", ""))
        typed = st.text_input("Folder", key="folder_text")
        if not typed.strip():
            st.info("Type the path of a folder that holds one sub-folder per class.")
            st.stop()
        return resolve_allowed(typed)
    upload = st.file_uploader("Zip of class folders", type=["zip"])
    if upload is None:
        st.info("Upload a .zip whose folders are the classes, e.g. `cat/…`, `dog/…`.")
        st.stop()
    extracted = st.session_state.setdefault("extracted_uploads", {})
    if upload.file_id not in extracted:
        target = upload_folder(app_data_dir() / "uploads", upload.name)
        with st.spinner("Extracting safely…"):
            try:
                extracted[upload.file_id] = str(extract_zip(upload, target))
            except CvlabError:
                target.rmdir()  # refused before anything was written into it
                raise
    return Path(extracted[upload.file_id])


def table(title: str, rows: list[dict], when_empty: str) -> None:
    st.subheader(title)
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch")
    else:
        st.success(when_empty)


def show(report: ScanReport) -> None:
    cols = st.columns(4)
    cols[0].metric("Usable images", report.images)
    cols[1].metric("Classes", len(report.class_names))
    cols[2].metric("Skipped", len(report.skipped))
    cols[3].metric("Converted", len(report.converted))
    for warning in report.warnings:
        st.warning(warning)

    counts = report.classes
    figure = px.bar(
        x=list(counts),
        y=list(counts.values()),
        labels={"x": "Class", "y": "Usable images"},
        title="Images per class",
        text=list(counts.values()),
    )
    st.plotly_chart(figure, width="stretch")

    skipped = [
        {"file": report.relative(s.path), "reason": s.reason, "detail": s.detail}
        for s in report.skipped
    ]
    converted = [
        {"file": report.relative(c.path), "what was done": c.note} for c in report.converted
    ]
    table(f"Skipped ({len(skipped)})", skipped, "Nothing skipped.")
    table(f"Converted ({len(converted)})", converted, "Nothing needed converting.")
    if report.ignored:
        st.caption(
            f"Ignored {len(report.ignored)} hidden or system entries (.DS_Store, __MACOSX…)."
        )

    st.subheader("A few images per class, as the model will see them")
    st.caption("Converted files come first, so you can check the conversion; all are stretched.")
    changed = {c.path for c in report.converted}
    for name in report.class_names:
        paths = sorted(report.files_of(name), key=lambda p: p not in changed)[:THUMBS_PER_CLASS]
        st.markdown(f"**{name}** · {report.classes[name]} images")
        images = [thumbnail(str(p), p.stat().st_mtime) for p in paths]
        st.image(images, caption=[p.name for p in paths], width=THUMB_SIZE[1])


try:
    folder = choose_folder()
    with st.expander("Scan settings"):
        megapixels = st.number_input(
            "Pixel limit (megapixels): larger images are skipped",
            min_value=0.1,
            max_value=500.0,
            value=DEFAULT_MAX_PIXELS / 1e6,
            step=1.0,
        )
    report = cached_scan(str(folder), tree_stamp(folder), int(megapixels * 1e6))
except CvlabError as exc:
    st.error(str(exc))
    st.stop()

st.session_state["dataset_dir"] = str(report.root)
st.success(f"Using `{report.root}` for training: {report.images} images, "
           f"{len(report.class_names)} classes.")
show(report)
