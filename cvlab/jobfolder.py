"""A job's folder: the name of every file in it, and the API through which a long-running
command talks to whoever watches it. Every other module imports these names from here.

Any ``python -m cvlab`` command that runs as a job writes into its own folder::

    job_dir/job.json        the queue's record of the job (:mod:`cvlab.jobs.record`)
    job_dir/job.log         the job process's output

    job_dir/progress.json   {"fraction": 0..1, "text": one line, "updated": unix seconds,
                             "detail": {...}}, rewritten atomically as work advances
    job_dir/STOP            created by anyone (a page, the CLI, another process) to ask the
                            command to stop; it checks between steps (a batch, a run)
    job_dir/result.json     an experiment's final JSON, the same object ``--json`` prints

Pages and ``python -m cvlab jobs`` only read these files, so a reload, a second tab or
a restarted server sees the same state. The command never needs to know who watches.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from cvlab.atomic import read_json, write_json

RECORD = "job.json"
LOG = "job.log"
PROGRESS = "progress.json"
STOP = "STOP"
RESULT = "result.json"
JOB_FILES = (RECORD, LOG, PROGRESS, STOP)
KEPT_ON_RESTART = (RECORD, LOG)  # a job restarted from nothing keeps its record and log

# A training run's folder is its job's folder; these are its own files (cvlab.train.runs).
CONFIG = "config.json"
CLASSES = "classes.json"
SPLIT = "split.json"
HISTORY = "history.json"
MODEL = "model.keras"
CHECKPOINTS = "checkpoints"
LAST_CHECKPOINT = f"{CHECKPOINTS}/last.keras"
BEST_CHECKPOINT = f"{CHECKPOINTS}/best.weights.h5"
STATE = f"{CHECKPOINTS}/state.json"
METRICS = "metrics.json"
EXPORTS = "exports"
EXPORTS_REPORT = f"{EXPORTS}/exports.json"


def report_progress(job_dir: str | os.PathLike, fraction: float, text: str,
                    **detail) -> None:
    """Record how far the work is: ``fraction`` is clamped to 0..1, ``text`` is one line."""
    write_json(Path(job_dir) / PROGRESS, {
        "fraction": min(max(float(fraction), 0.0), 1.0), "text": str(text),
        "updated": time.time(), "detail": detail})


def read_progress(job_dir: str | os.PathLike) -> dict | None:
    """The last progress written, or ``None`` if none yet (or the file is unreadable)."""
    return read_json(Path(job_dir) / PROGRESS)


@dataclass(frozen=True)
class ProgressEvent:
    """The one progress event: what every long-running function passes to its
    ``progress`` callback (training, the experiments, latency measurements), and what the
    command-line bar and the job folder's reporter read.

    ``kind``: a training run's ``features`` (computing the frozen-base cache: ``step`` of
    ``steps``), ``batch`` or ``epoch`` (``epoch`` 1-based of ``epochs`` in the whole run,
    ``logs`` Keras' metrics so far); any other kind (``step``, an experiment's or a
    measurement's) states its own ``done`` fraction and ``message``.
    """

    kind: str
    phase: str = ""
    epoch: int = 0
    epochs: int = 0
    step: int = 0
    steps: int = 0
    logs: dict = field(default_factory=dict)
    done: float | None = None
    message: str | None = None

    @property
    def fraction(self) -> float:
        """Progress of this stage in 0..1 (features: of the cache; training: of all epochs)."""
        if self.done is not None:
            return min(max(float(self.done), 0.0), 1.0)
        if self.kind == "features":
            return self.step / max(self.steps, 1)
        done = self.epoch - 1 + (self.step / max(self.steps, 1) if self.kind == "batch" else 1)
        return min(done / max(self.epochs, 1), 1.0)

    @property
    def text(self) -> str:
        """One line such as ``epoch 2/5 (head) batch 3/7 · loss 0.412 · accuracy 0.875``."""
        if self.message is not None:
            return self.message
        if self.kind == "features":
            return f"computing base features: batch {self.step}/{self.steps}"
        where = f"epoch {self.epoch}/{self.epochs} ({self.phase})"
        if self.kind == "batch":
            where += f" batch {self.step}/{self.steps}"
        shown = [f"{k} {v:.3f}" for k, v in self.logs.items()
                 if isinstance(v, float) and math.isfinite(v)]
        return " · ".join([where, *shown])

    @property
    def final(self) -> bool:
        """Whether this event closes a stage: an epoch, the last cache batch, or a step
        that reaches 1."""
        return (self.kind == "epoch" or (self.kind == "features" and self.step == self.steps)
                or (self.done is not None and self.done >= 1.0))


def step(done: float, message: str) -> ProgressEvent:
    """A progress event of work that is not an epoch: ``done`` of 1, described by ``message``."""
    return ProgressEvent("step", done=done, message=message)


class StopRequest:
    """The one way long work asks "should I stop?": called (or ``is_set()``, so it stands in
    for a ``threading.Event``), it is true once ``job_dir`` holds a ``STOP`` file or once
    ``event`` is set (Ctrl-C on the command line). Either may be ``None``."""

    def __init__(self, job_dir: str | os.PathLike | None = None, event=None):
        self.job_dir = None if job_dir is None else Path(job_dir)
        self.event = event

    def __call__(self) -> bool:
        return ((self.event is not None and self.event.is_set())
                or (self.job_dir is not None and stop_requested(self.job_dir)))

    is_set = __call__


def request_stop(job_dir: str | os.PathLike) -> None:
    """Ask the job in ``job_dir`` to stop at its next check."""
    (Path(job_dir) / STOP).touch()


def stop_requested(job_dir: str | os.PathLike) -> bool:
    return (Path(job_dir) / STOP).exists()


def cut_short(job_dir: str | os.PathLike) -> bool | None:
    """Whether the work in ``job_dir`` says it stopped before its end: its result's
    ``stopped``, else a training run's state (``checkpoints/state.json``); ``None`` when
    neither says. A stop asked for after the last step leaves the work finished."""
    for name in (RESULT, STATE):
        record = read_json(Path(job_dir) / name)
        if isinstance(record, dict) and isinstance(record.get("stopped"), bool):
            return record["stopped"]
    return None


def clear_stop(job_dir: str | os.PathLike) -> None:
    """Withdraw a stop request (before a job continues)."""
    (Path(job_dir) / STOP).unlink(missing_ok=True)


class Reporter:
    """Writes progress.json at most every ``interval`` seconds (``final=True`` always
    writes). Adds to the detail ``stage``, ``elapsed_seconds`` (since this reporter was
    made) and ``eta_seconds``: the time left at the rate seen since the stage began, unless
    the caller knows better and passes ``eta_seconds`` itself."""

    def __init__(self, job_dir: str | os.PathLike, interval: float = 0.25):
        self.job_dir, self.interval = Path(job_dir), interval
        self.stage: str | None = None
        self.first = (0.0, 0.0)
        self.last_write = 0.0
        self.started = time.time()

    def __call__(self, fraction: float, text: str, *, stage: str = "", final: bool = False,
                 **detail) -> None:
        now = time.time()
        if stage != self.stage:
            self.stage, self.first, final = stage, (now, fraction), True
        if not final and now - self.last_write < self.interval:
            return
        self.last_write = now
        start, at = self.first
        rate = (fraction - at) / (now - start) if now > start else 0.0
        eta = detail.pop("eta_seconds") if "eta_seconds" in detail else (
            (1.0 - fraction) / rate if rate > 0 else None)
        report_progress(self.job_dir, fraction, text, **detail, stage=stage,
                        elapsed_seconds=round(now - self.started, 1),
                        eta_seconds=None if eta is None else round(eta, 1))


def write_result(job_dir: str | os.PathLike, result: dict) -> None:
    write_json(Path(job_dir) / RESULT, result)


def read_result(job_dir: str | os.PathLike) -> dict | None:
    return read_json(Path(job_dir) / RESULT)
