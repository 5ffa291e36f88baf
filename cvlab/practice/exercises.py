"""The week's exercises as data: what to write, how it starts, the hints, the reference,
and the calls the checker makes.

An exercise's function takes a Keras tensor and returns one (a *block*), or builds a whole
``keras.Model`` (a *model*). Each :class:`Case` is one call: the keyword arguments and, for
a block, the input shape (height, width, channels) the checker feeds it. The reference
solution is a file under ``solutions/`` named after the function; it follows the course's
notebooks (``padding="same"`` where the shape must keep, ``BatchNormalization(axis=3)``).
Pure data: no TensorFlow here, so pages can read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cvlab.errors import CvlabError

SOLUTIONS = Path(__file__).resolve().parent / "solutions"


@dataclass(frozen=True)
class Case:
    """One call of the learner's function: ``args`` (keywords), ``input_shape`` for a
    block (``None`` for a model-building function)."""

    args: dict
    input_shape: tuple[int, int, int] | None = None


@dataclass(frozen=True)
class Exercise:
    """One exercise. ``kind``: ``"block"`` (tensor in, tensor out), ``"model"`` (builds a
    model from its arguments), ``"augmenter"`` or ``"transfer"`` (the two transfer-learning
    functions, whose checks differ). ``diagram``: the reference's steps along each path, for
the first case (:func:`cvlab.practice.graph.paths`; the tests hold them to the reference
for every block), the main path first."""

    name: str
    title: str
    task: str
    signature: str
    kind: str
    cases: tuple[Case, ...]
    hints: tuple[str, ...]
    diagram: tuple[tuple[str, tuple[str, ...]], ...]
    imports: str = "from keras import layers"

    @property
    def solution(self) -> str:
        """The reference solution's source."""
        return (SOLUTIONS / f"{self.name}.py").read_text()

    @property
    def skeleton(self) -> str:
        """The starting code the editor shows."""
        return (f"{self.imports}\n\n\ndef {self.signature}:\n"
                f"    # Your code here: see the task and the hints.\n"
                f"    return {'X' if self.kind == 'block' else 'None'}\n")


_BOTTLENECK = ("conv 1×1", "batch norm", "relu", "conv 3×3", "batch norm", "relu", "conv 1×1",
               "batch norm", "add", "relu")
IDENTITY_BLOCK_PATHS = (("main path", _BOTTLENECK), ("shortcut", ()))
CONVOLUTIONAL_BLOCK_PATHS = (("main path", _BOTTLENECK), ("shortcut", ("conv 1×1", "batch norm")))
RESNET50_PATHS = (("main path", (
    "zero padding", "conv 7×7", "batch norm", "relu", "max pool 3×3",
    "stage 2: conv block + 2 identity blocks", "stage 3: conv block + 3 identity blocks",
    "stage 4: conv block + 5 identity blocks", "stage 5: conv block + 2 identity blocks",
    "average pool 2×2", "flatten", "dense", "softmax")),)
SKIP_BLOCK_PATHS = (("main path", ("conv 3×3", "relu", "conv 3×3", "add", "relu")),
                    ("shortcut", ()))
SEPARABLE_BLOCK_PATHS = (("main path", ("depthwise 3×3", "batch norm", "relu6", "conv 1×1",
                                        "batch norm", "relu6")),)
INVERTED_RESIDUAL_PATHS = (("main path", ("conv 1×1", "batch norm", "relu6", "depthwise 3×3",
                                          "batch norm", "relu6", "conv 1×1", "batch norm",
                                          "add")),
                           ("shortcut", ()))
INCEPTION_MODULE_PATHS = (("main path", ("concat",)), ("branch 1", ("conv 1×1", "relu")),
                          ("branch 2", ("conv 1×1", "relu", "conv 3×3", "relu")),
                          ("branch 3", ("conv 1×1", "relu", "conv 5×5", "relu")),
                          ("branch 4", ("max pool 3×3", "conv 1×1", "relu")))
DATA_AUGMENTER_PATHS = (("main path", ("random flip (horizontal)", "random rotation (0.2)")),)
TRANSFER_MODEL_PATHS = (("main path", ("augmentation", "rescale", "base network",
                                       "global average pool", "dropout", "dense")),)

EXERCISES: tuple[Exercise, ...] = (
    Exercise(
        "identity_block", "ResNet-50's identity block",
        "Write ResNet-50's identity block. The main path is a 1×1 convolution to F1 "
        "channels, an f×f convolution to F2 with padding 'same', and a 1×1 convolution to "
        "F3, each followed by batch normalisation; a ReLU follows the first two. The "
        "block's input is then added to the main path, and a last ReLU follows the "
        "addition. The input and output shapes are the same, so F3 equals the input's "
        "channels.",
        "identity_block(X, f, filters)", "block",
        (Case({"f": 3, "filters": (4, 4, 8)}, (6, 6, 8)),
         Case({"f": 5, "filters": (2, 3, 4)}, (7, 7, 4))),
        ("Keep the input: `X_shortcut = X` before the main path changes `X`.",
         "Each convolution is followed by `layers.BatchNormalization(axis=3)`; only the "
         "first two are followed by `layers.Activation('relu')`.",
         "The middle convolution is `layers.Conv2D(F2, f, padding='same')`, so the height "
         "and width stay as they are.",
         "Add before the last ReLU: `X = layers.Add()([X, X_shortcut])`, then the ReLU."),
        diagram=IDENTITY_BLOCK_PATHS),
    Exercise(
        "convolutional_block", "ResNet-50's convolutional block",
        "Write the block ResNet-50 uses where the shape changes. The main path is the "
        "identity block's, with stride s on its first 1×1 convolution. The shortcut is no "
        "longer the input itself: it is a 1×1 convolution to F3 channels with stride s, "
        "followed by batch normalisation, so both paths have the same shape where they "
        "are added.",
        "convolutional_block(X, f, filters, s=2)", "block",
        (Case({"f": 3, "filters": (4, 4, 8), "s": 2}, (8, 8, 3)),
         Case({"f": 2, "filters": (2, 3, 4), "s": 1}, (5, 5, 3))),
        ("Start from your identity block and change two things: the stride, and the "
         "shortcut.",
         "The stride goes on the first 1×1 convolution: `layers.Conv2D(F1, 1, strides=s)`.",
         "The shortcut: `layers.Conv2D(F3, 1, strides=s)(X_shortcut)`, then "
         "`layers.BatchNormalization(axis=3)`.",
         "As in the identity block, add before the last ReLU."),
        diagram=CONVOLUTIONAL_BLOCK_PATHS),
    Exercise(
        "ResNet50", "ResNet-50, the course's version",
        "Build the course's ResNet-50 from your two blocks, for 64×64 RGB images and 6 "
        "classes. Zero-pad by 3, then a 7×7 convolution with 64 filters and stride 2, "
        "batch normalisation, ReLU and a 3×3 max pool with stride 2. Then four stages: a "
        "convolutional block and 2, 3, 5 and 2 identity blocks, with filters "
        "(64, 64, 256), (128, 128, 512), (256, 256, 1024) and (512, 512, 2048), f = 3 and "
        "s = 1 for the first stage, 2 for the others. Finish with a 2×2 average pool, "
        "flatten, and a softmax dense layer. The model has 23,600,006 parameters.",
        "ResNet50(input_shape=(64, 64, 3), classes=6)", "model",
        (Case({}),),
        ("Define `identity_block` and `convolutional_block` in the same file first.",
         "Start with `X_input = keras.Input(input_shape)` and "
         "`layers.ZeroPadding2D((3, 3))(X_input)`.",
         "Stage 2's convolutional block has s=1: the max pool has already halved the size.",
         "End with `layers.AveragePooling2D(2)`, `layers.Flatten()`, "
         "`layers.Dense(classes, activation='softmax')` and "
         "`keras.Model(inputs=X_input, outputs=X)`."),
        diagram=RESNET50_PATHS, imports="import keras\nfrom keras import layers"),
    Exercise(
        "skip_block", "The lecture's residual block",
        "Write the lecture's two-layer residual block: a[l+1] = g(W[l+1] a[l] + b[l+1]), "
        "z[l+2] = W[l+2] a[l+1] + b[l+2] and a[l+2] = g(z[l+2] + a[l]). Each layer is a 3×3 "
        "convolution with `filters` channels, padding 'same' and a bias; g is the ReLU. "
        "The input a[l] is added to z[l+2] before the second ReLU.",
        "skip_block(X, filters)", "block",
        (Case({"filters": 4}, (5, 5, 4)), Case({"filters": 6}, (4, 4, 6))),
        ("Keep a[l]: `a_l = X`.",
         "Two `layers.Conv2D(filters, 3, padding='same')`, with a ReLU after the first "
         "only.",
         "`layers.Add()([z, a_l])`, then the ReLU: g(z[l+2] + a[l])."),
        diagram=SKIP_BLOCK_PATHS),
    Exercise(
        "separable_block", "MobileNet v1's depthwise-separable block",
        "Write MobileNet v1's block: a 3×3 depthwise convolution with the given stride and "
        "padding 'same', then batch normalisation and ReLU6; then a 1×1 (pointwise) "
        "convolution to `filters` channels, batch normalisation and ReLU6. As in Keras' "
        "MobileNet, the convolutions have no bias: batch normalisation's shift replaces it.",
        "separable_block(X, filters, stride)", "block",
        (Case({"filters": 8, "stride": 1}, (6, 6, 4)),
         Case({"filters": 6, "stride": 2}, (8, 8, 3))),
        ("The depthwise step is `layers.DepthwiseConv2D(3, strides=stride, "
         "padding='same', use_bias=False)`.",
         "ReLU6 is `layers.ReLU(6.0)`.",
         "The pointwise step is `layers.Conv2D(filters, 1, use_bias=False)`."),
        diagram=SEPARABLE_BLOCK_PATHS),
    Exercise(
        "inverted_residual", "MobileNetV2's inverted residual block",
        "Write MobileNetV2's bottleneck. Expand: a 1×1 convolution to `expansion` times the "
        "input's channels, batch normalisation, ReLU6. Filter: a 3×3 depthwise convolution "
        "with the stride, padding 'same', batch normalisation, ReLU6. Project: a 1×1 "
        "convolution to `filters` channels and batch normalisation, with no activation: the "
        "projection is linear. The input is added to the output only when the shapes match "
        "(stride 1 and as many channels in as out). No convolution has a bias.",
        "inverted_residual(X, expansion, filters, stride)", "block",
        (Case({"expansion": 6, "filters": 4, "stride": 1}, (6, 6, 4)),
         Case({"expansion": 4, "filters": 8, "stride": 2}, (8, 8, 4))),
        ("The input's channels are `X.shape[-1]`.",
         "Every convolution has `use_bias=False` and is followed by batch normalisation.",
         "No ReLU6 after the projection: it would throw information away in the narrow "
         "layer.",
         "`if stride == 1 and in_channels == filters:` add the input."),
        diagram=INVERTED_RESIDUAL_PATHS),
    Exercise(
        "inception_module", "GoogLeNet's inception module",
        "Write the inception module: four branches on the same input, concatenated along "
        "the channels in this order: a 1×1 convolution (f1); a 1×1 reduction (f3_reduce) "
        "then a 3×3 convolution (f3); a 1×1 reduction (f5_reduce) then a 5×5 convolution "
        "(f5); a 3×3 max pool with stride 1 and padding 'same' then a 1×1 convolution "
        "(pool_proj). Every convolution has padding 'same', a bias and a ReLU.",
        "inception_module(X, f1, f3_reduce, f3, f5_reduce, f5, pool_proj)", "block",
        (Case({"f1": 4, "f3_reduce": 3, "f3": 5, "f5_reduce": 2, "f5": 3, "pool_proj": 2},
              (6, 6, 8)),
         Case({"f1": 2, "f3_reduce": 2, "f3": 3, "f5_reduce": 1, "f5": 2, "pool_proj": 3},
              (5, 5, 4))),
        ("`layers.Conv2D(n, k, padding='same', activation='relu')` is one convolution with "
         "its ReLU.",
         "The pool branch: `layers.MaxPooling2D(3, strides=1, padding='same')`, then the "
         "1×1 convolution.",
         "`layers.Concatenate(axis=-1)([one, three, five, pool])`: the order matters."),
        diagram=INCEPTION_MODULE_PATHS),
    Exercise(
        "data_augmenter", "The transfer notebook's data augmenter",
        "Write the function that returns the transfer-learning notebook's augmentation: a "
        "`keras.Sequential` that flips images horizontally at random, then rotates them at "
        "random by up to 20% of a full turn (a factor of 0.2). It changes images only while "
        "training; at inference it passes them through.",
        "data_augmenter()", "augmenter",
        (Case({}, (16, 16, 3)),),
        ("`keras.Sequential()` and `.add(...)`, or a list of layers.",
         "`layers.RandomFlip('horizontal')`, then `layers.RandomRotation(0.2)`."),
        diagram=DATA_AUGMENTER_PATHS, imports="import keras\nfrom keras import layers"),
    Exercise(
        "transfer_model", "A classifier on a pretrained MobileNetV2",
        "Write the course's transfer model with the Functional API, on the `base` it is "
        "given (a MobileNetV2 without its top). Freeze the base. From an input of the base's "
        "shape: the `augmenter`, the base's own preprocessing (MobileNetV2's "
        "`preprocess_input`, which maps [0, 255] to [-1, 1]), the base called with "
        "`training=False` so its batch norms keep their statistics, global average pooling, "
        "dropout of 0.2, and a dense layer with `classes` outputs and no activation "
        "(logits, as the course's `from_logits=True` loss expects).",
        "transfer_model(base, classes, augmenter)", "transfer",
        (Case({"classes": 3}, (32, 32, 3)),),
        ("`base.trainable = False` freezes every layer of the base.",
         "`inputs = keras.Input(shape=base.input_shape[1:])`.",
         "`from keras.applications.mobilenet_v2 import preprocess_input`.",
         "`x = base(x, training=False)`: the base's batch norms stay in inference mode even "
         "when you fine-tune later.",
         "`layers.GlobalAveragePooling2D()`, `layers.Dropout(0.2)`, "
         "`layers.Dense(classes)`, then `keras.Model(inputs, outputs)`."),
        diagram=TRANSFER_MODEL_PATHS, imports="import keras\nfrom keras import layers\n"
        "from keras.applications.mobilenet_v2 import preprocess_input"),
)

_BY_NAME = {e.name: e for e in EXERCISES}


def names() -> list[str]:
    return list(_BY_NAME)


def get(name: str) -> Exercise:
    if name not in _BY_NAME:
        raise CvlabError(f"Received: exercise {name!r}; allowed: {', '.join(_BY_NAME)}")
    return _BY_NAME[name]
