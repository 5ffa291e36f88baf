"""What a Keras block computes, independent of how it is spelled: its steps along each path.

:func:`steps` walks a functional graph from an output tensor back to the input and returns
the computation in forward order. Each :class:`Step` is one kind of operation (``conv``,
``depthwise``, ``batch norm``, ``relu``, ``relu6``, ``add``, ``concat``, ``max pool``, …);
a merge (``add``, ``concat``) holds its branches, each from the tensor where the paths fork
to the merge. So ``layers.Add()`` and ``keras.layers.add`` and ``x + y``, or ``ReLU()``
and ``Activation("relu")``, give the same steps; a convolution with ``activation="relu"``
is two steps; a zero padding right before a ``"valid"`` convolution belongs to it; the
branches of an addition are put in a canonical order (addition commutes), those of a
concatenation keep theirs. Runs in the check process (it reads Keras objects).
"""

from __future__ import annotations

from dataclasses import dataclass, field

MERGES = {"Add": "add", "Concatenate": "concat"}
ARITHMETIC = {"TrueDivide", "Divide", "Subtract", "Multiply", "Add", "Rescaling"}
ACTIVATIONS = {"Relu": "relu", "Relu6": "relu6", "Softmax": "softmax", "Sigmoid": "sigmoid"}
SIMPLE = {"BatchNormalization": "batch norm", "GlobalAveragePooling2D": "global average pool",
          "Flatten": "flatten", "Dropout": "dropout", "Dense": "dense"}


@dataclass
class Step:
    """One operation: ``kind``, its settings in ``detail`` (kernel, stride, filters, …),
    the Keras ``layer`` that holds its weights (``None`` for a fused activation) and, for
    a merge, its ``branches``."""

    kind: str
    detail: dict = field(default_factory=dict)
    layer: object = None
    branches: list[list[Step]] = field(default_factory=list)

    @property
    def label(self) -> str:
        kernel = self.detail.get("kernel")
        return f"{self.kind} {kernel[0]}×{kernel[1]}" if kernel else self.kind


def signature(seq: list[Step]) -> str:
    """The steps as one string, branches in brackets: equal strings, equal structure."""
    parts = []
    for s in seq:
        if s.branches:
            parts.append(s.label + "(" + " | ".join(signature(b) for b in s.branches) + ")")
        else:
            parts.append(s.label)
    return " → ".join(parts)


def steps(output, stop=None) -> list[Step]:
    """The steps from the model's input (or the tensor ``stop``) to ``output``."""
    return _Walker().walk(output, stop)


def weighted(seq: list[Step]) -> list[Step]:
    """Steps whose layer holds weights, in the canonical order (branches depth first)."""
    found = []
    for s in seq:
        for b in s.branches:
            found += weighted(b)
        if getattr(s.layer, "weights", None):
            found.append(s)
    return found


def paths(seq: list[Step]) -> dict[str, list[Step]]:
    """Named paths: ``"main path"`` (each addition's longest branch spliced in), and each
    other branch: ``"shortcut"`` (numbered when a block has more), or ``"branch k"`` of a
    concatenation."""
    found: dict[str, list[Step]] = {}
    main: list[Step] = []
    shortcuts = 0
    for s in seq:
        if s.kind == "add" and s.branches:
            order = sorted(range(len(s.branches)), key=lambda i: -_length(s.branches[i]))
            inner = paths(s.branches[order[0]])
            main += inner.pop("main path")
            found.update(inner)
            for i in order[1:]:
                shortcuts += 1
                found[f"shortcut {shortcuts}"] = s.branches[i]
        elif s.kind == "concat" and s.branches:
            for k, branch in enumerate(s.branches, 1):
                found[f"branch {k}"] = branch
        main.append(s)
    if shortcuts == 1:
        found["shortcut"] = found.pop("shortcut 1")
    return {"main path": main, **found}


def _length(seq: list[Step]) -> int:
    return sum(1 + sum(_length(b) for b in s.branches) for s in seq)


class _Walker:
    def __init__(self):
        self._ancestors: dict[int, set[int]] = {}
        self._depth: dict[int, int] = {}
        self._tensors: dict[int, object] = {}

    def walk(self, end, stop) -> list[Step]:
        backwards: list[Step] = []
        current = end
        while stop is None or current is not stop:
            op, inputs = _producer(current)
            if op is None or not inputs:
                break
            if len(inputs) == 1 or type(op).__name__ not in MERGES:
                backwards += reversed(_own_steps(op, len(inputs)))
                current = inputs[0]
                continue
            fork = self._fork(inputs)
            branches = [self.walk(t, fork) for t in inputs]
            if MERGES[type(op).__name__] == "add":
                branches.sort(key=signature)
            backwards.append(Step(MERGES[type(op).__name__], {}, op, branches))
            if fork is None:
                break
            current = fork
        return _fold_padding(backwards[::-1])

    def _fork(self, tensors):
        """The nearest tensor every one of ``tensors`` descends from."""
        common = set.intersection(*(self._ancestry(t) for t in tensors))
        best = None
        for t in self._tensors.values():
            if id(t) in common and (best is None or self._depth[id(t)] > self._depth[id(best)]):
                best = t
        return best

    def _ancestry(self, tensor) -> set[int]:
        key = id(tensor)
        if key not in self._ancestors:
            self._tensors[key] = tensor
            op, inputs = _producer(tensor)
            found = {key}
            depth = 0
            for t in inputs if op is not None else ():
                found |= self._ancestry(t)
                depth = max(depth, self._depth[id(t)] + 1)
            self._ancestors[key], self._depth[key] = found, depth
        return self._ancestors[key]


def _producer(tensor):
    history = getattr(tensor, "_keras_history", None)
    if history is None:
        return None, []
    op = history.operation
    if type(op).__name__ == "InputLayer":
        return None, []
    node = op._inbound_nodes[history.node_index]
    return op, list(node.input_tensors)


def _own_steps(op, n_inputs: int) -> list[Step]:
    name = type(op).__name__
    config = op.get_config() if hasattr(op, "get_config") else {}
    if name in ("Conv2D", "DepthwiseConv2D", "SeparableConv2D"):
        kind = {"Conv2D": "conv", "DepthwiseConv2D": "depthwise",
                "SeparableConv2D": "separable conv"}[name]
        detail = {"kernel": tuple(config["kernel_size"]), "stride": tuple(config["strides"]),
                  "padding": config["padding"], "use_bias": config["use_bias"],
                  "filters": config.get("filters")}
        return [Step(kind, detail, op), *_activation(config.get("activation"))]
    if name == "Dense":
        return [Step("dense", {"units": config["units"], "use_bias": config["use_bias"]}, op),
                *_activation(config.get("activation"))]
    if name == "BatchNormalization":
        axis = config["axis"]
        axis = axis[0] if isinstance(axis, list | tuple) and len(axis) == 1 else axis
        return [Step("batch norm", {"axis": 3 if axis == -1 else axis,
                                    "epsilon": config["epsilon"]}, op)]
    if name in ("Activation", "ReLU"):
        return _activation(config.get("activation", "relu") if name == "Activation"
                           else ("relu6" if config.get("max_value") == 6 else "relu"), op)
    if name in ACTIVATIONS:
        return [Step(ACTIVATIONS[name], {}, op)]
    if name in ("MaxPooling2D", "AveragePooling2D"):
        kind = "max pool" if name == "MaxPooling2D" else "average pool"
        return [Step(kind, {"kernel": tuple(config["pool_size"]),
                            "stride": tuple(config["strides"]), "padding": config["padding"]},
                     op)]
    if name == "ZeroPadding2D":
        return [Step("zero padding", {"padding": config["padding"]}, op)]
    if name == "Dropout":
        return [Step("dropout", {"rate": config["rate"]}, op)]
    if name in ARITHMETIC and n_inputs == 1:
        return [Step("rescale", {}, op)]
    if name in SIMPLE:
        return [Step(SIMPLE[name], {}, op)]
    if name == "Sequential" or (hasattr(op, "layers") and any(
            type(layer).__name__.startswith("Random") for layer in op.layers)):
        return [Step("augmentation", {}, op)]
    if hasattr(op, "layers"):
        return [Step("base network", {}, op)]
    return [Step(name.lower(), {}, op)]


def _activation(activation, layer=None) -> list[Step]:
    if activation is None or activation == "linear":
        return []
    if not isinstance(activation, str):
        activation = getattr(activation, "__name__", str(activation))
    return [Step(activation, {}, layer)]


def _fold_padding(seq: list[Step]) -> list[Step]:
    """A zero padding right before a "valid" convolution or pool is part of it; runs of
    scalar arithmetic (``x / 127.5 - 1``) are one rescaling."""
    out: list[Step] = []
    for s in seq:
        if out and out[-1].kind == "zero padding" and s.detail.get("padding") == "valid":
            pad = out.pop()
            s.detail = {**s.detail, "padding": "padded", "pad": pad.detail["padding"]}
        if out and out[-1].kind == "rescale" and s.kind == "rescale":
            continue
        out.append(s)
    return out
