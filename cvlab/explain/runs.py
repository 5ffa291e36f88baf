"""Grad-CAM for a trained run: its own ``model.keras`` (preprocessing inside), its classes.

Images are fitted to the model as the trainer fitted them: decoded (EXIF, CMYK, 16-bit…
handled) and stretched to the model's input size with bilinear resampling.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from cvlab.data.images import Rejected, decode
from cvlab.errors import CvlabError
from cvlab.evaluate.rundir import input_size, load_model, open_run
from cvlab.explain.gradcam import Explanation, GradCam


class RunLens:
    """A finished run's model, ready for Grad-CAM (loaded once, with ``safe_mode``)."""

    def __init__(self, run_dir: str | os.PathLike):
        self.run = open_run(run_dir)
        self.model = load_model(self.run)
        self.input_size = input_size(self.model, self.run)
        self.cam = GradCam(self.model, self.run.class_names)

    @property
    def class_names(self) -> list[str]:
        return self.run.class_names

    @property
    def layer(self) -> str:
        return self.cam.layer

    def load(self, path: str | os.PathLike, data: bytes | None = None) -> np.ndarray:
        """``path`` (or its already-read ``data``) as uint8 RGB at the model's input size."""
        height, width = self.input_size
        try:
            pixels = decode(Path(path), data=data, size_hint=(width, height)).pixels
        except Rejected as exc:
            raise CvlabError(f"Received: image {path} ({exc}); allowed: a readable JPEG, "
                             "PNG, GIF, BMP, WebP or TIFF file") from None
        return stretch(pixels, self.input_size)

    def explain(self, images: np.ndarray, targets: Sequence[int | str | None] | None = None
                ) -> list[Explanation]:
        """Grad-CAM of each ``(H, W, 3)`` image at the model size; targets default to the
        predicted classes."""
        return self.cam.explain(np.asarray(images), targets)


def stretch(pixels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``pixels`` resized to ``(height, width)`` = ``size`` (bilinear), as training does."""
    height, width = size
    image = Image.fromarray(np.asarray(pixels, np.uint8))
    if image.size != (width, height):
        image = image.resize((width, height), Image.Resampling.BILINEAR)
    return np.asarray(image)


def run_gradcam(run_dir: str | os.PathLike, image: str | os.PathLike,
                target: int | str | None = None) -> tuple[Explanation, np.ndarray]:
    """One image's Grad-CAM with a run's model, and the pixels it saw."""
    lens = RunLens(run_dir)
    path = Path(image).expanduser()
    if not path.is_file():
        raise CvlabError(f"Received: image {str(image)!r}, which is not a file; allowed: "
                         "an image file")
    pixels = lens.load(path)
    return lens.explain(pixels[None], [target])[0], pixels
