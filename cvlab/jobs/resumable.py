"""How a job continues after a stop, a failure or a crash: the command it runs next."""

from __future__ import annotations

import json
import shutil

from cvlab.errors import CvlabError
from cvlab.jobs.record import LOG, RECORD, Job

KEPT = (RECORD, LOG)  # a restart from nothing keeps the job's own record and log


def resumable(job: Job) -> bool:
    """Whether :func:`resume_argv` knows how ``job`` continues."""
    return job.kind == "train" or bool(job.resume_argv)


def resume_argv(job: Job, epochs: int | None) -> list[str]:
    """The argv that continues ``job``; ``epochs`` more epochs for a training run.

    A training run with a checkpoint continues from it (``train --resume``); one that
    never finished an epoch starts again from its first command. Other kinds continue
    with the ``resume_argv`` they were submitted with.
    """
    if job.kind == "train":
        return _train(job, epochs)
    if job.resume_argv:
        return list(job.resume_argv)
    raise CvlabError(f"Received: resume for job {job.id} of kind {job.kind!r}; allowed: "
                     "training jobs, or jobs submitted with a resume command")


def _train(job: Job, epochs: int | None) -> list[str]:
    checkpoint = job.dir / "checkpoints" / "last.keras"
    if not checkpoint.is_file():
        for entry in job.dir.iterdir():
            if entry.name not in KEPT:
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        argv = _without_option(job.original_argv, "--epochs")
        return argv + ["--epochs", str(epochs)] if epochs else argv
    state = _read(job.dir / "checkpoints" / "state.json")
    planned = _read(job.dir / "config.json").get("epochs", 0)
    done = int(state.get("epoch", 0))
    if epochs is None and done >= planned:
        raise CvlabError(f"Received: resume for run {job.id} that ran all {planned} planned "
                         "epochs; allowed: resume with a number of extra epochs")
    argv = ["train", "--resume", str(job.dir)]
    return argv + ["--epochs", str(done + epochs)] if epochs else argv


def _without_option(argv: list[str], name: str) -> list[str]:
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == name:
            skip = True
        elif not arg.startswith(name + "="):
            kept.append(arg)
    return kept


def _read(path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
