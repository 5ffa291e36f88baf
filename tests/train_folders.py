"""Tiny image folders for the trainer's tests: coloured shapes, one class per colour."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

COLOURS = {"blue": (40, 60, 220), "green": (40, 200, 60), "red": (220, 50, 40)}


def write_shapes(root: Path, per_class: int = 10, size: int = 32, seed: int = 0) -> Path:
    """``root/<colour>/<n>.png``: a filled ellipse or square of that colour on grey noise."""
    rng = np.random.default_rng(seed)
    for name, colour in COLOURS.items():
        (root / name).mkdir(parents=True)
        for index in range(per_class):
            image = Image.fromarray(rng.integers(90, 170, (size, size, 3), dtype=np.uint8))
            x0, y0 = (int(v) for v in rng.integers(1, size // 2, 2))
            x1, y1 = x0 + size // 3, y0 + size // 3
            draw = ImageDraw.Draw(image)
            (draw.ellipse if index % 2 else draw.rectangle)([x0, y0, x1, y1], fill=colour)
            image.save(root / name / f"{name}_{index:02d}.png")
    return root
