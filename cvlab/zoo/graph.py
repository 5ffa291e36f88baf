"""A network as data: a small, TensorFlow-free layer graph.

Every zoo entry is written once, as calls on a :class:`GraphBuilder`. The result,
a :class:`Network`, is a tuple of :class:`Node` records in topological order.
Both readers of that one definition work from it: the analytic profiler
(:mod:`cvlab.profile`) infers shapes and costs, and the Keras builder
(:mod:`cvlab.build`) turns each node into one Keras layer of the same name.

Conventions: shapes are channels-last (H, W, C); kernels, strides and paddings
are (height, width) pairs; ``padding`` is ``"same"`` or ``"valid"`` as in Keras,
and explicit zero padding is its own ``pad`` node, as Keras Applications do.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

#: Operations a node may hold, with the attributes each one takes.
OPS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "input": ("shape",),
        "conv": ("filters", "kernel", "stride", "padding", "use_bias", "activation", "groups"),
        "dwconv": ("kernel", "stride", "padding", "use_bias", "depth_multiplier", "activation"),
        "bn": ("epsilon", "momentum"),
        "act": ("fn",),
        "pad": ("pad",),
        "maxpool": ("pool", "stride", "padding"),
        "avgpool": ("pool", "stride", "padding"),
        "gap": ("keepdims",),
        "flatten": (),
        "dense": ("units", "use_bias", "activation"),
        "dropout": ("rate", "per_sample"),
        "add": (),
        "concat": (),
        "multiply": (),
        "reshape": ("target",),
        "rescale": ("scale", "offset"),
        "normalize": (),
    }
)

ACTIVATIONS = ("relu", "relu6", "swish", "sigmoid", "tanh", "softmax")


@dataclass(frozen=True)
class Node:
    """One layer. ``inputs`` name earlier nodes; ``stage`` groups nodes for reports.

    ``head`` marks the classifier that ``include_top=False`` removes.
    """

    name: str
    op: str
    inputs: tuple[str, ...]
    attrs: Mapping[str, Any]
    stage: str
    head: bool = False


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
    inside the ``with`` block and ``head()`` marks classifier nodes.
    """

    def __init__(self, name: str, family: str, input_shape: tuple[int, int, int]):
        self.name = name
        self.family = family
        self._nodes: list[Node] = []
        self._names: set[str] = set()
        self._stage = "input"
        self._head = False
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

    @contextlib.contextmanager
    def head(self, label: str = "head") -> Iterator[None]:
        previous, self._head = self._head, True
        try:
            with self.stage(label):
                yield
        finally:
            self._head = previous

    @property
    def last(self) -> str:
        return self._nodes[-1].name

    def shape(self, x: str) -> tuple[int, ...]:
        """The output shape of node ``x``, inferred by the profiler's rules."""
        from cvlab.profile import profile

        records = profile(self.network()).layers
        return next(r.output_shape for r in records if r.name == x)

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
             activation=None, groups=1) -> str:
        """``groups`` splits input and output channels into that many independent convs."""
        return self._add(name, "conv", (x,), filters=int(filters), kernel=pair(kernel),
                         stride=pair(stride), padding=padding, use_bias=use_bias,
                         activation=activation, groups=int(groups))

    def dwconv(self, x, kernel, stride=1, padding="same", *, name, use_bias=False,
               depth_multiplier=1, activation=None) -> str:
        return self._add(name, "dwconv", (x,), kernel=pair(kernel), stride=pair(stride),
                         padding=padding, use_bias=use_bias,
                         depth_multiplier=int(depth_multiplier), activation=activation)

    def bn(self, x, *, name, epsilon=1e-3, momentum=0.99) -> str:
        return self._add(name, "bn", (x,), epsilon=epsilon, momentum=momentum)

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
        if name in self._names:
            raise ValueError(f"Duplicate layer name in {self.name!r}. Received: {name!r}")
        unknown = set(inputs) - self._names
        if unknown:
            raise ValueError(f"Layer {name!r} reads undefined inputs. Received: {sorted(unknown)}")
        fn = attrs.get("activation") or attrs.get("fn")
        if fn is not None and fn not in ACTIVATIONS:
            raise ValueError(f"Unknown activation. Received: {fn!r}; allowed: {ACTIVATIONS}")
        node = Node(name, op, inputs, MappingProxyType(attrs), self._stage, self._head)
        self._nodes.append(node)
        self._names.add(name)
        return name
