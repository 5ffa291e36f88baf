"""See inside a CNN: feature maps stage by stage, first-layer filters, and Grad-CAM.

* :class:`ImageNetLens` – the pretrained MobileNetV2 with a tap at the end of every
  stage (the profiler's stages), its top-5 classes and its first layer's filters.
* :class:`GradCam` – where the evidence for a class lies, for the ImageNet model or a
  trained run's ``model.keras`` (:func:`run_gradcam`).
* :mod:`cvlab.explain.render` – NumPy/PIL pictures: overlays, activation grids, filters.

Importing this package does not import TensorFlow.
"""

from cvlab.explain.gradcam import Explanation, GradCam, class_index
from cvlab.explain.imagenet import ImageNetLens, Look
from cvlab.explain.runs import RunLens, run_gradcam
from cvlab.explain.stages import Stage, stages

__all__ = ["Explanation", "GradCam", "ImageNetLens", "Look", "RunLens", "Stage",
           "class_index", "run_gradcam", "stages"]
