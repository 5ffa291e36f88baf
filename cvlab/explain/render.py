"""Pictures from arrays, with NumPy and PIL only: heat overlays, activation grids, filters.

Conventions: images are ``(H, W, 3)`` uint8 RGB; a heat map is ``(H, W)`` float in 0..1;
an activation map is ``(H, W, C)`` float, channels last.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

#: A "jet"-like colour scale: (position 0..1, RGB 0..1) anchors, linearly interpolated.
HEAT_ANCHORS = ((0.0, (0.0, 0.0, 0.5)), (0.125, (0.0, 0.0, 1.0)), (0.375, (0.0, 1.0, 1.0)),
                (0.625, (1.0, 1.0, 0.0)), (0.875, (1.0, 0.0, 0.0)), (1.0, (0.5, 0.0, 0.0)))
#: A dark-to-bright scale for activations (black → purple → orange → pale yellow).
GLOW_ANCHORS = ((0.0, (0.0, 0.0, 0.02)), (0.3, (0.35, 0.06, 0.45)), (0.6, (0.85, 0.3, 0.3)),
                (0.85, (0.99, 0.65, 0.2)), (1.0, (0.99, 0.99, 0.75)))
OVERLAY_OPACITY = 0.6  # colour share at the hottest pixel; cold pixels show the photo
GRID_GAP = 4  # pixels between tiles


def _table(anchors) -> np.ndarray:
    """256 uint8 RGB colours interpolated between ``anchors``, plus white at index 256."""
    levels = np.linspace(0.0, 1.0, 256)
    table = np.stack([np.interp(levels, [a[0] for a in anchors], [a[1][c] for a in anchors])
                      for c in range(3)], axis=-1)
    return np.vstack([(table * 255 + 0.5).astype(np.uint8), [[255, 255, 255]]])


def _levels(values: np.ndarray) -> np.ndarray:
    """Values in 0..1 (NaN counts as 0) as indices 0..255 into a colour table."""
    index = np.clip(np.nan_to_num(np.asarray(values, np.float32), nan=0.0), 0.0, 1.0)
    return (index * 255 + 0.5).astype(np.uint16)


def colorize(values: np.ndarray, anchors=HEAT_ANCHORS) -> np.ndarray:
    """``values`` in 0..1 (any shape; NaN counts as 0) → uint8 RGB with one more axis of 3,
    quantised to 256 colours interpolated between ``anchors``."""
    return _table(anchors)[_levels(values)]


def resize_heatmap(heatmap: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A coarse ``(h, w)`` map bilinearly resized to ``size`` = (height, width), kept in 0..1.

    Cell centres land on the centres of equal tiles, as in the usual Grad-CAM; measured on
    torchvision's MobileNetV2, this tracks where a cell's evidence lies better than the
    exact centre of its receptive field, which sits half a cell up and left of it.
    """
    height, width = size
    image = Image.fromarray(np.asarray(heatmap, np.float32), mode="F")
    resized = np.asarray(image.resize((width, height), Image.Resampling.BILINEAR), np.float32)
    return np.clip(resized, 0.0, 1.0)


def overlay(image: np.ndarray, heatmap: np.ndarray,
            opacity: float = OVERLAY_OPACITY) -> np.ndarray:
    """The heat map's colours over ``image``, more opaque where the heat is higher.

    ``heatmap`` has the image's height and width. A zero map returns the image unchanged.
    """
    image = np.asarray(image, np.uint8)
    if heatmap.shape != image.shape[:2]:
        raise ValueError(f"heat map {heatmap.shape} and image {image.shape} differ in size")
    alpha = (opacity * np.clip(heatmap, 0.0, 1.0))[..., None]
    mixed = image * (1.0 - alpha) + colorize(heatmap) * alpha
    return (mixed + 0.5).astype(np.uint8)


def activation_grid(activations: np.ndarray, channels: int = 32, columns: int = 8,
                    tile: int = 112) -> tuple[np.ndarray, np.ndarray]:
    """The ``channels`` strongest channels of ``(H, W, C)`` as one RGB picture, strongest first
    (a channel's strength: its mean ``|activation|``).

    Brightness is ``|activation|`` on one scale for the whole map (its 99.5th percentile is
    full brightness), so a weak channel looks dim next to a strong one. Each map is
    enlarged by whole pixels (nearest neighbour) to about ``tile`` pixels, so a 7×7 map
    shows its 49 cells. Returns the picture and the shown channels' indices.
    """
    maps = np.abs(np.asarray(activations, np.float32))
    order = np.argsort(-maps.mean(axis=(0, 1)), kind="stable")[:channels]
    shown = np.moveaxis(maps[..., order], -1, 0)  # (n, H, W)
    scale = float(np.percentile(shown[:, ::2, ::2], 99.5)) or 1.0
    height, width = maps.shape[:2]
    factor = max(1, round(tile / max(height, width)))
    rows, cols = -(-len(order) // columns), min(columns, len(order))
    white = 256  # the colour table's extra entry: gaps and empty slots
    cells = np.full((rows * cols, height, width), white, np.uint16)
    cells[:len(order)] = _levels(shown / scale)
    # (rows, cols, H, W) → each cell enlarged ×factor, then a gap after every cell
    grid = cells.reshape(rows, cols, height, 1, width, 1)
    grid = np.broadcast_to(grid, (rows, cols, height, factor, width, factor))
    grid = grid.reshape(rows, cols, height * factor, width * factor)
    grid = np.pad(grid, ((0, 0), (0, 0), (0, GRID_GAP), (0, GRID_GAP)), constant_values=white)
    grid = grid.transpose(0, 2, 1, 3).reshape(rows * (height * factor + GRID_GAP),
                                              cols * (width * factor + GRID_GAP))
    return _table(GLOW_ANCHORS)[grid[:-GRID_GAP, :-GRID_GAP]], order


def filter_patches(kernel: np.ndarray, scale: int = 16) -> list[np.ndarray]:
    """A first-layer kernel ``(kh, kw, 3, filters)`` as one RGB patch per filter.

    Each filter is scaled on its own: a zero weight is mid-grey and the filter's largest
    ``|weight|`` is full black or full colour; the patch is enlarged ×``scale``.
    """
    kernel = np.asarray(kernel, np.float32)
    if kernel.ndim != 4 or kernel.shape[2] != 3:
        raise ValueError(f"a first-layer kernel is (kh, kw, 3, filters); got {kernel.shape}")
    patches = []
    for index in range(kernel.shape[3]):
        weights = kernel[..., index]
        reach = float(np.abs(weights).max()) or 1.0
        patch = ((weights / reach + 1.0) * 127.5 + 0.5).astype(np.uint8)
        patches.append(np.repeat(np.repeat(patch, scale, 0), scale, 1))
    return patches


def png_bytes(image: np.ndarray) -> bytes:
    """``image`` encoded as PNG (fast settings), for pages that cache what they show."""
    stream = io.BytesIO()
    Image.fromarray(np.asarray(image, np.uint8)).save(stream, format="PNG", compress_level=1)
    return stream.getvalue()


def jpeg_bytes(image: np.ndarray, quality: int = 90) -> bytes:
    """``image`` as JPEG: ~10× faster to encode than PNG for large, busy activation grids."""
    stream = io.BytesIO()
    Image.fromarray(np.asarray(image, np.uint8)).save(stream, format="JPEG", quality=quality)
    return stream.getvalue()
