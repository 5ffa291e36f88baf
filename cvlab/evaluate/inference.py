"""Read images for a model and run it in fixed-size batches, timing only the model.

Pixels match training: images are read by the trainer's own reader,
:func:`cvlab.data.images.load_resized` (EXIF, CMYK, 16-bit… handled, then a bilinear
stretch to the model size). Unlike the trainer, it applies the default pixel limit:
files here may come straight from a user.

:class:`Predictor` warms the model up with two batch sizes before anything is timed:
Keras' predict function (``reduce_retracing``) then holds a trace for any batch size,
so timings measure the steady state, not graph tracing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from cvlab.data.images import DEFAULT_MAX_PIXELS, Rejected, load_resized

BATCH = 32
READ_WORKERS = 4


def read_images(
    paths: Sequence[Path], size: tuple[int, int]
) -> tuple[np.ndarray, list[int], list[dict]]:
    """Stacked readable images, the indices of ``paths`` they came from, and the failures.

    A failure is ``{"path": str, "reason": "not found: no such file"}``.
    """

    def attempt(path: Path):
        try:
            return load_resized(Path(path), size, DEFAULT_MAX_PIXELS)
        except Rejected as exc:
            return exc

    with ThreadPoolExecutor(READ_WORKERS) as pool:
        outcomes = list(pool.map(attempt, paths))
    kept = [i for i, out in enumerate(outcomes) if isinstance(out, np.ndarray)]
    failed = [{"path": str(paths[i]), "reason": str(out)}
              for i, out in enumerate(outcomes) if not isinstance(out, np.ndarray)]
    images = np.stack([outcomes[i] for i in kept]) if kept else np.zeros((0, *size, 3), np.uint8)
    return images, kept, failed


class Predictor:
    """Probabilities from a Keras model, in batches of up to ``BATCH``, warmed up once."""

    def __init__(self, model, size: tuple[int, int]):
        self.model = model
        self.size = size
        for batch in (BATCH, 1):
            self.model.predict_on_batch(np.zeros((batch, *size, 3), np.float32))

    def __call__(self, images: np.ndarray) -> np.ndarray:
        """``(n, classes)`` float32 for ``(n, height, width, 3)`` RGB pixels in 0..255."""
        out = []
        for start in range(0, len(images), BATCH):
            chunk = np.asarray(images[start:start + BATCH], np.float32)
            out.append(np.asarray(self.model.predict_on_batch(chunk)))
        return np.concatenate(out).astype(np.float32)


def timed(fn: Callable, *args) -> tuple[object, float]:
    """``fn(*args)`` and the seconds it took (``time.perf_counter``)."""
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start
