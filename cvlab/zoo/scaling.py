"""Width and depth rounding shared by MobileNet and EfficientNet.

These reproduce the reference implementations' integer rounding exactly;
a one-channel difference changes the parameter count.
"""

from __future__ import annotations

import math


def make_divisible(value: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Round ``value`` to the nearest multiple of ``divisor``, never dropping below 90 %."""
    min_value = divisor if min_value is None else min_value
    new_value = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if new_value < 0.9 * value:
        new_value += divisor
    return new_value


def round_filters(filters: int, width_coefficient: float, divisor: int = 8) -> int:
    """EfficientNet channel count after width scaling."""
    return make_divisible(filters * width_coefficient, divisor)


def round_repeats(repeats: int, depth_coefficient: float) -> int:
    """EfficientNet block count after depth scaling (always rounded up)."""
    return int(math.ceil(depth_coefficient * repeats))


def compound_coefficients(phi: float, alpha: float = 1.2, beta: float = 1.1,
                          gamma: float = 1.15) -> tuple[float, float, float]:
    """Depth, width and resolution multipliers α^φ, β^φ, γ^φ of the EfficientNet paper.

    The paper's grid search found α·β²·γ² ≈ 2, so each step of φ roughly
    doubles the compute.
    """
    return alpha**phi, beta**phi, gamma**phi
