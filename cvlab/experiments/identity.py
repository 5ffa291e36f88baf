"""Why a residual block can always fall back to the identity, checked on real activations.

The network (defined once, in the zoo's graph): an Animal-MNIST image → a 3×3 conv with
16 filters and ReLU (the "stem", so its output a[l] ≥ 0) → the course's basic block
(two biased 3×3 convs, no batch norm, identity shortcut) → global average pooling →
softmax over the 10 classes.

* :func:`identity_check`: with the block's last kernel W[l+2] and bias b[l+2] set to
  zero, z[l+2] = 0 and the block returns g(0 + a[l]) = a[l]; the check compares the
  two arrays bit for bit. It does the same for the batch-norm block, whose last affine
  step is batch norm's scale γ and shift β.
* :func:`weight_decay_run`: train the network briefly with and without L2 weight decay
  (SGD's decoupled decay, w ← w − lr·λ·w each step, the gradient of λ/2·‖w‖²) and
  record, after every few steps, the norms of W[l+2] and b[l+2] and how far the block
  is from the identity on a fixed batch: ‖block(a) − a‖ / ‖a‖.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cvlab import jobfolder, lazy_tf
from cvlab.data import animal_mnist
from cvlab.errors import CvlabError
from cvlab.experiments.fitting import compile_classifier, watch
from cvlab.experiments.machine import machine
from cvlab.zoo.graph import GraphBuilder, Network
from cvlab.zoo.residual import basic_block

STEM, BLOCK = "stem_relu", "block_out"
LAST_CONV, LAST_BN = "block_2_conv", "block_2_bn"


@dataclass(frozen=True)
class IdentitySpec:
    """The identity experiment's job: ``epochs`` of training with L2 decay
    ``weight_decay`` (λ) and without, from ``seed``."""

    epochs: int = 4
    weight_decay: float = 0.3
    seed: int = 0


def demo_network(batch_norm: bool = False, size: int = 28) -> Network:
    """Stem conv + ReLU, one basic block with an identity shortcut, and a softmax head."""
    g = GraphBuilder("identity_demo", "ResNet", (size, size, 1))
    x = g.conv(g.last, 16, 3, name="stem_conv")
    if batch_norm:
        x = g.bn(x, name="stem_bn")
    x = g.act(x, "relu", name=STEM)
    with g.stage("block"):
        x = basic_block(g, x, 16, shortcut="identity", batch_norm=batch_norm, name="block")
    with g.stage("head"):
        x = g.gap(x, name="avg_pool")
        g.dense(x, len(animal_mnist.CLASSES), activation="softmax", name="predictions")
    return g.network(batch_norm=batch_norm)


def identity_check(seed: int = 0, images: int = 8) -> dict:
    """Block output against block input, before and after zeroing the block's last layer."""
    keras = lazy_tf.keras()
    from cvlab.keras.build import build_model

    (x, y), _ = animal_mnist.subset(1, 1, seed)
    x = x[:images]
    cases = {}
    for batch_norm in (False, True):
        keras.utils.set_random_seed(seed)
        model = build_model(demo_network(batch_norm))
        probe = keras.Model(model.input, [model.get_layer(STEM).output,
                                          model.get_layer(BLOCK).output])
        a, before = (np.asarray(t) for t in probe(x, training=False))
        last = model.get_layer(LAST_BN if batch_norm else LAST_CONV)
        for weight in last.weights if not batch_norm else (last.gamma, last.beta):
            weight.assign(np.zeros(weight.shape, "float32"))
        _, after = (np.asarray(t) for t in probe(x, training=False))
        zeroed = ["gamma", "beta"] if batch_norm else ["kernel", "bias"]
        cases["batch_norm" if batch_norm else "course"] = {
            "zeroed": [f"{last.name}.{w}" for w in zeroed],
            "input_min": float(a.min()),
            "input_zero_fraction": round(float((a == 0).mean()), 4),
            "max_abs_diff_before": float(np.abs(before - a).max()),
            "max_abs_diff_after": float(np.abs(after - a).max()),
            "exact": bool(np.array_equal(after, a)),
        }
        keras.backend.clear_session()
    return {"images": int(len(x)), "labels": [animal_mnist.CLASSES[i] for i in y[:images]],
            "activation_shape": list(a.shape[1:]), **cases}


def weight_decay_run(epochs: int = 4, weight_decay: float = 0.3, learning_rate: float = 0.05,
                     per_class: int = 100, seed: int = 0,
                     job_dir: str | os.PathLike | None = None, progress=None) -> dict:
    """Train with ``weight_decay`` λ and with none; the branch's norms along the way."""
    if not (isinstance(epochs, int) and 1 <= epochs <= 100):
        raise CvlabError(f"Received: epochs={epochs!r}; allowed: an integer from 1 to 100.")
    if not (isinstance(weight_decay, int | float) and 0 < weight_decay < 1):
        raise CvlabError(f"Received: weight_decay={weight_decay!r}; allowed: a number in "
                         "(0, 1), e.g. 0.3.")
    started, cpu_started = time.time(), time.process_time()
    folder = Path(job_dir) if job_dir is not None else None
    where = machine()
    (x, y), _ = animal_mnist.subset(per_class, 1, seed)
    result = {"dataset": animal_mnist.NAME, "identity": identity_check(seed),
              "settings": {"epochs": epochs, "weight_decay": weight_decay,
                           "learning_rate": learning_rate, "train_images": int(len(y)),
                           "seed": seed, "optimizer": "sgd, momentum 0.9", "batch_size": 32},
              "runs": [], "machine": where}
    for index, decay in enumerate((0.0, float(weight_decay))):
        def report(fraction, text, index=index):
            overall = (index + fraction) / 2
            if progress:
                progress(jobfolder.step(overall, text))
            if folder is not None:
                jobfolder.report_progress(folder, overall, text, runs=result["runs"])
        run = _train(x, y, decay, epochs, learning_rate, seed, report,
                     jobfolder.StopRequest(folder))
        result["runs"].append(run)
        if run["stopped"]:
            break
    result["stopped"] = any(r["stopped"] for r in result["runs"])
    result["seconds"] = round(time.time() - started, 1)
    result["cpu_seconds"] = round(time.process_time() - cpu_started, 1)
    if folder is not None:
        jobfolder.report_progress(folder, 1.0, "stopped" if result["stopped"] else "finished",
                                 runs=result["runs"])
        jobfolder.write_result(folder, result)
    return result


def decay_summary(free: dict, decayed: dict) -> str:
    """What the two runs show, read from their last samples: how much smaller decay kept
    ‖W[l+2]‖, and how the two distances from the identity compare."""
    w_free, w_decayed = free["kernel_norm"][-1], decayed["kernel_norm"][-1]
    d_free, d_decayed = (free["distance_from_identity"][-1],
                         decayed["distance_from_identity"][-1])
    shrink = (f"Decay λ = {decayed['weight_decay']:g} took ‖W[l+2]‖ from "
              f"{decayed['kernel_norm'][0]:.2f} to {w_decayed:.2f}, "
              f"{w_free / w_decayed:.1f}× smaller than without decay ({w_free:.2f}).")
    if d_decayed < 0.9 * d_free:
        return (f"{shrink} The block also ended nearer the identity: a distance of "
                f"{d_decayed:.2f} against {d_free:.2f}.")
    return (f"{shrink} Yet the block did not end nearer the identity (a distance of "
            f"{d_decayed:.2f} against {d_free:.2f}): in this one-block network the block "
            "does the work, so the task's gradient keeps it away from the identity. What "
            "decay changes is the price of the weights: a block that the task does not need "
            "is pulled all the way to zero weights, which is the identity.")


def _train(x, y, decay: float, epochs: int, learning_rate: float, seed: int, report,
           should_stop) -> dict:
    keras = lazy_tf.keras()
    from cvlab.keras.build import build_model

    keras.utils.set_random_seed(seed)
    model = build_model(demo_network())
    block_in, block_out = model.get_layer(STEM).output, model.get_layer(BLOCK).output
    probe = keras.Model(model.input, [block_in, block_out])
    last = model.get_layer(LAST_CONV)
    fixed = x[:64]
    run = {"weight_decay": decay, "step": [], "epoch": [], "kernel_norm": [], "bias_norm": [],
           "distance_from_identity": [], "train_error": [], "stopped": False}
    batch_size, steps = 32, math.ceil(len(y) / 32)
    every = max(1, steps // 4)

    def sample(step: int) -> None:
        a, out = (np.asarray(t) for t in probe(fixed, training=False))
        run["step"].append(step)
        run["epoch"].append(round(step / steps, 3))
        run["kernel_norm"].append(float(np.linalg.norm(last.kernel.numpy())))
        run["bias_norm"].append(float(np.linalg.norm(last.bias.numpy())))
        run["distance_from_identity"].append(float(np.linalg.norm(out - a) / np.linalg.norm(a)))

    def on_batch(epoch: int, batch: int) -> bool:
        step = epoch * steps + batch + 1
        if step % every == 0 or batch + 1 == steps:
            sample(step)
        run["stopped"] = run["stopped"] or should_stop()
        report(step / (epochs * steps), f"weight decay {decay:g}: epoch "
               f"{epoch + 1}/{epochs}, batch {batch + 1}/{steps}")
        return run["stopped"]

    def on_epoch(epoch: int, logs: dict) -> None:
        run["train_error"].append(round(1.0 - float(logs["accuracy"]), 5))

    compile_classifier(model, keras.optimizers.SGD(learning_rate, momentum=0.9,
                                                   weight_decay=decay or None))
    sample(0)
    try:
        model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=0,
                  callbacks=[watch(on_batch, on_epoch)])
    finally:
        keras.backend.clear_session()
    return run
