"""The transfer model: preprocessing → MobileNetV2 base → GlobalAveragePooling → Dropout → Dense.

One graph serves every mode; :func:`set_phase` decides what trains. The complete model
takes float32 RGB in 0..255 and returns float32 softmax probabilities; the weights'
preprocessing is its first layer (a ``Normalization`` layer built from the same numbers as
:func:`cvlab.weights.preprocess.preprocess`), so it needs no code outside Keras to load.

BatchNorm. The TF tutorial calls ``base(x, training=False)`` so that BatchNorm keeps its
ImageNet statistics while the base is fine-tuned. In Keras 3 that call-site flag does
not survive: a Functional model passes the outer ``training=True`` of ``fit`` down to
every layer, overriding it (checked in this repo's tests: moving means change). The base
is still called with ``training=False`` as the recipe writes it, and what actually keeps
BatchNorm in inference mode is freezing the BatchNorm layers (``trainable=False`` makes a
Keras BatchNorm layer run in inference mode) in the ``head`` and ``fine-tune`` phases.

Recompiling. ``fit`` runs a training step traced when the model was compiled, with the
list of trainable variables it saw then. After changing ``trainable`` the model must be
compiled again, or the change is silently ignored; :func:`compile_model` is therefore
called after every :func:`set_phase`.
"""

from __future__ import annotations

from dataclasses import dataclass

from cvlab.lazy_tf import keras
from cvlab.weights.preprocess import preprocessing_layer
from cvlab.weights.pretrained import mobilenet_v2, pretrained_mobilenet_v2
from cvlab.weights.sources import WeightsSource

PHASES = ("head", "fine-tune", "train")


@dataclass
class Classifier:
    """``model``: image → probabilities. ``features``: image → pooled base features.
    ``head``: pooled features → probabilities, sharing ``model``'s Dropout and Dense
    layers (training the head trains the complete model's classifier)."""

    model: object
    base: object
    features: object
    head: object


def base_network(source: WeightsSource, image_size: int):
    """MobileNetV2 without its top, with ``source``'s weights (random for ``none``)."""
    if source.name == "none":
        return mobilenet_v2(source.layout, include_top=False, input_size=image_size)
    return pretrained_mobilenet_v2(source, include_top=False, input_size=image_size)[0]


def build_classifier(source: WeightsSource, image_size: int, classes: int,
                     dropout: float = 0.2, frozen_bn: bool = True,
                     model: str = "mobilenet_v2") -> Classifier:
    """The transfer model for ``classes`` classes; ``frozen_bn``: call the base in inference.

    Any other zoo ``model`` is built by :func:`zoo_classifier` (scratch mode only).
    """
    if model != "mobilenet_v2":
        return zoo_classifier(model, source, image_size, classes)
    k = keras()
    base = base_network(source, image_size)
    inputs = k.Input((image_size, image_size, 3), dtype="float32", name="image")
    x = preprocessing_layer(source)(inputs)
    x = base(x, training=False) if frozen_bn else base(x)
    pooled = k.layers.GlobalAveragePooling2D(name="pool")(x)
    drop = k.layers.Dropout(dropout, name="dropout")
    dense = k.layers.Dense(classes, activation="softmax", dtype="float32", name="classifier")
    model = k.Model(inputs, dense(drop(pooled)), name="transfer_mobilenet_v2")
    feature_input = k.Input((pooled.shape[-1],), dtype="float32", name="features")
    head = k.Model(feature_input, dense(drop(feature_input)), name="head")
    return Classifier(model, base, k.Model(inputs, pooled, name="features"), head)


LUMA = ((((0.299,), (0.587,), (0.114,)),),)  # a 1×1×3×1 kernel: RGB → luma


def zoo_classifier(name: str, source: WeightsSource, image_size: int,
                   classes: int) -> Classifier:
    """Preprocessing → the zoo's ``name`` with its own classifier for ``classes``, random
    weights. ``base`` is the whole zoo network; it has no separate features or head.

    A network drawn for grey images (LeNet-5: 32×32×1) reads the RGB images through a
    fixed 1×1 convolution with the ITU-R BT.601 luma weights (0.299 R + 0.587 G +
    0.114 B, not trained), so every zoo network trains on the same folders."""
    from cvlab import zoo
    from cvlab.keras.build import build_model

    k = keras()
    network = build_model(zoo.get(name, resolution=image_size, classes=classes))
    inputs = k.Input((image_size, image_size, 3), dtype="float32", name="image")
    x = preprocessing_layer(source.preprocessing)(inputs)
    if network.input_shape[-1] == 1:
        grey = k.layers.Conv2D(1, 1, use_bias=False, trainable=False, name="grayscale",
                               kernel_initializer=k.initializers.Constant(LUMA))
        x = grey(x)
    outputs = network(x)
    if k.mixed_precision.global_policy().compute_dtype != "float32":
        outputs = k.layers.Activation("linear", dtype="float32", name="probabilities")(outputs)
    return Classifier(k.Model(inputs, outputs, name=f"scratch_{name}"), network, None, None)


def set_phase(classifier: Classifier, phase: str, fine_tune_at: int | None = None) -> None:
    """Mark what trains: ``head`` (base frozen), ``fine-tune`` (base layers from
    ``fine_tune_at`` up, BatchNorm excepted) or ``train`` (everything), whatever phase
    was set before. Recompile after."""
    base = classifier.base
    if phase == "head":
        base.trainable = False
    elif phase == "fine-tune":
        base.trainable = True
        batch_norm = keras().layers.BatchNormalization
        for index, layer in enumerate(base.layers):
            layer.trainable = index >= fine_tune_at and not isinstance(layer, batch_norm)
    elif phase == "train":
        base.trainable = True
        for layer in base.layers:  # undo a previous fine-tune phase's per-layer choices
            layer.trainable = True
    else:
        raise ValueError(f"phase {phase!r} is not one of {PHASES}")


def compile_model(model, learning_rate: float) -> None:
    """Adam, categorical cross-entropy on one-hot (or mixed) labels, accuracy; no XLA."""
    k = keras()
    model.compile(optimizer=k.optimizers.Adam(learning_rate),
                  loss=k.losses.CategoricalCrossentropy(),
                  metrics=[k.metrics.CategoricalAccuracy(name="accuracy")],
                  jit_compile=False)
