"""A MobileNetV2 with ImageNet weights, paired with the preprocessing those weights expect."""

from __future__ import annotations

from collections.abc import Callable

from cvlab import tfrun
from cvlab.errors import CvlabError
from cvlab.weights import sources
from cvlab.weights.convert import assign_by_name
from cvlab.weights.preprocess import preprocess
from cvlab.weights.sources import WeightsSource
from cvlab.weights.torch_layout import mobilenet_v2_torch_layout


def pretrained_mobilenet_v2(source: WeightsSource | str = "imagenet", include_top: bool = True,
                            input_size: int = 224, alpha: float = 1.0) -> tuple[object, Callable]:
    """``(keras.Model, preprocess_fn)`` for ``source`` (a request string is resolved first).

    Keras-layout sources build ``keras.applications.MobileNetV2``; torch-layout
    sources build :func:`mobilenet_v2_torch_layout` and load the cached
    conversion. With ``include_top`` the model outputs 1000 ImageNet
    probabilities; without it, the last ``(s/32, s/32, 1280·max(1, alpha))`` feature map.
    """
    if isinstance(source, str):
        source = sources.resolve_weights(source, include_top=include_top, alpha=alpha,
                                         input_size=input_size)
    if source.layout == "torch":
        if alpha != 1.0:
            raise CvlabError(f"Received: alpha={alpha} with {source.name} weights; "
                             "allowed: alpha=1.0 (the only torchvision MobileNetV2 width)")
        model = mobilenet_v2_torch_layout(include_top=include_top, input_size=input_size)
        assign_by_name(model, sources.converted_weights(source))
    else:
        keras = tfrun.keras()
        model = keras.applications.MobileNetV2(
            input_shape=(input_size, input_size, 3), alpha=alpha, include_top=include_top,
            weights=str(source.path) if source.path else None)
    return model, preprocess(source)
