"""A tiny language for your own layer graph, one layer per line.

    input HxWxC
    [NAME:] conv F KxK [sN] [same|valid] [from LAYER]
    [NAME:] dwconv KxK [sN] [same|valid] [from LAYER]
    [NAME:] maxpool KxK [sN] [same|valid] [from LAYER]     (avgpool alike)
    [NAME:] flatten | gap | bn | relu | relu6 | dense N    [from LAYER]
    [NAME:] add LAYER LAYER [LAYER …]
    [NAME:] concat LAYER LAYER [LAYER …]

A layer reads the line above it, or the layer named after ``from`` (a branch);
``add`` sums equal shapes and ``concat`` stacks channels. The input is called
``input``; unnamed layers are called after their kind (``conv1``, ``conv2``, …).
Padding defaults to valid and stride to 1, for pooling too (so write
``maxpool 2x2 s2`` to halve the size). ``#`` starts a comment. Convolution and
dense layers carry a bias.

Each branch is a stage of its own: a new stage starts at every ``from`` and every
``add``/``concat``, so the profile's per-stage totals are the cost of each branch. A
stage is called after the last layer you named in it, else after its first layer.
When you name no layer before the first branch, those layers are grouped by the
H×W they read (``32×32``, ``16×16``…, then ``head``), so a plain stack shows where
its cost goes by resolution. The result is an ordinary :class:`~cvlab.zoo.graph.Network`, so it
profiles and builds like any zoo entry.
"""

from __future__ import annotations

import re
from dataclasses import replace

from cvlab.errors import CvlabError
from cvlab.zoo.graph import GraphBuilder, Network

_SIZE = re.compile(r"^(\d+)x(\d+)$", re.IGNORECASE)
_SHAPE = re.compile(r"^(\d+)x(\d+)x(\d+)$", re.IGNORECASE)
_STRIDE = re.compile(r"^s(\d+)$", re.IGNORECASE)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_EXPECTED = {
    "input": "input HxWxC",
    "conv": "conv F KxK [sN] [same|valid]",
    "dwconv": "dwconv KxK [sN] [same|valid]",
    "maxpool": "maxpool KxK [sN] [same|valid]",
    "avgpool": "avgpool KxK [sN] [same|valid]",
    "flatten": "flatten",
    "gap": "gap",
    "bn": "bn",
    "relu": "relu",
    "relu6": "relu6",
    "dense": "dense N",
    "add": "add LAYER LAYER [LAYER …]",
    "concat": "concat LAYER LAYER [LAYER …]",
}
_MERGES = ("add", "concat")


class StackSyntaxError(CvlabError):
    """A line of a custom stack that does not parse; the message names the line."""


def parse_stack(text: str, name: str = "custom") -> Network:
    """Parse the layer language into a network; the first layer must be ``input``."""
    lines = [(n, raw.split("#", 1)[0].strip()) for n, raw in enumerate(text.splitlines(), 1)]
    lines = [(n, line) for n, line in lines if line]
    if not lines:
        raise StackSyntaxError("The stack is empty: start with a line like 'input 32x32x3'.")
    first_no, first = lines[0]
    words = first.split()
    if words[0].lower() != "input" or len(words) != 2 or not _SHAPE.match(words[1]):
        raise StackSyntaxError(f"line {first_no}: expected '{_EXPECTED['input']}' first. "
                               f"Received: {first!r}")
    h, w, c = (int(v) for v in _SHAPE.match(words[1]).groups())
    g = GraphBuilder(name, "Custom", (h, w, c))
    defined = {g.last: first_no}
    counts: dict[str, int] = {}
    stage = "main"
    label: dict[str, str] = {}                   # stage → its last user-named layer
    by_size: dict[str, str] = {}                 # trunk layer → the H×W it reads
    for line_no, line in lines[1:]:
        layer_name, op, args = _split(line_no, line, defined)
        named = layer_name is not None
        source, args = _source(line_no, line, op, args, defined)
        if layer_name is None:
            layer_name = _auto_name(op, counts, defined)
        if source is not None or op in _MERGES:
            stage = layer_name
        if stage == "main":
            by_size[layer_name] = _resolution_stage(g, op, source or g.last)
        if named:
            label[stage] = layer_name
        with g.stage(stage):
            try:
                _add(g, op, args, source or g.last, layer_name)
            except _BadArgs:
                raise StackSyntaxError(f"line {line_no}: expected '{_EXPECTED[op]}'. "
                                       f"Received: {line!r}") from None
            except CvlabError as exc:          # a layer that does not fit its input's shape
                raise StackSyntaxError(f"line {line_no}: {_reason(exc)}. Received: {line!r}") \
                    from None
        defined[layer_name] = line_no
    network = g.network()

    def final(stage: str, name: str) -> str:
        if stage == "main" and "main" not in label:  # an unnamed trunk: by resolution
            return by_size[name]
        return label.get(stage, stage)

    nodes = tuple(replace(n, stage=final(n.stage, n.name)) for n in network.nodes)
    return replace(network, nodes=nodes)


class _BadArgs(Exception):
    pass


def _resolution_stage(g: GraphBuilder, op: str, x: str) -> str:
    """A trunk layer's stage: the H×W it reads (pooling closes its stage), or ``head``
    once the feature map is flattened or pooled away."""
    shape = g.shape(x)
    if op in ("flatten", "gap", "dense") or len(shape) != 3:
        return "head"
    return f"{shape[0]}×{shape[1]}"


def _split(line_no: int, line: str, defined: dict[str, int]) -> tuple[str | None, str, list]:
    """``[NAME:] op args`` → (name or None, op, args), with the name and op checked."""
    layer_name = None
    if ":" in line:
        layer_name, line = (part.strip() for part in line.split(":", 1))
        if not _NAME.match(layer_name):
            raise StackSyntaxError(f"line {line_no}: a layer name is letters, digits and _, "
                                   f"not starting with a digit. Received: {layer_name!r}")
        if layer_name in defined:
            raise StackSyntaxError(f"line {line_no}: the name {layer_name!r} is already used "
                                   f"on line {defined[layer_name]}; names must be unique")
        if not line:
            raise StackSyntaxError(f"line {line_no}: expected a layer after "
                                   f"'{layer_name}:'. Received: nothing")
    op, *args = line.split()
    op = op.lower()
    if op not in _EXPECTED or op == "input":
        allowed = ", ".join(k for k in _EXPECTED if k != "input")
        raise StackSyntaxError(f"line {line_no}: unknown layer {op!r}; allowed: {allowed}. "
                               f"Received: {line!r}")
    return layer_name, op, args


def _source(line_no: int, line: str, op: str, args: list[str],
            defined: dict[str, int]) -> tuple[str | None, list[str]]:
    """Strip a trailing ``from LAYER``; returns (that layer or None, the other args)."""
    if op in _MERGES:
        if "from" in (a.lower() for a in args):
            raise StackSyntaxError(f"line {line_no}: {op} names its inputs directly, without "
                                   f"'from': expected '{_EXPECTED[op]}'. Received: {line!r}")
        missing = next((a for a in args if a not in defined), None)
        if missing is not None:
            raise StackSyntaxError(f"line {line_no}: {op} reads {missing!r}, which names no "
                                   f"earlier layer; defined so far: {', '.join(defined)}. "
                                   f"Received: {line!r}")
        return None, args
    if "from" not in (a.lower() for a in args):
        return None, args
    if len(args) < 2 or args[-2].lower() != "from":
        raise StackSyntaxError(f"line {line_no}: expected 'from LAYER' at the end of the line. "
                               f"Received: {line!r}")
    source = args[-1]
    if source not in defined:
        raise StackSyntaxError(f"line {line_no}: 'from {source}' names no earlier layer; "
                               f"defined so far: {', '.join(defined)}. Received: {line!r}")
    return source, args[:-2]


def _auto_name(op: str, counts: dict[str, int], defined: dict[str, int]) -> str:
    while True:
        counts[op] = counts.get(op, 0) + 1
        if f"{op}{counts[op]}" not in defined:
            return f"{op}{counts[op]}"


def _reason(exc: CvlabError) -> str:
    """The profiler's message without its network prefix ('custom: layer … ')."""
    return str(exc).split(": ", 1)[-1]


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise _BadArgs
    return int(text)


def _window_args(args: list[str]) -> tuple[tuple[int, int], int | None, str]:
    """KxK [sN] [same|valid] → (kernel, stride or None, padding)."""
    if not args or not _SIZE.match(args[0]):
        raise _BadArgs
    kernel = tuple(_positive(v) for v in _SIZE.match(args[0]).groups())
    stride, padding = None, "valid"
    for arg in args[1:]:
        if _STRIDE.match(arg) and stride is None:
            stride = _positive(_STRIDE.match(arg).group(1))
        elif arg.lower() in ("same", "valid") and padding == "valid" and arg == args[-1]:
            padding = arg.lower()
        else:
            raise _BadArgs
    return kernel, stride, padding


def _add(g: GraphBuilder, op: str, args: list[str], x: str, name: str) -> None:
    if op in _MERGES:
        if len(args) < 2:
            raise _BadArgs
        (g.add if op == "add" else g.concat)(args, name=name)
    elif op in ("flatten", "gap", "bn", "relu", "relu6"):
        if args:
            raise _BadArgs
        if op in ("relu", "relu6"):
            g.act(x, op, name=name)
        else:
            {"flatten": g.flatten, "gap": g.gap, "bn": g.bn}[op](x, name=name)
    elif op == "dense":
        if len(args) != 1:
            raise _BadArgs
        g.dense(x, _positive(args[0]), name=name)
    elif op == "conv":
        if not args:
            raise _BadArgs
        filters = _positive(args[0])
        kernel, stride, padding = _window_args(args[1:])
        g.conv(x, filters, kernel, stride or 1, padding, name=name)
    elif op == "dwconv":
        kernel, stride, padding = _window_args(args)
        g.dwconv(x, kernel, stride or 1, padding, use_bias=True, name=name)
    else:
        kernel, stride, padding = _window_args(args)
        pool = g.maxpool if op == "maxpool" else g.avgpool
        pool(x, kernel, stride or 1, padding, name=name)
