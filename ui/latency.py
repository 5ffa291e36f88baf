"""Latency measurements on pages: launch `python -m cvlab latency` as a background process,
watch its progress file, and chart the rows stored for this machine.

The server never imports TensorFlow for this: the measurement runs in its own
process and writes progress.json / result.json (``cvlab.jobs.protocol``) into its
own folder; the page reads them back.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import plotly.graph_objects as go
import streamlit as st

from cvlab import latency
from cvlab.data.roots import app_data_dir
from cvlab.jobs import protocol
from cvlab.labs.separable import SeparableCost
from cvlab.plots import MAC_COLOR, TEMPLATE

REPO_ROOT = Path(__file__).resolve().parents[1]


def launch(argv: list[str], session_key: str) -> Path:
    """Start ``python -m cvlab <argv> --out <new folder>``, remembered in this session."""
    stamp = f"{time.strftime('%Y%m%d-%H%M%S')}-{time.time_ns() % 10**6:06d}"
    folder = app_data_dir() / "runs" / f"latency-{stamp}"
    folder.mkdir(parents=True)
    with open(folder / "log.txt", "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "cvlab", *argv, "--out", str(folder)],
                                   cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    st.session_state[session_key] = (str(folder), process)
    return folder


def watch(session_key: str) -> None:
    """Progress of this session's measurement, if one runs; reruns the page when it ends."""
    if session_key in st.session_state:
        _progress(session_key)


@st.fragment(run_every=1.0)
def _progress(session_key: str) -> None:
    folder, process = st.session_state[session_key]
    if protocol.read_result(folder) is not None:
        del st.session_state[session_key]
        st.rerun()
    if process.poll() is not None:
        log = (Path(folder) / "log.txt").read_text(errors="replace")
        st.error(f"The measurement stopped (exit {process.returncode}): {log[-600:]}")
        del st.session_state[session_key]
        return
    progress = protocol.read_progress(folder) or {"fraction": 0.0,
                                                  "text": "starting TensorFlow…"}
    st.progress(progress["fraction"], text=f"Measuring: {progress['text']}")


def separable_latency_panel(h: int, w: int, m: int, n: int, k: int, padding: str,
                            cost: SeparableCost) -> None:
    """Time the lab's standard conv against its separable twin, at the sliders' shapes."""
    batch = st.radio("Batch size", [1, 32], horizontal=True, key="mob_latency_batch")
    shape = f"{h}x{w}x{m},{n},{k},{padding}"
    rows = latency.stored()
    standard = latency.find(rows, f"standard@{shape}", batch)
    separable = latency.find(rows, f"separable@{shape}", batch)
    if standard and separable:
        measured = separable["ms_per_image"] / standard["ms_per_image"]
        c1, c2, c3 = st.columns(3)
        c1.metric("Standard conv", f"{standard['ms_per_image']:.3f} ms / image")
        c2.metric("Depthwise + pointwise", f"{separable['ms_per_image']:.3f} ms / image")
        c3.metric("Time ratio", f"{measured:.3f}", delta=f"MAC ratio {cost.ratio:.3f}",
                  delta_color="off", delta_arrow="off")
        fig = go.Figure([
            go.Bar(x=["MACs", "measured time"], y=[cost.ratio, measured], marker_color=[
                MAC_COLOR, "#d62728"], text=[f"{cost.ratio:.3f}", f"{measured:.3f}"])])
        fig.update_layout(template=TEMPLATE, height=320, margin={"t": 40, "b": 10},
                          title=f"Separable as a share of standard, batch {batch}, "
                                f"on {standard['device']}",
                          yaxis={"title": "separable / standard", "rangemode": "tozero"})
        st.plotly_chart(fig, width="stretch")
        st.caption("A depthwise convolution does little arithmetic per byte it reads, so it "
                   "rarely runs as fast as its MAC count promises; on tiny inputs fixed "
                   "per-layer overheads dominate both.")
    else:
        st.markdown(f"Not measured yet on this machine for a {h}×{w}×{m} input, N = {n}, "
                    f"K = {k}, batch {batch}. The measurement builds both in Keras in a "
                    "separate process (TensorFlow takes a few seconds to start).")
        if st.button("Measure on this machine", key="mob_latency_run", type="primary",
                     disabled="mob_latency_job" in st.session_state):
            launch(["latency", "--separable", shape, "--batch", str(batch)], "mob_latency_job")
    watch("mob_latency_job")
