"""The Jobs page's views: every job of the queue as a table, and the viewer's controls.

Everyone sees every job (title, kind, state, queue position, progress, whose it is and
where its result is shown); the controls of :func:`ui.jobs.controls` go to each job's
owner and the teacher only. Titles are learner-given names: they stay text (table cells
are never Markdown; headings go through :func:`ui.text.md`).
"""

from __future__ import annotations

import time

import streamlit as st

from cvlab.jobs.queue import Job
from ui import jobs
from ui.navigation import entry_for
from ui.text import md

#: The page that shows each kind's result.
RESULT_PAGES = {"train": "training_studio.py", "transfer-curve": "transfer_lab.py",
                "identity": "resnet_lab.py", "degradation": "resnet_lab.py",
                "latency": "compare_models.py"}
CONTROLLED = ("running", "queued", "stopped", "failed", "interrupted")


def table(listed: list[Job], mine: str | None) -> list[dict]:
    """One row per job, in the queue's order (running and queued first, then the newest)."""
    def order(job: Job) -> tuple:
        return (job.status != "running", job.position or 0 if job.status == "queued" else 1e9,
                -job.created)

    rows = []
    for job in sorted(listed, key=order):
        progress = (job.progress() or {}).get("fraction") if job.status != "queued" else None
        icon = jobs.BADGES.get(job.status, ("", ""))[0]
        rows.append({
            "Position": job.position, "Title": job.title, "Kind": job.kind,
            "State": f"{icon} {job.status}",
            "Started": time.strftime("%H:%M:%S", time.localtime(job.started))
            if job.started else "",
            "Progress": None if progress is None else round(100 * float(progress)),
            "Owner": "you" if mine is not None and job.owner == mine else
            "the command line" if job.owner is None else "another learner",
            "Result on": result_page(job)})
    return rows


def result_page(job: Job) -> str:
    """The title of the page that shows the job's result ('' for a kind with none)."""
    file = RESULT_PAGES.get(job.kind)
    return entry_for(file).title if file else ""


def show_table(listed: list[Job]) -> None:
    if not listed:
        st.caption("No jobs yet: training runs and experiments started on the other pages "
                   "are listed here.")
        return
    st.dataframe(table(listed, jobs.owner()), hide_index=True, width="stretch",
                 column_config={"Progress": st.column_config.ProgressColumn(
                     "Progress", format="%d %%", min_value=0, max_value=100),
                     "Position": st.column_config.NumberColumn(
                         "Position", help="Place in the queue while it waits")})


def your_jobs(listed: list[Job]) -> None:
    """A line with a badge and the controls for each job this session may control."""
    shown = [job for job in listed if job.status in CONTROLLED and jobs.may_control(job)]
    if not shown:
        st.caption("No job of yours to control: jobs you start on the other pages are "
                   "listed here with their controls.")
        return
    for job in shown:
        with st.container(border=True):
            where = result_page(job)
            st.markdown(f"**{md(job.title)}** {jobs.badge(job)}"
                        + (f" · results on the **{where}** page" if where else ""))
            jobs.controls(job)
