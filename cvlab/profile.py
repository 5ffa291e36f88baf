"""Analytic profiler: one record per layer, with no TensorFlow import.

Conventions, the same in the CLI and the app:

* **MACs** are multiply-accumulates *per image* of convolution, depthwise
  convolution and dense layers, bias excluded. Pooling, batch norm,
  activations, additions and the like count zero. (FLOPs ≈ 2 × MACs.)
* **Params** are counted as Keras counts them: batch norm holds four numbers
  per channel, of which the moving mean and variance are non-trainable, and a
  ``Normalization`` layer holds its mean, variance and sample count.
* Shapes are per image and channels-last: (H, W, C), or (N,) after flattening.

Computing is kept apart from formatting: :func:`profile` returns records and
:mod:`cvlab.report` turns them into tables and JSON.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from cvlab.errors import CvlabError
from cvlab.zoo.graph import Network, Node

Shape = tuple[int, ...]


@dataclass(frozen=True)
class LayerRecord:
    """What one layer does to one image."""

    name: str
    kind: str
    stage: str
    inputs: tuple[str, ...]
    kernel: tuple[int, int] | None
    stride: tuple[int, int] | None
    padding: str | None
    output_shape: Shape
    params: int
    trainable_params: int
    macs: int

    def to_dict(self) -> dict:
        data = asdict(self)
        data["output_shape"] = list(self.output_shape)
        data["inputs"] = list(self.inputs)
        for key in ("kernel", "stride"):
            if data[key] is not None:
                data[key] = list(data[key])
        return data


@dataclass(frozen=True)
class Profile:
    """A network's layer records and totals."""

    name: str
    family: str
    options: Mapping
    input_shape: Shape
    layers: tuple[LayerRecord, ...]

    @property
    def total_params(self) -> int:
        return sum(r.params for r in self.layers)

    @property
    def trainable_params(self) -> int:
        return sum(r.trainable_params for r in self.layers)

    @property
    def macs(self) -> int:
        return sum(r.macs for r in self.layers)

    @property
    def output_shape(self) -> Shape:
        return self.layers[-1].output_shape

    def by(self, key: str) -> dict[str, dict[str, int]]:
        """Params and MACs summed per ``"stage"`` or per ``"kind"``, in first-seen order."""
        groups: dict[str, dict[str, int]] = {}
        for record in self.layers:
            group = groups.setdefault(getattr(record, key), {"params": 0, "macs": 0, "layers": 0})
            group["params"] += record.params
            group["macs"] += record.macs
            group["layers"] += 1
        return groups


def profile(network: Network) -> Profile:
    """Infer every layer's output shape, params and MACs for one image."""
    shapes: dict[str, Shape] = {}
    records = []
    for node in network.nodes:
        in_shapes = [shapes[i] for i in node.inputs]
        try:
            shape, params, trainable, macs = _LAYER_RULES[node.op](node, in_shapes)
        except _ShapeError as exc:
            raise CvlabError(
                f"{network.name}: layer {node.name!r} ({node.op}) cannot take input "
                f"{' and '.join(_fmt(s) for s in in_shapes)}: {exc}"
            ) from None
        shapes[node.name] = shape
        attrs = node.attrs
        records.append(
            LayerRecord(
                name=node.name,
                kind=node.op,
                stage=node.stage,
                inputs=node.inputs,
                kernel=attrs.get("kernel") or attrs.get("pool"),
                stride=attrs.get("stride"),
                padding=attrs.get("padding"),
                output_shape=shape,
                params=params,
                trainable_params=trainable,
                macs=macs,
            )
        )
    return Profile(network.name, network.family, dict(network.options),
                   network.input_shape, tuple(records))


class _ShapeError(Exception):
    pass


def _fmt(shape: Shape) -> str:
    return "×".join(str(d) for d in shape)


def _spatial(shape: Shape) -> tuple[int, int, int]:
    if len(shape) != 3:
        raise _ShapeError("needs an H×W×C feature map; flatten or pool first")
    return shape  # type: ignore[return-value]


def _window(size: int, kernel: int, stride: int, padding: str) -> int:
    """Output length of a sliding window, as TensorFlow computes it."""
    if padding == "same":
        return math.ceil(size / stride)
    out = (size - kernel) // stride + 1
    if size < kernel:
        raise _ShapeError(f"a {kernel}-wide window does not fit in {size} pixels")
    return out


def _out_hw(node: Node, shape: Shape) -> tuple[int, int]:
    h, w, _ = _spatial(shape)
    (kh, kw) = node.attrs.get("kernel") or node.attrs["pool"]
    sh, sw = node.attrs["stride"]
    pad = node.attrs["padding"]
    return _window(h, kh, sh, pad), _window(w, kw, sw, pad)


def _input(node, _):
    return tuple(node.attrs["shape"]), 0, 0, 0


def _conv(node, ins):
    (shape,) = ins
    cin = _spatial(shape)[2]
    ho, wo = _out_hw(node, shape)
    kh, kw = node.attrs["kernel"]
    cout = node.attrs["filters"]
    groups = node.attrs.get("groups", 1)
    if cin % groups or cout % groups:
        raise _ShapeError(f"{groups} groups must divide {cin} input and {cout} output channels")
    params = kh * kw * (cin // groups) * cout + (cout if node.attrs["use_bias"] else 0)
    return (ho, wo, cout), params, params, ho * wo * kh * kw * (cin // groups) * cout


def _dwconv(node, ins):
    (shape,) = ins
    cin = _spatial(shape)[2]
    ho, wo = _out_hw(node, shape)
    kh, kw = node.attrs["kernel"]
    cout = cin * node.attrs["depth_multiplier"]
    params = kh * kw * cout + (cout if node.attrs["use_bias"] else 0)
    return (ho, wo, cout), params, params, ho * wo * kh * kw * cout


def _bn(_node, ins):
    (shape,) = ins
    c = shape[-1]
    return shape, 4 * c, 2 * c, 0


def _same(_node, ins):
    return ins[0], 0, 0, 0


def _pad(node, ins):
    h, w, c = _spatial(ins[0])
    (t, b), (left, right) = node.attrs["pad"]
    return (h + t + b, w + left + right, c), 0, 0, 0


def _pool(node, ins):
    (shape,) = ins
    ho, wo = _out_hw(node, shape)
    return (ho, wo, shape[2]), 0, 0, 0


def _gap(node, ins):
    c = _spatial(ins[0])[2]
    return ((1, 1, c) if node.attrs["keepdims"] else (c,)), 0, 0, 0


def _flatten(_node, ins):
    return (math.prod(ins[0]),), 0, 0, 0


def _dense(node, ins):
    (shape,) = ins
    units = node.attrs["units"]
    fan_in = shape[-1]
    positions = math.prod(shape[:-1])
    params = fan_in * units + (units if node.attrs["use_bias"] else 0)
    return (*shape[:-1], units), params, params, positions * fan_in * units


def _merge_same(_node, ins):
    first = ins[0]
    for other in ins[1:]:
        if other != first and not _broadcasts(other, first):
            raise _ShapeError("inputs must have equal shapes")
    return first, 0, 0, 0


def _broadcasts(small: Shape, big: Shape) -> bool:
    """Squeeze-and-excitation multiplies H×W×C by 1×1×C."""
    return len(small) == len(big) == 3 and small[:2] == (1, 1) and small[2] == big[2]


def _concat(_node, ins):
    spatial = {s[:-1] for s in ins}
    if len(spatial) != 1:
        raise _ShapeError("branches must agree on height and width")
    return (*ins[0][:-1], sum(s[-1] for s in ins)), 0, 0, 0


def _reshape(node, ins):
    target = node.attrs["target"]
    if math.prod(target) != math.prod(ins[0]):
        raise _ShapeError(f"cannot reshape to {_fmt(target)}")
    return target, 0, 0, 0


def _normalize(_node, ins):
    c = ins[0][-1]
    return ins[0], 2 * c + 1, 0, 0


_LAYER_RULES = {
    "input": _input,
    "conv": _conv,
    "dwconv": _dwconv,
    "bn": _bn,
    "act": _same,
    "pad": _pad,
    "maxpool": _pool,
    "avgpool": _pool,
    "gap": _gap,
    "flatten": _flatten,
    "dense": _dense,
    "dropout": _same,
    "add": _merge_same,
    "concat": _concat,
    "multiply": _merge_same,
    "reshape": _reshape,
    "rescale": _same,
    "normalize": _normalize,
}
