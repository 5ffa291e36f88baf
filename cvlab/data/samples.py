"""Bundled sample datasets, generated offline from data shipped inside scikit-image.

* ``faces``: scikit-image's ``lfw_subset`` (200 grayscale 25×25 crops: 100 faces from
  Labeled Faces in the Wild, 100 non-face patches), upscaled 4× to 100×100 RGB JPEGs in
  classes ``face`` / ``not_face``.
* ``shapes``: 64×64 images of a circle, square or triangle (random size, position,
  colour, rotation) drawn on random crops of scikit-image's photos.
* ``messy``: one file for each real-world problem the scan catches
  (:mod:`cvlab.data.messy`).

Sources and licences: ``assets/DATA_SOURCES.md``. Nothing is downloaded: the skimage
files used here are in its wheel.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from cvlab.data.messy import write_messy_dataset
from cvlab.data.roots import app_data_dir
from cvlab.errors import CvlabError

SHAPES_PER_CLASS = 60
SHAPE_SIZE = 64
FACE_SIZE = 100
_PHOTOS = ("chelsea", "coffee", "astronaut", "rocket", "immunohistochemistry", "colorwheel")


def write_faces(dest: Path) -> Path:
    from skimage import data

    faces = data.lfw_subset()  # (200, 25, 25) float in 0..1; first 100 are faces
    for index, pixels in enumerate(faces):
        label = "face" if index < 100 else "not_face"
        folder = dest / label
        folder.mkdir(parents=True, exist_ok=True)
        gray = Image.fromarray(np.round(pixels * 255).astype(np.uint8), "L")
        big = gray.resize((FACE_SIZE, FACE_SIZE), Image.Resampling.BICUBIC).convert("RGB")
        big.save(folder / f"{label}_{index % 100:03d}.jpg", quality=95)
    return dest


def write_shapes(dest: Path, *, seed: int = 0) -> Path:
    from skimage import data

    rng = np.random.default_rng(seed)
    photos = [getattr(data, name)() for name in _PHOTOS]
    for shape in ("circle", "square", "triangle"):
        folder = dest / shape
        folder.mkdir(parents=True, exist_ok=True)
        for index in range(SHAPES_PER_CLASS):
            img = _background(photos[rng.integers(len(photos))], rng)
            _draw(img, shape, rng)
            img.save(folder / f"{shape}_{index:03d}.jpg", quality=92)
    return dest


SAMPLES: dict[str, Callable[[Path], Path]] = {
    "faces": write_faces,
    "shapes": write_shapes,
    "messy": write_messy_dataset,
}


def write_sample(name: str, dest: str | Path) -> Path:
    """Write sample dataset ``name`` into ``dest``, which must be new or empty."""
    writer = _writer(name)
    dest = Path(dest).expanduser()
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise CvlabError(f"{dest} already exists and is not empty; choose a new folder.")
    dest.mkdir(parents=True, exist_ok=True)
    return writer(dest)


def ensure_sample(name: str = "faces") -> Path:
    """The sample dataset's folder under ``<data>/samples/``, generated on first use.

    Generation writes to a temporary folder that is renamed into place, so concurrent
    callers never see a half-written dataset.
    """
    writer = _writer(name)
    home = app_data_dir() / "samples"
    target = home / name
    if target.is_dir():
        return target
    home.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=home))
    try:
        writer(staging)
        staging.rename(target)
    except OSError:
        if not target.is_dir():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _writer(name: str) -> Callable[[Path], Path]:
    if name not in SAMPLES:
        raise CvlabError(f"Unknown sample dataset {name!r}; choose one of {', '.join(SAMPLES)}.")
    return SAMPLES[name]


def _background(photo: np.ndarray, rng: np.random.Generator) -> Image.Image:
    height, width = photo.shape[:2]
    side = int(rng.integers(SHAPE_SIZE, min(height, width) + 1))
    top, left = rng.integers(height - side + 1), rng.integers(width - side + 1)
    crop = photo[top : top + side, left : left + side, :3]
    return Image.fromarray(crop).resize((SHAPE_SIZE, SHAPE_SIZE), Image.Resampling.BILINEAR)


def _draw(img: Image.Image, shape: str, rng: np.random.Generator) -> None:
    radius = rng.uniform(0.2, 0.4) * SHAPE_SIZE
    cx, cy = rng.uniform(radius, SHAPE_SIZE - radius, size=2)
    color = tuple(int(v) for v in rng.integers(0, 256, 3))
    draw = ImageDraw.Draw(img)
    if shape == "circle":
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=color)
    else:
        sides = 4 if shape == "square" else 3
        draw.regular_polygon((cx, cy, radius), sides, rotation=rng.uniform(0, 360), fill=color)
