"""Turn a zoo :class:`~cvlab.zoo.graph.Network` into a ``keras.Model`` (functional API).

Each node becomes exactly one Keras layer with the node's name, so the model's
summary reads like the definition and weights load by layer name.
TensorFlow is imported here, when a model is built, and not before.
"""

from __future__ import annotations

from cvlab.lazy_tf import keras
from cvlab.zoo.graph import Network, Node


def build_model(network: Network):
    """The Keras model for ``network``; several outputs when it has auxiliary heads."""
    k = keras()
    tensors = {}
    for node in network.nodes:
        if node.op == "input":
            tensors[node.name] = k.Input(shape=node.attrs["shape"], name=node.name)
            continue
        layer = _layer(k.layers, node)
        args = [tensors[i] for i in node.inputs]
        tensors[node.name] = layer(args if len(args) > 1 else args[0])
    outputs = [tensors[name] for name in network.outputs]
    return k.Model(tensors[network.nodes[0].name],
                   outputs if len(outputs) > 1 else outputs[0], name=network.name)


def _activation(layers, fn, name):
    if fn == "relu6":
        return layers.ReLU(6.0, name=name)
    return layers.Activation(fn, name=name)


def _layer(layers, node: Node):
    a, name = node.attrs, node.name
    match node.op:
        case "conv":
            return layers.Conv2D(a["filters"], a["kernel"], strides=a["stride"],
                                 padding=a["padding"], use_bias=a["use_bias"],
                                 activation=a["activation"], groups=a.get("groups", 1),
                                 dilation_rate=a["dilation"], name=name)
        case "dwconv":
            return layers.DepthwiseConv2D(a["kernel"], strides=a["stride"], padding=a["padding"],
                                          use_bias=a["use_bias"],
                                          depth_multiplier=a["depth_multiplier"],
                                          activation=a["activation"],
                                          dilation_rate=a["dilation"], name=name)
        case "sepconv":
            return layers.SeparableConv2D(a["filters"], a["kernel"], strides=a["stride"],
                                          padding=a["padding"], use_bias=a["use_bias"],
                                          depth_multiplier=a["depth_multiplier"],
                                          activation=a["activation"],
                                          dilation_rate=a["dilation"], name=name)
        case "bn":
            return layers.BatchNormalization(epsilon=a["epsilon"], momentum=a["momentum"],
                                             center=a["center"], scale=a["scale"], name=name)
        case "act":
            return _activation(layers, a["fn"], name)
        case "leaky_relu":
            return layers.ReLU(a["max_value"], a["negative_slope"], a["threshold"], name=name)
        case "crop":
            return layers.Cropping2D(a["crop"], name=name)
        case "gmp":
            return layers.GlobalMaxPooling2D(keepdims=a["keepdims"], name=name)
        case "layernorm":
            return layers.LayerNormalization(epsilon=a["epsilon"], center=a["center"],
                                             scale=a["scale"], name=name)
        case "resize":
            return layers.Resizing(*a["size"], interpolation=a["interpolation"], name=name)
        case "augment":  # random augmentation is the identity at inference
            return layers.Identity(name=name)
        case "pad":
            return layers.ZeroPadding2D(a["pad"], name=name)
        case "maxpool":
            return layers.MaxPooling2D(a["pool"], a["stride"], padding=a["padding"], name=name)
        case "avgpool":
            return layers.AveragePooling2D(a["pool"], a["stride"], padding=a["padding"],
                                           name=name)
        case "gap":
            return layers.GlobalAveragePooling2D(keepdims=a["keepdims"], name=name)
        case "flatten":
            return layers.Flatten(name=name)
        case "dense":
            return layers.Dense(a["units"], use_bias=a["use_bias"], activation=a["activation"],
                                name=name)
        case "dropout":
            noise = (None, 1, 1, 1) if a["per_sample"] else None
            return layers.Dropout(a["rate"], noise_shape=noise, name=name)
        case "add":
            return layers.Add(name=name)
        case "concat":
            return layers.Concatenate(name=name)
        case "multiply":
            return layers.Multiply(name=name)
        case "reshape":
            return layers.Reshape(a["target"], name=name)
        case "rescale":
            return layers.Rescaling(a["scale"], a["offset"], name=name)
        case "normalize":
            return layers.Normalization(axis=-1, name=name)
    raise ValueError(f"No Keras layer for op. Received: {node.op!r}")
