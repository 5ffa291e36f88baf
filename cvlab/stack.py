"""A tiny language for custom layer stacks, one layer per line.

    input HxWxC
    conv F KxK [sN] [same|valid]
    dwconv KxK [sN] [same|valid]
    maxpool KxK [sN] [same|valid]     avgpool KxK [sN] [same|valid]
    flatten | gap | dense N

Padding defaults to valid and stride to 1, for pooling too (so write
``maxpool 2x2 s2`` to halve the size). ``#`` starts a comment. Convolution and
dense layers carry a bias. The result is an ordinary
:class:`~cvlab.zoo.graph.Network`, so it profiles and builds like any zoo entry.
"""

from __future__ import annotations

import re

from cvlab.errors import CvlabError
from cvlab.zoo.graph import GraphBuilder, Network

_SIZE = re.compile(r"^(\d+)x(\d+)$", re.IGNORECASE)
_SHAPE = re.compile(r"^(\d+)x(\d+)x(\d+)$", re.IGNORECASE)
_STRIDE = re.compile(r"^s(\d+)$", re.IGNORECASE)
_EXPECTED = {
    "input": "input HxWxC",
    "conv": "conv F KxK [sN] [same|valid]",
    "dwconv": "dwconv KxK [sN] [same|valid]",
    "maxpool": "maxpool KxK [sN] [same|valid]",
    "avgpool": "avgpool KxK [sN] [same|valid]",
    "flatten": "flatten",
    "gap": "gap",
    "dense": "dense N",
}


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
    counts: dict[str, int] = {}
    for line_no, line in lines[1:]:
        op, *args = line.split()
        op = op.lower()
        if op not in _EXPECTED or op == "input":
            allowed = ", ".join(k for k in _EXPECTED if k != "input")
            raise StackSyntaxError(f"line {line_no}: unknown layer {op!r}; allowed: {allowed}. "
                                   f"Received: {line!r}")
        counts[op] = counts.get(op, 0) + 1
        layer_name = f"{op}{counts[op]}"
        try:
            _add(g, op, args, layer_name)
        except _BadArgs:
            raise StackSyntaxError(f"line {line_no}: expected '{_EXPECTED[op]}'. "
                                   f"Received: {line!r}") from None
        except CvlabError as exc:  # a layer that does not fit its input's shape
            raise CvlabError(f"line {line_no}: {exc}") from None
    return g.network()


class _BadArgs(Exception):
    pass


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


def _add(g: GraphBuilder, op: str, args: list[str], name: str) -> None:
    x = g.last
    if op in ("flatten", "gap"):
        if args:
            raise _BadArgs
        (g.flatten if op == "flatten" else g.gap)(x, name=name)
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
