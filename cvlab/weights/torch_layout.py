"""A Keras MobileNetV2 that computes exactly what torchvision's MobileNetV2 computes.

Layer names are Keras Applications' (so :mod:`cvlab.weights.convert` loads by
name); the arithmetic is torchvision's:

* stride-2 3×3 convolutions (``Conv1`` and the stride-2 depthwise layers) pad
  one pixel on *every* side (``ZeroPadding2D(((1, 1), (1, 1)))`` + ``valid``),
  where Keras Applications pads only bottom/right;
* BatchNormalization epsilon 1e-5 (Keras Applications: 1e-3) and momentum
  0.9 (torch's ``momentum=0.1`` counts the other way);
* the classifier is ``Dropout(0.2)`` then ``Dense(classes)`` named
  ``predictions``, with softmax so the output is probabilities like Keras'.

Width multiplier is fixed at 1.0: the only torchvision checkpoint is that one.
"""

from __future__ import annotations

from cvlab import tfrun
from cvlab.errors import CvlabError

BN_EPSILON = 1e-5
# (expansion, output channels, repeats, first stride): the MobileNetV2 paper's table 2.
_STAGES = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
           (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))


def mobilenet_v2_torch_layout(classes: int = 1000, include_top: bool = True,
                              input_size: int = 224):
    """Functional MobileNetV2 (width 1.0) with torchvision's padding and BN epsilon.

    Input: ``(input_size, input_size, 3)`` images normalised the torchvision
    way (see :mod:`cvlab.weights.preprocess`). Output: ``classes``
    probabilities if ``include_top``, else the ``(s/32, s/32, 1280)`` feature map.
    """
    if not isinstance(input_size, int) or input_size < 32:
        raise CvlabError(f"Received: input_size={input_size!r}; allowed: an integer >= 32")
    if not isinstance(classes, int) or classes < 1:
        raise CvlabError(f"Received: classes={classes!r}; allowed: an integer >= 1")
    keras = tfrun.keras()
    layers = keras.layers

    def bn(name):
        return layers.BatchNormalization(epsilon=BN_EPSILON, momentum=0.9, name=name)

    inputs = keras.Input((input_size, input_size, 3), name="image")
    x = layers.ZeroPadding2D(((1, 1), (1, 1)), name="Conv1_pad")(inputs)
    x = layers.Conv2D(32, 3, strides=2, padding="valid", use_bias=False, name="Conv1")(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(bn("bn_Conv1")(x))
    block = 0
    for expansion, filters, repeats, first_stride in _STAGES:
        for i in range(repeats):
            x = _inverted_residual(layers, bn, x, expansion, filters,
                                   first_stride if i == 0 else 1, block)
            block += 1
    x = layers.Conv2D(1280, 1, use_bias=False, name="Conv_1")(x)
    x = layers.ReLU(6.0, name="out_relu")(bn("Conv_1_bn")(x))
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dropout(0.2, name="dropout")(x)
        x = layers.Dense(classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, x, name=f"mobilenetv2_torch_layout_{input_size}")


def _inverted_residual(layers, bn, inputs, expansion, filters, stride, block):
    prefix = f"block_{block}_" if block else "expanded_conv_"
    x = inputs
    if expansion != 1:
        x = layers.Conv2D(expansion * inputs.shape[-1], 1, use_bias=False,
                          name=f"{prefix}expand")(x)
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(bn(f"{prefix}expand_BN")(x))
    if stride == 2:
        x = layers.ZeroPadding2D(((1, 1), (1, 1)), name=f"{prefix}pad")(x)
    x = layers.DepthwiseConv2D(3, strides=stride, padding="same" if stride == 1 else "valid",
                               use_bias=False, name=f"{prefix}depthwise")(x)
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(bn(f"{prefix}depthwise_BN")(x))
    x = layers.Conv2D(filters, 1, use_bias=False, name=f"{prefix}project")(x)
    x = bn(f"{prefix}project_BN")(x)
    if stride == 1 and inputs.shape[-1] == filters:
        x = layers.Add(name=f"{prefix}add")([inputs, x])
    return x
