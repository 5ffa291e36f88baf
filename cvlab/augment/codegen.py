"""A pipeline spec as Python source that rebuilds the same Keras layers.

The code is generated from the same :func:`~cvlab.augment.build.layer_recipes`
that :func:`~cvlab.augment.build.build_pipeline` instantiates, so running it
gives layers with identical configurations.
"""

from __future__ import annotations

from cvlab.augment.build import LayerRecipe, layer_recipes
from cvlab.augment.spec import PipelineSpec


def pipeline_code(spec: PipelineSpec, seed: int | None = None) -> str:
    """Source defining ``augment`` (a ``keras.Sequential``) and, if used, ``mixing``."""
    image = layer_recipes(spec.image_steps, seed)
    offset = None if seed is None else seed + len(spec.image_steps)
    mixing = layer_recipes(spec.batch_steps, offset)
    custom = sorted({r.cls for r in image + mixing if r.custom})
    lines = ["import keras"]
    if custom:
        lines.append(f"from cvlab.augment.layers import {', '.join(custom)}")
    lines += [
        "",
        "# Images: float32 in [0, 255], shape (batch, height, width, 3).",
        "# The layers only change images when called with training=True.",
        "augment = keras.Sequential(",
        "    [",
        *(f"        {_call(r)}," for r in image),
        "    ],",
        '    name="augment",',
        ")",
    ]
    if mixing:
        lines += [
            "",
            "# Mixing pairs images within a batch and must mix the labels too:",
            '# batch = layer({"images": images, "labels": one_hot_labels}) in tf.data.',
            "mixing = [",
            *(f"    {_call(r)}," for r in mixing),
            "]",
        ]
    return "\n".join(lines) + "\n"


def _call(recipe: LayerRecipe) -> str:
    prefix = "" if recipe.custom else "keras.layers."
    args = ", ".join(f"{k}={v!r}" for k, v in recipe.kwargs.items())
    return f"{prefix}{recipe.cls}({args})"
