"""Datasets: pick a dataset (bundled sample, folder on disk or zip upload), scan it, see the report.

The chosen folder is stored in ``st.session_state["dataset_dir"]`` for the training page.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import plotly.express as px
import streamlit as st

from cvlab.data import SAMPLES, app_data_dir, data_roots, ensure_sample, resolve_allowed
from cvlab.data.images import MAX_PIXELS
from cvlab.data.names import readable
from cvlab.data.scan import ScanReport, tree_stamp
from cvlab.data.scan_worker import scan_isolated, thumbnail_paths
from cvlab.data.uploads import extract_zip, upload_folder
from cvlab.errors import CvlabError
from cvlab.figures import label
from ui import messages
from ui.keras_code import show_dataset_code
from ui.layout import page_setup
from ui.text import md

SAMPLE_TEXT = {
    "faces": "Faces vs. not faces: 200 crops from scikit-image's lfw_subset",
    "shapes": "Shapes: circles, squares and triangles drawn on photo crops (180 images)",
    "messy": "Messy: one of every problem the scan catches (a pixel limit under 3 MP "
    "also skips its panorama)",
}
THUMBS_PER_CLASS = 6
RECENT_SCANS = 16
THUMB_SIZE = (128, 128)
CAPTION_CHARS = 16  # what fits on one caption line under a THUMB_SIZE thumbnail

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


@st.cache_resource(show_spinner=False)
def recent_scans() -> OrderedDict:
    """Scan reports shared by every session, keyed by (folder, tree stamp, pixel limit)."""
    return OrderedDict()


def scan_with_progress(folder: Path, max_pixels: int) -> tuple[ScanReport, dict[Path, bytes]]:
    """The scan report and thumbnails (reused while the folder is unchanged), made in a
    limited worker process (:mod:`cvlab.data.scan_worker`), never in the server, with a
    progress bar that is gone again when the scan ends or fails. Callers must not modify
    the report."""
    key = (str(folder), tree_stamp(folder), max_pixels)
    reports = recent_scans()
    found = reports.get(key)
    if found is None:
        slot = st.empty()
        try:
            found = scan_isolated(folder, max_pixels, THUMB_SIZE, THUMBS_PER_CLASS,
                                  progress=lambda done, total: slot.progress(
                                      done / total, text=f"Decoding image {done} of {total}…"))
        finally:
            slot.empty()
        reports[key] = found
        while len(reports) > RECENT_SCANS:
            reports.popitem(last=False)
    return found


def choose_folder() -> Path:
    """The dataset folder the user picked; stops the page with a message when there is none."""
    source = st.radio(
        "Dataset source",
        ["Bundled sample", "Folder on disk", "Upload a zip"],
        horizontal=True,
        key="datasets_source",
    )
    if source == "Bundled sample":
        name = st.selectbox("Sample dataset", list(SAMPLES), format_func=SAMPLE_TEXT.get,
                            key="datasets_sample")
        with st.spinner(f"Preparing the {name} sample…"):
            return ensure_sample(name)
    if source == "Folder on disk":
        roots = data_roots()
        listed = ", ".join(f"`{r}`" for r in roots)
        st.caption(f"Allowed data folders: {listed}. A relative path here starts at "
                   f"`{roots[0]}`, not at the folder the app was started in (the command "
                   "line's `python -m cvlab scan DIR` reads a relative `DIR` from the folder "
                   "you run it in).")
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


def show(report: ScanReport, thumbs: dict[Path, bytes]) -> None:
    cols = st.columns(4)
    cols[0].metric("Usable images", report.images)
    cols[1].metric("Classes", len(report.class_names))
    cols[2].metric("Skipped", len(report.skipped))
    cols[3].metric("Converted", len(report.converted))
    for text in report.warnings:
        messages.warning(text)

    counts = report.classes
    figure = px.bar(
        x=[label(name) for name in counts],
        y=list(counts.values()),
        labels={"x": "Class", "y": "Usable images"},
        title="Images per class",
        text=list(counts.values()),
    )
    st.plotly_chart(figure, width="stretch")

    skipped = [
        {"file": report.relative(s.path), "reason": s.reason, "detail": readable(s.detail)}
        for s in report.skipped
    ]
    table(f"Skipped ({len(skipped)})", skipped, "Nothing skipped.")
    conversions(report)
    duplicates(report)
    if report.ignored:
        st.caption(
            f"Ignored {len(report.ignored)} hidden or system entries (.DS_Store, __MACOSX…)."
        )

    st.subheader("A few images per class, as the model will see them")
    st.caption("Files with the rarest conversions come first, so you can check them; "
               "all are stretched to a square.")
    for name in report.class_names:
        paths = [p for p in thumbnail_paths(report, THUMBS_PER_CLASS, name) if p in thumbs]
        st.markdown(f"**{md(name)}** · {report.classes[name]} images")
        if paths:
            st.image([thumbs[p] for p in paths], width=THUMB_SIZE[1],
                     caption=[md(short_name(readable(p.name))) for p in paths])


def short_name(name: str, limit: int = CAPTION_CHARS) -> str:
    """``name`` on one caption line: a long name keeps its start and its end (where
    numbered files differ), with an ellipsis between."""
    if len(name) <= limit:
        return name
    head = (limit - 1) // 2
    return name[:head] + "…" + name[-(limit - 1 - head):]


def conversions(report: ScanReport) -> None:
    """Converted files summarised by kind, the rarest first; every file in an expander."""
    kinds = report.conversion_kinds()
    st.subheader(f"Converted ({len(report.converted)})")
    if not kinds:
        st.success("Nothing needed converting.")
        return
    st.dataframe([{"what was done": kind, "files": len(paths),
                   "for example": ", ".join(report.relative(p) for p in paths[:3])
                   + (", …" if len(paths) > 3 else "")} for kind, paths in kinds],
                 hide_index=True, width="stretch")
    with st.expander(f"Every converted file ({len(report.converted)})"):
        st.dataframe([{"file": report.relative(c.path), "what was done": c.note}
                      for c in report.converted], hide_index=True, width="stretch")


def duplicates(report: ScanReport) -> None:
    """Byte-identical files as one table: sets with different labels first."""
    if not report.duplicates:
        return
    label_of = dict(report.files)
    rows = [{"classes": ", ".join(sorted({report.class_names[label_of[p]] for p in group})),
             "copies": len(group), "files": ", ".join(report.relative(p) for p in group)}
            for group in report.duplicates]
    rows.sort(key=lambda row: ("," not in row["classes"], row["files"]))
    st.subheader(f"Identical files ({len(rows)} sets)")
    st.caption("Sets whose copies sit in different classes come first: at least one of "
               "their labels is wrong.")
    st.dataframe(rows, hide_index=True, width="stretch")


try:
    folder = choose_folder()
    with st.expander("Scan settings"):
        megapixels = st.number_input(
            "Pixel limit (megapixels): larger images are skipped",
            help="The app's own limit is the most; a lower one skips more.",
            min_value=0.1,
            max_value=MAX_PIXELS / 1e6,
            value=MAX_PIXELS / 1e6,
            step=1.0,
            key="datasets_megapixels",
        )
    report, thumbs = scan_with_progress(folder, int(megapixels * 1e6))
except CvlabError as exc:
    messages.error(exc)
    st.stop()

st.session_state["dataset_dir"] = str(report.root)
st.success(f"Using {md(report.root)} for training: {report.images} images, "
           f"{len(report.class_names)} classes.")
show(report, thumbs)
show_dataset_code(report)
