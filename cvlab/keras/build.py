"""Turn a zoo :class:`~cvlab.zoo.graph.Network` into a ``keras.Model`` (functional API).

Each node becomes exactly one Keras layer with the node's name, so the model's
summary reads like the definition and weights load by layer name.

:func:`layer_call` says, as plain data, which Keras layer a node becomes: its class
name and its positional and keyword arguments. :func:`build_model` instantiates those
calls and :mod:`cvlab.keras.codegen` prints them as Python source, so the code the app
shows builds exactly the model the app builds. A call leaves out the arguments equal
to Keras' defaults, and writes a square kernel, stride or padding as one number, as a
person would. TensorFlow is imported here, when a model is built, and not before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from cvlab.lazy_tf import keras
from cvlab.zoo.graph import Network, Node

#: Keras' defaults for the keyword arguments the zoo's layers take: left out of a call.
KERAS_DEFAULTS: Mapping[str, Any] = MappingProxyType({
    "strides": 1, "padding": "valid", "use_bias": True, "activation": None, "groups": 1,
    "depth_multiplier": 1, "epsilon": 1e-3, "momentum": 0.99, "keepdims": False,
    "noise_shape": None, "dilation_rate": 1, "center": True, "scale": True,
    "interpolation": "bilinear",
})


@dataclass(frozen=True)
class LayerCall:
    """One Keras layer as data: ``keras.layers.<cls>(*args, **kwargs)``."""

    cls: str
    args: tuple = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    def make(self):
        """The layer itself (imports Keras)."""
        return getattr(keras().layers, self.cls)(*self.args, **self.kwargs)


def build_model(network: Network):
    """The Keras model for ``network``; several outputs when it has auxiliary heads."""
    k = keras()
    tensors = {}
    for node in network.nodes:
        if node.op == "input":
            tensors[node.name] = k.Input(shape=node.attrs["shape"], name=node.name)
            continue
        args = [tensors[i] for i in node.inputs]
        tensors[node.name] = layer_call(node).make()(args if len(args) > 1 else args[0])
    outputs = [tensors[name] for name in network.outputs]
    return k.Model(tensors[network.nodes[0].name],
                   outputs if len(outputs) > 1 else outputs[0], name=network.name)


def short(value):
    """A square pair as one number, ``(3, 3)`` → 3, as Keras reads it; others unchanged."""
    if isinstance(value, tuple) and len(value) == 2 and value[0] == value[1] \
            and isinstance(value[0], int):
        return value[0]
    return value


def _call(cls: str, node: Node, *args, **kwargs) -> LayerCall:
    """The call, with Keras' defaults dropped and ``name`` last."""
    kept = {k: short(v) for k, v in kwargs.items()
            if k not in KERAS_DEFAULTS or short(v) != KERAS_DEFAULTS[k]}
    return LayerCall(cls, tuple(short(a) for a in args),
                     MappingProxyType({**kept, "name": node.name}))


def layer_call(node: Node) -> LayerCall:
    """The one Keras layer that ``node`` (any op but ``input``) becomes."""
    a = node.attrs
    match node.op:
        case "conv":
            return _call("Conv2D", node, a["filters"], a["kernel"], strides=a["stride"],
                         padding=a["padding"], use_bias=a["use_bias"],
                         activation=a["activation"], groups=a["groups"],
                         dilation_rate=a["dilation"])
        case "dwconv":
            return _call("DepthwiseConv2D", node, a["kernel"], strides=a["stride"],
                         padding=a["padding"], use_bias=a["use_bias"],
                         depth_multiplier=a["depth_multiplier"], activation=a["activation"],
                         dilation_rate=a["dilation"])
        case "sepconv":
            return _call("SeparableConv2D", node, a["filters"], a["kernel"], strides=a["stride"],
                         padding=a["padding"], use_bias=a["use_bias"],
                         depth_multiplier=a["depth_multiplier"], activation=a["activation"],
                         dilation_rate=a["dilation"])
        case "bn":
            return _call("BatchNormalization", node, epsilon=a["epsilon"],
                         momentum=a["momentum"], center=a["center"], scale=a["scale"])
        case "act":
            if a["fn"] == "relu6":
                return _call("ReLU", node, 6.0)
            return _call("Activation", node, a["fn"])
        case "leaky_relu":
            return _call("ReLU", node, a["max_value"], a["negative_slope"], a["threshold"])
        case "crop":
            return LayerCall("Cropping2D", (a["crop"],), MappingProxyType({"name": node.name}))
        case "gmp":
            return _call("GlobalMaxPooling2D", node, keepdims=a["keepdims"])
        case "layernorm":
            return _call("LayerNormalization", node, epsilon=a["epsilon"], center=a["center"],
                         scale=a["scale"])
        case "resize":
            return _call("Resizing", node, *a["size"], interpolation=a["interpolation"])
        case "augment":  # random augmentation is the identity at inference
            return _call("Identity", node)
        case "pad":
            (top, bottom), (left, right) = a["pad"]
            same = top == bottom == left == right
            return LayerCall("ZeroPadding2D", (top if same else a["pad"],),
                             MappingProxyType({"name": node.name}))
        case "maxpool" | "avgpool":
            cls = "MaxPooling2D" if node.op == "maxpool" else "AveragePooling2D"
            return _call(cls, node, a["pool"], a["stride"], padding=a["padding"])
        case "gap":
            return _call("GlobalAveragePooling2D", node, keepdims=a["keepdims"])
        case "flatten":
            return _call("Flatten", node)
        case "dense":
            return _call("Dense", node, a["units"], use_bias=a["use_bias"],
                         activation=a["activation"])
        case "dropout":
            # Stochastic depth: one draw per example, broadcast over H, W and C.
            return _call("Dropout", node, a["rate"],
                         noise_shape=(None, 1, 1, 1) if a["per_sample"] else None)
        case "add":
            return _call("Add", node)
        case "concat":
            return _call("Concatenate", node)
        case "multiply":
            return _call("Multiply", node)
        case "reshape":
            return LayerCall("Reshape", (tuple(a["target"]),),
                             MappingProxyType({"name": node.name}))
        case "rescale":
            return _call("Rescaling", node, a["scale"], a["offset"])
        case "normalize":
            return _call("Normalization", node)
    raise ValueError(f"No Keras layer for op. Received: {node.op!r}")
