"""The cost labs' numbers, exactly, through the cvlab API and the profile command."""

import json
import subprocess
import sys

import numpy as np
import pytest

from cvlab.labs import compound, inception, separable
from cvlab.zoo import scaling
from cvlab.zoo.efficientnet import VARIANTS
from cvlab.zoo.stack_examples import EXAMPLES


def cli_profile(text):
    out = subprocess.run([sys.executable, "-m", "cvlab", "profile", "--layers", "-", "--json"],
                         input=text, capture_output=True, text=True, check=True).stdout
    return {r["name"]: r for r in json.loads(out)["layers"]}


# 1×1 and Inception --------------------------------------------------------------------------

def test_a_1x1_conv_equals_a_dense_layer_at_every_position():
    demo = inception.pointwise_demo(size=5, channels=7, filters=3, seed=3)
    assert demo.conv.shape == demo.dense.shape == (5, 5, 3)
    assert demo.max_difference == 0.0                       # small integers: exact
    i, j = 2, 4
    assert np.array_equal(demo.conv[i, j], demo.volume[i, j] @ demo.weights + demo.bias)
    assert demo.conv_macs == demo.dense_macs == 5 * 5 * 7 * 3


def test_conv2d_matches_a_hand_computed_3x3_window():
    rng = np.random.default_rng(0)
    x, k, b = rng.normal(size=(5, 5, 2)), rng.normal(size=(3, 3, 2, 4)), rng.normal(size=4)
    out = inception.conv2d(x, k, b)
    assert out.shape == (3, 3, 4)
    assert np.allclose(out[1, 2], np.einsum("ijc,ijcf->f", x[1:4, 2:5], k) + b)


def test_channel_shrinking_next_to_pooling():
    rec = {r.name: r for r in inception.shrink_profile(28, 192, 32).layers}
    assert rec["conv_1x1"].output_shape == (28, 28, 32)
    assert rec["maxpool"].output_shape == (14, 14, 192) and rec["maxpool"].params == 0


def test_branch_cost_at_the_course_defaults():
    cost = inception.branch_cost()
    assert cost.direct_macs == 120_422_400
    assert (cost.reduce_macs, cost.conv_macs) == (2_408_448, 10_035_200)
    assert cost.bottleneck_macs == 12_443_648
    assert cost.ratio == pytest.approx(120_422_400 / 12_443_648) and round(cost.ratio, 1) == 9.7
    layers = cli_profile(EXAMPLES["5×5 branch, with and without a 1×1 bottleneck"])
    assert (layers["direct"]["macs"], layers["squeeze"]["macs"],
            layers["bottleneck"]["macs"]) == (
        120_422_400, 2_408_448, 10_035_200)


def test_inception_module_branches():
    p, branches = inception.inception_costs()
    assert [b.channels for b in branches] == [64, 128, 32, 32]
    assert sum(b.channels for b in branches) == p.output_shape[-1] == 256
    assert sum(b.macs for b in branches) == p.macs == 128_049_152
    assert sum(b.params for b in branches) == p.total_params
    assert {b.name: b.macs for b in branches}["5×5"] == 12_443_648
    _, wider = inception.inception_costs(widths=(64, 96, 128, 16, 48, 32))
    assert sum(b.channels for b in wider) == 272


# Depthwise-separable and MobileNet ------------------------------------------------------------

def test_the_course_separable_example():
    cost = separable.separable_cost(**separable.COURSE_EXAMPLE)
    assert (cost.standard, cost.depthwise, cost.pointwise, cost.separable) == (2160, 432, 240, 672)
    assert round(cost.ratio, 3) == round(cost.formula, 3) == 0.311
    layers = cli_profile(EXAMPLES["Standard against depthwise-separable"])
    assert [layers[n]["macs"] for n in ("standard", "depthwise", "separable")] == [2160, 432, 240]


@pytest.mark.parametrize("shape", [(14, 14, 32, 64, 3, "same"), (56, 40, 16, 512, 5, "valid"),
                                   (7, 7, 8, 8, 7, "valid")])
def test_the_ratio_always_equals_one_over_n_plus_one_over_k_squared(shape):
    cost = separable.separable_cost(*shape)
    assert cost.ratio == pytest.approx(cost.formula, rel=1e-12)


def test_real_network_ratio_quoted_by_the_course():
    assert round(separable.separable_cost(14, 14, 512, 512, 3, "same").ratio, 3) == 0.113


def test_v1_and_v2_blocks():
    v1 = separable.v1_block(56, 24, 24)
    assert v1.macs == 56 * 56 * 9 * 24 + 56 * 56 * 24 * 24
    v2 = separable.v2_block(56, 24, 24, expansion=6)
    assert v2.macs == 25_740_288 and separable.has_skip(v2)
    assert not separable.has_skip(separable.v2_block(56, 24, 24, stride=2))
    assert not separable.has_skip(separable.v2_block(56, 24, 32))
    nonlinear = separable.v2_block(56, 24, 24, linear=False)
    assert (nonlinear.macs, nonlinear.total_params) == (v2.macs, v2.total_params)
    assert [r.kind for r in nonlinear.layers][-2:] == ["act", "add"]
    assert [r.kind for r in v2.layers][-2:] == ["bn", "add"]
    no_expand = separable.v2_block(112, 32, 16, expansion=1)
    assert "conv" not in [r.kind for r in no_expand.layers][:3]   # block 0: no expansion conv


def test_relu_loses_information_on_narrow_layers_only():
    lost = separable.relu_information_loss()
    assert lost[2] > 0.5 and lost[3] > 0.3 and lost[15] == lost[30] == 0.0
    assert list(lost.values()) == sorted(lost.values(), reverse=True)


# Compound scaling ------------------------------------------------------------------------------

def test_multipliers_use_the_papers_constants():
    m = compound.multipliers(2.0)
    assert (m.depth, m.width, m.resolution) == scaling.compound_coefficients(2.0)
    assert (m.depth, m.width, m.resolution) == pytest.approx((1.2**2, 1.1**2, 1.15**2))
    assert compound.multipliers(1).predicted_growth == pytest.approx(1.2 * 1.1**2 * 1.15**2)
    assert compound.multipliers(1).predicted_growth == pytest.approx(1.920, abs=1e-3)
    assert compound.multipliers(3).predicted_growth == pytest.approx(2**3, rel=0.13)


def test_equal_macs_networks_are_built_from_b0():
    rows = compound.equal_macs(1.0)
    labels = [r.label for r in rows]
    assert labels == ["all three (compound)", "depth only", "width only", "resolution only"]
    target = rows[0].macs
    assert rows[0].resolution == round(224 * 1.15) and rows[0].depth == pytest.approx(1.2)
    for r in rows[1:]:
        assert abs(r.macs / target - 1) < 0.05, r
    assert rows[1].width == 1.0 and rows[1].resolution == 224 and rows[1].blocks > rows[0].blocks
    assert rows[2].depth == 1.0 and rows[2].resolution == 224 and rows[2].width > 1.1
    assert rows[3].depth == rows[3].width == 1.0 and rows[3].resolution > 258
    b0 = compound.equal_macs(0.0)
    assert {r.macs for r in b0} == {385_814_752}


def test_b0_to_b7_table():
    rows = compound.variants()
    assert [r.name for r in rows] == [f"B{i}" for i in range(8)]
    assert [(r.width, r.depth, r.resolution) for r in rows] == [v[:3] for v in VARIANTS.values()]
    assert (rows[0].params, rows[0].macs) == (5_330_571, 385_814_752)
    assert (rows[7].params, rows[7].macs) == (66_658_687, 37_745_884_192)
    assert rows[0].macs_vs_b0 == 1.0
    assert [r.macs for r in rows] == sorted(r.macs for r in rows)
