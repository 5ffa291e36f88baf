"""N seeded draws of a pipeline, with the parameters each draw used.

The preview drives the very layers the trainer gets from
:func:`~cvlab.augment.build.build_pipeline`, one step at a time through their
``get_random_transformation`` / ``transform_images`` pair, which is what their
``call`` does; that lets it read off each draw's sampled values. All draws go
through as one batch. Two exceptions follow how the layers work: ``RandomCrop``
picks one window per call, so the preview crops each draw on its own (as when
mapping over single images); and mixing pairs each draw with a draw of the
partner image, where training pairs random images of a batch.

Conventions: inputs are RGB arrays (H, W, 3), uint8 or float in [0, 255];
:func:`prepare_image` squares and resizes them. Outputs are uint8.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from cvlab.augment.build import build_mixing, build_pipeline
from cvlab.augment.spec import PipelineSpec
from cvlab.errors import CvlabError
from cvlab.lazy_tf import keras

Draw = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class Preview:
    """``images``: (n, H, W, 3) uint8. ``draws[i]``: op → values draw ``i`` used."""

    images: np.ndarray
    draws: tuple[Draw, ...]


def prepare_image(image: np.ndarray, size: int = 224) -> np.ndarray:
    """Centre-crop to a square and resize to ``size``: float32 (size, size, 3) in [0, 255].

    Grayscale inputs are repeated over three channels and an alpha channel is dropped.
    """
    arr = np.asarray(image)
    if arr.ndim == 2:
        arr = np.stack([arr] * 3, axis=-1)
    if arr.ndim != 3 or arr.shape[-1] not in (3, 4):
        raise CvlabError(f"Received an image of shape {arr.shape}; allowed: (H, W), (H, W, 3|4)")
    if arr.dtype != np.uint8:
        arr = np.clip(arr, 0, 255).astype(np.uint8)
    h, w = arr.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    square = Image.fromarray(arr[top : top + side, left : left + side, :3])
    return np.asarray(square.resize((size, size), Image.BILINEAR), dtype=np.float32)


def draw_grid(
    spec: PipelineSpec,
    image: np.ndarray,
    n: int = 9,
    seed: int = 0,
    *,
    partner: np.ndarray | None = None,
    pipeline=None,
    mixing: tuple | None = None,
) -> Preview:
    """Apply ``spec`` to ``n`` copies of ``image`` (float32 (H, W, 3), see :func:`prepare_image`).

    The same ``seed`` gives the same draws. Pass ``pipeline`` / ``mixing`` built
    once from ``spec`` to skip rebuilding them. ``partner`` (same shape as
    ``image``) is what mixing steps blend in; it is required when ``spec`` mixes.
    """
    if not 1 <= n <= 64:
        raise CvlabError(f"Received n={n}; allowed: 1 ≤ n ≤ 64")
    pipeline = build_pipeline(spec) if pipeline is None else pipeline
    mixing = build_mixing(spec) if mixing is None else mixing
    image = np.asarray(image, dtype=np.float32)
    _check_crop(spec, image.shape)
    batch = np.repeat(image[None], n, axis=0)
    if mixing:
        if partner is None or np.shape(partner) != image.shape:
            raise CvlabError(
                f"Received partner shape {np.shape(partner) if partner is not None else None}; "
                f"allowed: a second image of shape {image.shape} for mixup/cutmix"
            )
        batch = np.concatenate([batch, np.repeat(np.asarray(partner, np.float32)[None], n, 0)])
    generator = keras().random.SeedGenerator(seed)
    draws: list[Draw] = [{} for _ in range(n)]
    for step, layer in zip(spec.image_steps, pipeline.layers, strict=True):
        batch, found = _apply(step.op, layer, batch, generator)
        for i in range(n):
            draws[i][step.op] = found(i)
    for step, layer in zip(spec.batch_steps, mixing, strict=True):
        batch, found = _mix(layer, batch, n, generator)
        for i in range(n):
            draws[i][step.op] = found(i)
    out = np.clip(np.rint(np.asarray(batch[:n])), 0, 255).astype(np.uint8)
    return Preview(out, tuple(draws))


def describe(draw: Draw, max_ops: int | None = None) -> str:
    """A one-line caption: ``op value, value · op value``, booleans shown only when true;
    past ``max_ops`` operations, the rest are counted (``+ 4 more``), not listed."""
    parts = []
    for op, values in draw.items():
        shown = [_fmt(k, v) for k, v in values.items() if v is not False]
        if shown:
            parts.append(f"{op} {', '.join(shown)}")
    if max_ops is not None and len(parts) > max_ops:
        parts = [*parts[:max_ops], f"+ {len(parts) - max_ops} more"]
    return " · ".join(parts) or "unchanged"


def grid_image(images: np.ndarray, cols: int = 3, gap: int = 4) -> np.ndarray:
    """Tile (n, H, W, 3) uint8 images into one uint8 picture with white gaps."""
    n, h, w, c = images.shape
    rows = -(-n // cols)
    canvas = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap, c), 255, np.uint8)
    for i, img in enumerate(images):
        r, k = divmod(i, cols)
        canvas[r * (h + gap) : r * (h + gap) + h, k * (w + gap) : k * (w + gap) + w] = img
    return canvas


def _check_crop(spec: PipelineSpec, shape: tuple[int, ...]) -> None:
    crop = spec.get("crop")
    if crop and (crop.params["height"] > shape[0] or crop.params["width"] > shape[1]):
        raise CvlabError(
            f"Received crop {crop.params['height']}×{crop.params['width']} for a "
            f"{shape[0]}×{shape[1]} image; allowed: a crop no larger than the image"
        )


def _apply(op: str, layer, batch, generator) -> tuple[Any, Callable[[int], dict]]:
    if op == "crop":
        pieces, starts = [], []
        for i in range(batch.shape[0]):
            t = layer.get_random_transformation(batch[i : i + 1], training=True, seed=generator)
            pieces.append(layer.transform_images(batch[i : i + 1], t, training=True))
            starts.append((int(t[0]), int(t[1])))
        return np.concatenate(pieces), lambda i: {"top": starts[i][0], "left": starts[i][1]}
    t = layer.get_random_transformation(batch, training=True, seed=generator)
    out = layer.transform_images(batch, t, training=True)
    values = {k: np.asarray(v) for k, v in t.items() if hasattr(v, "shape")} if isinstance(
        t, dict
    ) else {"flag": np.asarray(t)}
    return out, lambda i: _READ[op](values, i)


def _mix(layer, batch, n: int, generator) -> tuple[Any, Callable[[int], dict]]:
    """Blend draw ``i`` with partner draw ``i``, using the layer's own sampling and maths."""
    t = dict(layer.get_random_transformation(batch, training=True, seed=generator))
    order = np.concatenate([np.arange(n, 2 * n), np.arange(n)])
    t["permutation_order"] = keras().ops.convert_to_tensor(
        order, dtype=t["permutation_order"].dtype
    )
    out = layer.transform_images(batch, t, training=True)
    weight = np.asarray(t["mix_weight"]).reshape(-1)
    return out, lambda i: {"own_share": float(weight[i])}


def _first(values: dict[str, np.ndarray], key: str, i: int) -> float:
    return float(np.asarray(values[key][i]).reshape(-1)[0])


def _vec(values: dict[str, np.ndarray], key: str, i: int) -> tuple[float, ...]:
    return tuple(round(float(v), 3) for v in np.asarray(values[key][i]).reshape(-1))


_READ: dict[str, Callable[[dict[str, np.ndarray], int], dict[str, Any]]] = {
    "flip": lambda v, i: {"flipped": bool(v["flips"][i].any())},
    "rotation": lambda v, i: {"degrees": _first(v, "angle", i)},
    "zoom": lambda v, i: {"scale": _first(v, "height_zoom", i)},
    "translation": lambda v, i: dict(zip(("dx", "dy"), _vec(v, "translations", i), strict=True)),
    "shear": lambda v, i: dict(zip(("x", "y"), _vec(v, "shear_factor", i), strict=True)),
    "contrast": lambda v, i: {"factor": _first(v, "contrast_factor", i)},
    "brightness": lambda v, i: {"delta": _first(v, "rgb_delta", i)},
    "hue": lambda v, i: {"factor": _first(v, "factor", i)},
    "saturation": lambda v, i: {"scale": _first(v, "factor", i)},
    "rgb_shift": lambda v, i: {"rgb": _vec(v, "offsets", i)},
    "pca_color": lambda v, i: {"alpha": _vec(v, "alphas", i), "rgb": _vec(v, "offsets", i)},
    "grayscale": lambda v, i: {"applied": bool(v["flag"][i].any())},
    "blur": lambda v, i: {"sigma": float(v["blur_factor"][0])}
    if v["should_apply_blur"][i]
    else {"applied": False},
    "erasing": lambda v, i: {"area": float(v["batch_masks"][i][..., 0].mean())}
    if v["apply_erasing"][i]
    else {"applied": False},
}


def _fmt(key: str, value: Any) -> str:
    if value is True:
        return key
    if isinstance(value, float):
        return f"{key} {value:+.2f}"
    if isinstance(value, tuple):
        return f"{key} ({', '.join(f'{v:+.1f}' for v in value)})"
    return f"{key} {value}"
