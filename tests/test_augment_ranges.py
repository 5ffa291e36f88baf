"""Every augmentation op states the range it draws from, and really draws from all of it.

Each case draws a few hundred times through the studio's own preview path (the
trainer's layers), then checks that nothing falls outside the range its help
text states and that both ends are reached (within 5 % of the range's width).
"""

import numpy as np
import pytest

from cvlab.augment.preview import draw_grid
from cvlab.augment.spec import OPS, make_spec, make_step

pytestmark = pytest.mark.slow

SIZE = 64
IMAGE = np.random.default_rng(0).uniform(0, 255, (SIZE, SIZE, 3)).astype(np.float32)
PARTNER = np.random.default_rng(1).uniform(0, 255, (SIZE, SIZE, 3)).astype(np.float32)

#: op, its parameters, the drawn value, the stated (low, high), and the help's wording.
CASES = [
    ("crop", {"height": 40, "width": 50}, "top", (0, SIZE - 40), "0 to image height − height"),
    ("crop", {"height": 40, "width": 50}, "left", (0, SIZE - 50), "0 to image width − width"),
    ("rotation", {"factor": 0.1}, "degrees", (-36, 36), "± factor × 360°"),
    ("zoom", {"factor": 0.3}, "scale", (0.7, 1.3), "1 ± factor"),
    ("translation", {"height_factor": 0.2, "width_factor": 0.3}, "dy", (-0.2 * SIZE, 0.2 * SIZE),
     "± factor × height"),
    ("translation", {"height_factor": 0.2, "width_factor": 0.3}, "dx", (-0.3 * SIZE, 0.3 * SIZE),
     "± factor × width"),
    ("shear", {"x_factor": 0.4, "y_factor": 0.2}, "x", (-0.4, 0.4), "± x_factor"),
    ("shear", {"x_factor": 0.4, "y_factor": 0.2}, "y", (-0.2, 0.2), "± y_factor"),
    ("contrast", {"factor": 0.3}, "factor", (0.7, 1.3), "1 ± factor"),
    ("brightness", {"factor": 0.2}, "delta", (-51, 51), "± factor × 255"),
    ("hue", {"factor": 0.3}, "factor", (-0.15, 0.15), "± factor × 180°"),
    ("saturation", {"strength": 0.2}, "scale", (0.3 / 0.7, 0.7 / 0.3), "0.43× to 2.33×"),
    ("rgb_shift", {"offsets": (20.0, 10.0, -5.0)}, "rgb", ((-20, -10, -5), (20, 10, 5)),
     "± |offset|"),
    ("erasing", {"probability": 1.0, "scale": (0.05, 0.3)}, "area", (0.05, 0.3),
     "from low to high"),
    ("mixup", {"alpha": 0.3}, "own_share", (0.0, 1.0), "between 0 and 1"),
    ("cutmix", {"factor": 1.0}, "own_share", (0.0, 1.0), "between 0 and 1"),
]
#: Yes/no draws: both outcomes must occur.
COINS = [("flip", {}, "flipped", "probability ½"),
         ("grayscale", {"probability": 0.5}, "applied", "with this probability")]


def draws(op, params, key, seeds=3, n=64):
    spec = make_spec([make_step(op, **params)])
    values = []
    for seed in range(seeds):
        preview = draw_grid(spec, IMAGE, n=n, seed=seed,
                            partner=PARTNER if OPS[op].batch else None)
        values += [d[op][key] for d in preview.draws if key in d[op]]
    return np.array(values, dtype=float)


def help_text(op):
    return " ".join(p.help for p in OPS[op].params.values())


@pytest.mark.parametrize(("op", "params", "key", "bounds", "stated"), CASES,
                         ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_draws_cover_the_stated_range_and_no_more(op, params, key, bounds, stated):
    assert stated in help_text(op)
    low, high = (np.array(b, dtype=float) for b in bounds)
    values = draws(op, params, key)
    slack = 0.05 * (high - low)
    assert len(values) >= 100
    assert np.all(values >= low - 1e-3) and np.all(values <= high + 1e-3), (
        values.min(axis=0), values.max(axis=0))
    assert np.all(values.min(axis=0) <= low + slack), values.min(axis=0)
    assert np.all(values.max(axis=0) >= high - slack), values.max(axis=0)


@pytest.mark.parametrize(("op", "params", "key", "stated"), COINS, ids=[c[0] for c in COINS])
def test_yes_no_draws_give_both_outcomes(op, params, key, stated):
    assert stated in help_text(op)
    values = draws(op, params, key)
    assert 0.3 < values.mean() < 0.7


def test_pca_colour_alphas_are_normal_with_the_stated_deviation():
    assert "mean 0 and this standard deviation (no bounds)" in help_text("pca_color")
    alphas = draws("pca_color", {"sigma": 0.5}, "alpha").ravel()
    assert abs(alphas.mean()) < 0.1 and abs(alphas.std() - 0.5) < 0.06
    assert alphas.min() < -1.0 and alphas.max() > 1.0           # tails beyond ±2σ reached


def test_blur_sigma_is_one_draw_per_batch_from_zero_to_sigma():
    assert "from 0 to sigma pixels, one σ per batch" in help_text("blur")
    spec = make_spec([make_step("blur", probability=1.0, sigma=0.8)])
    sigmas = np.array([draw_grid(spec, IMAGE, n=2, seed=s).draws[0]["blur"]["sigma"]
                       for s in range(60)])
    assert np.all(sigmas >= 0) and np.all(sigmas <= 0.8 + 1e-5)
    assert sigmas.min() < 0.08 and sigmas.max() > 0.72
