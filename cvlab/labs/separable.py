"""Depthwise-separable convolutions and MobileNet's blocks, counted by the profiler.

For an H×W×M input, N output channels and K×K filters, a standard convolution
costs Ho·Wo·M·N·K² MACs; a depthwise K×K (Ho·Wo·M·K²) plus a pointwise 1×1
(Ho·Wo·M·N) costs 1/N + 1/K² of it. Here those numbers come from the
profiler's records; the formula is only set beside them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cvlab.profile import Profile, profile
from cvlab.zoo.graph import GraphBuilder, Network
from cvlab.zoo.mobilenet import inverted_residual, separable_block

#: The course's example: 6×6×3 in, 5 filters of 3×3, valid padding → 4×4×5.
COURSE_EXAMPLE = {"height": 6, "width": 6, "in_channels": 3, "out_channels": 5, "kernel": 3}
#: Batch norm settings of Keras' MobileNetV2.
_BN = {"epsilon": 1e-3, "momentum": 0.999}


@dataclass(frozen=True)
class SeparableCost:
    profile: Profile
    standard: int
    depthwise: int
    pointwise: int
    out_channels: int
    kernel: int

    @property
    def separable(self) -> int:
        return self.depthwise + self.pointwise

    @property
    def ratio(self) -> float:
        """Separable MACs over standard MACs, from the profiler's counts."""
        return self.separable / self.standard

    @property
    def formula(self) -> float:
        """The course's 1/N + 1/K², which :attr:`ratio` equals exactly."""
        return 1 / self.out_channels + 1 / self.kernel**2


def separable_cost(height: int = 6, width: int = 6, in_channels: int = 3, out_channels: int = 5,
                   kernel: int = 3, padding: str = "valid") -> SeparableCost:
    """A standard K×K conv and its depthwise + pointwise replacement on one H×W×M input."""
    g = GraphBuilder("separable", "Custom", (height, width, in_channels))
    with g.stage("standard"):
        g.conv("input", out_channels, kernel, padding=padding, use_bias=False, name="standard")
    with g.stage("separable"):
        x = g.dwconv("input", kernel, padding=padding, name="depthwise")
        g.conv(x, out_channels, 1, use_bias=False, name="pointwise")
    p = profile(g.network(outputs=("standard", "pointwise")))
    macs = {r.name: r.macs for r in p.layers}
    return SeparableCost(p, macs["standard"], macs["depthwise"], macs["pointwise"],
                         out_channels, kernel)


def separable_networks(height: int, width: int, in_channels: int, out_channels: int,
                       kernel: int, padding: str = "valid") -> tuple[Network, Network]:
    """The two sides of :func:`separable_cost` as networks of their own, to time in Keras."""
    standard = GraphBuilder("standard_conv", "Standard conv", (height, width, in_channels))
    standard.conv("input", out_channels, kernel, padding=padding, use_bias=False,
                  name="standard")
    separable = GraphBuilder("separable_conv", "Depthwise-separable",
                             (height, width, in_channels))
    x = separable.dwconv("input", kernel, padding=padding, name="depthwise")
    separable.conv(x, out_channels, 1, use_bias=False, name="pointwise")
    return standard.network(), separable.network()


def v1_block(size: int = 56, in_channels: int = 64, out_channels: int = 128,
             stride: int = 1) -> Profile:
    """MobileNet v1's block (zoo definition): depthwise 3×3 → pointwise 1×1, BN and ReLU6."""
    g = GraphBuilder("v1_block", "MobileNet", (size, size, in_channels))
    with g.stage("v1 block"):
        separable_block(g, "input", out_channels, stride, 1)
    return profile(g.network())


def v2_block(size: int = 56, in_channels: int = 24, out_channels: int = 24, expansion: int = 6,
             stride: int = 1, linear: bool = True) -> Profile:
    """MobileNetV2's inverted residual (zoo definition); the skip exists iff shapes match.

    ``out_channels`` is rounded to a multiple of 8 as the zoo does.
    """
    g = GraphBuilder("v2_block", "MobileNet", (size, size, in_channels))
    with g.stage("v2 block"):
        inverted_residual(g, "input", out_channels, 1.0, stride, expansion,
                          1 if expansion > 1 else 0, padding="keras", bn=_BN, linear=linear)
    return profile(g.network())


def has_skip(p: Profile) -> bool:
    return any(r.kind == "add" for r in p.layers)


def relu_information_loss(dims: tuple[int, ...] = (2, 3, 5, 15, 30), points: int = 2000,
                          seed: int = 0) -> dict[int, float]:
    """Why v2's projection is linear: the share of 2-D points a ReLU destroys.

    Each point x is lifted to ``n`` channels by a random n×2 matrix T and passed
    through ReLU. x can be recovered exactly from ReLU(Tx) when at least two of
    its channels stay positive (two independent equations for two unknowns);
    otherwise the ReLU has erased it. Returns, per ``n``, the share of points lost.
    Without the ReLU (a linear layer) no point is ever lost.
    """
    rng = np.random.default_rng(seed)
    angles = rng.uniform(0, 2 * np.pi, points)
    x = np.stack([np.cos(angles), np.sin(angles)])                 # 2 × points
    lost = {}
    for n in dims:
        active = (rng.standard_normal((n, 2)) @ x > 0).sum(axis=0)
        lost[n] = float(np.mean(active < 2))
    return lost
