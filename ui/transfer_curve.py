"""The data-size experiment on a page: its controls, the job that runs it, its stored plots.

Each experiment is a ``python -m cvlab experiment transfer-curve … --out FOLDER`` process
writing only to its folder under ``<app data>/experiments/`` (progress.json, STOP,
result.json, runs/): the page reads that folder, so a reload or another tab shows the
same progress and the same plot.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import streamlit as st

from cvlab.data import app_data_dir
from cvlab.data.roots import REPO_ROOT
from cvlab.experiments.transfer_curve import ALL, CurvePlan
from cvlab.jobs import protocol
from cvlab.train.modes import MODES
from cvlab.train.runs import default_run_dir
from cvlab.transfer_plots import transfer_curve

AMOUNTS = (5, 10, 25, 50, ALL)
IMAGE_SIZES = (32, 64, 96, 128, 160, 224)
PLAN_FILE = "plan.json"
PROCESS_KEY = "transfer_curve_processes"


def experiments_dir() -> Path:
    """Experiments are kept in ``<app data>/experiments/runs/<stamp>-curve/``."""
    return app_data_dir() / "experiments"


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
           seed: int) -> Path:
    """Check the plan (raises :class:`CvlabError`), then start the job; its folder."""
    ordered = sorted(a for a in amounts if a != ALL) + [a for a in amounts if a == ALL]
    plan = CurvePlan(str(dataset), tuple(ordered), tuple(modes), epochs=epochs,
                     image_size=size, seed=seed)
    points = len(plan.configs())
    folder = default_run_dir("curve", base=experiments_dir())  # …/runs/<stamp>-curve
    folder.mkdir(parents=True)
    (folder / PLAN_FILE).write_text(json.dumps({"dataset": str(dataset), "modes": modes,
                                                "per_class": [str(a) for a in ordered],
                                                "epochs": epochs, "image_size": size,
                                                "seed": seed, "points": points}))
    argv = [sys.executable, "-m", "cvlab", "experiment", "transfer-curve", str(dataset),
            "--per-class", ",".join(map(str, ordered)), "--modes", ",".join(modes),
            "--epochs", str(epochs), "--image-size", str(size), "--seed", str(seed),
            "--out", str(folder)]
    with open(folder / "job.log", "wb") as log:
        process = subprocess.Popen(argv, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    st.session_state.setdefault(PROCESS_KEY, {})[str(folder)] = process
    return folder


def status(folder: Path) -> str:
    """``running``, ``finished``, ``stopped`` or ``failed`` (``ended`` when this server
    did not start it and its result is incomplete)."""
    process = st.session_state.get(PROCESS_KEY, {}).get(str(folder))
    plan = _plan(folder)
    result = protocol.read_result(folder) or {"points": []}
    if process is not None and process.poll() is None:
        return "running"
    if len(result["points"]) >= plan.get("points", 0) and result["points"]:
        return "finished"
    if protocol.stop_requested(folder):
        return "stopped"
    if process is not None:
        return "failed"
    return "ended"


def stored() -> list[Path]:
    """Every experiment folder, newest first."""
    base = experiments_dir() / "runs"
    found = [p for p in base.iterdir() if (p / PLAN_FILE).is_file()] if base.is_dir() else []
    return sorted(found, key=lambda p: -(p / PLAN_FILE).stat().st_mtime)


def label(folder: Path) -> str:
    plan = _plan(folder)
    return (f"{folder.name} · {Path(plan.get('dataset', '?')).name} · "
            f"{', '.join(plan.get('modes', []))} × {', '.join(plan.get('per_class', []))}")


def panel(folder: Path) -> None:
    """Progress and a Stop button while it runs (refreshing itself), then the plot."""
    running = status(folder) == "running"

    @st.fragment(run_every=1.0 if running else None)
    def live() -> None:
        state = status(folder)
        progress = protocol.read_progress(folder) or {"fraction": 0.0, "text": "starting"}
        if state == "running":
            st.progress(progress["fraction"], text=progress["text"])
            if st.button("⏹ Stop after this batch", key=f"curve_stop:{folder.name}"):
                protocol.request_stop(folder)
                st.toast("Stopping: finished points are kept.")
        elif state == "failed":
            st.error("The experiment failed: " + _log_tail(folder))
        elif state in ("stopped", "ended"):
            st.warning(f"The experiment {state} early: {progress['text']}.")
        result = protocol.read_result(folder)
        if result and result["points"]:
            show(result)
        if running and state != "running":
            st.rerun(scope="app")

    live()


def show(result: dict) -> None:
    """The curve and its table."""
    st.plotly_chart(transfer_curve(result), width="stretch", key="curve_chart")
    rows = [{"mode": p["mode"], "images per class": str(p["per_class"]),
             "test accuracy": f"{p['test_accuracy']:.0%}",
             "95% interval": f"{p['ci'][0]:.0%}–{p['ci'][1]:.0%}",
             "training time (s)": round(p["seconds"], 1)} for p in result["points"]]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption(f"{len(result['classes'])} classes ({', '.join(result['classes'])}); every "
               f"point is tested on the same {result['test_images']} images that no run "
               "trained on or picked its best epoch with. Overlapping bars mean the data "
               "cannot tell those points apart.")


def _plan(folder: Path) -> dict:
    try:
        return json.loads((folder / PLAN_FILE).read_text())
    except (OSError, ValueError):
        return {}


def _log_tail(folder: Path) -> str:
    try:
        lines = (folder / "job.log").read_text(errors="replace").strip().splitlines()
    except OSError:
        return "no log"
    errors = [line for line in lines if line.startswith("error:")]
    return (errors or lines or ["no output"])[-1]

