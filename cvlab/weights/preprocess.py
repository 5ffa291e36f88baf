"""Input preprocessing that belongs to each weights source, and image loading.

Each source's preprocessing is defined once, in :data:`STANDARDISATION`, as a
per-channel ``(x - mean) / std`` of RGB values in [0, 255], channels last:

* ``keras``: mean = std = 127.5, i.e. ``x / 127.5 - 1`` – what
  ``keras.applications.mobilenet_v2.preprocess_input`` does, for Keras' own weights;
* ``torch``: torchvision's ImageNet ``mean = (0.485, 0.456, 0.406)`` and
  ``std = (0.229, 0.224, 0.225)``, times 255.

:func:`preprocess` applies it as a function (NumPy array of any dtype, or a TensorFlow
tensor, to float32) and :func:`preprocessing_layer` as the built-in Keras layer that a
trained model carries inside it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType

import numpy as np

from cvlab import lazy_tf
from cvlab.data.images import Rejected, decode
from cvlab.errors import CvlabError

TORCH_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
TORCH_STD = np.array([0.229, 0.224, 0.225], np.float32)
SKIMAGE_PREFIX = "skimage:"


def _as_float(x):
    if isinstance(x, np.ndarray | list | tuple):
        return np.asarray(x, np.float32)
    return lazy_tf.tf().cast(x, "float32")


#: ``preprocessing`` name → per-channel ``(mean, std)`` in RGB 0..255 units.
STANDARDISATION: Mapping[str, tuple[np.ndarray, np.ndarray]] = MappingProxyType({
    "keras": (np.full(3, 127.5, np.float32), np.full(3, 127.5, np.float32)),
    "torch": (TORCH_MEAN * np.float32(255.0), TORCH_STD * np.float32(255.0)),
})


def _standardisation(source) -> tuple[np.ndarray, np.ndarray]:
    name = source if isinstance(source, str) else source.preprocessing
    if name not in STANDARDISATION:
        raise CvlabError(f"Received: preprocessing={name!r}; "
                         f"allowed: {', '.join(STANDARDISATION)}")
    return STANDARDISATION[name]


def preprocess(source) -> Callable:
    """The preprocessing function for a :class:`WeightsSource` or its ``preprocessing`` name."""
    mean, std = _standardisation(source)
    return lambda x: (_as_float(x) - mean) / std


def preprocessing_layer(source):
    """The same preprocessing as a built-in Keras ``Normalization`` layer named
    ``preprocess`` (float32, so it loads in ``safe_mode`` with no code outside Keras)."""
    mean, std = _standardisation(source)
    return lazy_tf.keras().layers.Normalization(mean=mean, variance=std ** 2, dtype="float32",
                                               name="preprocess")


def load_image(spec: str, size: int = 224) -> np.ndarray:
    """``(size, size, 3)`` uint8 RGB from a file path or ``skimage:NAME`` (a bundled photo).

    Files are decoded as everywhere in cvlab (:func:`cvlab.data.images.decode`: EXIF
    orientation, CMYK, 16-bit, transparency, the default pixel limit).

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
            image = Image.fromarray(decode(path).pixels)
        except Rejected as exc:
            raise CvlabError(f"Received: {spec!r}, which cannot be used ({exc}); "
                             "allowed: JPEG, PNG or another common image format") from exc
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
