"""Latency measurements on pages: queue `python -m cvlab latency` as a job, watch its
progress, and chart the rows stored for this machine.

The server never imports TensorFlow for this: the measurement is a job of the
queue (:mod:`cvlab.jobs.queue`), a process of its own that writes progress.json and
result.json into its folder; the page reads them back. Only the job id lives in
``st.session_state``.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from cvlab import latency
from cvlab.errors import CvlabError
from cvlab.figures import MAC_COLOR, TEMPLATE
from cvlab.jobs import queue
from cvlab.labs.separable import SeparableCost


def launch(argv: list[str], title: str, session_key: str) -> None:
    """Queue ``python -m cvlab <argv> --out <job folder>`` and remember the job's id."""
    job = queue.submit("latency", [*argv, "--out", queue.JOB_DIR], title)
    st.session_state[session_key] = job.id


def watch(session_key: str) -> None:
    """This session's measurement while it is queued or runs; reruns the page when it ends."""
    if session_key in st.session_state:
        _progress(session_key)


@st.fragment(run_every=1.0)
def _progress(session_key: str) -> None:
    try:
        job = queue.get(st.session_state[session_key])
    except CvlabError:
        del st.session_state[session_key]
        return
    if job.status == "finished":
        del st.session_state[session_key]
        st.rerun()
    if not job.active:
        st.error(f"The measurement {job.status} (exit {job.exit_code}):\n\n"
                 f"```\n{job.log_tail(8)}\n```")
        del st.session_state[session_key]
        return
    if job.status == "queued":
        st.progress(0.0, text=f"Queued, position {job.position}: another job runs first.")
        return
    progress = job.progress() or {"fraction": 0.0, "text": "starting TensorFlow…"}
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
            launch(["latency", "--separable", shape, "--batch", str(batch)],
                   f"latency: separable against standard, {shape}", "mob_latency_job")
    watch("mob_latency_job")
