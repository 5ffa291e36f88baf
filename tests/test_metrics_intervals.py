"""95% intervals against published values: Wilson for one accuracy, Newcombe's paired
square-and-add interval (method 10) for a gain measured on the same images."""

import numpy as np
import pytest

from cvlab.evaluate.metrics import excludes_zero, paired_difference, summarize, wilson


@pytest.mark.parametrize(("hits", "n", "low", "high"), [
    (81, 263, 0.2553, 0.3662),  # Newcombe (1998), single proportion, Table I
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_wilson_matches_published_intervals(hits, n, low, high):
    assert wilson(hits, n) == pytest.approx((low, high), abs=5e-5)


def _pairs(both, only_first, only_second, neither):
    first = [1] * both + [1] * only_first + [0] * only_second + [0] * neither
    second = [1] * both + [0] * only_first + [1] * only_second + [0] * neither
    return first, second


def test_paired_gain_matches_published_interval():
    # Fagerland, Lydersen & Laake, "Statistical analysis of contingency tables", ch. 8
    # (Cavo et al. 2012): 59, 6, 16, 80 → −0.0621 (−0.1186 to −0.0046).
    low, high = paired_difference(*_pairs(59, 6, 16, 80))
    assert (low, high) == pytest.approx((-0.1186, -0.0046), abs=5e-5)
    assert excludes_zero((low, high))


def test_one_image_gain_on_forty_images_is_noise():
    # 10-crop fixes one image of 40: +2.5 points, but the interval straddles zero.
    first, second = _pairs(30, 1, 0, 9)
    low, high = paired_difference(first, second)
    assert low < 0 < high and not excludes_zero((low, high))
    assert np.mean(first) - np.mean(second) == pytest.approx(0.025)


def test_summary_reports_the_accuracy_interval_and_every_prediction():
    probabilities = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    report = summarize([0, 1, 1, 0], probabilities, ["a", "b"], ["w", "x", "y", "z"])
    assert report["accuracy"] == 0.5
    assert report["accuracy_ci"] == pytest.approx(list(wilson(2, 4)))
    assert [p["predicted"] for p in report["predictions"]] == ["a", "b", "a", "b"]
