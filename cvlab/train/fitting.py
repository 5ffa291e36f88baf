"""Fitting one run phase by phase: the mode's phases, which model trains in each (the head
on cached features, the top of a cut base, or all of it), the data each one reads, the
checkpoint it restores from, and the best epoch's export.

Feature cache. While the base is frozen it is a fixed function, so the head phase of
``frozen`` and ``fine-tune`` trains the head alone on cached pooled features; only the
``fine-tune`` phase runs the base, and (without augmentation) only its part from a block
boundary below ``fine_tune_at`` up, on cached outputs of the frozen bottom
(:mod:`cvlab.train.prefix`). A best epoch from the head phase is exported with the
base's pretrained weights, exactly as they were while it trained.

Everything works from a :class:`RunContext`, made once per run by :mod:`cvlab.train.run`
with the mode and its phases already resolved.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np

from cvlab.data import Split
from cvlab.jobfolder import ProgressEvent
from cvlab.train import device as devices
from cvlab.train import features, prefix
from cvlab.train.callbacks import (
    RunState,
    layers_only,
    make_recorder,
    make_stop,
    save_atomic,
)
from cvlab.train.config import FINE_TUNE_FACTOR, TrainConfig
from cvlab.train.datasets import image_batches
from cvlab.train.model import Classifier, build_classifier, compile_model, set_phase
from cvlab.train.modes import Mode, mode
from cvlab.train.runs import RunPaths
from cvlab.weights.sources import WeightsSource


class Phase(NamedTuple):
    """One stretch of a run with the same layers training; epochs 0-based, ``end`` exclusive."""

    name: str
    first: int
    end: int
    learning_rate: float


def phases(cfg: TrainConfig, record: Mode | None = None) -> list[Phase]:
    """The mode's phases in order (:mod:`cvlab.train.modes`; ``record``: the mode's record,
    if already looked up). A mode of two phases gives the first ``head_epochs``; the
    fine-tune phase runs at ``FINE_TUNE_FACTOR`` × the learning rate."""
    names = (record or mode(cfg.mode)).phases
    ends = [cfg.head_epochs, cfg.epochs] if len(names) == 2 else [cfg.epochs]
    starts = [0, *ends[:-1]]
    return [Phase(name, first, end,
                  cfg.learning_rate * (FINE_TUNE_FACTOR if name == "fine-tune" else 1.0))
            for name, first, end in zip(names, starts, ends, strict=True)]


@dataclass
class RunContext:
    """What every step of one run (new or resumed) works from: settings, folder, data,
    weights, device, the state recorded so far and the start time; and, resolved once
    here, the mode's record, its phases and whether the head phase trains on cached
    features, so no step looks them up again."""

    config: TrainConfig
    paths: RunPaths
    parts: Split
    source: WeightsSource
    device: devices.Device
    state: RunState
    started: float
    top: prefix.Split | None = None  # the fine-tune phase's cut model, once built
    mode: Mode = field(init=False)
    phases: list[Phase] = field(init=False)
    caches: bool = field(init=False)

    def __post_init__(self):
        self.mode = mode(self.config.mode)
        self.phases = phases(self.config, self.mode)
        self.caches = self.mode.can_cache and self.config.cache_features


def _cached(s: RunContext, phase: str) -> bool:
    """Does ``phase`` train the head alone on cached base features?"""
    return s.caches and phase == s.mode.cached_phase


def _cut(s: RunContext, clf: Classifier, phase: str) -> prefix.Split | None:
    """The fine-tune phase's bottom/top split when its cache applies (see module doc)."""
    cfg = s.config
    if phase != "fine-tune" or not s.caches or cfg.augment is not None:
        return None
    if s.top is None:
        split_ = prefix.split_model(clf, s.source.layout, cfg.fine_tune_at)
        images = len(s.parts.train) + len(s.parts.val)
        if split_ is None or prefix.cache_bytes(images, split_.bottom) > prefix.MAX_CACHE_BYTES:
            return None
        s.top = split_
    return s.top


def trained_model(s: RunContext, clf: Classifier, phase: str):
    """The model that trains in ``phase``: the head, the top of a cut base, or all."""
    if _cached(s, phase):
        return clf.head
    cut = _cut(s, clf, phase)
    return cut.top if cut else clf.model


def fit(s: RunContext, clf: Classifier, should_stop, progress) -> None:
    cfg, state = s.config, s.state
    plan = [p for p in s.phases if p.end > state.epoch]
    data = {}  # image batches, built once when a phase needs them
    restored = restore(s, clf) if state.epoch else None
    for phase, first, end, learning_rate in plan:
        if should_stop():
            state.stopped = True
            return
        model = trained_model(s, clf, phase)
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


def _image_data(s: RunContext):
    cfg, classes = s.config, len(s.parts.class_names)
    train_ds = image_batches(s.parts.train, classes, cfg.image_size, cfg.batch_size,
                             seed=cfg.seed, shuffle=True, augment=cfg.augment)
    val_ds = image_batches(s.parts.val, classes, cfg.image_size, cfg.batch_size,
                           seed=cfg.seed, shuffle=False)
    return train_ds, val_ds, None


def _feature_data(s: RunContext, frozen_part, should_stop, progress):
    cfg = s.config
    cache = _embed(s, frozen_part, should_stop, progress)
    return (features.feature_batches(cache, cfg.batch_size, cfg.seed, s.state.epoch),
            features.val_batches(cache, cfg.batch_size),
            features.steps_per_epoch(cache, cfg.batch_size))


def _embed(s: RunContext, frozen_part, should_stop, progress) -> features.FeatureCache:
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


def restore(s: RunContext, clf: Classifier) -> str:
    """Load ``last.keras`` (weights and optimizer state) in the phase it was saved in."""
    cfg, state = s.config, s.state
    rate = {phase.name: phase.learning_rate for phase in s.phases}[state.phase]
    model = trained_model(s, clf, state.phase)
    set_phase(clf, state.phase, cfg.fine_tune_at)
    compile_model(model, rate)
    model.optimizer.build(model.trainable_variables)
    model.load_weights(s.paths.last)
    return state.phase


def export_best(s: RunContext, clf: Classifier, pretrained: list | None) -> bool:
    """Write model.keras from the best epoch's weights; False when no epoch finished.

    best.weights.h5 holds the weights of the model that trained in the best epoch's
    phase: the head alone for a cached phase, whose base is then the pretrained one."""
    state = s.state
    if state.best_epoch is None or not s.paths.best.is_file():
        return False
    phase = next((h["phase"] for h in state.history if h["epoch"] == state.best_epoch),
                 state.phase)
    if _cached(s, phase):
        clf.base.set_weights(pretrained)
    layers_only(trained_model(s, clf, phase)).load_weights(s.paths.best)
    # A model file's layers keep the dtype they were saved with; its new head is float32.
    mixed = s.device.mixed and not s.config.model_file
    complete = _float32_copy(s, clf) if mixed else clf.model
    save_atomic(layers_only(complete), s.paths.model)
    return True


def _float32_copy(s: RunContext, clf: Classifier):
    """The complete model rebuilt in float32 with the trained weights (for CPU inference)."""
    blank = replace(s.source, name="none", path=None, sha256=None)
    with devices.dtype_policy("float32"):
        copy = build_classifier(blank, s.config.image_size, len(s.parts.class_names),
                                s.config.dropout, model=s.config.model).model
    copy.set_weights(clf.model.get_weights())
    return copy
