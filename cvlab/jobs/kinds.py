"""Every kind of job, declared once: its typed spec, the command line derived from it, its
title, and how it continues after a stop or a crash.

A page builds a spec (a frozen dataclass of the engine: :class:`TrainConfig`, the
degradation :class:`Settings`, …) and submits it (:func:`cvlab.jobs.queue.submit`). The
record stores the kind and the spec as data; the job process decodes the spec again,
checks it (:func:`checked`) and runs ``python -m cvlab <argv(spec)>`` in itself. Each
command's ``spec_from_args`` parses that argv back into the same spec, a round trip
``tests/test_job_kinds.py`` holds for every field of every kind.

To add a kind: its spec dataclass beside the engine code that runs it, its command under
:mod:`cvlab.cli` (with ``spec_from_args``), one :class:`Kind` entry here, and the page's
button calls ``ui.jobs.launch(spec)``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from cvlab import jobfolder
from cvlab.atomic import read_json
from cvlab.errors import CvlabError
from cvlab.experiments.degradation import Settings as DegradationSettings
from cvlab.experiments.identity import IdentitySpec
from cvlab.experiments.transfer_curve import CurvePlan
from cvlab.jobs import spec as codec
from cvlab.latency import LatencySpec
from cvlab.practice.job import ExerciseCheck
from cvlab.profile import ProfileSpec
from cvlab.report import count
from cvlab.train.config import NAMED_WEIGHTS, TrainConfig


@dataclass(frozen=True)
class Kind:
    """One kind of job. ``argv(spec, job_dir)`` is the command after ``python -m cvlab``;
    ``resume(spec, job_dir)`` the one that continues it (``None``: the kind cannot resume);
    ``data_dirs(spec)`` the folders and files it reads, which must lie under the data
    roots; ``continued(spec, job_dir, epochs)`` the spec a resume runs (``epochs``: extra
    epochs asked for, or ``None``), by default the spec itself. ``trains``: the job trains
    networks, so on a Ray cluster with GPUs it asks for one (:mod:`cvlab.jobs.executors`)."""

    name: str
    spec: type
    argv: Callable[[object, Path], list[str]]
    title: Callable[[object], str]
    resume: Callable[[object, Path], list[str]] | None = None
    data_dirs: Callable[[object], tuple[str, ...]] = lambda spec: ()
    continued: Callable[[object, Path, int | None], object] = lambda spec, job_dir, epochs: spec
    trains: bool = False

    @property
    def resumable(self) -> bool:
        return self.resume is not None


# --- train ------------------------------------------------------------------------------

_TRAIN_SPECIAL = {"data_dir", "augment", "cache_features"}


def _train_argv(c: TrainConfig, job_dir: Path) -> list[str]:
    argv = ["train", c.data_dir]
    for name, value in codec.encode(c).items():
        if name not in _TRAIN_SPECIAL and value is not None:
            argv += ["--" + name.replace("_", "-"), repr(value) if isinstance(value, float)
                     else str(value)]
    if c.augment:
        argv += ["--augment", json.dumps(c.augment, sort_keys=True)]
    if not c.cache_features:
        argv.append("--no-feature-cache")
    return [*argv, "--out", str(job_dir)]


def _train_resume(c: TrainConfig, job_dir: Path) -> list[str]:
    """From the last checkpoint to ``c.epochs``; a run with no checkpoint starts again."""
    if (job_dir / jobfolder.LAST_CHECKPOINT).is_file():
        return ["train", "--resume", str(job_dir), "--epochs", str(c.epochs)]
    for entry in job_dir.iterdir():
        if entry.name not in jobfolder.KEPT_ON_RESTART:
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    return _train_argv(c, job_dir)


def _train_continued(c: TrainConfig, job_dir: Path, epochs: int | None) -> TrainConfig:
    """A resumed run goes on to its planned epochs, or ``epochs`` past those it finished;
    one that finished its plan needs extra epochs."""
    state = read_json(job_dir / jobfolder.STATE) or {}
    done = state.get("epoch", 0) if isinstance(state.get("epoch"), int) else 0
    if epochs is None and done >= c.epochs:
        raise CvlabError(f"Received: resume for run {job_dir.name} that ran all {c.epochs} "
                         "planned epochs; allowed: resume with a number of extra epochs")
    return c if epochs is None else replace(c, epochs=done + epochs)


def _train_reads(c: TrainConfig) -> tuple[str, ...]:
    """The folder, and a weights file or a model file when one is named."""
    return (c.data_dir, *([c.weights] if c.weights and c.weights not in NAMED_WEIGHTS else []),
            *([c.model_file] if c.model_file else []))


def _train_title(c: TrainConfig) -> str:
    network = "" if c.model == TrainConfig.model else f" {c.model}"
    if c.model_file:
        network = f" {Path(c.model_file).name}"
    return f"{c.mode}{network} on {Path(c.data_dir).name}, {count(c.epochs, 'epoch')}"


# --- experiments ------------------------------------------------------------------------

def _degradation_argv(s: DegradationSettings, job_dir: Path) -> list[str]:
    return ["experiment", "degradation", "--depths", ",".join(map(str, s.depths)),
            "--epochs", str(s.epochs), "--seed", str(s.seed),
            "--per-class", str(s.train_per_class), "--val-per-class", str(s.val_per_class),
            "--image-size", str(s.image_size), "--batch-size", str(s.batch_size),
            "--learning-rate", repr(s.learning_rate), "--optimizer", s.optimizer,
            "--families", ",".join(s.families), "--schedule", s.schedule,
            "--out", str(job_dir), "--json"]


def _degradation_title(s: DegradationSettings) -> str:
    he = s.optimizer == "sgd" and s.schedule == "step"
    return (f"Degradation: depths {', '.join(map(str, sorted(s.depths)))} · "
            f"{count(s.epochs, 'epoch')} · seed {s.seed}" + (" · He et al.'s SGD" if he else ""))


def _identity_argv(s: IdentitySpec, job_dir: Path) -> list[str]:
    return ["experiment", "identity", "--epochs", str(s.epochs),
            "--weight-decay", repr(s.weight_decay), "--seed", str(s.seed),
            "--out", str(job_dir), "--json"]


def _identity_title(s: IdentitySpec) -> str:
    return (f"Identity check and weight decay λ = {s.weight_decay:g} · "
            f"{count(s.epochs, 'epoch')} · seed {s.seed}")


def _curve_argv(p: CurvePlan, job_dir: Path) -> list[str]:
    return ["experiment", "transfer-curve", p.data_dir,
            "--per-class", ",".join(map(str, p.per_class)), "--modes", ",".join(p.modes),
            "--epochs", str(p.epochs), "--image-size", str(p.image_size),
            "--seed", str(p.seed), "--batch-size", str(p.batch_size),
            "--out", str(job_dir), "--json"]


def _curve_title(p: CurvePlan) -> str:
    return (f"transfer curve on {Path(p.data_dir).name}: {', '.join(p.modes)} × "
            f"{','.join(map(str, p.per_class))} per class, {count(p.epochs, 'epoch')}, "
            f"{p.image_size} px")


# --- measurements -----------------------------------------------------------------------

def _latency_argv(s: LatencySpec, job_dir: Path) -> list[str]:
    argv = ["latency", *s.models, "--batch", ",".join(map(str, s.batches))]
    if s.resolution is not None:
        argv += ["--resolution", str(s.resolution)]
    if s.separable is not None:
        argv += ["--separable", s.separable]
    if s.force:
        argv.append("--force")
    return [*argv, "--out", str(job_dir), "--json"]


def _latency_title(s: LatencySpec) -> str:
    if s.separable:
        return f"latency: separable against standard, {s.separable}"
    return f"latency of {len(s.models) or 'the default'} networks on this machine"


def _profile_argv(s: ProfileSpec, job_dir: Path) -> list[str]:
    argv = ["profile", s.network]
    if s.alpha is not None:
        argv += ["--alpha", repr(s.alpha)]
    if s.resolution is not None:
        argv += ["--resolution", str(s.resolution)]
    return [*argv, "--out", str(job_dir), "--json"]


def _exercise_argv(c: ExerciseCheck, job_dir: Path) -> list[str]:
    return ["exercise", "check", c.exercise, c.file, "--out", str(job_dir), "--json"]


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("train", TrainConfig, _train_argv, _train_title, _train_resume,
         data_dirs=_train_reads, continued=_train_continued, trains=True),
    Kind("degradation", DegradationSettings, _degradation_argv, _degradation_title,
         _degradation_argv, trains=True),
    Kind("identity", IdentitySpec, _identity_argv, _identity_title, _identity_argv,
         trains=True),
    Kind("transfer-curve", CurvePlan, _curve_argv, _curve_title,
         data_dirs=lambda p: (p.data_dir,), trains=True),
    Kind("latency", LatencySpec, _latency_argv, _latency_title),
    Kind("profile", ProfileSpec, _profile_argv, lambda s: f"profile of {s.network}"),
    Kind("exercise", ExerciseCheck, _exercise_argv, lambda c: f"check of {c.exercise}",
         data_dirs=lambda c: (c.file,)),
)}


def kind_of(spec) -> Kind:
    """The kind whose spec type ``spec`` is."""
    for kind in KINDS.values():
        if type(spec) is kind.spec:
            return kind
    raise CvlabError(f"Received: a {type(spec).__name__} as a job spec; allowed: "
                     + ", ".join(k.spec.__name__ for k in KINDS.values()))


def get(name: str) -> Kind:
    if name not in KINDS:
        raise CvlabError(f"Received: job kind {name!r}; allowed: {', '.join(KINDS)}")
    return KINDS[name]


def checked(name: str, data: object, roots: list[Path] | None = None):
    """The spec a record holds, decoded and checked before anything runs: a known kind,
    every field of its type, and every folder it reads under the data roots."""
    from cvlab.data.roots import resolve_allowed

    kind = get(name)
    spec = codec.decode(kind.spec, data)
    for folder in kind.data_dirs(spec):
        resolve_allowed(folder, roots)
    return spec
