"""One job, as its folder records it: ``job.json`` (the record) and ``job.log`` (its output).

A job folder is ``<root>/<id>/``; the id is the folder's name. The record holds::

    id, kind, title                the kind names its entry in :mod:`cvlab.jobs.kinds`
    spec                           the kind's spec as JSON data (:mod:`cvlab.jobs.spec`);
                                   the job runs ``python -m cvlab <argv(spec)>``, derived
                                   and checked when it starts, never read from the record
    status                         queued | running | finished | stopped | failed |
                                   interrupted | cancelled | damaged (``reason`` says why)
    seq                            the queue's order (first in, first out)
    pid, pid_start                 the job process and its start tick (guards pid reuse)
    created, started, finished     unix seconds (None until then)
    exit_code, stop_requested, resumes, slot
    owner                          the SHA-256 of its owner's secret, or None (the CLI's):
                                   who may control it (:mod:`cvlab.jobs.owners`)
    executor                       local (this machine's queue) | ray (a Ray cluster,
                                   :mod:`cvlab.jobs.executors`)
    ray_id, host                   Ray's submission id of the job's latest run, and the
                                   machine its process ran on (``None`` on the local queue)

Only the queue (under its lock) and the job process itself write the record. Nothing
here imports TensorFlow or Streamlit.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

from cvlab import jobfolder
from cvlab.atomic import read_json, write_json
from cvlab.jobfolder import LOG, RECORD

STATUSES = ("queued", "running", "finished", "stopped", "failed", "interrupted", "cancelled",
            "damaged")
ACTIVE = ("queued", "running")


@dataclass
class Job:
    """A job as last recorded. ``position`` is 1-based while queued, else ``None``."""

    id: str
    kind: str
    title: str
    spec: dict
    dir: Path
    status: str = "queued"
    seq: int = 0
    pid: int | None = None
    pid_start: int | None = None
    created: float = 0.0
    started: float | None = None
    finished: float | None = None
    exit_code: int | None = None
    stop_requested: float | None = None
    resumes: int = 0
    slot: int | None = None
    reason: str | None = None
    owner: str | None = None
    executor: str = "local"
    ray_id: str | None = None
    host: str | None = None
    position: int | None = None

    @property
    def log(self) -> Path:
        return self.dir / LOG

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def progress(self) -> dict | None:
        """The job's last ``progress.json`` (see :mod:`cvlab.jobfolder`)."""
        return jobfolder.read_progress(self.dir)

    def log_tail(self, lines: int = 20) -> str:
        """The last ``lines`` lines of the job's output ('' before it has any): its
        folder's log, else (a Ray job that failed before its process wrote one) Ray's."""
        try:
            with open(self.log, "rb") as handle:
                handle.seek(max(0, handle.seek(0, os.SEEK_END) - 16_384))
                text = handle.read().decode(errors="replace")
        except OSError:
            text = ""
        if not text.strip() and self.ray_id:
            from cvlab.jobs import executors

            text = executors.ray_log(self)
        return "\n".join(text.replace("\r", "\n").splitlines()[-lines:])

    def to_json(self) -> dict:
        data = asdict(self)
        data["dir"] = str(self.dir)
        data["log"] = str(self.log)
        return data


def read_job(folder: Path) -> Job | None:
    """The job recorded in ``folder``, or ``None`` if it holds no readable record. Only the
    record's shape is checked here; its spec is checked before the job runs
    (:func:`cvlab.jobs.kinds.checked`)."""
    data = read_json(folder / RECORD)
    if data is None:
        return None
    names = set(Job.__dataclass_fields__) - {"dir", "position"}
    try:
        job = Job(**{k: v for k, v in data.items() if k in names}, dir=folder)
    except TypeError:
        return None
    if not (isinstance(job.id, str) and isinstance(job.kind, str) and isinstance(job.title, str)
            and isinstance(job.spec, dict) and job.status in STATUSES
            and (job.owner is None or isinstance(job.owner, str))
            and all(isinstance(v, int | float) or v is None for v in (
                job.seq, job.pid, job.pid_start, job.created, job.started, job.finished))):
        return None
    return job


def write_job(job: Job) -> None:
    data = job.to_json()
    data.pop("position")
    write_json(job.dir / RECORD, data)


def process_start(pid: int) -> int | None:
    """The start tick of process ``pid`` (Linux ``/proc``), ``None`` if it is not alive.

    A zombie (exited, not yet reaped) counts as not alive. Without ``/proc``: ``0`` for
    any pid that ``kill(pid, 0)`` finds.
    """
    if not _PROC:
        return _signal_probe(pid)
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    if fields[0] in ("Z", "X"):
        return None
    return int(fields[19])


def alive(job: Job) -> bool:
    """Whether the job's own process still runs: the pid is alive, started at the recorded
    tick (not a later process with its pid), and is a cvlab job worker (a crafted record
    naming any live pid is not waited on)."""
    if job.pid is None or not isinstance(job.pid, int) or job.pid <= 0:
        return False
    start = process_start(job.pid)
    if start is None:
        return False
    if not _PROC:
        return True
    return job.pid_start == start and is_worker(job.pid)


def is_worker(pid: int) -> bool:
    """Whether process ``pid`` runs ``python -m cvlab worker`` (Linux ``/proc``)."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"cvlab" in args and b"worker" in args


_PROC = Path("/proc/self/stat").exists()


def _signal_probe(pid: int) -> int | None:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return 0
    return 0
