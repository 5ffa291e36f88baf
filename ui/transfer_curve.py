"""The data-size experiment on a page: its controls, the job that runs it, its stored figures.

Each experiment is a ``transfer-curve`` job in the server's queue (:mod:`cvlab.jobs.queue`):
``python -m cvlab experiment transfer-curve … --out <job folder>``, writing only to its
folder (progress.json, STOP, result.json, runs/). The page reads that folder, so a
reload or another tab shows the same progress and the same plot.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from cvlab import jobfolder
from cvlab.experiments.transfer_curve import ALL, CurvePlan
from cvlab.figures import transfer_curve
from cvlab.jobs import queue
from cvlab.jobs.queue import Job
from cvlab.train.modes import MODES
from ui import jobs
from ui.text import md

KIND = "transfer-curve"
AMOUNTS = (5, 10, 25, 50, ALL)
IMAGE_SIZES = (32, 64, 96, 128, 160, 224)
SHOWN_KEY = "curve_shown"


def controls() -> tuple[list[str], list, int, int, int]:
    """Modes, amounts per class, epochs, image size and seed from the widgets."""
    left, right = st.columns(2)
    modes = left.multiselect("Modes to compare", MODES, default=["frozen", "full", "scratch"],
                             key="curve_modes")
    amounts = right.multiselect("Training images per class", AMOUNTS, default=[5, 10, 25],
                                key="curve_amounts",
                                help="A seeded sample of the training split; 'all' uses it "
                                     "whole. Validation and test images stay the same.")
    a, b, c = st.columns(3)
    epochs = a.number_input("Epochs per run", 1, 100, 2, key="curve_epochs",
                            help="fine-tune needs at least 2 (head, then fine-tune).")
    size = b.select_slider("Image size (pixels)", IMAGE_SIZES, 64, key="curve_image_size")
    seed = c.number_input("Seed", 0, 2**31 - 1, 0, key="curve_seed")
    return modes, amounts, int(epochs), int(size), int(seed)


def launch(dataset: Path, modes: list[str], amounts: list, epochs: int, size: int,
           seed: int) -> Job:
    """Check the plan (raises :class:`CvlabError` before anything is queued), queue it."""
    ordered = sorted(a for a in amounts if a != ALL) + [a for a in amounts if a == ALL]
    plan = CurvePlan(str(dataset.resolve()), tuple(ordered), tuple(modes), epochs=epochs,
                     image_size=size, seed=seed)
    plan.configs()
    job = jobs.launch(plan)
    st.session_state[SHOWN_KEY] = job.id
    return job


def stored() -> list[Job]:
    """Every data-size experiment of this server, newest first."""
    return [job for job in queue.jobs() if job.kind == KIND]


def panel(job: Job) -> None:
    """The shared job panel (status, progress, Stop), with the curve drawn inside it as
    soon as its first point is done."""
    jobs.job_panel(job, _points)


def _points(job: Job) -> None:
    result = jobfolder.read_result(job.dir)
    if result and result["points"]:
        show(result)


def show(result: dict) -> None:
    """The curve and its table."""
    st.plotly_chart(transfer_curve(result), width="stretch", key="curve_chart")
    rows = [{"mode": p["mode"], "images per class": str(p["per_class"]),
             "test accuracy": f"{p['test_accuracy']:.0%}",
             "95% interval": f"{p['ci'][0]:.0%}–{p['ci'][1]:.0%}",
             "training time (s)": round(p["seconds"], 1)} for p in result["points"]]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption(f"{len(result['classes'])} classes ({md(', '.join(result['classes']))}); every "
               f"point is tested on the same {result['test_images']} images that no run "
               "trained on or picked its best epoch with. Overlapping bars mean the data "
               "cannot tell those points apart.")
