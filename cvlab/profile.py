"""Analytic profiler: one record per layer, with no TensorFlow import.

Conventions, the same in the CLI and the app:

* **MACs** are multiply-accumulates *per image* of convolution, depthwise
  convolution, separable convolution (its depthwise and pointwise parts) and dense
  layers, bias excluded: one per kernel tap and output value, so a dilated kernel costs
  what an undilated one does per output (dilation changes shapes, not MACs per output).
  Pooling, batch norm, activations, additions, resizing and the like count zero.
  (FLOPs ≈ 2 × MACs.) An ``uncounted`` node (a layer of a model file that the converter
  does not know) holds Keras' own parameter count and no MACs: its MACs are not counted.
* **Params** are counted as Keras counts them: batch norm holds four numbers
  per channel (three without its shift or scale), of which the moving mean and
  variance are non-trainable, a ``Normalization`` layer holds its mean, variance and
  sample count, and layer norm its shift and scale per channel.
* Shapes are per image and channels-last: (H, W, C), or (N,) after flattening.

Shapes come from the graph itself (each :class:`~cvlab.zoo.graph.Node` holds its
output shape); this module adds what each layer costs. It computes records and
their plain JSON form (:meth:`LayerRecord.to_dict`); :mod:`cvlab.report` lays
them out as tables and the CLI's JSON object.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from cvlab.zoo.graph import Network, Node, Shape

WEIGHT_LAYERS = ("conv", "dwconv", "sepconv", "dense")


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

    @property
    def depth(self) -> int:
        """Depth as the course counts it: the most weight layers (convolutions, depthwise
        convolutions, dense layers; not pooling, batch norm, activations or additions) on
        any path from input to output. VGG-16 is 16 deep, ResNet-152 152, GoogLeNet 22 and
        LeNet-5 5, while their graphs hold many more nodes (VGG-16: 23; ResNet-152: 517).
        A separable convolution counts two (its depthwise and pointwise convolutions, as
        MobileNet's separate layers do)."""
        depth: dict[str, int] = {}
        for r in self.layers:                            # records are in topological order
            before = max((depth[i] for i in r.inputs), default=0)
            depth[r.name] = before + (r.kind in WEIGHT_LAYERS) + (r.kind == "sepconv")
        return max(depth.values())

    def by(self, key: str) -> dict[str, dict[str, int]]:
        """Params and MACs summed per ``"stage"`` or per ``"kind"``, in first-seen order."""
        groups: dict[str, dict[str, int]] = {}
        for record in self.layers:
            group = groups.setdefault(getattr(record, key), {"params": 0, "macs": 0, "layers": 0})
            group["params"] += record.params
            group["macs"] += record.macs
            group["layers"] += 1
        return groups


@dataclass(frozen=True)
class ProfileSpec:
    """A profile job: the zoo network ``network`` with its width ``alpha`` and input
    ``resolution`` (``None``: the network's own)."""

    network: str
    alpha: float | None = None
    resolution: int | None = None


def profile(network: Network) -> Profile:
    """Every layer's output shape, params and MACs for one image."""
    shapes = {node.name: node.output_shape for node in network.nodes}
    records = []
    for node in network.nodes:
        params, trainable, macs = cost(node, [shapes[i] for i in node.inputs])
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
                output_shape=node.output_shape,
                params=params,
                trainable_params=trainable,
                macs=macs,
            )
        )
    return Profile(network.name, network.family, dict(network.options),
                   network.input_shape, tuple(records))


def cost(node: Node, input_shapes: list[Shape]) -> tuple[int, int, int]:
    """``(params, trainable params, MACs per image)`` of ``node`` reading ``input_shapes``."""
    return _COST_RULES.get(node.op, _free)(node, input_shapes)


# Cost rules: (params, trainable params, MACs) of a node given its input shapes.
# Operations missing from the table hold no weights and do no multiply-accumulates.

def _free(_node: Node, _ins: list[Shape]) -> tuple[int, int, int]:
    return 0, 0, 0


def _conv(node: Node, ins: list[Shape]) -> tuple[int, int, int]:
    cin = ins[0][-1] // node.attrs["groups"]          # each filter sees its group's channels
    ho, wo, cout = node.output_shape
    kh, kw = node.attrs["kernel"]
    params = kh * kw * cin * cout + (cout if node.attrs["use_bias"] else 0)
    return params, params, ho * wo * kh * kw * cin * cout


def _dwconv(node: Node, _ins: list[Shape]) -> tuple[int, int, int]:
    ho, wo, cout = node.output_shape
    kh, kw = node.attrs["kernel"]
    params = kh * kw * cout + (cout if node.attrs["use_bias"] else 0)
    return params, params, ho * wo * kh * kw * cout


def _sepconv(node: Node, ins: list[Shape]) -> tuple[int, int, int]:
    """A depthwise convolution (``depth_multiplier`` filters per input channel) then a
    1×1 pointwise one, both at the output resolution."""
    cin, a = ins[0][-1], node.attrs
    ho, wo, cout = node.output_shape
    kh, kw = a["kernel"]
    mid = cin * a["depth_multiplier"]
    params = kh * kw * mid + mid * cout + (cout if a["use_bias"] else 0)
    return params, params, ho * wo * (kh * kw * mid + mid * cout)


def _layernorm(node: Node, ins: list[Shape]) -> tuple[int, int, int]:
    """A shift (``center``) and a scale per channel, both trainable."""
    params = ins[0][-1] * (node.attrs["center"] + node.attrs["scale"])
    return params, params, 0


def _uncounted(node: Node, _ins: list[Shape]) -> tuple[int, int, int]:
    return node.attrs["params"], node.attrs["trainable_params"], 0


def _bn(node: Node, ins: list[Shape]) -> tuple[int, int, int]:
    """Moving mean and variance (non-trainable), and a learnt shift and scale unless
    ``center``/``scale`` is off."""
    c, a = ins[0][-1], node.attrs
    learnt = c * (a.get("center", True) + a.get("scale", True))
    return 2 * c + learnt, learnt, 0


def _dense(node: Node, ins: list[Shape]) -> tuple[int, int, int]:
    (shape,) = ins
    units = node.attrs["units"]
    fan_in = shape[-1]
    params = fan_in * units + (units if node.attrs["use_bias"] else 0)
    return params, params, math.prod(shape[:-1]) * fan_in * units


def _normalize(_node: Node, ins: list[Shape]) -> tuple[int, int, int]:
    return 2 * ins[0][-1] + 1, 0, 0


_COST_RULES = {
    "conv": _conv,
    "dwconv": _dwconv,
    "sepconv": _sepconv,
    "bn": _bn,
    "dense": _dense,
    "normalize": _normalize,
    "layernorm": _layernorm,
    "uncounted": _uncounted,
}
