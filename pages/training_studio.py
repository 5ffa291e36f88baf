"""Training Studio: train MobileNetV2 on a folder with clicks, watch it learn, test, export."""

from __future__ import annotations

import streamlit as st

from cvlab.errors import CvlabError
from cvlab.train.runs import model_file
from ui.layout import page_setup
from ui.run_results import evaluation, exports, try_it
from ui.training import (
    SHOWN_RUN_KEY,
    choose_dataset,
    current_job,
    device_name,
    job_panel,
    known_runs,
    run_label,
    run_summary,
    settings,
    shown_run,
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
job = current_job()
busy = job is not None and job.running
with st.container(border=True):
    dataset = choose_dataset()
    config = settings(dataset)
    if st.button("▶ Train", type="primary", disabled=busy, key="train_start"):
        try:
            start(config)
        except CvlabError as exc:
            st.error(str(exc))
        else:
            st.rerun()

# 2. The session's run, live while it trains.
runs = known_runs()
by_path = {str(r.path): r for r in runs}
if job is not None:
    st.subheader("This session's run")

    @st.fragment(run_every=1.0 if busy else None)
    def live() -> None:
        job_panel(job, shown_run())
        if busy and not job.running:
            st.rerun(scope="app")

    live()

# 3. Any finished run: its curves, its held-out accuracy, a try on new photos, its exports.
st.header("Runs")
if not runs:
    st.caption("No runs yet. Press Train above; runs that `python -m cvlab train` writes "
               "to `runs/` in an allowed data folder are listed here too.")
    st.stop()
paths = list(by_path)
shown = st.session_state.get(SHOWN_RUN_KEY)
opening = shown if shown in by_path else None  # the session's run, once its folder exists
picked = st.selectbox("Run", paths, index=paths.index(opening) if opening else 0,
                      format_func=lambda p: run_label(by_path[p]),
                      key=f"run_pick:{opening}")  # a new key, so a new run opens picked
record = by_path[picked]
run_summary(record)
if busy and picked == shown:
    st.caption("Evaluation and export open when this run has finished.")
    st.stop()
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
