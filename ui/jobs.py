"""Jobs on a page: start one (:func:`launch`), find it again (:func:`current`), watch and
control it (:func:`job_panel`).

A job is a ``python -m cvlab …`` process in the server's queue (:mod:`cvlab.jobs.queue`);
everything shown is read from its folder, so a reload, a second tab, another browser or
a restarted server show the same job. Session state only remembers which job a page
looks at (``st.session_state["job:<kind>"]``, mirrored in the URL as ``?<kind>=<id>``, so a
page with jobs of two kinds keeps both through a reload).

Every session sees every job; only its owner and the teacher control it
(:mod:`cvlab.jobs.owners`). The owner is the logged-in user when ``st.login`` is set up,
else a random token that the session gets when it first starts a job, kept in its state
and its URL (``?owner=<token>``), so a reload and a second tab keep it. The teacher opens
the app once with ``?teacher=<token>``, the operator's ``CVLAB_TEACHER_TOKEN`` (or the
``teacher_token`` Streamlit secret).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable

import streamlit as st

from cvlab.errors import CvlabError
from cvlab.jobs import kinds, owners, queue
from cvlab.jobs.queue import Job
from ui.messages import error
from ui.text import count, md

POLL_SECONDS = 1.0
LOG_LINES = 15
BADGES = {"queued": ("🕒", "blue"), "running": ("▶️", "green"), "finished": ("✅", "green"),
          "stopped": ("⏹", "orange"), "failed": ("❌", "red"),
          "interrupted": ("⚠️", "orange"), "cancelled": ("✖️", "gray"),
          "damaged": ("⚠️", "red")}
OWNER_PARAM, TEACHER_PARAM = "owner", "teacher"
TEACHER_SECRET = "teacher_token"
OWNER_KEY, TEACHER_KEY = "jobs:owner", "jobs:teacher"


def launch(spec, root=None, key: str | None = None) -> Job:
    """The one way a page starts a job: queue the job ``spec`` describes (a spec of
    :mod:`cvlab.jobs.kinds`; its command and title follow from it) and remember it as this
    session's job of its kind (or under ``key``, for a page that keeps two jobs of one kind
    apart). :class:`CvlabError` if the spec is refused."""
    job = queue.submit(spec, root, owner=owner(create=True))
    remember(job, key)
    return job


def owner(create: bool = False) -> str | None:
    """This session's owner hash (:func:`owners.owner_hash`): of the logged-in user, else
    of its token, which ``create`` makes when it has none yet; ``None`` without either."""
    if st.user.get("is_logged_in"):
        return owners.owner_hash(owners.user_secret(st.user.get("sub") or st.user.get("email")))
    token = st.session_state.get(OWNER_KEY) or owners.token_or_none(
        st.query_params.get(OWNER_PARAM))
    if token is None and create:
        token = owners.new_token()
    if token is None:
        return None
    _keep(OWNER_KEY, OWNER_PARAM, token)
    return owners.owner_hash(token)


def is_teacher() -> bool:
    """Whether this session holds the teacher's token (kept once seen in its URL)."""
    token = st.session_state.get(TEACHER_KEY) or st.query_params.get(TEACHER_PARAM)
    if not owners.is_teacher(token, os.environ.get(owners.TEACHER_ENV) or _teacher_secret()):
        return False
    _keep(TEACHER_KEY, TEACHER_PARAM, token)
    return True


def actor() -> str | None:
    """Who this session acts as in the queue: the teacher, else its owner hash."""
    return owners.TEACHER if is_teacher() else owner()


def may_control(job: Job) -> bool:
    return owners.allowed(job.owner, actor())


def _keep(key: str, param: str, token: str) -> None:
    """Keep ``token`` in the session and its URL (a page switch clears the URL's)."""
    st.session_state[key] = token
    if st.query_params.get(param) != token:
        st.query_params[param] = token


def _teacher_secret() -> str | None:
    try:
        return st.secrets.get(TEACHER_SECRET)
    except FileNotFoundError:  # no secrets.toml
        return None


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
    queued or running one of that kind that this session owns (started in another tab;
    not for a ``key`` of its own), else ``None``. A job found running elsewhere is
    remembered, so the page keeps showing it, and how it ended, once it stops. Other
    learners' jobs are listed on the Jobs page, never adopted."""
    listed = [job for job in queue.jobs(root) if job.kind == kind]
    key = key or kind
    wanted = [st.session_state.get(f"job:{key}"), st.query_params.get(key)]
    for job_id in filter(None, wanted):
        for job in listed:
            if job.id == job_id:
                return job
    mine = owner()
    active = [job for job in listed if job.active and key == kind and mine is not None
              and job.owner == mine]
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
        controls(now, resume_epochs)
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
                   f"Waiting for a free slot ({count(queue.max_jobs(), 'job')} at once on "
                   "this server); it starts by itself.")
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


def controls(job: Job, resume_epochs: bool = False) -> None:
    """Stop, Cancel or Resume, as the job's state allows, for its owner and the teacher;
    a note for everyone else."""
    root, who = job.dir.parent, actor()
    if not owners.allowed(job.owner, who):
        if job.status in ("running", "queued", "stopped", "failed", "interrupted"):
            st.caption(f"Started by someone else: only {owners.ALLOWED} can control it.")
        return
    if job.status == "running":
        if st.button("⏹ Stop after this batch", key=f"stop:{job.id}",
                     disabled=job.stop_requested is not None):
            _act(lambda: queue.stop(job.id, root, who), "Stopping: the best epoch so far is kept.")
    elif job.status == "queued":
        if st.button("✖ Cancel", key=f"cancel:{job.id}"):
            _act(lambda: queue.cancel(job.id, root, who), "Taken out of the queue.")
    elif kinds.get(job.kind).resumable and (job.status in ("stopped", "failed", "interrupted") or (
            job.status == "finished" and resume_epochs)):  # a finished run can train on
        extra = None
        if resume_epochs:
            planned, done = epochs_of(job)
            remaining = planned - done if planned is not None else None
            left, right = st.columns([1, 3], vertical_alignment="bottom")
            extra = left.number_input(
                "Extra epochs", 0 if remaining else 1, 500, 0 if remaining else 2,
                key=f"resume_epochs:{job.id}",
                help=(f"0 continues to the planned {planned} epochs ({done} done, "
                      f"{remaining} to go); more adds epochs." if remaining else
                      f"All {planned} planned epochs are done: Resume trains this many "
                      "more, from the last checkpoint."))
        else:
            right = st.container()
        if right.button("🔁 Resume", key=f"resume:{job.id}",
                        help="Continue from the last checkpoint, in the same run folder."):
            _act(lambda: queue.resume(job.id, int(extra) or None, root, who), "Resumed.")


def epochs_of(job: Job) -> tuple[int | None, int]:
    """A training job's planned epochs and the complete ones done so far (a partial epoch,
    cut short by Stop, is not one), read from its run folder."""
    from cvlab.train.runs import read_run

    try:
        record = read_run(job.dir)
    except CvlabError:  # no config yet (it never got going) or damaged: nothing to count
        return None, 0
    planned = (record.config or {}).get("epochs")
    done = sum(not e.get("partial") for e in record.history)
    return (planned if isinstance(planned, int) else None), done


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
