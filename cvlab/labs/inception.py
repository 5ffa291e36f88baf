"""1×1 convolutions and the Inception module: what a 1×1 does and what it saves.

MACs per image, bias excluded, as :mod:`cvlab.profile` counts them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cvlab.profile import Profile, profile
from cvlab.zoo.googlenet import MODULES, inception_module
from cvlab.zoo.graph import GraphBuilder

#: The course's example: a 28×28×192 volume, 32 output channels, 5×5 filters, 16-channel squeeze.
BRANCH_DEFAULTS = {"size": 28, "channels": 192, "filters": 32, "kernel": 5, "reduce": 16}
#: GoogLeNet's module 3a: (1×1, 3×3 reduce, 3×3, 5×5 reduce, 5×5, pool projection).
MODULE_DEFAULTS = MODULES["3a"]


def conv2d(volume: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """A 'valid', stride-1 convolution: ``volume`` H×W×C, ``kernel`` K×K×C×F → (H-K+1)×(W-K+1)×F.

    Written as a sum over the kernel's offsets, so it works for any K, 1×1 included.
    """
    kh, kw, _, filters = kernel.shape
    ho, wo = volume.shape[0] - kh + 1, volume.shape[1] - kw + 1
    out = np.broadcast_to(bias, (ho, wo, filters)).astype(np.float64)
    for i in range(kh):
        for j in range(kw):
            out = out + volume[i:i + ho, j:j + wo, :] @ kernel[i, j]
    return out


@dataclass(frozen=True)
class PointwiseDemo:
    """A 1×1 convolution and a dense layer applied at every position, on the same numbers."""

    volume: np.ndarray        # H×W×C input
    weights: np.ndarray       # C×F, shared by both
    bias: np.ndarray          # F
    conv: np.ndarray          # H×W×F from conv2d with a 1×1 kernel
    dense: np.ndarray         # H×W×F from one dense layer per position
    conv_macs: int
    dense_macs: int

    @property
    def max_difference(self) -> float:
        return float(np.max(np.abs(self.conv - self.dense)))


def pointwise_demo(size: int = 4, channels: int = 6, filters: int = 3,
                   seed: int = 0) -> PointwiseDemo:
    """Compute a 1×1 convolution and a per-position dense layer on a random volume."""
    rng = np.random.default_rng(seed)
    volume = rng.integers(-3, 4, (size, size, channels)).astype(np.float64)
    weights = rng.integers(-2, 3, (channels, filters)).astype(np.float64)
    bias = rng.integers(-1, 2, filters).astype(np.float64)
    conv = conv2d(volume, weights[None, None], bias)
    dense = np.array([[volume[i, j] @ weights + bias for j in range(size)] for i in range(size)])
    g = GraphBuilder("pointwise", "Custom", (size, size, channels))
    g.conv("input", filters, 1, name="conv_1x1")
    g.dense("input", filters, name="dense_per_position")
    macs = {r.name: r.macs for r in profile(g.network()).layers}
    return PointwiseDemo(volume, weights, bias, conv, dense, macs["conv_1x1"],
                         macs["dense_per_position"])


def shrink_profile(size: int, channels: int, filters: int, pool: int = 2) -> Profile:
    """A 1×1 conv to ``filters`` channels beside a ``pool``×``pool`` max pool, on one volume."""
    g = GraphBuilder("shrink", "Custom", (size, size, channels))
    with g.stage("1×1 conv"):
        g.conv("input", filters, 1, name="conv_1x1")
    with g.stage("max pool"):
        g.maxpool("input", pool, pool, name="maxpool")
    return profile(g.network(outputs=("conv_1x1", "maxpool")))


@dataclass(frozen=True)
class BranchCost:
    """The k×k branch computed directly and through a 1×1 bottleneck."""

    profile: Profile
    direct_macs: int
    reduce_macs: int
    conv_macs: int
    direct_params: int
    bottleneck_params: int

    @property
    def bottleneck_macs(self) -> int:
        return self.reduce_macs + self.conv_macs

    @property
    def ratio(self) -> float:
        """How many times cheaper the bottleneck is."""
        return self.direct_macs / self.bottleneck_macs


def branch_cost(size: int = 28, channels: int = 192, filters: int = 32, kernel: int = 5,
                reduce: int = 16) -> BranchCost:
    """``size``×``size``×``channels`` → ``filters`` channels with ``kernel``×``kernel`` 'same'
    filters: directly, and after a 1×1 conv down to ``reduce`` channels."""
    g = GraphBuilder("branch", "Custom", (size, size, channels))
    with g.stage("direct"):
        g.conv("input", filters, kernel, name="direct")
    with g.stage("bottleneck"):
        squeezed = g.conv("input", reduce, 1, name="reduce_1x1")
        g.conv(squeezed, filters, kernel, name="conv_after_reduce")
    p = profile(g.network(outputs=("direct", "conv_after_reduce")))
    rec = {r.name: r for r in p.layers}
    return BranchCost(p, rec["direct"].macs, rec["reduce_1x1"].macs,
                      rec["conv_after_reduce"].macs, rec["direct"].params,
                      rec["reduce_1x1"].params + rec["conv_after_reduce"].params)


#: Branch of each layer of :func:`~cvlab.zoo.googlenet.inception_module`, by name suffix.
_BRANCHES = (("_1x1", "1×1"), ("_3x3_reduce", "3×3"), ("_3x3", "3×3"),
             ("_5x5_reduce", "5×5"), ("_5x5", "5×5"), ("_pool", "pool"), ("_pool_proj", "pool"))


@dataclass(frozen=True)
class ModuleBranch:
    name: str
    channels: int
    params: int
    macs: int


def inception_costs(size: int = 28, channels: int = 192, widths: tuple[int, ...] = MODULE_DEFAULTS
                    ) -> tuple[Profile, list[ModuleBranch]]:
    """GoogLeNet's own Inception module on a ``size``×``size``×``channels`` input.

    ``widths`` = (1×1, 3×3 reduce, 3×3, 5×5 reduce, 5×5, pool projection); returns the
    profile and, per branch, its output channels, params and MACs.
    """
    g = GraphBuilder("inception_module", "Inception", (size, size, channels))
    inception_module(g, "input", tuple(widths), name="m")
    p = profile(g.network())
    branches: dict[str, ModuleBranch] = {}
    for r in p.layers:
        branch = next((b for suffix, b in _BRANCHES if r.name == f"m{suffix}"), None)
        if branch is None:
            continue
        old = branches.get(branch, ModuleBranch(branch, 0, 0, 0))
        branches[branch] = ModuleBranch(branch, r.output_shape[-1], old.params + r.params,
                                        old.macs + r.macs)
    return p, list(branches.values())
