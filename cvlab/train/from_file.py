"""Training a learner's own Keras model file on a folder: go on training its layers and
weights (mode ``full``), or train its architecture from fresh weights (mode ``scratch``).

* Loading: ``keras.saving.load_model(path, safe_mode=True, compile=False)`` on a path
  under the data roots; a Lambda layer, an unregistered custom class or a file that is no
  model is refused with a message saying which.
* Input: the model takes one ``(H, W, 3)`` image input; a fixed ``H = W`` is the run's
  image size (the setting follows the model), a free size keeps the run's setting. cvlab
  feeds float32 RGB in 0..255: a model with its own ``Rescaling`` or preprocessing layers
  works as it is; one trained on preprocessed input sees 0..255 here.
* Head: the trainer's loss reads probabilities over the folder's classes, so when the
  output layer does not give a softmax over that many classes, the last ``Dense`` layer is
  replaced by a new ``Dense`` (softmax, float32) of the folder's classes on the same input
  (:func:`head_change` says so; the run's config.json and log record it).
* Fresh weights: ``keras.models.clone_model`` rebuilds every layer from its config, so it
  initialises them anew (seeded by the run's seed).

Every layer trains, the ones the learner froze too (one ``train`` phase, BatchNorm
re-estimating its statistics), as modes ``full`` and ``scratch`` train every layer.
"""

from __future__ import annotations

import os

from cvlab import lazy_tf
from cvlab.errors import CvlabError
from cvlab.train.model import Classifier

HEAD_NAME = "classifier"


def load_model_file(path: str | os.PathLike):
    """The model in ``path``, which must lie under the data roots, read by the one model-file
    loader (:func:`cvlab.modelfile.convert.load_model_file`: safe mode, size limit, a
    message per refusal)."""
    from cvlab.data.roots import resolve_allowed
    from cvlab.modelfile.convert import load_model_file as load

    return load(resolve_allowed(path))


def input_side(model, fallback: int) -> int:
    """The square side the model takes, or ``fallback`` when its input size is free."""
    shape = model.input_shape
    if isinstance(shape, list) or len(shape) != 4 or shape[3] not in (3, None):
        raise CvlabError(f"Received: a model with input shape {shape}; allowed: one image "
                         "input of (height, width, 3) RGB")
    height, width = shape[1], shape[2]
    if height is None and width is None:
        return fallback
    if height != width:
        raise CvlabError(f"Received: a model that takes {height}×{width} images; allowed: a "
                         "square input (cvlab trains on square images)")
    return int(height)


def head_change(model, classes: int) -> str | None:
    """Why the output layer is replaced for ``classes`` classes, or ``None`` if it stays."""
    last, units = model.layers[-1], model.output_shape
    if isinstance(units, list) or len(units) != 2:
        raise CvlabError(f"Received: a model with output shape {units}; allowed: one output "
                         "of class scores (batch, classes)")
    softmax = getattr(getattr(last, "activation", None), "__name__", "") == "softmax"
    if units[-1] == classes and softmax:
        return None
    if type(last).__name__ != "Dense":
        raise CvlabError(f"Received: a model ending in {type(last).__name__} layer "
                         f"{last.name!r} with {units[-1]} outputs for {classes} classes; "
                         "allowed: a model whose last layer is a Dense layer (it is replaced)")
    why = (f"{units[-1]} outputs for the folder's {classes} classes" if units[-1] != classes
           else "no softmax (the trainer's loss needs probabilities)")
    return (f"head replaced: Dense {last.name!r} ({why}) → new Dense {_head_name(model)!r} "
            f"of {classes} units with softmax, fresh weights")


def file_classifier(path: str | os.PathLike, classes: int, fresh: bool) -> Classifier:
    """The model of ``path`` for ``classes`` classes (see the module doc); ``fresh``: its
    architecture with new weights. ``base`` is the whole model: every layer trains."""
    keras = lazy_tf.keras()
    model = load_model_file(path)
    if fresh:
        model = keras.models.clone_model(model)
    if head_change(model, classes) is not None:
        last = model.layers[-1]
        dense = keras.layers.Dense(classes, activation="softmax", dtype="float32",
                                   name=_head_name(model))
        model = keras.Model(model.inputs, dense(last.input), name=model.name)
    return Classifier(model, model, None, None)


def _head_name(model) -> str:
    names = {layer.name for layer in model.layers}
    return next(name for index in range(len(names) + 1)
                if (name := HEAD_NAME if index == 0 else f"{HEAD_NAME}_{index}") not in names)
