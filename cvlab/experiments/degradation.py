"""The degradation experiment of He et al. (2015): plain against residual nets as depth grows.

Every network is the zoo's CIFAR-style family (:func:`cvlab.zoo.residual.cifar_net`,
depth 6n + 2, 16/32/64 channels, zero-padding shortcuts so that a plain net and a
residual net of one depth have exactly the same parameters). Each one trains from the
same seeded initialisation scheme for the same budget (epochs × images) on a seeded,
class-balanced draw of Animal-MNIST (:mod:`cvlab.data.animal_mnist`).

Conventions:

* **training error** of an epoch is 1 − accuracy averaged over that epoch's batches,
  measured while training (batch-norm in training mode), as in the paper's curves;
* **validation error** is measured after each epoch on held-out images, inference mode;
* **optimizer**: Adam at 0.002, its rate decaying to 0 along a cosine over the budget, by
  default; He et al.'s SGD (momentum 0.9, rate ÷10 at ½ and ¾ of the steps) on request.
  In a CPU budget of a few hundred steps SGD leaves the deeper ResNet behind (README,
  "The degradation experiment, measured");
* **initial gradient norms**: before any training, the L2 norm of the loss gradient
  with respect to each convolution's kernel, on the first training batch.

:func:`run` returns the JSON object ``python -m cvlab experiment degradation --json``
prints. With ``job_dir`` it also reports progress (with the curves so far) through
:mod:`cvlab.jobfolder`, stops at the next batch when ``STOP`` appears, and writes
``result.json``; run again on that folder with the same settings, it keeps the runs
that finished and trains the rest.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from cvlab import jobfolder, lazy_tf
from cvlab.data import animal_mnist
from cvlab.errors import CvlabError
from cvlab.experiments.fitting import compile_classifier, watch
from cvlab.experiments.machine import machine
from cvlab.profile import profile
from cvlab.zoo.residual import check_cifar_depth, cifar_net

FAMILIES = ("plain", "residual")
OPTIMIZERS = ("sgd", "adam")
SCHEDULES = ("cosine", "step", "constant")

Progress = Callable[[jobfolder.ProgressEvent], None]


#: The default experiment's wall-clock time on the idle 2-core CPU (seed 0, 2026-12-02).
MEASURED_DEFAULT_SECONDS = 269.0


@dataclass(frozen=True)
class Settings:
    """One experiment's budget. Defaults: see ``python -m cvlab experiment degradation -h``."""

    depths: tuple[int, ...] = (8, 20, 56)
    epochs: int = 8
    seed: int = 0
    train_per_class: int = 200
    val_per_class: int = 50
    image_size: int = 12
    batch_size: int = 64
    learning_rate: float = 0.002
    optimizer: str = "adam"
    families: tuple[str, ...] = FAMILIES
    schedule: str = "cosine"

    def checked(self) -> Settings:
        depths = tuple(sorted({check_cifar_depth(d) for d in self.depths}))
        _allow(bool(depths), "no depths", "one or more of 8, 14, 20, 26, 32, … (6n + 2)")
        _allow(_is_int(self.epochs) and 1 <= self.epochs <= 500, f"epochs={self.epochs!r}",
               "an integer from 1 to 500")
        _allow(_is_int(self.seed) and self.seed >= 0, f"seed={self.seed!r}", "an integer ≥ 0")
        _allow(_is_int(self.image_size) and 8 <= self.image_size <= 28,
               f"image_size={self.image_size!r}", "an integer from 8 to 28 (Animal-MNIST is "
               "28×28; smaller is faster)")
        _allow(_is_int(self.batch_size) and 1 <= self.batch_size <= 1024,
               f"batch_size={self.batch_size!r}", "an integer from 1 to 1024")
        _allow(isinstance(self.learning_rate, int | float) and 0 < self.learning_rate <= 1,
               f"learning_rate={self.learning_rate!r}", "a number in (0, 1]")
        _allow(self.optimizer in OPTIMIZERS, f"optimizer={self.optimizer!r}",
               ", ".join(OPTIMIZERS))
        _allow(self.schedule in SCHEDULES, f"schedule={self.schedule!r}", ", ".join(SCHEDULES))
        families = tuple(f for f in FAMILIES if f in self.families)
        _allow(bool(families) and set(self.families) <= set(FAMILIES),
               f"families={','.join(self.families)}", "plain, residual or both")
        _allow(_is_int(self.train_per_class) and _is_int(self.val_per_class)
               and self.train_per_class >= 1 and self.val_per_class >= 1
               and self.train_per_class + self.val_per_class <= 1000,
               f"{self.train_per_class} train + {self.val_per_class} validation images per "
               "class", "at least 1 each and at most 1000 together (1000 per class)")
        return Settings(depths, self.epochs, self.seed, self.train_per_class,
                        self.val_per_class, self.image_size, self.batch_size,
                        float(self.learning_rate), self.optimizer, families, self.schedule)

    def estimated_seconds(self) -> float:
        """Wall-clock seconds on an idle 2-core CPU, scaled from one measurement: the
        defaults (depths 8, 20 and 56, plain and residual, 8 epochs, 200 images per class
        at 12 px) took 269 s. Time grows with the layers trained (the sum of the depths,
        per family), the epochs and the images; a busy machine (other jobs, a class's
        pages) stretches it, and the first run also waits for TensorFlow's import."""
        layers = sum(self.depths) * len(self.families)
        default = Settings()
        return (MEASURED_DEFAULT_SECONDS * layers / (sum(default.depths) * len(default.families))
                * self.epochs / default.epochs * self.train_per_class / default.train_per_class
                * (self.image_size / default.image_size) ** 2)

    def to_json(self) -> dict:
        data = asdict(self)
        data["depths"], data["families"] = list(self.depths), list(self.families)
        return data


@dataclass
class _Tracker:
    """What the experiment has so far: finished runs, the current one, its progress."""

    settings: Settings
    job_dir: Path | None
    progress: Progress | None
    total_cost: float
    done_cost: float = 0.0
    runs: list = field(default_factory=list)
    gradients: list = field(default_factory=list)
    reporter: jobfolder.Reporter | None = None

    def __post_init__(self):
        if self.job_dir is not None:
            self.reporter = jobfolder.Reporter(self.job_dir)

    def report(self, fraction: float, text: str, current: dict | None = None, *,
               stage: str = "training", final: bool = False) -> None:
        if self.progress:
            self.progress(jobfolder.step(fraction, text))
        if self.reporter is not None:
            runs = self.runs + ([current] if current else [])
            self.reporter(fraction, text, stage=stage, final=final, runs=runs,
                          init_gradients=self.gradients)

    def stop_requested(self) -> bool:
        return jobfolder.StopRequest(self.job_dir)()


class Stopped(Exception):
    """A STOP file asked the experiment to end; the runs so far are kept."""


def run(settings: Settings = Settings(), job_dir: str | os.PathLike | None = None,
        progress: Progress | None = None) -> dict:
    """Train every (family, depth) pair; the result object (also result.json in ``job_dir``).

    A stop request ends the current run after its batch; the result then has
    ``"stopped": true`` and the epochs finished so far.
    """
    s = settings.checked()
    started, cpu_started = time.time(), time.process_time()
    folder = Path(job_dir) if job_dir is not None else None
    where = machine()
    (train_x, train_y), (val_x, val_y) = animal_mnist.subset(
        s.train_per_class, s.val_per_class, s.seed, s.image_size)
    shape = train_x.shape[1:]
    nets = [(family, depth, cifar_net(depth, family == "residual", input_shape=shape,
                                      classes=len(animal_mnist.CLASSES)))
            for depth in s.depths for family in s.families]
    cost = {(f, d): profile(net).macs for f, d, net in nets}
    tracker = _Tracker(s, folder, progress, total_cost=float(sum(cost.values())) * s.epochs)
    kept = _finished_before(folder, s)
    stopped = False
    tracker.report(0.0, "starting")
    for family, depth, net in nets:
        if (family, depth) in kept:
            tracker.runs.append(kept[(family, depth)][0])
            tracker.gradients.append(kept[(family, depth)][1])
            tracker.done_cost += cost[(family, depth)] * s.epochs
            continue
        record = {"family": family, "depth": depth, "params": profile(net).total_params,
                  "train_error": [], "val_error": []}
        try:
            _train(net, record, tracker, cost[(family, depth)], (train_x, train_y),
                   (val_x, val_y))
        except Stopped:
            stopped = True
        tracker.runs.append(record)
        tracker.done_cost += cost[(family, depth)] * s.epochs
        if stopped:
            break
    result = {"dataset": animal_mnist.NAME, "runs": tracker.runs,
              "init_gradients": tracker.gradients, "settings": s.to_json(),
              "train_images": len(train_y), "val_images": len(val_y), "machine": where,
              "seconds": round(time.time() - started, 1),
              "cpu_seconds": round(time.process_time() - cpu_started, 1), "stopped": stopped}
    tracker.report(1.0, "stopped" if stopped else "finished", final=True)
    if folder is not None:
        jobfolder.write_result(folder, result)
    return result


def _finished_before(folder: Path | None, settings: Settings) -> dict:
    """Runs a stopped earlier attempt in ``folder`` completed with the same settings.

    Running the command again on the same folder continues the experiment: those runs
    are kept (they would come out the same) and only the others train.
    """
    if folder is None:
        return {}
    earlier = jobfolder.read_result(folder)
    if not earlier or earlier.get("settings") != settings.to_json():
        return {}
    gradients = {(g["family"], g["depth"]): g for g in earlier.get("init_gradients", [])}
    return {(r["family"], r["depth"]): (r, gradients[(r["family"], r["depth"])])
            for r in earlier.get("runs", [])
            if len(r.get("train_error", ())) == settings.epochs
            and (r["family"], r["depth"]) in gradients}


def initial_gradients(model, x, y, batch_size: int) -> dict:
    """Per-convolution kernel-gradient norms of the untrained ``model`` on the first batch
    (batch norm in training mode, as in the first training step)."""
    keras, tf = lazy_tf.keras(), lazy_tf.tf()
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    with tf.GradientTape() as tape:
        loss = loss_fn(y[:batch_size], model(x[:batch_size], training=True))
    grads = tape.gradient(loss, [layer.kernel for layer in convs])
    return {"layers": [layer.name for layer in convs],
            "norms": [float(tf.norm(g)) for g in grads]}


def _train(network, record: dict, tracker: _Tracker, cost: float, train, val) -> None:
    keras = lazy_tf.keras()
    from cvlab.keras.build import build_model

    s = tracker.settings
    keras.utils.set_random_seed(s.seed)
    model = build_model(network)
    tracker.gradients.append({"family": record["family"], "depth": record["depth"],
                              **initial_gradients(model, *train, s.batch_size)})
    steps = math.ceil(len(train[1]) / s.batch_size)
    rate = learning_rate(s, steps * s.epochs)
    compile_classifier(model, keras.optimizers.SGD(rate, momentum=0.9)
                       if s.optimizer == "sgd" else keras.optimizers.Adam(rate))
    label = f"{record['family']}-{record['depth']}"

    def on_batch(epoch: int, batch: int) -> None:
        """Stop checks and progress every few batches."""
        if tracker.stop_requested():
            raise Stopped
        if (batch + 1) % 2 == 0 or batch + 1 == steps:
            done = tracker.done_cost + cost * (epoch + (batch + 1) / steps)
            tracker.report(done / tracker.total_cost,
                           f"{label}: epoch {epoch + 1}/{s.epochs}, batch {batch + 1}/{steps}",
                           record)

    def on_epoch(epoch: int, logs: dict) -> None:
        """The curves at every epoch's end."""
        record["train_error"].append(round(1.0 - float(logs["accuracy"]), 5))
        record["val_error"].append(round(1.0 - float(logs["val_accuracy"]), 5))
        done = tracker.done_cost + cost * (epoch + 1)
        tracker.report(done / tracker.total_cost,
                       f"{label}: epoch {epoch + 1}/{s.epochs}, training error "
                       f"{record['train_error'][-1]:.3f}", record, final=True)

    try:
        model.fit(train[0], train[1], batch_size=s.batch_size, epochs=s.epochs, verbose=0,
                  shuffle=True, validation_data=val,
                  callbacks=[watch(on_batch, on_epoch)])
    finally:
        keras.backend.clear_session()


def learning_rate(s: Settings, total_steps: int):
    """The optimizer's learning rate over ``total_steps`` training steps.

    ``step``: He et al.'s schedule, the rate divided by 10 after half the steps and again
    after three quarters; ``cosine``: from the rate down to 0 along half a cosine;
    ``constant``: the rate throughout.
    """
    keras = lazy_tf.keras()
    if s.schedule == "step":
        return keras.optimizers.schedules.PiecewiseConstantDecay(
            [max(total_steps // 2 - 1, 0), max((3 * total_steps) // 4 - 1, 0)],  # last steps
            [s.learning_rate, s.learning_rate / 10, s.learning_rate / 100])
    if s.schedule == "cosine":
        return keras.optimizers.schedules.CosineDecay(s.learning_rate, total_steps)
    return s.learning_rate


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _allow(ok: bool, received: str, allowed: str) -> None:
    if not ok:
        raise CvlabError(f"Received: {received}; allowed: {allowed}.")


def verdict(result: dict, tolerance: float = 0.01) -> dict:
    """Whether the final training errors have He et al.'s shape, pair by pair.

    For each family and each depth against the next deeper one: the change in final
    training error. The shape holds when the deepest plain net ends *higher* than the
    next shallower plain net, and the deepest residual net ends *lower or equal* (within
    ``tolerance``, an absolute error) than the next shallower residual net.
    """
    finals = {(r["family"], r["depth"]): r["train_error"][-1]
              for r in result["runs"] if r["train_error"]}
    lines, checks = [], {}
    for family in FAMILIES:
        depths = sorted(d for f, d in finals if f == family)
        for shallow, deep in zip(depths, depths[1:], strict=False):
            change = finals[(family, deep)] - finals[(family, shallow)]
            lines.append(f"{family} {deep} vs {shallow}: training error "
                         f"{finals[(family, shallow)]:.3f} → {finals[(family, deep)]:.3f} "
                         f"({change:+.3f})")
        if len(depths) >= 2:
            change = finals[(family, depths[-1])] - finals[(family, depths[-2])]
            checks[family] = change > 0 if family == "plain" else change <= tolerance
    holds = checks.get("plain") is True and checks.get("residual") is True
    if len(checks) == 2:
        lines.append("He et al.'s shape: " + ("shown" if holds else "not shown") +
                     f" (deeper plain worse: {'yes' if checks['plain'] else 'no'}; deeper "
                     f"residual lower or equal within {tolerance:g}: "
                     f"{'yes' if checks['residual'] else 'no'})")
    return {"plain_degrades": checks.get("plain"), "residual_holds": checks.get("residual"),
            "shape_shown": holds if len(checks) == 2 else None, "lines": lines}
