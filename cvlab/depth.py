"""Depth as the course counts it: weight layers along the longest path from input to output.

Convolutions, depthwise convolutions and dense layers count one each; pooling,
batch norm, activations, additions and the like count zero. So VGG-16 is 16
deep, ResNet-152 152, GoogLeNet 22 and LeNet-5 5, while their graphs hold many
more nodes (VGG-16: 23; ResNet-152: 517).
"""

from __future__ import annotations

from cvlab.profile import Profile

WEIGHT_LAYERS = ("conv", "dwconv", "dense")


def weight_depth(p: Profile) -> int:
    """The most weight layers on any path through ``p``'s graph."""
    depth: dict[str, int] = {}
    for r in p.layers:                                   # records are in topological order
        before = max((depth[i] for i in r.inputs), default=0)
        depth[r.name] = before + (r.kind in WEIGHT_LAYERS)
    return max(depth.values())
