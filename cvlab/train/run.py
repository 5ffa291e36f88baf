"""``train(config)`` and ``resume(run_dir)``: one run from folder scan to ``model.keras``.

Order of work: check the config (no TensorFlow yet) → scan and split the folder
(train / val / test; the test split is written to split.json and never read here) →
resolve the weights → write config.json, classes.json, split.json → build the model →
(a mode with a cached head phase, cache on: compute pooled base features once) → fit
phase by phase (:mod:`cvlab.train.modes`), each epoch recorded by
:mod:`cvlab.train.callbacks` → write ``model.keras`` from the best epoch.

Feature cache. While the base is frozen it is a fixed function, so the head phase of
``frozen`` and ``fine-tune`` trains the head alone on cached pooled features; only the
``fine-tune`` phase runs the base, and (without augmentation) only its part from a block
boundary below ``fine_tune_at`` up, on cached outputs of the frozen bottom
(:mod:`cvlab.train.prefix`). A best epoch from the head phase is exported with the
base's pretrained weights, exactly as they were while it trained.

Stopping. A stop request — ``stop_event.set()``, or a ``STOP`` file in the run folder —
ends training at the end of the current batch; Keras then validates that partial epoch,
which is recorded with ``partial: true``, and ``model.keras`` is written from the best
epoch so far. :func:`resume` continues at the epoch after the last recorded one, from
``checkpoints/last.keras`` (weights and optimizer state), in the right phase.

Failure. Any exception during training keeps ``checkpoints/last.keras`` from the last
finished epoch, writes ``model.keras`` from the best epoch if one finished, and is
raised again as :class:`TrainingFailed` naming the epoch and what was kept.

Reproducibility. The split depends only on the folder and ``seed``. Training seeds
Python, NumPy, TensorFlow and Keras with ``seed`` and every shuffle with it, so on CPU
a frozen run repeats exactly (the tests check it). Runs that train the base can differ
slightly: TensorFlow's ``enable_op_determinism`` is not switched on, and multi-threaded
CPU kernels may sum in a different order.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np

from cvlab import lazy_tf
from cvlab.atomic import write_json
from cvlab.data import Split, Subset, scan, split
from cvlab.data.split import per_class_sample
from cvlab.errors import CvlabError
from cvlab.train import checkpoints, features, prefix
from cvlab.train import device as devices
from cvlab.train.callbacks import (
    ProgressEvent,
    RunState,
    layers_only,
    make_recorder,
    make_stop,
    save_atomic,
)
from cvlab.train.config import FINE_TUNE_FACTOR, TrainConfig, check
from cvlab.train.datasets import image_batches
from cvlab.train.model import Classifier, build_classifier, compile_model, set_phase
from cvlab.train.modes import mode
from cvlab.train.runs import RunPaths, default_run_dir, read_run, split_to_json
from cvlab.weights.sources import WeightsSource, resolve_weights

Progress = Callable[[ProgressEvent], None]


class TrainingFailed(RuntimeError):
    """Training raised; the message says in which epoch and what was kept."""


@dataclass(frozen=True)
class RunResult:
    """A finished, stopped or resumed run. ``val_accuracy``/``val_loss`` are the best
    epoch's (the one in ``model.keras``); ``epochs_run`` counts every epoch recorded."""

    run_dir: Path
    mode: str
    weights_source: dict
    classes: list[str]
    train_images: int
    val_images: int
    test_images: int
    epochs_run: int
    best_epoch: int | None
    val_accuracy: float | None
    val_loss: float | None
    seconds: float
    device: str
    stopped: bool

    def to_json(self) -> dict:
        return {"run_dir": str(self.run_dir), "mode": self.mode,
                "weights_source": self.weights_source, "classes": self.classes,
                "train_images": self.train_images, "val_images": self.val_images,
                "test_images": self.test_images,
                "epochs_run": self.epochs_run, "best_epoch": self.best_epoch,
                "val_accuracy": self.val_accuracy, "val_loss": self.val_loss,
                "seconds": round(self.seconds, 3), "device": self.device,
                "stopped": self.stopped}


@dataclass
class _RunContext:
    """What every step of one run (new or resumed) works from: settings, folder, data,
    weights, device, the state recorded so far and the start time."""

    config: TrainConfig
    paths: RunPaths
    parts: Split
    source: WeightsSource
    device: devices.Device
    state: RunState
    started: float
    top: prefix.Split | None = None  # the fine-tune phase's cut model, once built


def train(config: TrainConfig, progress: Progress | None = None,
          stop_event: threading.Event | None = None,
          run_dir: str | os.PathLike | None = None) -> RunResult:
    """Train ``config`` into ``run_dir`` (default ``./runs/<timestamp>-<mode>``)."""
    started = time.perf_counter()
    cfg = config.resolved()
    paths = RunPaths(_new_folder(run_dir, cfg.mode))
    parts = split(scan(cfg.data_dir), cfg.val_fraction, cfg.test_fraction, cfg.seed)
    if cfg.train_per_class is not None:
        parts = replace(parts, train=per_class_sample(parts.train, cfg.train_per_class,
                                                       cfg.seed))
    if not len(parts.val):
        raise CvlabError(f"Received: {cfg.data_dir} with too few images to validate on; "
                         "allowed: at least 2 images in a class")
    source = resolve_weights(cfg.weights, include_top=False, input_size=cfg.image_size)
    device = devices.detect()
    paths.root.mkdir(parents=True, exist_ok=True)
    write_json(paths.config, {**cfg.to_dict(), "weights_source": source.as_dict(),
                              "class_names": parts.class_names, "device": device.name})
    write_json(paths.classes, parts.class_names)
    write_json(paths.split, split_to_json(parts))
    return _run(_RunContext(cfg, paths, parts, source, device, RunState(), started),
                progress, stop_event)


def resume(run_dir: str | os.PathLike, progress: Progress | None = None,
           stop_event: threading.Event | None = None, epochs: int | None = None) -> RunResult:
    """Continue a stopped or failed run at its next epoch; ``epochs`` raises the total."""
    started = time.perf_counter()
    record = read_run(run_dir)
    paths = RunPaths(record.path)
    if checkpoints.recover(paths):  # a kill mid-commit: finish it, then read what it wrote
        record = read_run(record.path)
    if record.state is None or not paths.last.is_file():
        raise CvlabError(f"Received: run {record.path} without a checkpoint; allowed: a run "
                         "that recorded at least one epoch (checkpoints/last.keras)")
    cfg = TrainConfig.from_dict(record.config)
    state = RunState.from_json(record.state, record.history)
    if epochs is not None:
        cfg = replace(cfg, epochs=epochs)
        check(cfg)
        write_json(paths.config, {**record.config, "epochs": epochs})
    if state.epoch >= cfg.epochs:
        raise CvlabError(f"Received: run {record.path} that already ran all {cfg.epochs} "
                         f"epochs; allowed: more epochs than {state.epoch} to train on")
    state.finished = state.stopped = False
    subsets = [Subset([Path(p) for p, _ in record.split[name]],
                      [label for _, label in record.split[name]])
               for name in ("train", "val", "test")]
    source = WeightsSource.from_dict(record.config["weights_source"])
    session = _RunContext(cfg, paths, Split(record.class_names, *subsets), source,
                       devices.detect(), state, started)
    return _run(session, progress, stop_event)


class Phase(NamedTuple):
    """One stretch of a run with the same layers training; epochs 0-based, ``end`` exclusive."""

    name: str
    first: int
    end: int
    learning_rate: float


def phases(cfg: TrainConfig) -> list[Phase]:
    """The mode's phases in order (:mod:`cvlab.train.modes`). A mode of two phases gives
    the first ``head_epochs``; the fine-tune phase runs at ``FINE_TUNE_FACTOR`` × the
    learning rate."""
    names = mode(cfg.mode).phases
    ends = [cfg.head_epochs, cfg.epochs] if len(names) == 2 else [cfg.epochs]
    starts = [0, *ends[:-1]]
    return [Phase(name, first, end,
                  cfg.learning_rate * (FINE_TUNE_FACTOR if name == "fine-tune" else 1.0))
            for name, first, end in zip(names, starts, ends, strict=True)]


def _cached(cfg: TrainConfig, phase: str) -> bool:
    """Does ``phase`` train the head alone on cached base features?"""
    return cfg.uses_feature_cache and phase == mode(cfg.mode).cached_phase


def _cut(s: _RunContext, clf: Classifier, phase: str) -> prefix.Split | None:
    """The fine-tune phase's bottom/top split when its cache applies (see module doc)."""
    cfg = s.config
    if phase != "fine-tune" or not cfg.uses_feature_cache or cfg.augment is not None:
        return None
    if s.top is None:
        split_ = prefix.split_model(clf, s.source.layout, cfg.fine_tune_at)
        images = len(s.parts.train) + len(s.parts.val)
        if split_ is None or prefix.cache_bytes(images, split_.bottom) > prefix.MAX_CACHE_BYTES:
            return None
        s.top = split_
    return s.top


def _model(s: _RunContext, clf: Classifier, phase: str):
    """The model that trains in ``phase``: the head, the top of a cut base, or all."""
    if _cached(s.config, phase):
        return clf.head
    cut = _cut(s, clf, phase)
    return cut.top if cut else clf.model


def _run(s: _RunContext, progress: Progress | None, stop_event) -> RunResult:
    keras = lazy_tf.keras()
    cfg, paths, state = s.config, s.paths, s.state

    def should_stop() -> bool:
        return (stop_event is not None and stop_event.is_set()) or paths.stop.exists()

    keras.utils.set_random_seed(cfg.seed)
    with devices.strategy(s.device).scope():
        with devices.dtype_policy(s.device.policy):
            clf = build_classifier(s.source, cfg.image_size, len(s.parts.class_names),
                                   cfg.dropout, frozen_bn=mode(cfg.mode).frozen_bn,
                                   model=cfg.model)
        # The base as the cached head phase saw it, for exporting a best epoch of that phase.
        pretrained = clf.base.get_weights() if cfg.uses_feature_cache else None
        try:
            _fit(s, clf, should_stop, progress)
        except features.Interrupted:
            state.stopped = True
        except BaseException as exc:
            kept = _export_best(s, clf, pretrained)
            if isinstance(exc, Exception):
                raise TrainingFailed(_failure(exc, state, kept)) from exc
            raise
        _export_best(s, clf, pretrained)
    state.finished = not state.stopped and state.epoch >= cfg.epochs
    if state.stopped:
        paths.stop.unlink(missing_ok=True)  # honoured; a later resume must not stop at once
    if state.epoch:
        write_json(paths.state, state.to_json())
    return RunResult(paths.root, cfg.mode, s.source.as_dict(), list(s.parts.class_names),
                     len(s.parts.train), len(s.parts.val), len(s.parts.test), state.epoch,
                     state.best_epoch,
                     state.best_val_accuracy, state.best_val_loss,
                     time.perf_counter() - s.started, s.device.name, state.stopped)


def _fit(s: _RunContext, clf: Classifier, should_stop, progress) -> None:
    cfg, state = s.config, s.state
    plan = [p for p in phases(cfg) if p.end > state.epoch]
    data = {}  # image batches, built once when a phase needs them
    restored = _restore(s, clf) if state.epoch else None
    for phase, first, end, learning_rate in plan:
        if should_stop():
            state.stopped = True
            return
        model = _model(s, clf, phase)
        if model is not clf.model:  # trains on cached outputs of the frozen part
            inputs = clf.features if model is clf.head else s.top.bottom
            train_ds, val_ds, steps = _feature_data(s, inputs, should_stop, progress)
        else:
            if "images" not in data:
                data["images"] = _image_data(s)
            train_ds, val_ds, steps = data["images"]
        if phase != restored:
            set_phase(clf, phase, cfg.fine_tune_at)
            compile_model(model, learning_rate)
        restored = None
        # The recorder reports a batch before the stop check looks at it, so a stop asked
        # for while a batch is reported ends the epoch right there.
        callbacks = [make_recorder(s.paths, state, phase, cfg.epochs, progress),
                     make_stop(should_stop, state)]
        model.fit(train_ds, validation_data=val_ds, epochs=end,
                  initial_epoch=max(first, state.epoch), steps_per_epoch=steps,
                  callbacks=callbacks, shuffle=False, verbose=0)
        if state.stopped:
            return


def _image_data(s: _RunContext):
    cfg, classes = s.config, len(s.parts.class_names)
    train_ds = image_batches(s.parts.train, classes, cfg.image_size, cfg.batch_size,
                             seed=cfg.seed, shuffle=True, augment=cfg.augment)
    val_ds = image_batches(s.parts.val, classes, cfg.image_size, cfg.batch_size,
                           seed=cfg.seed, shuffle=False)
    return train_ds, val_ds, None


def _feature_data(s: _RunContext, frozen_part, should_stop, progress):
    cfg = s.config
    cache = _embed(s, frozen_part, should_stop, progress)
    return (features.feature_batches(cache, cfg.batch_size, cfg.seed, s.state.epoch),
            features.val_batches(cache, cfg.batch_size),
            features.steps_per_epoch(cache, cfg.batch_size))


def _embed(s: _RunContext, frozen_part, should_stop, progress) -> features.FeatureCache:
    """``frozen_part``'s outputs for the training set (``cached_views`` augmented passes)
    and the val set; the test set is never embedded."""
    cfg = s.config
    classes = len(s.parts.class_names)
    train_ds = image_batches(s.parts.train, classes, cfg.image_size, cfg.batch_size,
                             seed=cfg.seed, shuffle=False, augment=cfg.augment)
    val_ds = image_batches(s.parts.val, classes, cfg.image_size, cfg.batch_size,
                           seed=cfg.seed, shuffle=False)
    views = cfg.cached_views if cfg.augment else 1
    per_pass = -(-len(s.parts.train) // cfg.batch_size)
    total = views * per_pass + -(-len(s.parts.val) // cfg.batch_size)
    done = [0]

    def tick() -> None:
        done[0] += 1
        if progress:
            progress(ProgressEvent("features", step=done[0], steps=total))

    forward = features.inference(frozen_part)
    passes = [features.embed(forward, train_ds, should_stop=should_stop, on_batch=tick)
              for _ in range(views)]
    val, val_labels = features.embed(forward, val_ds, should_stop=should_stop, on_batch=tick)
    return features.FeatureCache(np.stack([p[0] for p in passes]),
                                 np.stack([p[1] for p in passes]), val, val_labels)


def _restore(s: _RunContext, clf: Classifier) -> str:
    """Load ``last.keras`` (weights and optimizer state) in the phase it was saved in."""
    cfg, state = s.config, s.state
    rate = {phase.name: phase.learning_rate for phase in phases(cfg)}[state.phase]
    model = _model(s, clf, state.phase)
    set_phase(clf, state.phase, cfg.fine_tune_at)
    compile_model(model, rate)
    model.optimizer.build(model.trainable_variables)
    model.load_weights(s.paths.last)
    return state.phase


def _export_best(s: _RunContext, clf: Classifier, pretrained: list | None) -> bool:
    """Write model.keras from the best epoch's weights; False when no epoch finished.

    best.weights.h5 holds the weights of the model that trained in the best epoch's
    phase: the head alone for a cached phase, whose base is then the pretrained one."""
    state = s.state
    if state.best_epoch is None or not s.paths.best.is_file():
        return False
    phase = next((h["phase"] for h in state.history if h["epoch"] == state.best_epoch),
                 state.phase)
    if _cached(s.config, phase):
        clf.base.set_weights(pretrained)
    layers_only(_model(s, clf, phase)).load_weights(s.paths.best)
    complete = _float32_copy(s, clf) if s.device.mixed else clf.model
    save_atomic(layers_only(complete), s.paths.model)
    return True


def _float32_copy(s: _RunContext, clf: Classifier):
    """The complete model rebuilt in float32 with the trained weights (for CPU inference)."""
    blank = replace(s.source, name="none", path=None, sha256=None)
    with devices.dtype_policy("float32"):
        copy = build_classifier(blank, s.config.image_size, len(s.parts.class_names),
                                s.config.dropout, model=s.config.model).model
    copy.set_weights(clf.model.get_weights())
    return copy


#: Files a job folder holds before its run starts (see cvlab.jobs); a run may begin there.
JOB_FILES = ("job.json", "job.log", "progress.json", "STOP")


def _new_folder(run_dir, mode: str) -> Path:
    path = Path(run_dir).expanduser() if run_dir else default_run_dir(mode)
    if path.exists() and (not path.is_dir() or any(
            entry.name not in JOB_FILES for entry in path.iterdir())):
        raise CvlabError(f"Received: output folder {path} that already holds files; allowed: "
                         "a new or empty folder (continue a run with --resume RUN_DIR)")
    return path.resolve()


def _failure(exc: Exception, state: RunState, kept: bool) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    what = f"{type(exc).__name__}: {lines[-1] if lines else ''}"[:300]
    epoch = state.epoch + 1
    if not state.epoch:
        return f"training failed in epoch {epoch} ({what}); no epoch finished, nothing kept"
    model = f" and model.keras from epoch {state.best_epoch}" if kept else ""
    return (f"training failed in epoch {epoch} ({what}); kept checkpoints/last.keras from "
            f"epoch {state.epoch}{model}; continue with --resume")
