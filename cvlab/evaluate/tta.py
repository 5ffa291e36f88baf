"""10-crop test-time augmentation, the "multi-crop at test time" benchmark trick.

Each image is resized to ``enlarged(size)`` (``size × 256/224``, as 224 → 256 in the
AlexNet/ResNet papers), then five ``size`` crops are taken, in this order: top-left,
top-right, bottom-left, bottom-right, centre; then the same five mirrored left-right.
The model sees all ten and their softmax probabilities are averaged. It costs ten
forward passes per image: the report shows that cost next to the accuracy it buys.
"""

from __future__ import annotations

import numpy as np

SCALE = 256 / 224
CROP_NAMES = ("top-left", "top-right", "bottom-left", "bottom-right", "centre")
N_CROPS = 2 * len(CROP_NAMES)
GROUP = 16  # images cropped at a time: bounds memory to GROUP × 10 crops


def enlarged(size: tuple[int, int]) -> tuple[int, int]:
    """The size images are resized to before cropping ``size`` out of them."""
    return round(size[0] * SCALE), round(size[1] * SCALE)


def ten_crops(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``(10, height, width, C)`` crops of one ``(H, W, C)`` image (order: module docstring)."""
    height, width = size
    big_h, big_w = image.shape[:2]
    if big_h < height or big_w < width:
        raise ValueError(f"image {big_h}×{big_w} is smaller than the crop {height}×{width}")
    top, left = (big_h - height) // 2, (big_w - width) // 2
    corners = [(0, 0), (0, big_w - width), (big_h - height, 0),
               (big_h - height, big_w - width), (top, left)]
    crops = np.stack([image[y:y + height, x:x + width] for y, x in corners])
    return np.concatenate([crops, crops[:, :, ::-1]])


def multicrop_probabilities(predict, images: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Mean of ``predict`` over the ten crops of each enlarged image: ``(n, classes)``."""
    out = []
    for start in range(0, len(images), GROUP):
        group = images[start:start + GROUP]
        crops = np.concatenate([ten_crops(image, size) for image in group])
        out.append(predict(crops).reshape(len(group), N_CROPS, -1).mean(axis=1))
    return np.concatenate(out)
