"""Frozen-mode feature cache: run the frozen base once, then train the head on its output.

With the base frozen and BatchNorm in inference mode, the base is a fixed function, so
recomputing it every epoch (as the TF tutorial does) repeats the same work. Here the
pooled 1280-wide features of the training and validation images are computed once and
the head (Dropout → Dense) trains on them as in-memory tensors. The pooled vector is
cached, not the spatial map: pooling comes before Dropout, so the result is exactly
what the complete model computes.

With augmentation the training set is embedded ``views`` times, each pass drawing new
augmentations (and, with MixUp/CutMix, new soft labels); epoch ``e`` trains on view
``e mod views``. Validation features are computed once, never augmented.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from cvlab import lazy_tf


class Interrupted(Exception):
    """A stop request arrived while features were being computed."""


@dataclass(frozen=True)
class FeatureCache:
    """``train``: (views, N, D) float32; ``train_labels``: (views, N, C) float32;
    ``val``: (M, D); ``val_labels``: (M, C). Labels are one-hot or mixed."""

    train: np.ndarray
    train_labels: np.ndarray
    val: np.ndarray
    val_labels: np.ndarray


def inference(features_model):
    """``features_model`` in inference mode as one graph for any batch size (traced once)."""
    tf = lazy_tf.tf()
    spec = tf.TensorSpec((None, *features_model.input_shape[1:]), tf.float32)
    return tf.function(lambda x: features_model(x, training=False), input_signature=[spec],
                       jit_compile=False)


def embed(forward, batches, *, should_stop: Callable[[], bool] = lambda: False,
          on_batch: Callable[[], None] = lambda: None) -> tuple[np.ndarray, np.ndarray]:
    """``forward`` (from :func:`inference`) over ``batches`` of (images, labels)."""
    features, labels = [], []
    for x, y in batches:
        if should_stop():
            raise Interrupted
        features.append(np.asarray(forward(x), np.float32))
        labels.append(np.asarray(y, np.float32))
        on_batch()
    return np.concatenate(features), np.concatenate(labels)


def feature_batches(cache: FeatureCache, batch_size: int, seed: int, first_epoch: int = 0):
    """An endless dataset of head batches: each run of ``steps_per_epoch(…)`` batches is
    one epoch over view ``epoch mod views``, shuffled from ``seed`` and the epoch number,
    starting at ``first_epoch``."""
    tf = lazy_tf.tf()
    views = len(cache.train)
    train = tf.constant(cache.train)
    labels = tf.constant(cache.train_labels)
    count = cache.train.shape[1]

    def epoch(index):
        noise = tf.random.stateless_uniform([count], seed=tf.stack([tf.constant(seed, tf.int64),
                                                                     index]))
        order = tf.argsort(noise)
        view = index % views
        ds = tf.data.Dataset.from_tensor_slices((tf.gather(train[view], order),
                                                 tf.gather(labels[view], order)))
        return ds.batch(batch_size)

    return tf.data.Dataset.range(first_epoch, 2**62).flat_map(epoch).prefetch(2)


def val_batches(cache: FeatureCache, batch_size: int):
    tf = lazy_tf.tf()
    return tf.data.Dataset.from_tensor_slices((cache.val, cache.val_labels)).batch(batch_size)


def steps_per_epoch(cache: FeatureCache, batch_size: int) -> int:
    return math.ceil(cache.train.shape[1] / batch_size)
