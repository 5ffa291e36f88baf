"""Pick a Keras model file: upload one, or choose an earlier upload or a trained run's
model. One picker for every page that reads a model file; and its profile, read in the
inference worker (never TensorFlow in the server), with what the Explorer says about it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from cvlab import inference
from cvlab.errors import CvlabError
from cvlab.modelfile.store import MAX_BYTES, SUFFIXES, ModelFile, save_upload, stored
from cvlab.report import count, short_count
from cvlab.train.runs import model_file
from ui.inference import call
from ui.messages import error
from ui.text import md
from ui.training import jobs_listed, known_runs


def choices() -> list[ModelFile]:
    """Uploaded files, every run that has saved a ``model.keras``, then the models that
    passed a Practice check (the learner's own ResNet50, say), newest first."""
    runs = []
    for record in known_runs():
        try:
            runs.append(ModelFile(model_file(record.path), f"{record.path.name} (trained run)"))
        except CvlabError:
            continue  # no epoch finished yet: nothing to open
    practiced = [ModelFile(path, f"{path.stem} (passed in Practice, {job.id})")
                 for job in jobs_listed() if job.kind == "exercise" and job.status == "finished"
                 for path in sorted(job.dir.glob("*.keras"))]
    return [*stored(), *runs, *practiced]


def choose_model_file(key: str) -> Path | None:
    """The chosen model file's path, or ``None`` (with a hint shown) when there is none yet.
    An upload is stored once (under the data folder's ``models/``) and then listed."""
    upload = st.file_uploader(
        "Upload a Keras model file", type=[s.lstrip(".") for s in SUFFIXES],
        key=f"model_file_upload:{key}",
        help=f"A .keras file (or a legacy .h5) of at most {MAX_BYTES // 1024**2} MiB. It is "
             "read with Keras' safe mode: a Lambda layer or unregistered custom code is "
             "refused, never run.")
    stored_key = f"model_file_stored:{key}"
    if upload is not None and st.session_state.get(stored_key) != upload.file_id:
        try:
            path = save_upload(upload.name, upload.getvalue())
        except CvlabError as exc:
            error(exc)
        else:
            st.session_state[stored_key] = upload.file_id
            st.session_state[f"model_file_pick:{key}"] = str(path)
    options = choices()
    if not options:
        st.info("No model file yet: upload one, or train a run in the Training Studio.")
        return None
    labels = {str(f.path): f.label for f in options}
    if st.session_state.get(f"model_file_pick:{key}") not in labels:
        st.session_state[f"model_file_pick:{key}"] = str(options[0].path)
    picked = st.selectbox("Model file", list(labels), format_func=labels.get,
                          key=f"model_file_pick:{key}")
    return Path(picked)


@st.cache_data(show_spinner=False, max_entries=16)
def _profile(path: str, stamp: float) -> dict:
    return call(inference.profile_model_file, path)


def file_profile(path: Path) -> dict:
    """The file's profile JSON (:mod:`cvlab.modelfile.summary`), read by the inference
    worker once per file version (path and mtime): reruns are free."""
    return _profile(str(path), path.stat().st_mtime)


def file_notes(report: dict) -> None:
    """Keras' own count beside ours, the layers whose MACs are not counted, and the zoo
    networks the file is."""
    ours, theirs = report["total_params"], report["keras_params"]
    same = "equal, as always" if ours == theirs else "they differ: please report this file"
    st.caption(f"Keras' own count: {theirs:,} parameters ({report['keras_trainable_params']:,} "
               f"trainable); ours: {ours:,} ({same}).")
    uncounted = report["uncounted"]
    if uncounted:
        params = report["uncounted_params"]
        st.warning(f"{count(len(uncounted), 'layer')} the converter does not know, holding "
                   f"{params:,} parameters ({100 * params / max(ours, 1):.1f} % of all): listed "
                   "with Keras' own parameter count, MACs not counted, so the MACs above leave "
                   "them out.")
        st.dataframe(pd.DataFrame(uncounted), hide_index=True, width="stretch")
    for match in report["zoo_match"]:
        options = ", ".join(f"{k} {v}" for k, v in match["options"].items())
        scope = ("This model" if match["scope"] == "model"
                 else f"Its part {md(match['scope'])}")
        st.success(f"{scope} has exactly the totals of the zoo's **{match['title']}** "
                   f"({md(options)}).")
        st.table(pd.DataFrame([
            {"": "this file", **_row(match["ours"])},
            {"": f"zoo: {match['title']}", **_row(match["zoo"])}]).set_index(""))


def _row(totals: dict) -> dict:
    return {"params": f"{totals['total_params']:,}",
            "MACs per image": f"{totals['macs']:,} ({short_count(totals['macs'])})",
            "input": "×".join(str(d) for d in totals["input_shape"]),
            "depth (weight layers)": totals["weight_depth"]}
