"""Animal-MNIST: 10,000 28×28 grayscale animal silhouettes in 10 classes, offline.

The images ship inside the ``animal-mnist`` wheel (PyPI, MIT licence; see
``assets/DATA_SOURCES.md``) as two gzipped NumPy pickles. A pickle can name any
callable, so they are read with an unpickler that resolves only the three globals a
plain NumPy array needs and refuses every other one; the package's own loader (which
also imports TensorFlow datasets that download) is not used.

Arrays: images uint8 (N, 28, 28) with white silhouettes on black, labels int64 0..9
in the order of :data:`CLASSES`, 1,000 images per class.
"""

from __future__ import annotations

import functools
import gzip
import importlib.resources
import pickle

import numpy as np

from cvlab.errors import CvlabError

NAME = "Animal-MNIST (animal-mnist 0.4, MIT)"
CLASSES = ("bear", "bird", "cat", "cow", "dog", "elephant", "giraffe", "horse", "sheep",
           "zebra")
_FILES = ("animal_data_version_3.gz", "animal_label_version_3.gz")


class _ArrayUnpickler(pickle.Unpickler):
    """Resolves NumPy's array-rebuilding globals only."""

    def find_class(self, module, name):
        if (module, name) == ("numpy.core.multiarray", "_reconstruct"):
            from numpy._core.multiarray import _reconstruct

            return _reconstruct
        if (module, name) in (("numpy", "ndarray"), ("numpy", "dtype")):
            return getattr(np, name)
        raise CvlabError(f"animal-mnist data names a global that is not a NumPy array part. "
                         f"Received: {module}.{name}; allowed: numpy arrays only.")


@functools.cache
def load() -> tuple[np.ndarray, np.ndarray]:
    """``(images, labels)``: all 10,000 images, read from the installed wheel."""
    try:
        folder = importlib.resources.files("animal_mnist") / "data" / "Animal_MNIST"
    except ModuleNotFoundError:
        raise CvlabError("Received: no animal-mnist package; allowed: install it with "
                         "`pip install -r requirements.txt` (the images ship in its wheel)"
                         ) from None
    arrays = []
    for file in _FILES:
        with (folder / file).open("rb") as raw, gzip.open(raw) as stream:
            arrays.append(_ArrayUnpickler(stream).load())
    images, labels = arrays
    if images.shape != (10_000, 28, 28) or images.dtype != np.uint8 or labels.shape != (10_000,):
        raise CvlabError(f"animal-mnist data has an unexpected layout. Received: images "
                         f"{images.shape} {images.dtype}, labels {labels.shape}; allowed: "
                         "(10000, 28, 28) uint8 and (10000,).")
    images.setflags(write=False)
    labels = labels.astype(np.int64)
    labels.setflags(write=False)
    return images, labels


def subset(train_per_class: int, val_per_class: int, seed: int = 0,
           size: int = 28) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """A class-balanced, seeded train/val draw; images float32 (N, size, size, 1) in 0..1.

    The same ``seed`` always draws the same images; the two parts never overlap.
    """
    if train_per_class < 1 or val_per_class < 1 or train_per_class + val_per_class > 1000:
        raise CvlabError(f"Received: {train_per_class} train + {val_per_class} validation "
                         "images per class; allowed: at least 1 each, at most 1000 together.")
    images, labels = load()
    rng = np.random.default_rng(seed)
    train, val = [], []
    for c in range(len(CLASSES)):
        picked = rng.permutation(np.flatnonzero(labels == c))
        train.append(picked[:train_per_class])
        val.append(picked[train_per_class:train_per_class + val_per_class])
    parts = []
    for index in (np.concatenate(train), np.concatenate(val)):
        index = rng.permutation(index)
        x = images[index].astype(np.float32) / 255.0
        if size != 28:
            x = _resize(x, size)
        parts.append((x[..., None], labels[index].copy()))
    return parts[0], parts[1]


def _resize(x: np.ndarray, size: int) -> np.ndarray:
    """Area-style resize with Pillow, one image at a time (small arrays, no TensorFlow)."""
    from PIL import Image

    return np.stack([np.asarray(Image.fromarray(img, mode="F").resize(
        (size, size), Image.Resampling.BOX), dtype=np.float32) for img in x])
