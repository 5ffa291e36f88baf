"""A network as data: a small, TensorFlow-free layer graph.

Every zoo entry is written once, as calls on a :class:`GraphBuilder`. The result,
a :class:`Network`, is a tuple of :class:`Node` records in topological order, each
holding its output shape (the builder infers it by the rules in :data:`LAYER_OPS` as it
adds the node). Both readers of that one definition work from it: the analytic
profiler (:mod:`cvlab.profile`) adds parameters and MACs, and the Keras builder
(:mod:`cvlab.keras.build`) turns each node into one Keras layer of the same name.

Conventions: shapes are per image and channels-last (H, W, C), or (N,) after
flattening; kernels, strides and paddings are (height, width) pairs; ``padding`` is
``"same"`` or ``"valid"`` as in Keras, and explicit zero padding is its own ``pad``
node, as Keras Applications do; ``dilation`` spaces a kernel's taps (1: adjacent).

Some operations come only from a learner's model file (:mod:`cvlab.modelfile.convert`):
``sepconv``, ``crop``, ``resize``, ``gmp``, ``layernorm``, ``leaky_relu`` (a ReLU with a
slope below zero, a threshold or a cap other than 6), ``augment`` (a random augmentation
layer: the identity at inference), ``math`` (an elementwise Keras op such as ``x + 3``)
and ``uncounted`` (a layer the converter does not know: it holds Keras' own parameter
count and output shape, and no MACs).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from cvlab.errors import CvlabError

Shape = tuple[int, ...]


class ShapeError(Exception):
    """A layer that cannot take its input's shape; the message says why."""


def _fmt(shape: Shape) -> str:
    return "×".join(str(d) for d in shape)


def _spatial(shape: Shape) -> tuple[int, int, int]:
    if len(shape) != 3:
        raise ShapeError("needs an H×W×C feature map; flatten or pool first")
    return shape  # type: ignore[return-value]


def _window(size: int, kernel: int, stride: int, padding: str) -> int:
    """Output length of a sliding window, as TensorFlow computes it."""
    if padding == "same":
        return math.ceil(size / stride)
    if size < kernel:
        raise ShapeError(f"a {kernel}-wide window does not fit in {size} pixels")
    return (size - kernel) // stride + 1


def _windowed(a: Mapping, shape: Shape, channels: int | None = None) -> Shape:
    """Conv, depthwise and pooling: the window slides over H and W. A dilated kernel
    (``dilation`` d) spans d·(k − 1) + 1 pixels."""
    h, w, c = _spatial(shape)
    (kh, kw), (sh, sw) = a.get("kernel") or a["pool"], a["stride"]
    dh, dw = a.get("dilation", (1, 1))
    kh, kw = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    return (_window(h, kh, sh, a["padding"]), _window(w, kw, sw, a["padding"]),
            c if channels is None else channels)


def _pad(a: Mapping, shape: Shape) -> Shape:
    h, w, c = _spatial(shape)
    (t, b), (left, right) = a["pad"]
    return (h + t + b, w + left + right, c)


def _crop(a: Mapping, shape: Shape) -> Shape:
    h, w, c = _spatial(shape)
    (t, b), (left, right) = a["crop"]
    if t + b >= h or left + right >= w:
        raise ShapeError(f"cropping {_fmt((t + b, left + right))} leaves nothing")
    return (h - t - b, w - left - right, c)


def _grouped_conv(a: Mapping, shape: Shape) -> Shape:
    """A convolution to ``filters`` channels; its groups must divide both channel counts."""
    groups, cin = a["groups"], _spatial(shape)[2]
    if cin % groups or a["filters"] % groups:
        raise ShapeError(f"{groups} groups must divide {cin} input and {a['filters']} output "
                         "channels")
    return _windowed(a, shape, a["filters"])


def _gap(a: Mapping, shape: Shape) -> Shape:
    c = _spatial(shape)[2]
    return (1, 1, c) if a["keepdims"] else (c,)


def _dense(a: Mapping, shape: Shape) -> Shape:
    return (*shape[:-1], a["units"])


def _uncounted(a: Mapping, shapes: list[Shape]) -> Shape:
    return tuple(a["shape"])


def _merge_same(shapes: list[Shape]) -> Shape:
    first = shapes[0]
    for other in shapes[1:]:
        if other != first and not _broadcasts(other, first):
            raise ShapeError("inputs must have equal shapes")
    return first


def _broadcasts(small: Shape, big: Shape) -> bool:
    """Squeeze-and-excitation multiplies H×W×C by 1×1×C."""
    return len(small) == len(big) == 3 and small[:2] == (1, 1) and small[2] == big[2]


def _broadcast(shapes: list[Shape]) -> Shape:
    """Elementwise over tensors that broadcast as NumPy's do (a 1 stretches)."""
    if len({len(s) for s in shapes}) != 1:
        raise ShapeError("inputs must have the same rank")
    out = []
    for dims in zip(*shapes, strict=True):
        big = {d for d in dims if d != 1}
        if len(big) > 1:
            raise ShapeError("inputs do not broadcast")
        out.append(big.pop() if big else 1)
    return tuple(out)


def _concat(shapes: list[Shape]) -> Shape:
    if len({s[:-1] for s in shapes}) != 1:
        raise ShapeError("branches must agree on height and width")
    return (*shapes[0][:-1], sum(s[-1] for s in shapes))


def _reshape(a: Mapping, shape: Shape) -> Shape:
    if math.prod(a["target"]) != math.prod(shape):
        raise ShapeError(f"cannot reshape to {_fmt(a['target'])}")
    return a["target"]


@dataclass(frozen=True)
class LayerOp:
    """What a node of one operation holds (``attrs``) and its output shape rule:
    ``shape(attrs, input shapes)``, raising :class:`ShapeError` on input it cannot take."""

    attrs: tuple[str, ...]
    shape: Callable[[Mapping, list[Shape]], Shape]


def _one(rule: Callable[[Mapping, Shape], Shape]) -> Callable[[Mapping, list[Shape]], Shape]:
    """A single-input rule as a rule over the list of input shapes."""
    return lambda a, shapes: rule(a, shapes[0])


_SAME = _one(lambda a, shape: shape)

#: Operations a node may hold: its attributes and how it shapes its output.
LAYER_OPS: Mapping[str, LayerOp] = MappingProxyType({
    "input": LayerOp(("shape",), lambda a, _: tuple(a["shape"])),
    "conv": LayerOp(("filters", "kernel", "stride", "padding", "use_bias", "activation",
                     "groups", "dilation"), _one(_grouped_conv)),
    "dwconv": LayerOp(("kernel", "stride", "padding", "use_bias", "depth_multiplier",
                       "activation", "dilation"),
                      _one(lambda a, s: _windowed(a, s, _spatial(s)[2] * a["depth_multiplier"]))),
    "sepconv": LayerOp(("filters", "kernel", "stride", "padding", "use_bias",
                        "depth_multiplier", "activation", "dilation"),
                       _one(lambda a, s: _windowed(a, s, a["filters"]))),
    "bn": LayerOp(("epsilon", "momentum", "center", "scale"), _SAME),
    "act": LayerOp(("fn",), _SAME),
    "leaky_relu": LayerOp(("max_value", "negative_slope", "threshold"), _SAME),
    "pad": LayerOp(("pad",), _one(_pad)),
    "crop": LayerOp(("crop",), _one(_crop)),
    "maxpool": LayerOp(("pool", "stride", "padding"), _one(_windowed)),
    "avgpool": LayerOp(("pool", "stride", "padding"), _one(_windowed)),
    "gap": LayerOp(("keepdims",), _one(_gap)),
    "gmp": LayerOp(("keepdims",), _one(_gap)),
    "flatten": LayerOp((), _one(lambda a, s: (math.prod(s),))),
    "dense": LayerOp(("units", "use_bias", "activation"), _one(_dense)),
    "dropout": LayerOp(("rate", "per_sample"), _SAME),
    "add": LayerOp((), lambda a, shapes: _merge_same(shapes)),
    "concat": LayerOp((), lambda a, shapes: _concat(shapes)),
    "multiply": LayerOp((), lambda a, shapes: _merge_same(shapes)),
    "reshape": LayerOp(("target",), _one(_reshape)),
    "rescale": LayerOp(("scale", "offset"), _SAME),
    "normalize": LayerOp((), _SAME),
    "layernorm": LayerOp(("epsilon", "center", "scale"), _SAME),
    "resize": LayerOp(("size", "interpolation"),
                      _one(lambda a, s: (*a["size"], _spatial(s)[2]))),
    "augment": LayerOp(("layer",), _SAME),
    "math": LayerOp(("fn",), lambda a, shapes: _broadcast(shapes)),
    "uncounted": LayerOp(("layer", "params", "trainable_params", "shape"), _uncounted),
})

#: Activation names as Keras spells them (``relu6``: ``ReLU(6.0)``).
ACTIVATIONS = ("relu", "relu6", "swish", "sigmoid", "tanh", "softmax", "linear", "gelu", "elu",
               "selu", "softplus", "softsign", "hard_sigmoid", "hard_silu", "leaky_relu",
               "mish", "exponential", "log_softmax")


@dataclass(frozen=True)
class Node:
    """One layer. ``inputs`` name earlier nodes; ``stage`` groups nodes for reports;
    ``output_shape`` is what the layer gives for one image."""

    name: str
    op: str
    inputs: tuple[str, ...]
    attrs: Mapping[str, Any]
    stage: str
    output_shape: Shape


@dataclass(frozen=True)
class Network:
    """A zoo entry with its options fixed: the single source for profile and build."""

    name: str
    family: str
    nodes: tuple[Node, ...]
    options: Mapping[str, Any] = field(default_factory=dict)
    outputs: tuple[str, ...] = ()

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.nodes[0].attrs["shape"])


def pair(value: int | tuple[int, int]) -> tuple[int, int]:
    """``3`` → ``(3, 3)``; pairs pass through."""
    if isinstance(value, int):
        return (value, value)
    return (int(value[0]), int(value[1]))


class GraphBuilder:
    """Collects nodes. Each method adds one node and returns its name.

    Names must be unique; ``stage(...)`` sets the stage label of nodes added
    inside the ``with`` block. A node whose input shape it cannot take raises
    :class:`~cvlab.errors.CvlabError` as it is added.
    """

    def __init__(self, name: str, family: str, input_shape: tuple[int, int, int]):
        self.name = name
        self.family = family
        self._nodes: list[Node] = []
        self._shapes: dict[str, Shape] = {}
        self._stage = "input"
        self._add("input", "input", (), shape=tuple(input_shape))
        self._stage = "stem"

    # -- context ---------------------------------------------------------------
    @contextlib.contextmanager
    def stage(self, label: str) -> Iterator[None]:
        previous, self._stage = self._stage, label
        try:
            yield
        finally:
            self._stage = previous

    @property
    def last(self) -> str:
        return self._nodes[-1].name

    def shape(self, x: str) -> Shape:
        """The output shape of node ``x``."""
        return self._shapes[x]

    def correct_pad(self, x: str, kernel: int) -> tuple[tuple[int, int], tuple[int, int]]:
        """Keras Applications' padding before a stride-2 'valid' window: more at bottom/right."""
        h, w, _ = self.shape(x)
        k = kernel // 2
        return ((k - (1 - h % 2), k), (k - (1 - w % 2), k))

    def network(self, outputs: tuple[str, ...] = (), **options: Any) -> Network:
        return Network(self.name, self.family, tuple(self._nodes),
                       MappingProxyType(options), tuple(outputs) or (self.last,))

    # -- layers ----------------------------------------------------------------
    def conv(self, x, filters, kernel, stride=1, padding="same", *, name, use_bias=True,
             activation=None, groups=1, dilation=1) -> str:
        """``groups`` splits input and output channels into that many independent convs;
        ``dilation`` spaces the kernel's taps that many pixels apart."""
        return self._add(name, "conv", (x,), filters=int(filters), kernel=pair(kernel),
                         stride=pair(stride), padding=padding, use_bias=use_bias,
                         activation=activation, groups=int(groups), dilation=pair(dilation))

    def dwconv(self, x, kernel, stride=1, padding="same", *, name, use_bias=False,
               depth_multiplier=1, activation=None, dilation=1) -> str:
        return self._add(name, "dwconv", (x,), kernel=pair(kernel), stride=pair(stride),
                         padding=padding, use_bias=use_bias,
                         depth_multiplier=int(depth_multiplier), activation=activation,
                         dilation=pair(dilation))

    def bn(self, x, *, name, epsilon=1e-3, momentum=0.99, center=True, scale=True) -> str:
        """``center``/``scale``: whether it learns a shift β / a scale γ per channel."""
        return self._add(name, "bn", (x,), epsilon=epsilon, momentum=momentum, center=center,
                         scale=scale)

    def act(self, x, fn, *, name) -> str:
        return self._add(name, "act", (x,), fn=fn)

    def pad(self, x, pad, *, name) -> str:
        """``pad`` is ((top, bottom), (left, right)) zeros."""
        (t, b), (left, right) = pad
        return self._add(name, "pad", (x,), pad=((int(t), int(b)), (int(left), int(right))))

    def maxpool(self, x, pool, stride=None, padding="valid", *, name) -> str:
        return self._add(name, "maxpool", (x,), pool=pair(pool),
                         stride=pair(stride if stride is not None else pool), padding=padding)

    def avgpool(self, x, pool, stride=None, padding="valid", *, name) -> str:
        return self._add(name, "avgpool", (x,), pool=pair(pool),
                         stride=pair(stride if stride is not None else pool), padding=padding)

    def gap(self, x, *, name, keepdims=False) -> str:
        return self._add(name, "gap", (x,), keepdims=keepdims)

    def flatten(self, x, *, name) -> str:
        return self._add(name, "flatten", (x,))

    def dense(self, x, units, *, name, use_bias=True, activation=None) -> str:
        return self._add(name, "dense", (x,), units=int(units), use_bias=use_bias,
                         activation=activation)

    def dropout(self, x, rate, *, name, per_sample=False) -> str:
        """``per_sample`` drops whole examples (stochastic depth), as EfficientNet does."""
        return self._add(name, "dropout", (x,), rate=float(rate), per_sample=per_sample)

    def add(self, xs, *, name) -> str:
        return self._add(name, "add", tuple(xs))

    def concat(self, xs, *, name) -> str:
        return self._add(name, "concat", tuple(xs))

    def multiply(self, xs, *, name) -> str:
        return self._add(name, "multiply", tuple(xs))

    def reshape(self, x, target, *, name) -> str:
        return self._add(name, "reshape", (x,), target=tuple(int(t) for t in target))

    def rescale(self, x, scale, *, name, offset=0.0) -> str:
        return self._add(name, "rescale", (x,), scale=scale, offset=offset)

    def normalize(self, x, *, name) -> str:
        """Per-channel (x - mean) / sqrt(var), statistics held as non-trainable weights."""
        return self._add(name, "normalize", (x,))

    # -- internals -------------------------------------------------------------
    def _add(self, name: str, op: str, inputs: tuple[str, ...], **attrs: Any) -> str:
        if name in self._shapes:
            raise ValueError(f"Duplicate layer name in {self.name!r}. Received: {name!r}")
        unknown = {i for i in inputs if i not in self._shapes}  # O(inputs), not O(graph)
        if unknown:
            raise ValueError(f"Layer {name!r} reads undefined inputs. Received: {sorted(unknown)}")
        spec = LAYER_OPS[op]
        if set(attrs) != set(spec.attrs):
            raise ValueError(f"Layer {name!r} ({op}) takes {spec.attrs}. Received: {sorted(attrs)}")
        fn = attrs.get("activation") or attrs.get("fn")
        if fn is not None and fn not in ACTIVATIONS:
            raise ValueError(f"Unknown activation. Received: {fn!r}; allowed: {ACTIVATIONS}")
        in_shapes = [self._shapes[i] for i in inputs]
        try:
            shape = spec.shape(attrs, in_shapes)
        except ShapeError as exc:
            raise CvlabError(f"{self.name}: layer {name!r} ({op}) cannot take input "
                             f"{' and '.join(_fmt(s) for s in in_shapes)}: {exc}") from None
        self._nodes.append(Node(name, op, inputs, MappingProxyType(attrs), self._stage, shape))
        self._shapes[name] = shape
        return name
