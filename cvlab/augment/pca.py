"""Principal components of RGB colour, for AlexNet's PCA colour augmentation.

Conventions: images are (H, W, 3) or (N, H, W, 3) with values in [0, 255]; the
covariance is of RGB values rescaled to [0, 1], so eigenvalues are variances in
those units. Eigenvalues come in descending order and eigenvectors are the
*columns* of the 3×3 matrix (``eigvecs[:, i]`` belongs to ``eigvals[i]``).
"""

from __future__ import annotations

import numpy as np

#: ImageNet colour statistics in the above convention, as published with the
#: fb.resnet.torch training code and reused by most AlexNet reproductions.
IMAGENET_EIGVALS = (0.2175, 0.0188, 0.0045)
IMAGENET_EIGVECS = (
    (-0.5675, 0.7192, 0.4009),
    (-0.5808, -0.0045, -0.8140),
    (-0.5836, -0.6948, 0.4203),
)


def pca_from_images(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (3,) and eigenvectors (3, 3) of the pixels' RGB covariance.

    Pass one image to use its own colours, or a stack (a sample of a dataset) to
    get the dataset statistics that AlexNet used; feed the result to the
    ``pca_color`` step's ``eigvals`` / ``eigvecs``.
    """
    pixels = np.asarray(images, dtype=np.float64).reshape(-1, 3) / 255.0
    vals, vecs = np.linalg.eigh(np.cov(pixels, rowvar=False))
    order = np.argsort(vals)[::-1]
    return np.clip(vals[order], 0.0, None), vecs[:, order]
