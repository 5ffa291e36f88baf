"""Pick a Keras model file: upload one, or choose an earlier upload or a trained run's
model. One picker for every page that reads a model file."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from cvlab.errors import CvlabError
from cvlab.modelfile.store import MAX_BYTES, SUFFIXES, ModelFile, save_upload, stored
from cvlab.train.runs import model_file
from ui.messages import error
from ui.training import known_runs


def choices() -> list[ModelFile]:
    """Uploaded files, then every run that has saved a ``model.keras``, newest first."""
    runs = []
    for record in known_runs():
        try:
            runs.append(ModelFile(model_file(record.path), f"{record.path.name} (trained run)"))
        except CvlabError:
            continue  # no epoch finished yet: nothing to open
    return [*stored(), *runs]


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
