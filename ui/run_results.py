"""Evaluate and export a finished run from the page. Reports are written into the run
folder (metrics.json, exports/exports.json) and always read back from there, so they are
still shown after a reload, in another tab or after a server restart."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from cvlab import figures, inference, jobfolder
from cvlab.errors import CvlabError
from cvlab.evaluate import FORMATS
from cvlab.evaluate.evaluation import read_report as read_evaluation
from cvlab.evaluate.export import read_report as read_exports
from cvlab.report import short_count
from cvlab.train import RunRecord
from ui.explain import mistakes_gallery, try_it_heat
from ui.inference import call
from ui.messages import error, warning
from ui.text import md

MISCLASSIFIED_SHOWN = 12
UPLOAD_TYPES = ["png", "jpg", "jpeg", "webp", "bmp", "gif", "tif", "tiff"]


def logged(label: str, function, *args) -> bool:
    """Run ``function(*args)`` in the inference worker inside a status box, which then
    shows the log lines it returns; whether it succeeded (a failure is shown)."""
    with st.status(label, expanded=False) as box:
        try:
            lines = call(function, *args)
        except CvlabError as exc:
            box.update(label=f"{label} failed", state="error")
            error(exc)
            return False
        for line in lines:
            box.write(md(line))
        box.update(label=f"{label} done", state="complete")
    return True


def per_class_table(rows: list[dict]) -> pd.DataFrame:
    """Precision, recall and F1 as whole percentages, indexed by class."""
    table = pd.DataFrame(rows)
    table["class"] = [md(name) for name in table["class"]]  # st.table renders Markdown
    table = table.set_index("class")
    for column in ("precision", "recall", "f1"):
        table[column] = [f"{value:.0%}" for value in table[column]]
    return table.rename(columns={"f1": "F1", "support": "images"})


def saved_report(record: RunRecord, name: str, read) -> dict | None:
    """The report saved in the run folder; says so when the model changed since."""
    report = read(record.path)
    if report is None:
        return None
    written = (record.path / name).stat().st_mtime
    if record.model_path.is_file() and record.model_path.stat().st_mtime > written:
        st.caption("These results are from an earlier model of this run (it trained "
                   "further since); press the button again to update them.")
    return report


def evaluation(record: RunRecord) -> None:
    multicrop = st.checkbox("Also 10-crop test-time augmentation", key="eval_multicrop",
                            help="Corners, centre and their mirrors, averaged: usually a "
                                 "little more accurate, about ten times the inference cost.")
    if st.button("Evaluate on held-out images", key="eval_button"):
        logged("Evaluating", inference.evaluate_run, str(record.path), multicrop)
    report = saved_report(record, jobfolder.METRICS, read_evaluation)
    if not report:
        return
    single = report["single"]
    cols = st.columns(3)
    low, high = single["accuracy_ci"]
    cols[0].metric(f"Accuracy ({report['source']['subset']} split)", f"{single['accuracy']:.1%}",
                   help=f"95% interval {low:.0%}–{high:.0%} (Wilson), on the run's "
                        f"{report['source']['subset']} images.")
    cols[1].metric("Images", single["images"])
    cols[2].metric("Misclassified", len(single["misclassified"]))
    if "multicrop" in report:
        crop = report["multicrop"]
        gain_low, gain_high = (100 * v for v in crop["gain_ci"])
        st.info(f"10-crop: {crop['accuracy']:.1%} ({crop['accuracy_gain'] * 100:+.1f} points, "
                f"95% interval {gain_low:+.1f} to {gain_high:+.1f}) at "
                f"{crop['slowdown']:.1f}× the inference time."
                + ("" if gain_low > 0 or gain_high < 0 else
                   " The gain is not distinguishable from noise on these images."))
    left, right = st.columns(2)
    left.plotly_chart(figures.confusion(single["confusion_matrix"], report["class_names"]),
                      width="stretch")
    right.table(per_class_table(single["per_class"]))
    wrong = single["misclassified"][:MISCLASSIFIED_SHOWN]
    if wrong:
        st.markdown(f"**Most confident mistakes** ({len(wrong)} of "
                    f"{len(single['misclassified'])})")
        mistakes_gallery(record, wrong)


def exports(record: RunRecord) -> None:
    formats = st.multiselect("Formats", list(FORMATS), default=list(FORMATS), key="exp_formats",
                             help="tflite-int8 stores weights as 8-bit integers "
                                  "(dynamic-range quantisation).")
    if st.button("Export", key="exp_button", disabled=not formats):
        logged("Exporting", inference.export_run, str(record.path), tuple(formats))
    report = saved_report(record, jobfolder.EXPORTS_REPORT, read_exports)
    if not report:
        return
    rows = [{"format": r["format"], "size": short_count(r["bytes"]) + "B",
             "latency (ms / image)": round(r["latency_ms"], 2),
             "top-1 agreement": f"{r['top1_agreement']:.0%}",
             "max Δ probability": f"{r['max_prob_diff']:.1e}"} for r in report["exports"]]
    st.dataframe(rows, hide_index=True, width="stretch")
    st.caption(f"Checked against the run's model on {report['check']['images']} images; "
               "latency is the median single-image call on this machine.")
    cols = st.columns(len(report["exports"]) + 1)
    for col, row in zip(cols, report["exports"], strict=False):
        path = Path(row["path"])
        col.download_button(f"⬇ {path.name}", path.read_bytes(), file_name=path.name,
                            key=f"download_{row['format']}")
    labels = Path(report["labels"])
    cols[-1].download_button(f"⬇ {labels.name}", labels.read_bytes(), file_name=labels.name,
                             key="download_labels")
    st.caption(f"Class names, in output order: {md(', '.join(report['class_names']))}. They are in "
               f"`{labels.name}`, and inside each `.tflite` as TFLite Metadata (a labels file "
               "that metadata-aware tools such as the TFLite Task Library read).")


def try_it(record: RunRecord) -> None:
    """Top-3 classes for a held-out image of the run, or for the user's own photos."""
    source = st.radio("Image", ["A held-out image", "My own photos"], horizontal=True,
                      key="try_source")
    if source == "A held-out image":
        held_out = dict(record.split["test"] or record.split["val"])
        if not held_out:
            st.info("This run kept no held-out images; upload your own photos instead.")
            return
        names = record.class_names
        path = st.selectbox("Held-out image", list(held_out), key="try_image",
                            format_func=lambda p: f"{p.name} (true class: {names[held_out[p]]})")
        if not path.is_file():
            warning(f"{path.name} is no longer at {path.parent}/; pick another image or "
                    "upload your own photos.")
            return
        files = ((path.name, path.read_bytes()),)
    else:
        uploads = st.file_uploader("Photos", type=UPLOAD_TYPES, accept_multiple_files=True,
                                   key="try_uploads")
        if not uploads:
            st.caption("Photos are only read, from a temporary folder deleted right after.")
            return
        files = tuple((upload.name, upload.getvalue()) for upload in uploads)
    try:
        shown, unreadable = predicted(str(record.path), record.model_path.stat().st_mtime, files)
    except CvlabError as exc:
        error(exc)
        return
    unlike = novelty(str(record.path), record.model_path.stat().st_mtime, files)
    for name, image, top in shown:
        left, right = st.columns([1, 3])
        left.image(image, caption=md(name))
        right.plotly_chart(figures.top_k(top), width="stretch")
        distance, flagged = unlike.get("images", {}).get(name, (None, False))
        if flagged:
            warning(f"{name} is unlike this run's training images (novelty {distance:.3f}, "
                    f"above the threshold of {unlike['threshold']:.3f}): the classes above "
                    "may mean little, however confident they look.")
    if "error" in unlike:
        st.caption(f"No novelty check for this run: {md(unlike['error'])}")
    else:
        st.caption("A photo is " + md(unlike["rule"]) + ". The model's confidence is no such "
                   "test: a softmax head is confident about anything.")
    for name, reason in unreadable:
        st.warning(md(f"Skipped {name}: {reason}"))
    try_it_heat(record, files)


@st.cache_data(show_spinner="Comparing with the training images…", max_entries=64)
def novelty(run_dir: str, stamp: float, files: tuple[tuple[str, bytes], ...]) -> dict:
    """:func:`cvlab.inference.novelty` in the inference worker, or ``{"error": message}``
    when the run's model has no Dense head to read features from."""
    try:
        return call(inference.novelty, run_dir, files)
    except CvlabError as exc:
        return {"error": str(exc)}


@st.cache_data(show_spinner="Predicting…", max_entries=64)
def predicted(run_dir: str, stamp: float, files: tuple[tuple[str, bytes], ...]):
    """:func:`cvlab.inference.predicted` in the inference worker; ``stamp`` (model.keras
    mtime) is only part of the cache key."""
    return call(inference.predicted, run_dir, files)
