"""A loaded Keras model as the zoo's layer graph, so the analytic profiler reads it like any
zoo network.

:func:`load_model_file` reads a file the way uploads must be read (``safe_mode``, a size
limit, one clear message per kind of refusal); :func:`convert` walks the model's graph in
topological order and gives one :class:`~cvlab.zoo.graph.Node` per Keras layer call.

Conventions:

* **Nested models are expanded**: a functional model or a ``Sequential`` used as a layer
  (the course's MobileNetV2 base inside the alpaca model, a data augmentation
  ``Sequential``) contributes its own layers, named ``<inner model>/<layer>`` and put in
  the stage of the inner model's name. Top-level layers are staged by their name's first
  numbered token (``conv2_block1_1_conv`` → ``conv2``, ``block_3_expand`` → ``block_3``).
* **Nothing is dropped**: a layer the converter does not know (a custom registered class,
  a kind the graph has no op for, a known layer in a set-up it does not model, a layer
  shared between several calls) becomes an ``uncounted`` node holding Keras' own
  parameter count and output shape, and no MACs (see :class:`Uncounted`).
* Every converted node's parameter count is checked against Keras' ``count_params()`` for
  its layer, and its output shape against Keras' shape, so the totals are equal to Keras'
  count, always; a node that disagrees is kept as ``uncounted`` instead.
* Keras ops applied to tensors (``x + 3.0`` in MobileNetV3's hard sigmoid) are elementwise
  ``math`` nodes of zero MACs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np

from cvlab import lazy_tf
from cvlab.errors import CvlabError
from cvlab.modelfile.store import MAX_BYTES, SUFFIXES
from cvlab.profile import cost
from cvlab.zoo.graph import ACTIVATIONS, LAYER_OPS, Network, Node, Shape, ShapeError, pair

FAMILY = "Model file"
_LAMBDA = "a Lambda layer holds Python code, which cvlab does not run"


@dataclass(frozen=True)
class Uncounted:
    """A layer listed by ``name`` and Keras class (``kind``) with Keras' own ``params``;
    its MACs are not counted. ``reason`` says why the converter did not convert it."""

    name: str
    kind: str
    params: int
    reason: str

    def to_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind, "params": self.params,
                "reason": self.reason}


@dataclass(frozen=True)
class Nested:
    """A model used as a layer: its ``name`` (also its layers' stage) and input shape."""

    name: str
    input_shape: Shape


@dataclass(frozen=True)
class Converted:
    """The graph of a model file and what Keras itself says about it. ``frozen``: the
    nodes whose trainable count the file sets apart from the architecture's (a layer
    frozen with ``trainable = False``), with Keras' trainable count."""

    network: Network
    keras_params: int
    keras_trainable_params: int
    uncounted: tuple[Uncounted, ...]
    nested: tuple[Nested, ...]
    frozen: Mapping[str, int]


# -- loading -----------------------------------------------------------------------------
def load_model_file(path: str | os.PathLike):
    """The model in ``path`` (a ``.keras`` file, or a legacy ``.h5`` where Keras 3 reads
    it), loaded with ``safe_mode=True`` and uncompiled. :class:`CvlabError` for a file too
    big or of the wrong kind, a Lambda layer, an unregistered custom class (named) or a
    file that holds no model."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise CvlabError(f"Received: {path.name!r}; allowed: a Keras model file ending in "
                         f"{' or '.join(SUFFIXES)}.")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CvlabError(f"Received: {path} that cannot be read ({exc.strerror}); allowed: "
                         "an existing model file.") from None
    if size > MAX_BYTES:
        raise CvlabError(f"Received: {path.name!r} of {size / 1024**2:,.0f} MiB; allowed: at "
                         f"most {MAX_BYTES // 1024**2} MiB.")
    keras = lazy_tf.keras()
    try:
        model = keras.saving.load_model(path, safe_mode=True, compile=False)
    except Exception as exc:  # Keras raises many kinds; each becomes one message
        raise CvlabError(_load_error(path, exc)) from None
    if not isinstance(model, keras.Model):
        raise CvlabError(f"Received: {path.name!r}, which holds a {type(model).__name__}, "
                         "not a model; allowed: a file saved by `model.save(...)`.")
    return model


def _load_error(path: Path, exc: Exception) -> str:
    text = str(exc)
    if "Lambda" in text and ("safe_mode" in text or "unsafe" in text):
        return f"Received: {path.name!r}: {_LAMBDA}; allowed: a model of built-in layers."
    unknown = re.search(r"Could not locate class '([^']+)'", text) or \
        re.search(r"Unknown (?:layer|object|class)[^'\"`]*['\"`]([^'\"`]+)", text)
    if unknown:
        return (f"Received: {path.name!r} with the custom class {unknown.group(1)!r}, which is "
                "not registered here; allowed: a model of Keras' built-in layers (cvlab runs no "
                "code from a model file).")
    if isinstance(exc, (OSError, ValueError)) and any(
            word in text for word in ("zip", "HDF5", "signature", "config.json", "not a",
                                      "File format", "file signature", "Unable to")):
        return (f"Received: {path.name!r}, which is not a Keras model file; allowed: a file "
                "saved by `model.save('name.keras')` (or a legacy .h5).")
    return (f"Received: {path.name!r}, which Keras cannot load in safe mode "
            f"({type(exc).__name__}: {text[:200]}); allowed: a model saved by Keras.")


# -- converting --------------------------------------------------------------------------
def convert(model, name: str | None = None) -> Converted:
    """The graph of the loaded Keras ``model`` (one input of a fixed H×W×C, or a flat
    vector), named ``name`` (default: the model's name)."""
    keras = lazy_tf.keras()
    if len(model.inputs) != 1:
        raise CvlabError(f"Received: a model with {len(model.inputs)} inputs; allowed: one "
                         "image input.")
    walker = _Walker(keras, model)
    shape = walker.fixed_shape(model.inputs[0], "input")
    walker.append(Node("input", "input", (), MappingProxyType({"shape": shape}), "input", shape))
    graph = walker.graph(model)
    if graph is None:
        raise CvlabError(f"Received: a subclassed model ({type(model).__name__}) whose layers "
                         "are joined by Python code, not a graph; allowed: a Functional or "
                         "Sequential model.")
    walker.names[id(graph.inputs[0])] = "input"
    walker.walk(graph, None)
    outputs = tuple(walker.names[id(t)] for t in graph.outputs)
    network = Network(name or model.name, FAMILY, tuple(walker.nodes), MappingProxyType({}),
                      outputs)
    return Converted(network, int(model.count_params()),
                     int(sum(_size(w) for w in model.trainable_weights)),
                     tuple(walker.uncounted), tuple(walker.nested),
                     MappingProxyType(walker.frozen))


def _size(variable) -> int:
    n = 1
    for d in variable.shape:
        n *= int(d)
    return n


class _Walker:
    """Walks a model's graph, nested models included, adding nodes in topological order."""

    def __init__(self, keras, model):
        self.k = keras
        self.nodes: list[Node] = []
        self.shapes: dict[str, Shape] = {}
        self.names: dict[int, str] = {}          # id(KerasTensor) → node name
        self.uncounted: list[Uncounted] = []
        self.nested: list[Nested] = []
        self.frozen: dict[str, int] = {}
        self.seen_layers: set[int] = set()
        self.rules = _rules(keras)
        self.model_name = model.name

    def fixed_shape(self, tensor, where: str) -> Shape:
        shape = tuple(tensor.shape[1:])
        if not shape or any(d is None for d in shape):
            raise CvlabError(f"Received: {where} of shape {tensor.shape} with a free size; "
                             "allowed: a model built for one input size, e.g. "
                             "`keras.Input((160, 160, 3))`.")
        return tuple(int(d) for d in shape)

    def graph(self, model):
        """The functional graph behind ``model`` (a ``Sequential`` holds one once built),
        or ``None`` (a subclassed model: its ``call`` is code, not a graph)."""
        if isinstance(model, self.k.Sequential):
            return getattr(model, "_functional", None)
        return model if hasattr(model, "_nodes_by_depth") else None

    def walk(self, graph, prefix: str | None) -> None:
        for depth in sorted(graph._nodes_by_depth, reverse=True):
            for node in graph._nodes_by_depth[depth]:
                if node.operation is None or node.is_input:
                    continue
                self.call(node.operation, list(node.input_tensors), list(node.outputs),
                          prefix)

    def call(self, op, inputs, outputs, prefix) -> None:
        ins = [self.names[id(t)] for t in inputs]
        if isinstance(op, self.k.Model) and (self.graph(op) is not None
                                             or isinstance(op, self.k.Sequential)):
            self.enter(op, ins, outputs, prefix)
            return
        shape = tuple(outputs[0].shape[1:]) if len(outputs) == 1 else None
        name = self.convert_layer(op, ins, shape, prefix, several=len(outputs) > 1)
        for t in outputs:
            self.names[id(t)] = name

    def enter(self, model, ins, outputs, prefix) -> None:
        """Expand a model used as a layer: its input is the caller's tensor."""
        inner = f"{prefix}/{model.name}" if prefix else model.name
        if len(ins) != 1 or len(outputs) != 1:
            raise CvlabError(f"Received: nested model {inner!r} with several inputs or "
                             "outputs; allowed: one input and one output.")
        self.nested.append(Nested(inner, self.shapes[ins[0]]))
        graph = self.graph(model)
        if graph is None:  # a Sequential never built on an input: a chain of layers
            current = ins[0]
            for layer in model.layers:
                current = self.convert_layer(layer, [current], None, inner)
        else:
            self.names[id(graph.inputs[0])] = ins[0]
            self.walk(graph, inner)
            current = self.names[id(graph.outputs[0])]
        self.names[id(outputs[0])] = current

    # -- one layer -----------------------------------------------------------------------
    def convert_layer(self, layer, ins, keras_shape, prefix, several=False) -> str:
        """Add the node of one call of ``layer`` on the nodes ``ins``; its name.
        ``keras_shape``: the call's output shape as Keras gives it (``None``: asked of
        the layer)."""
        name = self._unique(f"{prefix}/{layer.name}" if prefix else layer.name)
        stage = prefix or _stage_of(layer.name, self.model_name)
        in_shapes = [self.shapes[i] for i in ins]
        if keras_shape is None and not several:
            keras_shape = _output_shape(layer, in_shapes)
        kind = type(layer).__name__
        is_layer = isinstance(layer, self.k.layers.Layer)
        params = int(layer.count_params()) if is_layer and layer.weights else 0
        trainable = int(sum(_size(w) for w in layer.trainable_weights)) if is_layer else 0
        if is_layer and id(layer) in self.seen_layers and params:
            return self._uncounted(name, kind, ins, stage, 0, 0, keras_shape or in_shapes[0],
                                   "a second call of a layer whose weights count once")
        self.seen_layers.add(id(layer))
        rule = self.rules.get(type(layer)) or (None if is_layer else _math)
        reason = f"the converter has no rule for {kind}"
        if several:
            rule, reason = None, "a layer with several outputs"
        if rule is not None:
            try:
                op, attrs = rule(layer, in_shapes, keras_shape)
                node = self._node(name, op, ins, attrs, stage, in_shapes)
                ours, ours_trainable, _ = cost(node, in_shapes)
                if keras_shape is not None and tuple(keras_shape) != node.output_shape:
                    reason = (f"its output {_fmt(node.output_shape)} differs from Keras' "
                              f"{_fmt(keras_shape)}")
                elif ours != params:
                    reason = (f"a set-up the converter does not model ({ours:,} params "
                              f"counted, Keras holds {params:,})")
                else:
                    if ours_trainable != trainable:
                        self.frozen[name] = trainable
                    self.append(node)
                    return name
            except (ShapeError, KeyError, TypeError, ValueError, AttributeError) as exc:
                reason = f"a set-up the converter does not model ({exc})"
        return self._uncounted(name, kind, ins, stage, params, trainable,
                               keras_shape or in_shapes[0], reason)

    def _uncounted(self, name, kind, ins, stage, params, trainable, shape, reason) -> str:
        shape = tuple(int(d) for d in shape)
        self.append(Node(name, "uncounted", tuple(ins), MappingProxyType(
            {"layer": kind, "params": params, "trainable_params": trainable, "shape": shape}),
            stage, shape))
        self.uncounted.append(Uncounted(name, kind, params, reason))
        return name

    def _node(self, name, op, ins, attrs, stage, in_shapes) -> Node:
        spec = LAYER_OPS[op]
        if set(attrs) != set(spec.attrs):
            raise ValueError(f"{op} takes {spec.attrs}. Received: {sorted(attrs)}")
        shape = tuple(spec.shape(attrs, in_shapes))
        return Node(name, op, tuple(ins), MappingProxyType(attrs), stage, shape)

    def append(self, node: Node) -> None:
        self.nodes.append(node)
        self.shapes[node.name] = node.output_shape

    def _unique(self, name: str) -> str:
        if name not in self.shapes:
            return name
        n = 1
        while f"{name}_{n}" in self.shapes:
            n += 1
        return f"{name}_{n}"


def _output_shape(layer, in_shapes):
    try:
        shape = layer.compute_output_shape((None, *in_shapes[0]))
        return tuple(shape[1:])
    except Exception:  # noqa: BLE001 - a layer that cannot say: the rule's shape stands
        return None


def _fmt(shape) -> str:
    return "×".join(str(d) for d in shape)


def _stage_of(name: str, model_name: str) -> str:
    """A top-level layer's stage: its name up to the first token holding a digit."""
    tokens = name.split("_")
    for i, token in enumerate(tokens):
        if any(ch.isdigit() for ch in token):
            return "_".join(tokens[:i + 1])
    return model_name


# -- the rules: Keras layer → (graph op, attrs) ---------------------------------------------
def _fn(activation) -> str | None:
    """A Keras activation function's graph name (``None``: linear)."""
    name = getattr(activation, "__name__", None)
    name = {"silu": "swish", "hard_swish": "hard_silu"}.get(name, name)
    if name == "linear":
        return None
    if name not in ACTIVATIONS:
        raise ValueError(f"activation {name!r}")
    return name


def _channels_last(layer) -> None:
    if getattr(layer, "data_format", "channels_last") != "channels_last":
        raise ValueError("channels-first data")


def _padding(layer) -> str:
    if layer.padding not in ("same", "valid"):
        raise ValueError(f"padding {layer.padding!r}")
    return layer.padding


def _conv(layer, ins, out):
    _channels_last(layer)
    return "conv", {"filters": layer.filters, "kernel": pair(tuple(layer.kernel_size)),
                    "stride": pair(tuple(layer.strides)), "padding": _padding(layer),
                    "use_bias": layer.use_bias, "activation": _fn(layer.activation),
                    "groups": layer.groups, "dilation": pair(tuple(layer.dilation_rate))}


def _dwconv(layer, ins, out):
    _channels_last(layer)
    return "dwconv", {"kernel": pair(tuple(layer.kernel_size)),
                      "stride": pair(tuple(layer.strides)), "padding": _padding(layer),
                      "use_bias": layer.use_bias, "depth_multiplier": layer.depth_multiplier,
                      "activation": _fn(layer.activation),
                      "dilation": pair(tuple(layer.dilation_rate))}


def _sepconv(layer, ins, out):
    _channels_last(layer)
    return "sepconv", {"filters": layer.filters, "kernel": pair(tuple(layer.kernel_size)),
                       "stride": pair(tuple(layer.strides)), "padding": _padding(layer),
                       "use_bias": layer.use_bias, "depth_multiplier": layer.depth_multiplier,
                       "activation": _fn(layer.activation),
                       "dilation": pair(tuple(layer.dilation_rate))}


def _dense(layer, ins, out):
    return "dense", {"units": layer.units, "use_bias": layer.use_bias,
                     "activation": _fn(layer.activation)}


def _bn(layer, ins, out):
    axis = layer.axis if isinstance(layer.axis, int) else tuple(layer.axis)
    if axis not in (-1, len(ins[0])):
        raise ValueError(f"axis {axis}")
    return "bn", {"epsilon": float(layer.epsilon), "momentum": float(layer.momentum),
                  "center": bool(layer.center), "scale": bool(layer.scale)}


def _pool(op):
    def rule(layer, ins, out):
        _channels_last(layer)
        return op, {"pool": pair(tuple(layer.pool_size)), "stride": pair(tuple(layer.strides)),
                    "padding": _padding(layer)}
    return rule


def _global(op):
    def rule(layer, ins, out):
        _channels_last(layer)
        return op, {"keepdims": bool(layer.keepdims)}
    return rule


def _zero_pad(layer, ins, out):
    _channels_last(layer)
    (t, b), (left, right) = layer.padding
    return "pad", {"pad": ((int(t), int(b)), (int(left), int(right)))}


def _crop(layer, ins, out):
    _channels_last(layer)
    (t, b), (left, right) = layer.cropping
    return "crop", {"crop": ((int(t), int(b)), (int(left), int(right)))}


def _merge(op):
    def rule(layer, ins, out):
        if len(ins) < 2:
            raise ValueError("one input")
        if op == "concat" and layer.axis not in (-1, len(ins[0])):
            raise ValueError(f"axis {layer.axis}")
        return op, {}
    return rule


def _activation(layer, ins, out):
    fn = _fn(layer.activation)
    return "act", {"fn": fn or "linear"}


def _relu(layer, ins, out):
    top = None if layer.max_value is None else float(layer.max_value)
    slope, threshold = float(layer.negative_slope), float(layer.threshold)
    if slope == 0 and threshold == 0 and top in (None, 6.0):
        return "act", {"fn": "relu" if top is None else "relu6"}
    return "leaky_relu", {"max_value": top, "negative_slope": slope, "threshold": threshold}


def _leaky(layer, ins, out):
    return "leaky_relu", {"max_value": None, "negative_slope": float(layer.negative_slope),
                    "threshold": 0.0}


def _softmax(layer, ins, out):
    if layer.axis not in (-1, len(ins[0])):
        raise ValueError(f"axis {layer.axis}")
    return "act", {"fn": "softmax"}


def _dropout(layer, ins, out):
    noise = getattr(layer, "noise_shape", None)
    per_sample = noise is not None and tuple(noise[1:]) == (1,) * len(ins[0])
    if noise is not None and not per_sample:
        raise ValueError(f"noise shape {noise}")
    return "dropout", {"rate": float(layer.rate), "per_sample": per_sample}


def _flatten(layer, ins, out):
    return "flatten", {}


def _reshape(layer, ins, out):
    target = tuple(int(d) for d in (out if out is not None else layer.target_shape))
    if any(d < 0 for d in target):
        raise ValueError(f"target {target}")
    return "reshape", {"target": target}


def _rescale(layer, ins, out):
    return "rescale", {"scale": _plain(layer.scale), "offset": _plain(layer.offset)}


def _plain(value):
    """A number or a list of numbers (per channel), as JSON holds them."""
    flat = np.ravel(np.asarray(value, dtype=float))
    return float(flat[0]) if flat.size == 1 else tuple(float(v) for v in flat)


def _normalize(layer, ins, out):
    """Adapted statistics are weights; a mean and variance given as numbers are constants,
    the same as rescaling by 1/√var with offset −mean/√var."""
    if tuple(layer.axis) not in ((-1,), (len(ins[0]),)):
        raise ValueError(f"axis {layer.axis}")
    if getattr(layer, "invert", False):
        raise ValueError("an inverted normalization")
    if layer.weights:
        return "normalize", {}
    mean, var = (np.ravel(np.asarray(v, dtype=float)) for v in (layer.mean, layer.variance))
    std = np.sqrt(np.maximum(var, 1e-7))  # Keras' epsilon floor
    return "rescale", {"scale": _plain(1 / std), "offset": _plain(-mean / std)}


def _layernorm(layer, ins, out):
    axis = layer.axis if isinstance(layer.axis, int) else tuple(layer.axis)
    if axis not in (-1, len(ins[0]), (-1,), (len(ins[0]),)):
        raise ValueError(f"axis {axis}")
    return "layernorm", {"epsilon": float(layer.epsilon), "center": bool(layer.center),
                         "scale": bool(layer.scale)}


def _resize(layer, ins, out):
    _channels_last(layer)
    return "resize", {"size": (int(layer.height), int(layer.width)),
                      "interpolation": str(layer.interpolation)}


def _augment(layer, ins, out):
    return "augment", {"layer": type(layer).__name__}


def _math(op, ins, out):
    """A Keras op on tensors (``x + 3.0``): elementwise, shaped like its tensor inputs."""
    return "math", {"fn": type(op).__name__}


_AUGMENTATION = ("RandomFlip", "RandomRotation", "RandomZoom", "RandomContrast",
                 "RandomTranslation", "RandomBrightness", "RandomCrop", "RandomHeight",
                 "RandomWidth", "RandomGrayscale", "RandomHue", "RandomSaturation",
                 "RandomSharpness", "RandomShear", "RandomColorJitter", "RandomErasing",
                 "RandomGaussianBlur", "RandomPerspective", "RandomPosterization",
                 "RandomInvert", "RandomElasticTransform", "RandomColorDegeneration",
                 "RandomAutoContrast", "RandomApply", "RandomChoice")


def _rules(k) -> dict:
    """Keras layer class → rule ``(layer, input shapes, Keras output shape) → (op, attrs)``.
    Only exact classes: a subclass (custom code) is uncounted."""
    L = k.layers
    rules = {
        L.Conv2D: _conv, L.DepthwiseConv2D: _dwconv, L.SeparableConv2D: _sepconv,
        L.Dense: _dense, L.BatchNormalization: _bn, L.LayerNormalization: _layernorm,
        L.MaxPooling2D: _pool("maxpool"), L.AveragePooling2D: _pool("avgpool"),
        L.GlobalAveragePooling2D: _global("gap"), L.GlobalMaxPooling2D: _global("gmp"),
        L.ZeroPadding2D: _zero_pad, L.Cropping2D: _crop,
        L.Add: _merge("add"), L.Concatenate: _merge("concat"), L.Multiply: _merge("multiply"),
        L.Activation: _activation, L.ReLU: _relu, L.LeakyReLU: _leaky, L.Softmax: _softmax,
        L.Dropout: _dropout, L.Flatten: _flatten, L.Reshape: _reshape,
        L.Rescaling: _rescale, L.Normalization: _normalize, L.Resizing: _resize,
        L.Identity: lambda layer, ins, out: ("augment", {"layer": "Identity"}),
    }
    rules.update({getattr(L, n): _augment for n in _AUGMENTATION if hasattr(L, n)})
    return rules
