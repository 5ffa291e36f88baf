"""A learner's own model file seen from inside: its predictions, the activations of any
spatial layer, and Grad-CAM at any convolution, nested models' layers included.

Layers are named by their path, ``outer/inner`` for a layer inside a nested model (as
the course's alpaca model nests MobileNetV2). A layer is tapped while the model runs
(eagerly, its output kept on the way), so any graph works: a branch, a nested model, a
head that is no simple chain. Grad-CAM is :mod:`cvlab.explain.gradcam`'s: channel weights
are the mean gradients of the class score, the map is ``ReLU(Σ α_k A_k)`` scaled to 0..1.

The class score is the pre-softmax one: a last layer with a softmax activation (Dense or
Activation) is run without it, and probabilities are the softmax of those scores. A model
without a final softmax reports its raw outputs as scores. Images are float32 RGB in
0..255, the convention of cvlab's runs: a model with its own Rescaling layer sees what it
expects. Class names are the run's when the file is a run's ``model.keras``.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cvlab import lazy_tf
from cvlab.errors import CvlabError
from cvlab.explain.gradcam import scaled
from cvlab.explain.render import resize_heatmap
from cvlab.train.from_file import load_model_file

CONV_KINDS = ("Conv2D", "DepthwiseConv2D", "SeparableConv2D")
FREE_SIZE = 224  # a model that takes any size sees photos at this side


@dataclass(frozen=True)
class LayerInfo:
    """A layer with a spatial output: its ``path``, ``kind`` (class name) and ``shape``
    (H, W, C, ``None`` where free)."""

    path: str
    kind: str
    shape: tuple

    @property
    def is_conv(self) -> bool:
        return self.kind in CONV_KINDS


@dataclass(frozen=True)
class Look:
    """One image through the model: ``scores`` (pre-softmax, or raw outputs),
    ``probabilities`` (``None`` without a final softmax) and the tapped layer's
    ``activations`` (H, W, C), if one was asked for."""

    scores: np.ndarray
    probabilities: np.ndarray | None
    activations: np.ndarray | None


class FileLens:
    """The model in ``path`` (under the data roots), loaded once in safe mode."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.model = load_model_file(self.path)
        shape = self.model.input_shape
        if isinstance(shape, list) or len(shape) != 4 or shape[3] not in (3, None):
            raise CvlabError(f"Received: a model with input shape {shape}; allowed: one "
                             "image input of (height, width, 3) RGB")
        self.input_size = (shape[1] or FREE_SIZE, shape[2] or FREE_SIZE)
        self.softmax = _drop_softmax(self.model.layers[-1])
        self.outputs = int(self.model.output_shape[-1])
        self.class_names = _class_names(self.path, self.outputs)
        self.layers = list(_spatial_layers(self.model))
        if not self.layers:
            raise CvlabError(f"Received: model {self.model.name} without a spatial layer; "
                             "allowed: a CNN (some layer outputs height × width × channels)")

    @property
    def convolutions(self) -> list[str]:
        """Paths of the convolutional layers, in order (Grad-CAM's choices)."""
        return [info.path for info in self.layers if info.is_conv]

    def look(self, pixels: np.ndarray, layer: str | None = None) -> Look:
        """``pixels`` (H, W, 3 at the model's input size) through the model, keeping
        ``layer``'s activations."""
        x = self._batch(pixels)
        with self._tap(layer) as kept:
            scores = np.asarray(self.model(x, training=False))[0]
        activations = np.asarray(kept[-1])[0] if layer else None
        return Look(scores, _softmax(scores) if self.softmax else None, activations)

    def gradcam(self, pixels: np.ndarray, layer: str, target: int | None = None
                ) -> tuple[np.ndarray, int, Look]:
        """The Grad-CAM map ``(H, W)`` in 0..1 at the input size for class ``target``
        (``None``: the top score) at ``layer``, the class, and the forward pass's look."""
        tf = lazy_tf.tf()
        x = tf.constant(self._batch(pixels))
        if target is not None and not 0 <= int(target) < self.outputs:
            raise CvlabError(f"Received: class {target}; allowed: 0..{self.outputs - 1}")
        with tf.GradientTape() as tape, self._tap(layer) as kept:
            scores = self.model(x, training=False)
            values = np.asarray(scores)[0]
            index = int(values.argmax()) if target is None else int(target)
            score = scores[:, index]  # on the tape: the gradient flows from it
        features = kept[-1]
        grads = tape.gradient(score, features)
        if grads is None:
            raise CvlabError(f"Received: layer {layer!r}, which the class scores do not "
                             "depend on; allowed: a layer on the way to the output")
        weights = tf.reduce_mean(grads, axis=(1, 2), keepdims=True)
        cam = np.asarray(tf.nn.relu(tf.reduce_sum(weights * features, axis=-1)))[0]
        look = Look(values, _softmax(values) if self.softmax else None,
                    np.asarray(features)[0])
        return resize_heatmap(scaled(cam), self.input_size), index, look

    def _batch(self, pixels: np.ndarray) -> np.ndarray:
        pixels = np.asarray(pixels)
        if pixels.shape != (*self.input_size, 3):
            raise CvlabError(f"Received: an image of shape {pixels.shape}; allowed: "
                             f"{self.input_size[0]}×{self.input_size[1]}×3 RGB")
        return pixels[None].astype(np.float32)

    @contextmanager
    def _tap(self, path: str | None):
        """While open, every output of layer ``path`` is appended to the yielded list."""
        kept: list = []
        if path is None:
            yield kept
            return
        layer = self.layer(path)
        original = layer.call

        def call(*args, **kwargs):
            kept.append(original(*args, **kwargs))
            return kept[-1]

        layer.call = call
        try:
            yield kept
        finally:
            del layer.call  # the class's own call again

    def layer(self, path: str):
        """The layer at ``path`` (``outer/inner`` inside a nested model)."""
        known = {info.path for info in self.layers}
        if path not in known:
            listing = ", ".join(info.path for info in self.layers[-5:])
            raise CvlabError(f"Received: layer {path!r}; allowed: a spatial layer of "
                             f"{self.model.name}, e.g. {listing}")
        layer = self.model
        for name in path.split("/"):
            layer = layer.get_layer(name)
        return layer


def _spatial_layers(model, prefix: str = ""):
    for layer in model.layers:
        inner = getattr(layer, "layers", None)
        if inner is not None and hasattr(layer, "get_layer"):
            yield from _spatial_layers(layer, f"{prefix}{layer.name}/")
            continue
        try:
            shape = tuple(layer.output.shape)
        except (AttributeError, ValueError):
            continue
        if len(shape) == 4 and type(layer).__name__ != "InputLayer":
            yield LayerInfo(prefix + layer.name, type(layer).__name__, shape[1:])


def _drop_softmax(layer) -> bool:
    """Run ``layer`` without its softmax activation; whether it had one."""
    if getattr(getattr(layer, "activation", None), "__name__", "") != "softmax":
        return False
    layer.activation = lazy_tf.keras().activations.linear
    return True


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max())
    return shifted / shifted.sum()


def _class_names(path: Path, outputs: int) -> list[str]:
    """A run's class names for its ``model.keras``, else ``class 0``, ``class 1``, …"""
    if path.name == "model.keras" and (path.parent / "classes.json").is_file():
        from cvlab.train.runs import read_run

        try:
            names = read_run(path.parent).class_names
        except CvlabError:
            names = []
        if len(names) == outputs:
            return names
    return [f"class {index}" for index in range(outputs)]
