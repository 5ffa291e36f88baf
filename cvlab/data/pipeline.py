"""A ``tf.data`` input pipeline over files that a scan has validated.

Value range convention: images come out as ``float32`` RGB in **0..255** (not scaled),
shape ``(batch, height, width, 3)``; labels are ``int32`` class indices. Models put their
own ``Rescaling`` or ``preprocess_input`` in front, as Keras' application models expect.

Decoding goes through :func:`cvlab.data.images.load_resized` (PIL, inside
``tf.numpy_function``), so CMYK, 16-bit, palette, transparent, animated and
EXIF-rotated files load exactly as the scan reported them. Images are stretched to
``image_size``. A file that fails anyway (changed or deleted since the scan) never
stops an epoch: it is replaced, with a logged warning, by the next readable file of
the same class (black pixels only if ``MAX_STAND_INS`` of them fail too). So the
dataset keeps a known length: ``ceil(len(paths) / batch_size)`` batches per epoch.

Order of stages: decode in parallel → cache (uint8) → shuffle → batch → cast to
float32 → prefetch. With ``cache`` the first epoch decodes and later epochs read
memory (or the cache file when ``cache`` is a path).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from cvlab import lazy_tf
from cvlab.data.images import load_resized
from cvlab.errors import CvlabError

SHUFFLE_BUFFER = 2048  # decoded images held for shuffling (uint8)
MAX_STAND_INS = 5  # same-class files tried in place of one that fails to load
log = logging.getLogger(__name__)


def make_dataset(
    paths: Sequence[str | os.PathLike],
    labels: Sequence[int],
    image_size: tuple[int, int] = (160, 160),
    batch_size: int = 32,
    *,
    shuffle: bool = True,
    seed: int = 0,
    cache: bool | str | os.PathLike = True,
):
    """Batches of ``(float32 images in 0..255, int32 labels)``; see the module docstring.

    ``image_size`` is ``(height, width)``. ``shuffle`` reshuffles every epoch from
    ``seed``. ``cache`` is ``True`` (memory), ``False``, or a file path prefix.
    """
    if len(paths) != len(labels):
        raise CvlabError(f"Got {len(paths)} paths but {len(labels)} labels; they must pair up.")
    if not paths:
        raise CvlabError("No images to load: the file list is empty. Scan a dataset first.")
    height, width = (int(v) for v in image_size)
    if height < 1 or width < 1 or batch_size < 1:
        raise CvlabError(
            f"image_size and batch_size must be positive; got {image_size}, {batch_size}."
        )
    tf = lazy_tf.tf()
    names = [os.fspath(p) for p in paths]
    load = _Loader(names, [int(v) for v in labels], (height, width))

    def decode(index, label):
        image = tf.numpy_function(load, [index], tf.uint8, stateful=False)
        image.set_shape((height, width, 3))
        return image, label

    files = tf.data.Dataset.from_tensor_slices(
        (np.arange(len(names)), np.asarray(labels, dtype=np.int32))
    )
    if shuffle and not cache:
        files = files.shuffle(len(names), seed=seed, reshuffle_each_iteration=True)
    ds = files.map(decode, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    if cache:
        ds = ds.cache("" if cache is True else os.fspath(cache))
        if shuffle:
            buffer = min(len(paths), SHUFFLE_BUFFER)
            ds = ds.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size)
    ds = ds.map(lambda x, y: (tf.cast(x, tf.float32), y), num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


class _Loader:
    """Decode file ``index``; on failure, stand in the next readable file of its class."""

    def __init__(self, paths: list[str], labels: list[int], size: tuple[int, int]):
        self.paths = paths
        self.size = size
        by_label: dict[int, list[int]] = {}
        for index, label in enumerate(labels):
            by_label.setdefault(label, []).append(index)
        self.position: dict[int, tuple[list[int], int]] = {}  # file → (its class's files, rank)
        for members in by_label.values():
            for rank, index in enumerate(members):
                self.position[index] = (members, rank)

    def __call__(self, index: np.int64) -> np.ndarray:
        members, rank = self.position[int(index)]
        tries = min(len(members), MAX_STAND_INS + 1)
        for step in range(tries):
            path = self.paths[members[(rank + step) % len(members)]]
            try:
                return load_resized(Path(path), self.size)
            except Exception as exc:  # any failure costs this file, never the epoch
                log.warning("cannot load %s (%s); using another image of its class", path, exc)
        log.error("no readable stand-in for %s; feeding black pixels", self.paths[int(index)])
        return np.zeros((*self.size, 3), np.uint8)
