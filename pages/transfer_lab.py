"""Transfer Lab: when to freeze, measured on your own folder, with honest held-out numbers."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cvlab.data.scan import class_folders
from cvlab.errors import CvlabError
from cvlab.train.modes import MODE_RECORDS
from ui.confusion_cells import confusion_explorer
from ui.fine_tune_picture import fine_tune_picture
from ui.jobs import warm_up
from ui.layout import page_setup
from ui.messages import error
from ui.run_compare import (
    compare,
    evaluate_missing,
    lab_runs,
    run_name,
    stored_test_report,
    tested_first,
    tricks,
)
from ui.training import choose_dataset
from ui.transfer_curve import controls, launch, panel, stored

page_setup(
    __file__,
    "How much of a pretrained network to retrain depends on how much data you have. "
    "Check the rule on your own folder, on images no run ever trained on.",
)

# 1. The rule.
st.markdown(
    "**The rule of thumb.** With only a handful of images per class, keep the pretrained "
    "base fixed and train just a new head: there is too little data to move millions of "
    "weights without memorising it. With more, also let the top of the base adapt, "
    "since its features are the most specific to ImageNet. With a lot, retrain every "
    "layer, still starting from the pretrained weights. Random initialisation "
    "(scratch) needs far more data than any of these.")
st.dataframe(pd.DataFrame([{
    "mode": m.name, "what trains": " then ".join(m.phases), "learning rate": m.learning_rate,
    "BatchNorm statistics": m.batch_norm, "head on cached features": m.can_cache,
    "suits": m.data} for m in MODE_RECORDS]), hide_index=True, width="stretch")

# 2. The data-size experiment.
st.header("Freeze more with less data: measure it")
with st.container(border=True):
    dataset = choose_dataset()
    modes, amounts, epochs, size, seed = controls()
    runs_count = len(modes) * len(amounts)
    st.caption(f"{runs_count} training runs, each tested on the same test split.")
    if st.button("▶ Run the experiment", type="primary", key="curve_start",
                 disabled=not runs_count):
        try:
            launch(dataset, modes, amounts, epochs, size, seed)
        except CvlabError as exc:
            error(exc)
warm_up()
experiments = {job.id: job for job in stored()}
if experiments:
    shown = st.session_state.get("curve_shown")  # a new experiment opens picked
    ids = list(experiments)
    picked = st.selectbox("Experiment", ids, index=ids.index(shown) if shown in ids else 0,
                          format_func=lambda i: experiments[i].title, key=f"curve_pick:{shown}")
    panel(experiments[picked])
else:
    st.caption("No experiment yet: pick modes and amounts, then run it.")

# 3. What fine_tune_at unfreezes.
st.header("fine_tune_at on a picture")
fine_tune_picture(class_folders(dataset))

# 4. Runs compared, the benchmark tricks, and where the mistakes are.
records = lab_runs()
st.header("Runs compared")
if not records:
    st.caption("No trained runs yet: train in the Training Studio or run the experiment.")
    st.stop()
compare(records)
st.header("10-crop and ensembles: gains and what they cost")
tricks(records)

st.header("Confusion matrix: click a cell")
by_path = {str(r.path): r for r in tested_first(records)}
best = next(iter(by_path))
chosen = st.selectbox("Run", list(by_path), key=f"cells_run:{best}",  # a new best: shown
                      format_func=lambda p: run_name(by_path[p]),
                      help="Runs tested on their test split come first, the most accurate "
                           "first.")
record = by_path[chosen]
report = stored_test_report(record)
if report is None:
    if st.button("Test this run on its test split", key="cells_test"):
        evaluate_missing([record])
        st.rerun()
    st.caption("This run has no test report yet.")
else:
    confusion_explorer(report, record.path.name)
