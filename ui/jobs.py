"""Jobs on a page: start one (:func:`launch`), find it again (:func:`current`), watch and
control it (:func:`job_panel`).

A job is a ``python -m cvlab …`` process in the server's queue (:mod:`cvlab.jobs.queue`);
everything shown is read from its folder, so a reload, a second tab, another browser or
a restarted server show the same job. Session state only remembers which job a page
looks at (``st.session_state["job:<kind>"]``, mirrored in the URL as ``?<kind>=<id>``, so a
page with jobs of two kinds keeps both through a reload).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

import streamlit as st

from cvlab.errors import CvlabError
from cvlab.jobs import kinds, queue
from cvlab.jobs.queue import Job
from ui.messages import error
from ui.text import md

POLL_SECONDS = 1.0
LOG_LINES = 15
BADGES = {"queued": ("🕒", "blue"), "running": ("▶️", "green"), "finished": ("✅", "green"),
          "stopped": ("⏹", "orange"), "failed": ("❌", "red"),
          "interrupted": ("⚠️", "orange"), "cancelled": ("✖️", "gray"),
          "damaged": ("⚠️", "red")}


def launch(spec, root=None, key: str | None = None) -> Job:
    """The one way a page starts a job: queue the job ``spec`` describes (a spec of
    :mod:`cvlab.jobs.kinds`; its command and title follow from it) and remember it as this
    session's job of its kind (or under ``key``, for a page that keeps two jobs of one kind
    apart). :class:`CvlabError` if the spec is refused."""
    job = queue.submit(spec, root)
    remember(job, key)
    return job


def warm_up(root=None) -> None:
    """Have a warm job process wait for this page's next job (:func:`queue.warm_up`), so a
    click does not wait for TensorFlow's import. Best effort: a failure only costs speed."""
    with contextlib.suppress(OSError, CvlabError):
        queue.warm_up(root)


def remember(job: Job, key: str | None = None) -> None:
    key = key or job.kind
    st.session_state[f"job:{key}"] = job.id
    st.query_params[key] = job.id


def current(kind: str, root=None, key: str | None = None) -> Job | None:
    """The job of ``kind`` this page shows: the one this session launched or opened under
    ``key`` (default the kind; also after a reload, through the URL), else the newest
    queued or running one of that kind (started in another tab or browser; not for a
    ``key`` of its own), else ``None``. A job found running elsewhere is remembered, so
    the page keeps showing it, and how it ended, once it stops."""
    listed = [job for job in queue.jobs(root) if job.kind == kind]
    key = key or kind
    wanted = [st.session_state.get(f"job:{key}"), st.query_params.get(key)]
    for job_id in filter(None, wanted):
        for job in listed:
            if job.id == job_id:
                return job
    active = [job for job in listed if job.active and key == kind]
    if not active:
        return None
    remember(active[0])
    return active[0]


def badge(job: Job) -> str:
    icon, colour = BADGES.get(job.status, ("", "gray"))
    where = f" · position {job.position} in the queue" if job.position else ""
    return f":{colour}-badge[{icon} {job.status}{where}]"


def job_panel(job: Job, body: Callable[[Job], None] | None = None, *,
              resume_epochs: bool = False) -> Job:
    """Status, queue position, progress bar, elapsed time and ETA, the log tail when it
    failed, and Stop / Cancel / Resume, refreshed every second while the job is queued
    or running (an ``st.fragment``). ``body(job)`` draws more inside the same refresh
    (live curves, say). ``resume_epochs`` offers extra epochs with Resume (training).
    When the job ends, the whole page reruns once, so results below it appear."""
    started_active = job.active

    @st.fragment(run_every=POLL_SECONDS if started_active else None, key=f"job:{job.id}")
    def panel() -> None:
        try:
            now = queue.get(job.id, job.dir.parent)
        except CvlabError:
            st.warning(f"Job {job.id} is gone (its folder was deleted).")
            return
        _status(now)
        _controls(now, resume_epochs)
        if body is not None:
            body(now)
        if started_active and not now.active:
            st.rerun(scope="app")

    panel()
    return job


def _status(job: Job) -> None:
    st.markdown(f"**{md(job.title)}** {badge(job)}")
    progress = job.progress() or {}
    detail = progress.get("detail") or {}
    if job.status == "queued":
        st.caption("Waiting for the Ray cluster to free a slot; it starts by itself."
                   if job.executor == "ray" else
                   f"Waiting for a free slot ({queue.max_jobs()} job(s) run at once on this "
                   "server); it starts by itself.")
        return
    if job.status == "running":
        text = progress.get("text") or "starting: launching the process"
        st.progress(float(progress.get("fraction") or 0.0), text=text)
        elapsed = time.time() - (job.started or time.time())
        eta = detail.get("eta_seconds")
        st.caption(f"Elapsed {_duration(elapsed)}"
                   + (f" · about {_duration(eta)} left" if eta is not None else "")
                   + (" · stop requested: it stops after the current batch"
                      if job.stop_requested else ""))
        return
    took = (job.finished or time.time()) - (job.started or job.created)
    if job.status in ("finished", "stopped"):
        st.caption(f"{progress.get('text') or job.status} · took {_duration(took)}")
    elif job.status == "cancelled":
        st.caption("Cancelled before it started.")
    elif job.status == "damaged":
        error(f"This job's record failed its check, so it was never run: {job.reason}")
    else:
        what = ("failed" if job.status == "failed" else
                "was interrupted: its process ended without finishing (killed, or the "
                "machine restarted)")
        error(f"The job {what}"
              + (f" with exit code {job.exit_code}" if job.exit_code is not None else "")
              + ". The last lines of its log:")
        st.code(job.log_tail(LOG_LINES) or "(no output)", language=None)


def _controls(job: Job, resume_epochs: bool) -> None:
    root = job.dir.parent
    if job.status == "running":
        if st.button("⏹ Stop after this batch", key=f"stop:{job.id}",
                     disabled=job.stop_requested is not None):
            _act(lambda: queue.stop(job.id, root), "Stopping: the best epoch so far is kept.")
    elif job.status == "queued":
        if st.button("✖ Cancel", key=f"cancel:{job.id}"):
            _act(lambda: queue.cancel(job.id, root), "Taken out of the queue.")
    elif kinds.get(job.kind).resumable and (job.status in ("stopped", "failed", "interrupted") or (
            job.status == "finished" and resume_epochs)):  # a finished run can train on
        extra = None
        if resume_epochs:
            left, right = st.columns([1, 3], vertical_alignment="bottom")
            extra = left.number_input("Extra epochs", 0, 500, 0 if job.status != "finished"
                                      else 2, key=f"resume_epochs:{job.id}",
                                      help="0 continues to the planned number of epochs.")
        else:
            right = st.container()
        if right.button("🔁 Resume", key=f"resume:{job.id}",
                        help="Continue from the last checkpoint, in the same run folder."):
            _act(lambda: queue.resume(job.id, int(extra) or None, root), "Resumed.")


def _act(action: Callable[[], Job], message: str) -> None:
    try:
        action()
    except CvlabError as exc:
        error(exc)
        return
    st.toast(message)
    st.rerun(scope="app")


def _duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else (f"{minutes} min {secs:02d} s"
                                                         if minutes else f"{secs} s")
