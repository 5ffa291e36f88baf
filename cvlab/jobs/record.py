"""One job, as its folder records it: ``job.json`` (the record) and ``job.log`` (its output).

A job folder is ``<root>/<id>/``; the id is the folder's name. The record holds::

    id, kind, title, argv          the command runs as ``python -m cvlab <argv>``, with
                                   "{job_dir}" already replaced by the folder
    original_argv                  argv as first submitted (a resume changes argv)
    status                         queued | running | finished | stopped | failed |
                                   interrupted | cancelled
    seq                            the queue's order (first in, first out)
    pid, pid_start                 the job process and its start tick (guards pid reuse)
    created, started, finished     unix seconds (None until then)
    exit_code, stop_requested, resumes, cwd, slot

Only the queue (under its lock) and the job process itself write the record. Nothing
here imports TensorFlow or Streamlit.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from cvlab.atomic import write_json
from cvlab.jobs import protocol

RECORD = "job.json"
LOG = "job.log"
STATUSES = ("queued", "running", "finished", "stopped", "failed", "interrupted", "cancelled")
ACTIVE = ("queued", "running")


@dataclass
class Job:
    """A job as last recorded. ``position`` is 1-based while queued, else ``None``."""

    id: str
    kind: str
    title: str
    argv: list[str]
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
    cwd: str = ""
    slot: int | None = None
    original_argv: list[str] = field(default_factory=list)
    resume_argv: list[str] | None = None
    position: int | None = None

    @property
    def log(self) -> Path:
        return self.dir / LOG

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def progress(self) -> dict | None:
        """The job's last ``progress.json`` (see :mod:`cvlab.jobs.protocol`)."""
        return protocol.read_progress(self.dir)

    def log_tail(self, lines: int = 20) -> str:
        """The last ``lines`` lines of the job's output ('' before it has any)."""
        try:
            with open(self.log, "rb") as handle:
                handle.seek(max(0, handle.seek(0, os.SEEK_END) - 16_384))
                text = handle.read().decode(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.replace("\r", "\n").splitlines()[-lines:])

    def to_json(self) -> dict:
        data = asdict(self)
        data["dir"] = str(self.dir)
        data["log"] = str(self.log)
        return data


def read_job(folder: Path) -> Job | None:
    """The job recorded in ``folder``, or ``None`` if it holds no readable record."""
    try:
        data = json.loads((folder / RECORD).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    names = set(Job.__dataclass_fields__) - {"dir", "position"}
    try:
        return Job(**{k: v for k, v in data.items() if k in names}, dir=folder)
    except TypeError:
        return None


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
    """Whether the job's own process still runs (not a later process with its pid)."""
    if job.pid is None:
        return False
    start = process_start(job.pid)
    return start is not None and (not _PROC or job.pid_start in (None, start))


_PROC = Path("/proc/self/stat").exists()


def _signal_probe(pid: int) -> int | None:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return 0
    return 0
