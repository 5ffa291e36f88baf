"""Keras callbacks of a run: stop requests, the per-epoch record (history, checkpoints,
best weights) and progress events.

Everything a callback writes follows :mod:`cvlab.train.runs`. Each epoch's
``last.keras``, ``best.weights.h5`` and ``history.json`` land together with
``checkpoints/state.json``, crash-safe (:mod:`cvlab.train.checkpoints`): a kill at any
point leaves one epoch's consistent set, whole files only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from cvlab import atomic
from cvlab.atomic import write_json
from cvlab.jobfolder import ProgressEvent
from cvlab.lazy_tf import keras
from cvlab.train import checkpoints
from cvlab.train.runs import RunPaths


@dataclass
class RunState:
    """The trainer's memory across epochs and phases; mirrored in state.json."""

    epoch: int = 0  # last epoch recorded (1-based), 0 before the first
    phase: str = ""
    best_epoch: int | None = None
    best_val_accuracy: float | None = None
    best_val_loss: float | None = None
    best_partial: bool = False
    finished: bool = False
    stopped: bool = False
    history: list[dict] = field(default_factory=list)

    def improves(self, val_accuracy: float, val_loss: float, partial: bool = False) -> bool:
        """Higher val_accuracy wins; equal accuracy, lower val_loss wins. A partial epoch
        (cut short by a stop) is best only while no complete epoch exists, and any
        complete epoch replaces it."""
        if self.best_epoch is None:
            return True
        if partial != self.best_partial:
            return self.best_partial
        return (val_accuracy, -val_loss) > (self.best_val_accuracy, -self.best_val_loss)

    def to_json(self) -> dict:
        return {"epoch": self.epoch, "phase": self.phase, "best_epoch": self.best_epoch,
                "best_val_accuracy": self.best_val_accuracy,
                "best_val_loss": self.best_val_loss, "best_partial": self.best_partial,
                "finished": self.finished,
                "stopped": self.stopped}

    @classmethod
    def from_json(cls, data: dict, history: list[dict]) -> RunState:
        fields_ = cls().to_json().keys()
        return cls(**{k: data[k] for k in fields_ if k in data}, history=list(history))


def _callback_class():
    return keras().callbacks.Callback


def make_stop(should_stop: Callable[[], bool], state: RunState):
    """Sets ``model.stop_training`` at the end of the batch during which a stop was asked."""

    class StopOnRequest(_callback_class()):
        def on_train_batch_end(self, batch, logs=None):
            if should_stop():
                state.stopped = True
                self.model.stop_training = True

    return StopOnRequest()


def make_recorder(paths: RunPaths, state: RunState, phase: str, epochs: int,
                  progress: Callable[[ProgressEvent], None] | None):
    """Records each epoch: history.json, last.keras, best.weights.h5, state.json; reports
    progress per batch and per epoch."""

    class EpochRecorder(_callback_class()):
        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()
            self.epoch, self.batches = epoch + 1, 0

        def on_train_batch_end(self, batch, logs=None):
            self.batches += 1
            if progress:
                progress(ProgressEvent("batch", phase, epoch=self.epoch, epochs=epochs,
                                       step=self.batches, steps=self.params.get("steps") or 0,
                                       logs=_floats(logs)))

        def on_epoch_end(self, epoch, logs=None):
            logs = _floats(logs)
            entry = {"epoch": epoch + 1, "phase": phase, "loss": logs.get("loss"),
                     "accuracy": logs.get("accuracy"), "val_loss": logs.get("val_loss"),
                     "val_accuracy": logs.get("val_accuracy"),
                     "seconds": round(time.perf_counter() - self.started, 3),
                     "learning_rate": _learning_rate(self.model), "batches": self.batches,
                     "partial": bool(self.batches < (self.params.get("steps") or 0))}
            state.history.append(entry)
            state.epoch, state.phase = epoch + 1, phase
            files = [checkpoints.staged(paths.last, epoch + 1)]
            self.model.save(files[0])
            if state.improves(entry["val_accuracy"], entry["val_loss"], entry["partial"]):
                files.append(checkpoints.staged(paths.best, epoch + 1))
                layers_only(self.model).save_weights(files[-1])
                state.best_epoch, state.best_partial = epoch + 1, entry["partial"]
                state.best_val_accuracy = entry["val_accuracy"]
                state.best_val_loss = entry["val_loss"]
            files.append(checkpoints.staged(paths.history, epoch + 1))
            write_json(files[-1], state.history)
            checkpoints.commit(paths, state.to_json(), files)
            if progress:
                progress(ProgressEvent("epoch", phase, epoch=epoch + 1, epochs=epochs,
                                       logs=logs))

    return EpochRecorder()


def layers_only(model):
    """The same layers as ``model`` without its optimizer, so weight files hold layers only."""
    return keras().Model(model.inputs, model.outputs, name=model.name)


def save_atomic(model, path) -> None:
    """``model.save(path)``, atomically (:func:`cvlab.atomic.replacing`)."""
    with atomic.replacing(path) as temporary:
        model.save(temporary)


def _floats(logs) -> dict:
    return {k: float(v) for k, v in (logs or {}).items()}


def _learning_rate(model) -> float:
    return float(keras().ops.convert_to_numpy(model.optimizer.learning_rate))
