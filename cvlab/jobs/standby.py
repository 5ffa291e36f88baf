"""Warm job processes: TensorFlow already imported, waiting for the queue to hand them a job.

A fresh job process spends its first seconds importing TensorFlow (about 4 s on an idle
CPU, far more on a busy one) before it reads a single image. A *standby* pays that in
advance: a detached ``python -m cvlab worker --standby ROOT`` that imports the training stack,
then waits. When the queue starts a job it hands the job to a ready standby, if there is
one, instead of starting a new interpreter; the standby becomes that job's process (its
pid is the job's pid) and is used once.

Files, under ``<root>/.standby/`` (hidden from the queue's job folders):

* ``<pid>.json`` — ``{"pid", "pid_start", "ready"}``: written by whoever starts the
  standby (``ready: false``), rewritten by the standby once its imports are done.
* ``<pid>.job`` — ``{"job_dir", "cwd", "env"}``: written by the queue, under its lock, to
  hand the standby a job; the standby polls for it every :data:`POLL_SECONDS`.

How many to keep: ``CVLAB_STANDBY`` (default 1; 0 turns standbys off). A standby with no
job for ``CVLAB_STANDBY_IDLE`` seconds (default 1800) retires, under the queue's lock, so a
hand-over and a retirement never cross.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from cvlab.atomic import read_json, write_json
from cvlab.jobfolder import LOG
from cvlab.jobs.record import Job, process_start

FOLDER = ".standby"
POLL_SECONDS = 0.05
DEFAULT_IDLE_SECONDS = 1800.0
WARM_IMPORTS = ("tensorflow", "keras", "cvlab.cli", "cvlab.cli.train", "cvlab.train.run",
                "cvlab.jobs.kinds")


def wanted() -> int:
    """How many standbys to keep per queue (``CVLAB_STANDBY``, default 1, 0 = none)."""
    try:
        return max(0, int(os.environ.get("CVLAB_STANDBY", "1")))
    except ValueError:
        return 1


def keep_warm(root: Path, env: dict[str, str], cwd: str) -> int:
    """Start standbys until :func:`wanted` are alive (ready or still importing); forget
    dead ones. Call under the queue's lock. Returns how many were started."""
    started = 0
    for _ in range(wanted() - len(_entries(root))):
        folder = root / FOLDER
        folder.mkdir(exist_ok=True)
        process = subprocess.Popen(
            [sys.executable, "-m", "cvlab", "worker", "--standby", str(root)], cwd=cwd, env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        threading.Thread(target=process.wait, name=f"reap-standby-{process.pid}",
                         daemon=True).start()
        write_json(folder / f"{process.pid}.json",
                   {"pid": process.pid, "pid_start": process_start(process.pid), "ready": False})
        started += 1
    return started


def hand_over(root: Path, job: Job, cwd: str, env: dict[str, str]) -> bool:
    """Give ``job`` to a ready standby (call under the queue's lock): set its pid, write
    its hand-over file and return ``True``; ``False`` if none is ready. ``env`` holds only
    the variables the job needs beyond the standby's own (``CUDA_VISIBLE_DEVICES``)."""
    for entry in _entries(root):
        if entry.get("ready") and _alive(entry):
            pid = entry["pid"]
            write_json(root / FOLDER / f"{pid}.job",
                       {"job_dir": str(job.dir), "cwd": cwd, "env": env})
            (root / FOLDER / f"{pid}.json").unlink(missing_ok=True)
            job.pid, job.pid_start = pid, entry["pid_start"]
            return True
    return False


def wait_for_job(root: Path, locked: Callable[[Path], AbstractContextManager],
                 idle_seconds: float) -> dict | None:
    """In the standby: the hand-over for this process, or ``None`` once it has waited
    ``idle_seconds`` and retired (its entry removed under the lock)."""
    folder = root / FOLDER
    handed = folder / f"{os.getpid()}.job"
    deadline = time.monotonic() + idle_seconds
    while time.monotonic() < deadline:
        if handed.is_file():
            return _take(handed)
        if not (folder / f"{os.getpid()}.json").is_file():  # forgotten: nobody will hand over
            return None
        time.sleep(POLL_SECONDS)
    with locked(root):
        if handed.is_file():
            return _take(handed)
        (folder / f"{os.getpid()}.json").unlink(missing_ok=True)
    return None


def serve(root: Path, locked: Callable[[Path], AbstractContextManager]) -> dict | None:
    """The standby's life, in its own process: import the training stack, say it is
    ready, wait for a hand-over; then take on the job's environment, folder and log and
    return the hand-over (``None`` if it retired unused)."""
    for module in WARM_IMPORTS:
        __import__(module)
    entry = root / FOLDER / f"{os.getpid()}.json"
    if not entry.is_file():
        return None  # its starter never recorded it (or gave up on it)
    write_json(entry, {"pid": os.getpid(), "pid_start": process_start(os.getpid()),
                       "ready": True})
    idle = float(os.environ.get("CVLAB_STANDBY_IDLE", DEFAULT_IDLE_SECONDS))
    handed = wait_for_job(root, locked, idle)
    if handed is None:
        return None
    os.environ.update(handed["env"])
    os.chdir(handed["cwd"])
    log = os.open(Path(handed["job_dir"]) / LOG, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    return handed


def _entries(root: Path) -> list[dict]:
    entries = []
    for path in sorted((root / FOLDER).glob("*.json")):
        entry = read_json(path)
        if entry is None:
            continue
        if _alive(entry):
            entries.append(entry)
        else:
            path.unlink(missing_ok=True)
    return entries


def _alive(entry: dict) -> bool:
    start = process_start(int(entry.get("pid", 0)))
    return start is not None and entry.get("pid_start") in (None, start)


def _take(handed: Path) -> dict:
    data = json.loads(handed.read_text())
    handed.unlink(missing_ok=True)
    return data

