"""Measured inference latency per image in Keras, stored per machine so it is measured once.

A measurement row is ``{"key", "title", "family", "batch", "ms_per_image", "macs",
"params", "input_shape", "device", "measured"}``: ``key`` names the network and its
input (``"mobilenet_v2@224"``), ``ms_per_image`` is the median time of one forward
pass (inference mode, a compiled ``tf.function``, no XLA) divided by the batch size.
MACs and params come from the profiler, so the chart sets the count beside the clock.

Rows are kept in ``$CVLAB_CACHE_DIR/latency/<machine key>.json`` (default
``~/.cache/cvlab``); the machine key is read from the host name, the CPU model and
core count and the NVIDIA GPUs present, with no TensorFlow import, so a page can
find this machine's rows cheaply.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cvlab.atomic import read_json, write_json
from cvlab.jobfolder import ProgressEvent, step
from cvlab.machine import machine
from cvlab.profile import profile
from cvlab.zoo.graph import Network

#: Networks measured when none are named: one per family, at their default input size.
DEFAULT_MODELS = ("alexnet", "vgg16", "resnet50", "googlenet", "mobilenet_v1", "mobilenet_v2",
                  "efficientnet_b0")
DEFAULT_BATCHES = (1, 32)


@dataclass(frozen=True)
class LatencySpec:
    """A latency measurement job: zoo ``models`` (none: :data:`DEFAULT_MODELS`) at
    ``resolution`` (``None``: each model's own), or instead ``separable``
    (``"HxWxM,N,K[,padding]"``: a standard conv against depthwise + pointwise), at each of
    ``batches``; ``force`` measures again what is stored."""

    models: tuple[str, ...] = ()
    resolution: int | None = None
    batches: tuple[int, ...] = (1, 32)
    separable: str | None = None
    force: bool = False


def store_path(key: str | None = None) -> Path:
    base = Path(os.environ.get("CVLAB_CACHE_DIR") or Path.home() / ".cache" / "cvlab")
    return base.expanduser() / "latency" / f"{key or machine()['key']}.json"


def stored(key: str | None = None) -> list[dict]:
    """This machine's (or ``key``'s) stored rows; none if nothing was measured yet."""
    rows = (read_json(store_path(key)) or {}).get("rows")
    return [r for r in rows or [] if isinstance(r, dict)]


def save(rows: list[dict]) -> None:
    """Merge ``rows`` into this machine's store; a new row replaces one with its key and batch."""
    me = machine()
    merged = {(r["key"], r["batch"]): r for r in stored(me["key"])}
    merged.update({(r["key"], r["batch"]): r for r in rows})
    write_json(store_path(me["key"]), {"machine": me, "rows": list(merged.values())})


def find(rows: list[dict], key: str, batch: int) -> dict | None:
    return next((r for r in rows if r["key"] == key and r["batch"] == batch), None)


def measure(network: Network, key: str, title: str, batch: int,
            min_seconds: float = 0.5, max_repeats: int = 50) -> dict:
    """Time ``network`` (random weights) at ``batch`` images; returns one row."""
    import numpy as np

    from cvlab.keras.build import build_model
    from cvlab.lazy_tf import keras, tf

    k = keras()
    k.backend.clear_session()
    model = build_model(network)
    forward = tf().function(lambda x: model(x, training=False))
    x = tf().constant(np.random.default_rng(0).random((batch, *network.input_shape),
                                                      dtype=np.float32))
    for _ in range(2):                                   # trace and warm up
        _block(forward(x))
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < 3 or (time.perf_counter() - start < min_seconds
                             and len(times) < max_repeats):
        tick = time.perf_counter()
        _block(forward(x))
        times.append(time.perf_counter() - tick)
    p = profile(network)
    device = "GPU" if tf().config.list_logical_devices("GPU") else "CPU"
    return {"key": key, "title": title, "family": network.family, "batch": batch,
            "ms_per_image": 1000 * statistics.median(times) / batch, "macs": p.macs,
            "params": p.total_params, "input_shape": list(network.input_shape),
            "device": device, "repeats": len(times), "measured": time.time()}


def _block(outputs) -> None:
    """Wait for the device: read one number of every output back to the host."""
    for out in outputs if isinstance(outputs, list | tuple) else [outputs]:
        out.numpy().flat[0]


def measure_all(jobs: list[tuple[str, str, Callable[[], Network]]], batches: tuple[int, ...],
                force: bool = False,
                progress: Callable[[ProgressEvent], None] | None = None,
                stop: Callable[[], bool] | None = None) -> list[dict]:
    """Measure each (key, title, network factory) at each batch size, reusing stored rows.

    Each new row is stored as soon as it is measured, so a stop keeps what was done.
    """
    have = [] if force else stored()
    rows: list[dict] = []
    total = len(jobs) * len(batches)
    done = 0
    for key, title, make in jobs:
        for batch in batches:
            if stop is not None and stop():
                return rows
            if progress:
                progress(step(done / total, f"{title} at batch {batch}"))
            row = find(have, key, batch)
            if row is None:
                row = measure(make(), key, title, batch)
                save([row])
            rows.append(row)
            done += 1
    if progress:
        progress(step(1.0, f"measured {len(rows)} of {total}"))
    return rows
