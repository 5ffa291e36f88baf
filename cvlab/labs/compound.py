"""EfficientNet's compound scaling, with every network built from B0 by the zoo and profiled.

MACs per image, bias excluded; the EfficientNet paper's "FLOPs" are these
multiply-adds (B0: 0.39 B), so its ratios and ours agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from cvlab import zoo
from cvlab.profile import Profile, profile
from cvlab.zoo.efficientnet import B0_STAGES, VARIANTS, scaled_efficientnet
from cvlab.zoo.scaling import compound_coefficients, round_repeats

ALPHA, BETA, GAMMA = 1.2, 1.1, 1.15
BASE_RESOLUTION = 224


@dataclass(frozen=True)
class Multipliers:
    """Depth α^φ, width β^φ, resolution γ^φ, and the compute growth they predict."""

    phi: float
    depth: float
    width: float
    resolution: float

    @property
    def predicted_growth(self) -> float:
        """d·w²·r²: compute grows linearly with depth and with the square of width and size."""
        return self.depth * self.width**2 * self.resolution**2

    @property
    def two_to_phi(self) -> float:
        return 2.0**self.phi


def multipliers(phi: float) -> Multipliers:
    return Multipliers(phi, *compound_coefficients(phi, ALPHA, BETA, GAMMA))


@dataclass(frozen=True)
class Scaled:
    """One network grown from B0: its coefficients, size and the profiler's totals."""

    label: str
    depth: float
    width: float
    resolution: int
    blocks: int
    params: int
    macs: int


def _scaled(label: str, depth: float, width: float, resolution: int) -> Scaled:
    p = _profile(round(depth, 4), round(width, 4), resolution)
    blocks = sum(round_repeats(stage[1], depth) for stage in B0_STAGES)
    return Scaled(label, depth, width, resolution, blocks, p.total_params, p.macs)


@lru_cache(maxsize=256)
def _profile(depth: float, width: float, resolution: int) -> Profile:
    return profile(scaled_efficientnet(width, depth, resolution))


def _match(target: int, make, guess: float, power: float, steps: int = 1) -> Scaled:
    """Adjust one coefficient until the network's MACs are near ``target``.

    MACs grow about as coefficient**power; each step corrects the guess by the
    measured shortfall, so a few profiles suffice despite the integer rounding.
    """
    best = make(guess)
    for _ in range(steps):
        guess *= (target / best.macs) ** (1 / power)
        candidate = make(guess)
        if abs(candidate.macs - target) < abs(best.macs - target):
            best = candidate
    return best


@lru_cache(maxsize=64)
def equal_macs(phi: float) -> tuple[Scaled, ...]:
    """Compound scaling at ``phi`` against depth, width or resolution alone at equal MACs."""
    m = multipliers(phi)
    compound = _scaled("all three (compound)", m.depth, m.width,
                       round(BASE_RESOLUTION * m.resolution))
    target = compound.macs
    growth = target / _scaled("B0", 1.0, 1.0, BASE_RESOLUTION).macs     # the real growth
    depth = _match(target, lambda d: _scaled("depth only", max(d, 1.0), 1.0, BASE_RESOLUTION),
                   growth, 1.0)
    width = _match(target, lambda w: _scaled("width only", 1.0, max(w, 1.0), BASE_RESOLUTION),
                   math.sqrt(growth), 2.0)
    size = _match(target, lambda r: _scaled("resolution only", 1.0, 1.0,
                                            max(round(BASE_RESOLUTION * r), BASE_RESOLUTION)),
                  math.sqrt(growth), 2.0)
    return (compound, depth, width, size)


@dataclass(frozen=True)
class Variant:
    """A released EfficientNet: its published coefficients and our counts."""

    name: str
    width: float
    depth: float
    resolution: int
    params: int
    macs: int
    macs_vs_b0: float


@lru_cache(maxsize=1)
def variants() -> tuple[Variant, ...]:
    """B0–B7 with the published (width, depth, resolution) and the zoo's params and MACs."""
    rows = []
    for key, (width, depth, resolution, _dropout) in VARIANTS.items():
        p = profile(zoo.get(f"efficientnet_{key}"))
        rows.append((key.upper(), width, depth, resolution, p.total_params, p.macs))
    b0 = rows[0][5]
    return tuple(Variant(*row, row[5] / b0) for row in rows)
