"""Keras' own counts, for checking the analytic profile against a built model.

MACs here are read off the Keras layers' real output shapes, with the same
convention as :mod:`cvlab.profile` (conv, depthwise and dense multiply-
accumulates per image, bias excluded), but computed independently of it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cvlab.lazy_tf import keras


@dataclass(frozen=True)
class KerasCounts:
    total_params: int
    trainable_params: int
    macs: int
    layers: int


def keras_counts(model) -> KerasCounts:
    """Params as ``model.count_params()`` reports them, MACs from layer shapes."""
    k = keras()
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    macs = 0
    for layer in model.layers:
        out = layer.output.shape
        if isinstance(layer, k.layers.DepthwiseConv2D):
            kh, kw = layer.kernel_size
            macs += out[1] * out[2] * kh * kw * out[3]
        elif isinstance(layer, k.layers.Conv2D):
            kh, kw = layer.kernel_size
            cin = layer.input.shape[-1]
            macs += out[1] * out[2] * kh * kw * cin * out[3]
        elif isinstance(layer, k.layers.Dense):
            fan_in = layer.input.shape[-1]
            macs += math.prod(out[1:-1]) * fan_in * out[-1]
    return KerasCounts(model.count_params(), trainable, macs, len(model.layers))


def keras_application(name: str, resolution: int, include_top: bool, classes: int, **options):
    """The ``keras.applications`` reference model (random weights; nothing downloads)."""
    k = keras()
    ctor = getattr(k.applications, name)
    kwargs = {"weights": None, "include_top": include_top, "classes": classes,
              "input_shape": (resolution, resolution, 3)}
    if "alpha" in options:
        kwargs["alpha"] = options["alpha"]
    return ctor(**kwargs)
