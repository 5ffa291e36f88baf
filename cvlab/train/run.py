"""``train(config)`` and ``resume(run_dir)``: one run from folder scan to ``model.keras``.

Order of work: check the config (no TensorFlow yet) → scan and split the folder
(train / val / test; the test split is written to split.json and never read here) →
resolve the weights → write config.json, classes.json, split.json → build the model (or
load a model file: :mod:`cvlab.train.from_file`) → (a mode with a cached head phase,
cache on: compute pooled base features once) → fit
phase by phase (:mod:`cvlab.train.modes`), each epoch recorded by
:mod:`cvlab.train.callbacks` → write ``model.keras`` from the best epoch.

The fitting itself, phase by phase, and the feature cache are :mod:`cvlab.train.fitting`'s.

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
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from cvlab import jobfolder, lazy_tf
from cvlab.atomic import write_json
from cvlab.data import Split, Subset, scan, split
from cvlab.data.split import per_class_sample
from cvlab.errors import CvlabError
from cvlab.jobfolder import ProgressEvent
from cvlab.train import checkpoints, features, from_file
from cvlab.train import device as devices
from cvlab.train.callbacks import (
    RunState,
)
from cvlab.train.config import TrainConfig, check
from cvlab.train.fitting import RunContext, export_best, fit
from cvlab.train.model import build_classifier
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
    head = None
    if cfg.model_file:  # the image size follows the model; say if its head is replaced
        model = from_file.load_model_file(cfg.model_file)
        cfg = replace(cfg, image_size=from_file.input_side(model, cfg.image_size))
        check(cfg)
        head = from_file.head_change(model, len(parts.class_names))
        print(f"model file {Path(cfg.model_file).name} ({cfg.mode}): "
              f"{cfg.image_size}×{cfg.image_size} input; {head or 'head kept'}",
              file=sys.stderr, flush=True)
    source = resolve_weights(cfg.weights, include_top=False, input_size=cfg.image_size)
    device = devices.detect()
    paths.root.mkdir(parents=True, exist_ok=True)
    write_json(paths.config, {**cfg.to_dict(), "weights_source": source.as_dict(),
                              "class_names": parts.class_names, "device": device.name,
                              **({"model_file_head": head} if cfg.model_file else {})})
    write_json(paths.classes, parts.class_names)
    write_json(paths.split, split_to_json(parts))
    return _run(RunContext(cfg, paths, parts, source, device, RunState(), started),
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
    session = RunContext(cfg, paths, Split(record.class_names, *subsets), source,
                       devices.detect(), state, started)
    return _run(session, progress, stop_event)


def _run(s: RunContext, progress: Progress | None, stop_event) -> RunResult:
    keras = lazy_tf.keras()
    cfg, paths, state = s.config, s.paths, s.state

    should_stop = jobfolder.StopRequest(paths.root, stop_event)
    keras.utils.set_random_seed(cfg.seed)
    with devices.strategy(s.device).scope():
        with devices.dtype_policy(s.device.policy):
            clf = from_file.file_classifier(cfg.model_file, len(s.parts.class_names),
                                            fresh=cfg.mode == "scratch") if cfg.model_file \
                else build_classifier(s.source, cfg.image_size, len(s.parts.class_names),
                                      cfg.dropout, frozen_bn=s.mode.frozen_bn, model=cfg.model)
        # The base as the cached head phase saw it, for exporting a best epoch of that phase.
        pretrained = clf.base.get_weights() if s.caches else None
        try:
            fit(s, clf, should_stop, progress)
        except features.Interrupted:
            state.stopped = True
        except BaseException as exc:
            kept = export_best(s, clf, pretrained)
            if isinstance(exc, Exception):
                raise TrainingFailed(_failure(exc, state, kept)) from exc
            raise
        export_best(s, clf, pretrained)
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


def _new_folder(run_dir, mode: str) -> Path:
    path = Path(run_dir).expanduser() if run_dir else default_run_dir(mode)
    if path.exists() and (not path.is_dir() or any(
            entry.name not in jobfolder.JOB_FILES for entry in path.iterdir())):
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
