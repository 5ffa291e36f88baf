"""The files through which a long-running command talks to whoever watches it.

Any ``python -m cvlab`` command that runs as a job writes into its own folder::

    job_dir/progress.json   {"fraction": 0..1, "text": one line, "updated": unix seconds,
                             "detail": {...}}, rewritten atomically as work advances
    job_dir/STOP            created by anyone (a page, the CLI, another process) to ask the
                            command to stop; it checks between steps (a batch, a run)
    job_dir/result.json     an experiment's final JSON, the same object ``--json`` prints

Pages and ``python -m cvlab jobs`` only read these files, so a reload, a second tab or
a restarted server sees the same state. The command never needs to know who watches.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from cvlab.atomic import write_json

PROGRESS = "progress.json"
STOP = "STOP"
RESULT = "result.json"


def report_progress(job_dir: str | os.PathLike, fraction: float, text: str,
                    **detail) -> None:
    """Record how far the work is: ``fraction`` is clamped to 0..1, ``text`` is one line."""
    write_json(Path(job_dir) / PROGRESS, {
        "fraction": min(max(float(fraction), 0.0), 1.0), "text": str(text),
        "updated": time.time(), "detail": detail})


def read_progress(job_dir: str | os.PathLike) -> dict | None:
    """The last progress written, or ``None`` if none yet (or the file is unreadable)."""
    return _read(Path(job_dir) / PROGRESS)


def request_stop(job_dir: str | os.PathLike) -> None:
    """Ask the job in ``job_dir`` to stop at its next check."""
    (Path(job_dir) / STOP).touch()


def stop_requested(job_dir: str | os.PathLike) -> bool:
    return (Path(job_dir) / STOP).exists()


def write_result(job_dir: str | os.PathLike, result: dict) -> None:
    write_json(Path(job_dir) / RESULT, result)


def read_result(job_dir: str | os.PathLike) -> dict | None:
    return _read(Path(job_dir) / RESULT)


def _read(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
