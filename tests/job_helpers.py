"""Helpers for tests of jobs: a process that holds a queue slot, and the one way to wait
for a job to end (polling its record on disk, never a fixed sleep)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from cvlab.jobs import queue
from cvlab.jobs.record import Job, process_start, write_job
from cvlab.jobs.spec import encode
from cvlab.profile import ProfileSpec

#: A stand-in job process: it sleeps, and its command line names it a cvlab worker, as the
#: queue checks before it waits on a running job's pid.
HOLDER = [sys.executable, "-c", "import time; time.sleep(900)", "-m", "cvlab", "worker"]


def holder(root: Path, name: str = "0-holder", title: str = "someone else's run",
           kind: str = "profile", spec: dict | None = None) -> tuple[Job, subprocess.Popen]:
    """A job recorded as running in slot 0, its pid a live stand-in process (kill it, or
    mark the job ended, to free the slot)."""
    process = subprocess.Popen(HOLDER)
    folder = root / name
    folder.mkdir(parents=True)
    job = Job(name, kind, title, spec or encode(ProfileSpec("lenet5")), folder,
              status="running", slot=0, pid=process.pid, pid_start=_start(process.pid),
              created=time.time(), started=time.time())
    write_job(job)
    return job, process


def wait_done(job_id: str, root: Path | None = None, limit: float = 240,
              until=lambda job: not job.active) -> Job:
    """The job, read from disk, once ``until(job)`` holds (by default: no longer queued or
    running); fails after ``limit`` seconds with its status and log tail."""
    deadline = time.monotonic() + limit
    while not until(job := queue.get(job_id, root)):
        assert time.monotonic() < deadline, f"{job_id} still {job.status}: {job.log_tail(8)}"
        time.sleep(0.2)
    return job


def _start(pid: int) -> int | None:
    deadline = time.monotonic() + 10
    while (start := process_start(pid)) is None and time.monotonic() < deadline:
        time.sleep(0.01)
    return start
