"""The pretrained ImageNet MobileNetV2, opened up: every stage's activations, the top-5
classes, the first layer's filters and Grad-CAM, all from one forward pass per image.

::

    lens = ImageNetLens()                         # loads the offline weights once
    look = lens.look(center_crop(photo))          # one forward pass
    look.activations["stage5"].shape              # (14, 14, 96)
    lens.top(look, 5)                             # [(index, name, probability), …]
    lens.gradcam(look, "tabby")                   # Explanation, no new forward pass
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from cvlab import lazy_tf, zoo
from cvlab.explain.gradcam import Explanation, GradCam
from cvlab.explain.stages import Stage, stages
from cvlab.profile import profile
from cvlab.weights import sources
from cvlab.weights.imagenet import class_names, top_k
from cvlab.weights.pretrained import LAYOUTS, pretrained_mobilenet_v2

GRADCAM_LAYER = "out_relu"  # the last 7×7×1280 feature map, just before pooling
FIRST_LAYER = "Conv1"


@dataclass(frozen=True)
class Look:
    """One image seen by the network: ``pixels`` (the model's input, uint8), each stage's
    ``(H, W, C)`` activations by stage name, and the 1000 class probabilities."""

    pixels: np.ndarray
    activations: dict[str, np.ndarray]
    probabilities: np.ndarray


class ImageNetLens:
    """MobileNetV2 with offline ImageNet weights (``weights`` as :func:`resolve_weights`
    takes it) at ``input_size`` pixels, tapped at the end of every stage."""

    def __init__(self, weights: str = "imagenet", input_size: int = 224):
        self.source = sources.resolve_weights(weights, include_top=True, input_size=input_size)
        self.input_size = input_size
        network = zoo.get("mobilenet_v2", resolution=input_size, include_top=True,
                          **LAYOUTS[self.source.layout])
        self.stages: list[Stage] = stages(profile(network))
        self.model, self.preprocess = pretrained_mobilenet_v2(self.source,
                                                              input_size=input_size)
        keras = lazy_tf.keras()
        taps = [self.model.get_layer(s.layer).output for s in self.stages]
        self.probe = keras.Model(self.model.input, [*taps, self.model.output])
        self.cam = GradCam(self.model, class_names(), self.preprocess, layer=GRADCAM_LAYER)
        self.gradcam_stage = next(s.name for s in self.stages if s.layer == GRADCAM_LAYER)

    @property
    def name(self) -> str:
        return f"MobileNetV2 (ImageNet, {self.source.name} weights)"

    def look(self, pixels: np.ndarray) -> Look:
        """Every stage's activations and the class probabilities of one image
        (``(input_size, input_size, 3)`` uint8 RGB, e.g. from :func:`center_crop`)."""
        batch = self.cam.prepare(np.asarray(pixels)[None])
        *maps, probabilities = self.probe.predict_on_batch(batch)
        return Look(np.asarray(pixels, np.uint8),
                    {s.name: np.asarray(m[0]) for s, m in zip(self.stages, maps, strict=True)},
                    np.asarray(probabilities[0]))

    def top(self, look: Look, k: int = 5) -> list[tuple[int, str, float]]:
        return top_k(look.probabilities, k)

    def gradcam(self, look: Look, target: int | str | None = None) -> Explanation:
        """Grad-CAM at ``out_relu`` for ``target`` (default: the top class), reusing ``look``."""
        features = look.activations[self.gradcam_stage][None]
        return self.cam.explain_features(features, [target])[0]

    def first_filters(self) -> np.ndarray:
        """The first convolution's kernel, ``(3, 3, 3, 32)``: height, width, RGB, filter."""
        return np.asarray(self.model.get_layer(FIRST_LAYER).kernel)


@functools.cache
def shared_lens(weights: str = "imagenet", input_size: int = 224) -> ImageNetLens:
    """One :class:`ImageNetLens` per process and settings (the model loads once)."""
    return ImageNetLens(weights, input_size)
