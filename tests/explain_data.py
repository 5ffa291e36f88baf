"""A dataset where the class evidence sits in a known box, for Grad-CAM's tests.

Each image is grey noise with one textured square (stripes or a checkerboard in the
class colour) at a random place at least 1/14 of the side from the border; the square's
box ``(left, top, right, bottom)`` is returned for every file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

COLOURS = {"blue": (40, 70, 230), "green": (40, 190, 60), "red": (220, 40, 40)}


def write_evidence(root: Path, per_class: int = 10, size: int = 224, seed: int = 0
                   ) -> dict[Path, tuple[int, int, int, int]]:
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:size, 0:size]
    patterns = {"blue": (rows // 4) % 2 == 0, "red": (cols // 4) % 2 == 0,
                "green": (rows // 4 + cols // 4) % 2 == 0}
    side, margin = size * 4 // 10, size // 14
    boxes = {}
    for name, colour in COLOURS.items():
        (root / name).mkdir(parents=True)
        for index in range(per_class):
            pixels = rng.integers(100, 156, (size, size, 3)).astype(np.uint8)
            left, top = (int(v) for v in rng.integers(margin, size - side - margin, 2))
            square = patterns[name][:side, :side, None]
            pixels[top:top + side, left:left + side] = np.where(
                square, np.array(colour, np.uint8), np.uint8(245))
            path = root / name / f"{name}_{index:02d}.png"
            Image.fromarray(pixels).save(path)
            boxes[path.resolve()] = (left, top, left + side, top + side)
    return boxes
