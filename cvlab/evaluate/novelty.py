"""Is a photo unlike the run's training images? A stated rule, calibrated on held-out images.

The rule: take the features the run's classifier head reads (the input of its last Dense
layer, after pooling), L2-normalised. A photo's *novelty* is its cosine distance to the
nearest training image's features. The threshold is the 95th percentile of the same
distance over the run's held-out images (test split, else validation), so about 1 in 20
images like the training data is flagged by chance; a photo farther than that is reported
as unlike the training data. The model's confidence is no such test: a softmax head gives
a confident answer for any input, a photo of a bicycle included.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cvlab.errors import CvlabError
from cvlab.evaluate.inference import BATCH, read_images
from cvlab.evaluate.rundir import input_size, load_model, open_run

QUANTILE = 0.95
MAX_REFERENCE = 400  # training images embedded as the reference, at most


@dataclass(frozen=True)
class NoveltyRule:
    """The reference features and the calibrated threshold of one run's model."""

    reference: np.ndarray  # (n, d), unit rows
    threshold: float
    held_out: int
    held_out_flagged: float  # the share of held-out images beyond the threshold

    def distances(self, features: np.ndarray) -> np.ndarray:
        """Cosine distance of each row of ``features`` to its nearest reference row."""
        return 1.0 - (_unit(features) @ self.reference.T).max(axis=1)

    def describe(self) -> str:
        return (f"flagged when its features lie farther than {self.threshold:.3f} (cosine "
                f"distance) from every training image; {self.held_out_flagged:.0%} of the "
                f"run's {self.held_out} held-out images are that far")


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def feature_model(model):
    """A model that returns what ``model``'s last layer (its Dense head) reads."""
    from cvlab.lazy_tf import keras

    head = model.layers[-1]
    if type(head).__name__ != "Dense":
        raise CvlabError(f"Received: a model ending in {type(head).__name__}; allowed: a "
                         "classifier whose last layer is Dense (its features are its input).")
    return keras().Model(model.inputs, head.input)


def embed(features_of, images: np.ndarray) -> np.ndarray:
    """Features of ``images`` (0..255 RGB) in batches."""
    out = [np.asarray(features_of.predict_on_batch(np.asarray(images[i:i + BATCH], np.float32)))
           for i in range(0, len(images), BATCH)]
    return np.concatenate(out) if out else np.zeros((0, 0))


def fit(reference: np.ndarray, held_out: np.ndarray, quantile: float = QUANTILE) -> NoveltyRule:
    """The rule from training features ``reference`` and held-out features ``held_out``."""
    if len(reference) == 0 or len(held_out) == 0:
        raise CvlabError(f"Received: {len(reference)} training and {len(held_out)} held-out "
                         "images; allowed: at least one of each to calibrate the rule.")
    rule = NoveltyRule(_unit(reference), 0.0, len(held_out), 0.0)
    distances = rule.distances(held_out)
    threshold = float(np.quantile(distances, quantile))
    return NoveltyRule(rule.reference, threshold, len(held_out),
                       float((distances > threshold).mean()))


def run_rule(run_dir: str | os.PathLike, seed: int = 0):
    """``(rule, features model, input size)`` for a run: up to :data:`MAX_REFERENCE` of its
    training images as the reference, its held-out images for the threshold."""
    run = open_run(run_dir)
    model = load_model(run)
    size = input_size(model, run)
    features_of = feature_model(model)
    train = [Path(p) for p, _ in run.split["train"]]
    if len(train) > MAX_REFERENCE:
        picked = np.random.default_rng(seed).choice(len(train), MAX_REFERENCE, replace=False)
        train = [train[i] for i in sorted(picked)]
    held = [Path(p) for p, _ in (run.split["test"] or run.split["val"])]
    reference = embed(features_of, read_images(train, size)[0])
    held_out = embed(features_of, read_images(held, size)[0])
    return fit(reference, held_out), features_of, size
