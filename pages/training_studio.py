"""Training Studio: train MobileNetV2 on a folder with clicks, watch it learn, test, export."""

from __future__ import annotations

import streamlit as st

from cvlab.errors import CvlabError
from cvlab.train.runs import model_file
from ui.jobs import job_panel, warm_up
from ui.keras_code import show_training_code
from ui.layout import page_setup
from ui.messages import error
from ui.run_results import evaluation, exports, try_it
from ui.training import (
    SHOWN_RUN_KEY,
    choose_dataset,
    current_job,
    delete_button,
    device_name,
    jobs_listed,
    known_runs,
    live_curves,
    run_label,
    run_status,
    run_summary,
    runs_dir,
    settings,
    start,
)

page_setup(
    __file__,
    "Transfer ImageNet features from MobileNetV2 to your own classes: pick a folder "
    "and a mode, press Train, and watch the curves; then test and export the model.",
)

with st.expander("Which mode, and why BatchNorm matters"):
    st.markdown(
        "- **frozen** keeps every ImageNet filter fixed and trains only a small head "
        "(pooling, dropout, one dense layer). The base's output never changes, so the lab "
        "computes it once and trains the head on that cache: seconds, even on a laptop.\n"
        "- **fine-tune** starts the same way, then lets the top of the base adapt at a "
        "tenth of the learning rate, once the head no longer sends large random gradients "
        "into it.\n"
        "- **full** adapts every layer from the ImageNet start; **scratch** starts from "
        "random weights and needs far more data and time, which is the point of the "
        "comparison.\n\n"
        "While layers are frozen, their BatchNorm layers run in inference mode: they keep "
        "ImageNet's running means and variances instead of re-estimating them from your "
        "small batches, which would quietly undo the pretrained features. Changing which "
        "layers train only takes effect after the model is compiled again; the trainer "
        "does both for you."
    )

# 1. What to train on, and how.
st.info(f"Training runs on: **{device_name()}**"
        + ("" if device_name() != "CPU" else
           " (no GPU found; `make run GPU=1` installs TensorFlow's CUDA build on Linux)"))
warm_up(runs_dir())
job = current_job()
with st.container(border=True):
    dataset = choose_dataset()
    config = settings(dataset)
    if config is not None:
        show_training_code(config)
    if st.button("▶ Train", type="primary", key="train_start", disabled=config is None,
                 help="Training runs as a job of its own on this server: it goes on if you "
                      "close or reload the page, and waits its turn if others are training."):
        try:
            start(config)
        except CvlabError as exc:
            error(exc)
        else:
            st.rerun()

# 2. The session's training job (or one started in another tab), live while it runs.
if job is not None:
    st.subheader("Training job")
    job_panel(job, live_curves, resume_epochs=True)

# 3. Every run: its state, curves, held-out accuracy, a try on new photos, its exports.
st.header("Runs")
runs = known_runs()
if not runs:
    st.caption("No runs yet. Press Train above; runs that `python -m cvlab train` writes "
               "to `runs/` in an allowed data folder are listed here too.")
    st.stop()
listed = {j.id: j for j in jobs_listed()}
by_path = {str(r.path): r for r in runs}
status = {path: run_status(record, listed) for path, record in by_path.items()}
paths = list(by_path)
shown = st.session_state.get(SHOWN_RUN_KEY)
opening = shown if shown in by_path else None  # the session's run, once its folder exists
picked = st.selectbox("Run", paths, index=paths.index(opening) if opening else 0,
                      format_func=lambda p: run_label(by_path[p], status[p]),
                      key=f"run_pick:{opening}")  # a new key, so a new run opens picked
record = by_path[picked]
if record.damaged:
    error(f"This run failed a safety check, so nothing was read from it: {record.damaged}")
    st.stop()
run_summary(record)
if status[picked] in ("running", "queued"):
    st.caption("Evaluation and export open when this run has ended.")
    st.stop()
delete_button(record, listed)
try:
    model_file(record.path)
except CvlabError as exc:
    st.warning(str(exc))
    st.stop()
evaluate_tab, try_tab, export_tab = st.tabs(["🎯 Evaluate", "🔍 Try it", "📦 Export"])
with evaluate_tab:
    evaluation(record)
with try_tab:
    try_it(record)
with export_tab:
    exports(record)
