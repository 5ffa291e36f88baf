"""Input preprocessing that belongs to each weights source, and image loading.

Every function here takes RGB values in [0, 255], channels last, as a NumPy
array (any dtype) or a TensorFlow tensor, and returns float32:

* ``keras``: ``x / 127.5 - 1`` – what ``keras.applications.mobilenet_v2.preprocess_input``
  does, for Keras' own ImageNet weights;
* ``torch``: ``(x / 255 - mean) / std`` with torchvision's ImageNet
  ``mean = (0.485, 0.456, 0.406)``, ``std = (0.229, 0.224, 0.225)``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from cvlab import tfrun
from cvlab.errors import CvlabError

TORCH_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
TORCH_STD = np.array([0.229, 0.224, 0.225], np.float32)
SKIMAGE_PREFIX = "skimage:"


def _as_float(x):
    if isinstance(x, np.ndarray | list | tuple):
        return np.asarray(x, np.float32)
    return tfrun.tf().cast(x, "float32")


def keras_preprocess(x):
    return _as_float(x) / np.float32(127.5) - np.float32(1.0)


def torch_preprocess(x):
    return (_as_float(x) / np.float32(255.0) - TORCH_MEAN) / TORCH_STD


_BY_NAME = {"keras": keras_preprocess, "torch": torch_preprocess}


def preprocess(source) -> Callable:
    """The preprocessing function for a :class:`WeightsSource` or its ``preprocessing`` name."""
    name = source if isinstance(source, str) else source.preprocessing
    if name not in _BY_NAME:
        raise CvlabError(f"Received: preprocessing={name!r}; allowed: {', '.join(_BY_NAME)}")
    return _BY_NAME[name]


def load_image(spec: str, size: int = 224) -> np.ndarray:
    """``(size, size, 3)`` uint8 RGB from a file path or ``skimage:NAME`` (a bundled photo).

    Like torchvision's evaluation transform: resize the shorter side to
    ``size * 256 / 224`` (bilinear), then crop the centre ``size × size``.
    """
    from PIL import Image

    if spec.startswith(SKIMAGE_PREFIX):
        image = Image.fromarray(_skimage_photo(spec[len(SKIMAGE_PREFIX):]))
    else:
        path = Path(spec).expanduser()
        if not path.is_file():
            raise CvlabError(f"Received: image {spec!r}; allowed: an image file "
                             f"or {SKIMAGE_PREFIX}NAME (e.g. {SKIMAGE_PREFIX}chelsea)")
        try:
            image = Image.open(path)
            image.load()
        except OSError as exc:
            raise CvlabError(f"Received: {spec!r}, which PIL cannot read ({exc}); "
                             "allowed: JPEG, PNG or another PIL format") from exc
    return center_crop(np.asarray(image.convert("RGB")), size)


def center_crop(pixels: np.ndarray, size: int = 224) -> np.ndarray:
    """``(size, size, 3)`` uint8 from RGB ``pixels``, as :func:`load_image` crops: shorter
    side resized to ``size * 256 / 224`` (bilinear), then the centre ``size × size``."""
    from PIL import Image

    image = Image.fromarray(np.asarray(pixels, np.uint8))
    short = round(size * 256 / 224)
    scale = short / min(image.size)
    width, height = max(size, round(image.width * scale)), max(size, round(image.height * scale))
    image = image.resize((width, height), Image.Resampling.BILINEAR)
    left, top = (width - size) // 2, (height - size) // 2
    return np.asarray(image.crop((left, top, left + size, top + size)), np.uint8)


def _skimage_photo(name: str) -> np.ndarray:
    from skimage import data

    photos = ("astronaut", "chelsea", "coffee", "rocket")
    if name not in photos:
        raise CvlabError(f"Received: {SKIMAGE_PREFIX}{name}; allowed: "
                         + ", ".join(SKIMAGE_PREFIX + p for p in photos))
    return getattr(data, name)()
