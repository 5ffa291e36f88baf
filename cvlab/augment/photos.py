"""Bundled sample photos: scikit-image ships these inside its wheel, so they load offline."""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

from cvlab.errors import CvlabError

#: Display name → ``skimage.data`` function. "Text page" is there to show that
#: mirroring is wrong when the label depends on orientation.
PHOTOS = MappingProxyType(
    {
        "Cat": "chelsea",
        "Coffee": "coffee",
        "Astronaut": "astronaut",
        "Rocket": "rocket",
        "Colour wheel": "colorwheel",
        "Text page": "page",
    }
)


def load_photo(name: str) -> np.ndarray:
    """The named photo as uint8 RGB (H, W, 3)."""
    if name not in PHOTOS:
        raise CvlabError(f"Received photo {name!r}; allowed: {', '.join(PHOTOS)}")
    from skimage import data

    image = getattr(data, PHOTOS[name])()
    return np.stack([image] * 3, axis=-1) if image.ndim == 2 else image[..., :3]
