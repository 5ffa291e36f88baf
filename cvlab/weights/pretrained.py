"""A MobileNetV2 with ImageNet weights, paired with the preprocessing those weights expect.

The network is the zoo's one definition (:func:`cvlab.zoo.mobilenet.mobilenet_v2`),
built in the layout the weights were trained with:

* torchvision weights: stride-2 layers padded one pixel on every side and batch-norm
  epsilon 1e-5, exactly as torch computes;
* Keras weights: Keras Applications' bottom/right padding and epsilon 1e-3.
"""

from __future__ import annotations

from collections.abc import Callable

from cvlab import zoo
from cvlab.errors import CvlabError
from cvlab.keras.build import build_model
from cvlab.weights import sources
from cvlab.weights.convert import assign_by_name
from cvlab.weights.preprocess import preprocess
from cvlab.weights.sources import WeightsSource

LAYOUTS = {"torch": {"padding": "symmetric", "bn_epsilon": 1e-5},
           "keras": {"padding": "keras", "bn_epsilon": 1e-3}}


def mobilenet_v2(layout: str = "keras", include_top: bool = True, input_size: int = 224,
                 alpha: float = 1.0, classes: int = 1000):
    """The zoo's MobileNetV2 as a Keras model (random weights) in ``layout`` ('torch'|'keras')."""
    if layout not in LAYOUTS:
        raise CvlabError(f"Received: layout={layout!r}; allowed: {', '.join(LAYOUTS)}")
    return build_model(zoo.get("mobilenet_v2", resolution=input_size, alpha=alpha,
                               include_top=include_top, classes=classes, **LAYOUTS[layout]))


def pretrained_mobilenet_v2(source: WeightsSource | str = "imagenet", include_top: bool = True,
                            input_size: int = 224, alpha: float = 1.0) -> tuple[object, Callable]:
    """``(keras.Model, preprocess_fn)`` for ``source`` (a request string is resolved first).

    With ``include_top`` the model outputs 1000 ImageNet probabilities; without it,
    the last ``(s/32, s/32, 1280·max(1, alpha))`` feature map.
    """
    if isinstance(source, str):
        source = sources.resolve_weights(source, include_top=include_top, alpha=alpha,
                                         input_size=input_size)
    source = sources.verified(source)  # the file's sha256 is checked before it is read
    if source.layout == "torch" and alpha != 1.0:
        raise CvlabError(f"Received: alpha={alpha} with {source.name} weights; "
                         "allowed: alpha=1.0 (the only torchvision MobileNetV2 width)")
    model = mobilenet_v2(source.layout, include_top, input_size, alpha)
    if source.layout == "torch":
        assign_by_name(model, sources.converted_weights(source))
    elif source.path:
        model.load_weights(str(source.path))
    return model, preprocess(source)
