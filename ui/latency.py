"""Latency measurements on pages: a ``latency`` job (:mod:`cvlab.jobs.kinds`) started and
watched through :mod:`ui.jobs` like every job, and the rows stored for this machine.

The server never imports TensorFlow for this: the measurement is a process of its own
that writes progress.json and result.json into its folder; the page reads them back.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from cvlab import latency
from cvlab.errors import CvlabError
from cvlab.figures import MAC_COLOR, TEMPLATE
from cvlab.labs.separable import SeparableCost, latency_verdict
from ui import jobs
from ui.messages import error


def measure_button(label: str, spec: latency.LatencySpec, key: str, **button) -> None:
    """A button that queues the measurement ``spec`` as this page's job ``key``, and that
    job's panel (progress, Stop, the log on failure); disabled while it runs."""
    job = jobs.current("latency", key=key)
    if st.button(label, key=f"{key}_run", disabled=job is not None and job.active, **button):
        try:
            jobs.launch(spec, key=key)
        except CvlabError as exc:
            error(exc)
        else:
            st.rerun()
    if job is not None:
        jobs.job_panel(job)


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
        st.caption(latency_verdict(measured, cost.ratio))
    else:
        st.markdown(f"Not measured yet on this machine for a {h}×{w}×{m} input, N = {n}, "
                    f"K = {k}, batch {batch}. The measurement builds both in Keras in a "
                    "separate process (TensorFlow takes a few seconds to start).")
        measure_button("Measure on this machine",
                       latency.LatencySpec(separable=shape, batches=(batch,)), "mob_latency",
                       type="primary")
