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


def kernel_fits(kernel: int, height: int, width: int) -> tuple[int, str | None]:
    """The filter size the lab can use on an H×W input, and why it differs from the one
    asked for (``None`` when it does not): a K×K window must fit inside the input."""
    fitted = min(kernel, height, width)
    if fitted == kernel:
        return kernel, None
    return fitted, (f"A {kernel}×{kernel} filter does not fit a {height}×{width} input, so "
                    f"the lab uses K = {fitted}, the largest that fits.")


def output_size_note(v1: Profile, v2: Profile, stride: int) -> str | None:
    """Why MobileNet v1's and v2's blocks give different output sizes (``None`` when equal).

    Both pad before a stride-2 'valid' 3×3 window, as Keras Applications do, but not alike:
    v1 adds one row and column at the bottom and right only; v2 pads as 'same' would
    (on an odd size, one pixel on every side). On even sizes the two agree."""
    (h1, w1, _), (h2, w2, _) = v1.output_shape, v2.output_shape
    if (h1, w1) == (h2, w2) or stride != 2:
        return None
    h = v1.input_shape[0]
    return (f"On {h} px at stride 2 the two blocks disagree: Keras' MobileNet v1 pads one "
            f"pixel at the bottom and right only ({h + 1} px), where a 3×3 window at stride 2 "
            f"fits {h1} times; MobileNetV2 pads one on every side of an odd size ({h + 2} px), "
            f"which fits {h2}, as 'same' padding would (⌈{h}/2⌉ = {-(-h // 2)}). On even sizes "
            "both halve exactly.")


def latency_verdict(time_ratio: float, mac_ratio: float) -> str:
    """What one measurement says about depthwise-separable speed: the measured time ratio
    (separable / standard) read against the MAC ratio, within a 10% band of agreement."""
    if time_ratio < mac_ratio * 0.9:
        return (f"Here the separable pair ran faster than its MACs promise ({time_ratio:.3f} "
                f"of the standard conv's time, against a MAC ratio of {mac_ratio:.3f}): at "
                "this shape the standard convolution spends more time per multiply-add than "
                "the separable pair does, so it is the one running below this machine's "
                "peak. Depthwise convolutions usually fall short of their MACs; measure "
                "before you rely on either.")
    if time_ratio <= mac_ratio * 1.1:
        return (f"Here the time follows the MACs: {time_ratio:.3f} of the standard conv's "
                f"time, against a MAC ratio of {mac_ratio:.3f}.")
    return (f"Here the saving is smaller than the MACs promise: {time_ratio:.3f} of the "
            f"standard conv's time, {time_ratio / mac_ratio:.1f}× the MAC ratio of "
            f"{mac_ratio:.3f}. A depthwise convolution does little arithmetic per byte it "
            "reads, so memory rather than arithmetic sets its speed; on tiny inputs fixed "
            "per-layer overheads dominate both.")
