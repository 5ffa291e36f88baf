"""A :class:`~cvlab.augment.spec.PipelineSpec` turned into Keras layers.

:func:`layer_recipes` says, as plain data, which layer class and keyword
arguments each step becomes; :func:`build_pipeline` instantiates them and the
code generator prints them, so the two cannot drift apart.

The trainer's entry points:

* ``build_pipeline(spec, seed)`` → ``keras.Sequential`` of the per-image steps.
  Put it first in the model (or ``ds.map(lambda x, y: (aug(x, training=True), y))``);
  Keras' preprocessing layers, and cvlab's own, only act when ``training`` is true.
* ``build_mixing(spec, seed)`` → the MixUp / CutMix layers, in order. They mix
  pairs *within a batch* and must see the labels (one-hot or soft) too, so call
  them on batched ``{"images": x, "labels": y}`` dicts in ``tf.data``.

Images are float32 in [0, 255]; every layer that takes ``value_range`` gets
``(0, 255)``. Two Keras facts worth knowing: ``RandomCrop`` draws one window per
call (per batch when it runs inside the model; per image when mapped over single
images), and at inference it returns the input uncropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cvlab.augment.spec import OPS, PipelineSpec, Step
from cvlab.lazy_tf import keras

#: Layers cvlab writes itself; every other layer comes from ``keras.layers``.
CUSTOM_LAYERS = ("PCAColor", "RGBShift")
VALUE_RANGE = (0, 255)


@dataclass(frozen=True)
class LayerRecipe:
    """One layer to make: its class name and its keyword arguments."""

    cls: str
    kwargs: dict[str, Any]

    @property
    def custom(self) -> bool:
        return self.cls in CUSTOM_LAYERS


def layer_recipe(step: Step, seed: int | None = None) -> LayerRecipe:
    """The layer for one step; ``seed`` makes its random draws reproducible."""
    p = dict(step.params)
    vr = {"value_range": VALUE_RANGE}
    kwargs: dict[str, Any] = {
        "flip": lambda: {"mode": p["mode"]},
        "crop": lambda: {"height": p["height"], "width": p["width"]},
        "rotation": lambda: {"factor": p["factor"], "fill_mode": p["fill_mode"]},
        "zoom": lambda: {"height_factor": p["factor"], "fill_mode": p["fill_mode"]},
        "translation": lambda: p,
        "shear": lambda: p,
        # A (f, f) factor: Keras reads a single float f as [1, 1 + f], never lowering contrast.
        "contrast": lambda: {"factor": (p["factor"],) * 2, **vr},
        "brightness": lambda: {"factor": p["factor"], **vr},
        "hue": lambda: {"factor": p["factor"], **vr},
        "saturation": lambda: {"factor": (0.5 - p["strength"], 0.5 + p["strength"]), **vr},
        "rgb_shift": lambda: {**p, **vr},
        "pca_color": lambda: {**p, **vr},
        "grayscale": lambda: {"factor": p["probability"]},
        # A (p, p) factor makes Keras apply the layer with probability exactly p.
        "blur": lambda: {"factor": (p["probability"],) * 2, "kernel_size": p["kernel_size"],
                         "sigma": p["sigma"], **vr},
        "erasing": lambda: {"factor": (p["probability"],) * 2, "scale": p["scale"], **vr},
        "mixup": lambda: {"alpha": p["alpha"]},
        "cutmix": lambda: {"factor": p["factor"]},
    }[step.op]()
    return LayerRecipe(OPS[step.op].layer, {**kwargs, "seed": seed, "name": step.op})


def layer_recipes(steps: tuple[Step, ...], seed: int | None = None) -> list[LayerRecipe]:
    """Recipes for ``steps``; step ``i`` gets seed ``seed + i`` so layers draw independently."""
    return [layer_recipe(s, None if seed is None else seed + i) for i, s in enumerate(steps)]


def make_layer(recipe: LayerRecipe):
    """Instantiate one recipe."""
    if recipe.custom:
        from cvlab.augment import layers

        return getattr(layers, recipe.cls)(**recipe.kwargs)
    return getattr(keras().layers, recipe.cls)(**recipe.kwargs)


def build_pipeline(spec: PipelineSpec, seed: int | None = None):
    """The per-image steps of ``spec`` as a ``keras.Sequential`` named ``augment``."""
    layers = [make_layer(r) for r in layer_recipes(spec.image_steps, seed)]
    return keras().Sequential(layers, name="augment")


def build_mixing(spec: PipelineSpec, seed: int | None = None) -> tuple:
    """The batch-level mixing layers of ``spec`` (possibly none), in order."""
    offset = None if seed is None else seed + len(spec.image_steps)
    return tuple(make_layer(r) for r in layer_recipes(spec.batch_steps, offset))
