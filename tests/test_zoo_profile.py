"""The analytic profiler against published figures and hand-worked examples (no TensorFlow)."""

import subprocess
import sys

import pytest

from cvlab import zoo
from cvlab.errors import CvlabError
from cvlab.profile import profile
from cvlab.zoo.graph import GraphBuilder
from cvlab.zoo.stack import parse_stack


def macs(name, **options):
    return profile(zoo.get(name, **options)).macs


@pytest.mark.parametrize(
    ("name", "options", "published", "tolerance"),
    [
        ("mobilenet_v2", {}, 300e6, 0.02),
        ("mobilenet_v1", {}, 569e6, 0.01),
        ("vgg16", {}, 15.5e9, 0.01),
        ("resnet50", {}, 3.9e9, 0.02),
        ("efficientnet_b0", {}, 0.39e9, 0.02),
        ("googlenet", {}, 1.5e9, 0.07),
    ],
)
def test_published_macs(name, options, published, tolerance):
    assert macs(name, **options) == pytest.approx(published, rel=tolerance)


def test_googlenet_params_without_and_with_aux_heads():
    plain = profile(zoo.get("googlenet")).total_params
    with_aux = profile(zoo.get("googlenet", aux=True)).total_params
    assert 6.6e6 <= plain <= 7.0e6
    assert with_aux - plain == pytest.approx(6.38e6, rel=0.01)


def test_classic_shapes_follow_the_course():
    lenet = {r.name: r.output_shape for r in profile(zoo.get("lenet5")).layers}
    assert lenet["conv1"] == (28, 28, 6) and lenet["pool2"] == (5, 5, 16)
    assert lenet["flatten"] == (400,)
    alex = {r.name: r.output_shape for r in profile(zoo.get("alexnet")).layers}
    assert alex["conv1"] == (55, 55, 96)
    assert alex["conv2"] == (27, 27, 256)  # the notes' "276" is a slip
    assert alex["flatten"] == (9216,)


def test_exact_param_counts_of_small_and_famous_nets():
    assert profile(zoo.get("lenet5")).total_params == 61_706
    assert profile(zoo.get("alexnet")).total_params == 62_378_344
    assert profile(zoo.get("vgg16")).total_params == 138_357_544
    assert profile(zoo.get("resnet18")).trainable_params == 11_689_512  # torchvision's count


def test_no_top_drops_the_classifier_and_alpha_scales_width():
    full = profile(zoo.get("mobilenet_v2"))
    top_less = profile(zoo.get("mobilenet_v2", include_top=False))
    assert top_less.output_shape == (7, 7, 1280)
    assert full.total_params - top_less.total_params == 1280 * 1000 + 1000
    half = profile(zoo.get("mobilenet_v2", alpha=0.5, resolution=160))
    assert half.input_shape == (160, 160, 3)
    assert half.macs < full.macs / 4


def test_efficientnet_scales_depth_width_and_resolution():
    b0, b3 = profile(zoo.get("efficientnet_b0")), profile(zoo.get("efficientnet_b3"))
    assert b3.input_shape == (300, 300, 3)
    assert len(b3.layers) > len(b0.layers)
    assert b3.output_shape == (1000,)
    assert {r.name for r in b0.layers} >= {"block1a_se_excite", "block7a_project_bn"}


def test_bad_options_fail_fast_with_received_and_allowed():
    with pytest.raises(CvlabError, match=r"Received: alpha=0.3; allowed: 0.35"):
        zoo.get("mobilenet_v2", alpha=0.3)
    with pytest.raises(CvlabError, match=r"Received: 'resnet99'"):
        zoo.get("resnet99")
    with pytest.raises(CvlabError, match=r"unknown option. Received: alpha"):
        zoo.get("vgg16", alpha=0.5)
    with pytest.raises(CvlabError, match="cannot take input"):
        profile(zoo.get("alexnet", resolution=32))


def test_profiling_the_whole_zoo_is_tensorflow_free():
    """Its speed is a figure of bench/bench_profile.py, not a timed test."""
    code = ("import sys; from cvlab import zoo; from cvlab.profile import profile;"
            "print(sum(profile(zoo.get(n)).macs > 0 for n in zoo.names()), len(zoo.names()),"
            " 'tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out[0] == out[1] and out[2] == "False"


def test_stack_language_matches_the_course_cost_examples():
    # The notes' Inception example: 28×28×192 → 5×5 conv, 32 filters: 120,422,400 MACs.
    direct = profile(parse_stack("input 28x28x192\nconv 32 5x5 same"))
    assert direct.macs == 120_422_400
    # With a 1×1 bottleneck of 16 channels first: 2,408,448 + 10,035,200.
    bottleneck = profile(parse_stack("input 28x28x192\nconv 16 1x1\nconv 32 5x5 same"))
    assert [r.macs for r in bottleneck.layers[1:]] == [2_408_448, 10_035_200]
    # MobileNet example: 6×6×3, 5 filters of 3×3: normal 2160, separable 432 + 240.
    normal = profile(parse_stack("input 6x6x3\nconv 5 3x3"))
    separable = profile(parse_stack("input 6x6x3\ndwconv 3x3\nconv 5 1x1"))
    assert normal.macs == 2160 and [r.macs for r in separable.layers[1:]] == [432, 240]


def test_stack_defaults_and_errors():
    net = profile(parse_stack("# comment\ninput 32x32x1\nmaxpool 2x2\nmaxpool 2x2 s2 same\ngap"))
    assert [r.output_shape for r in net.layers] == [(32, 32, 1), (31, 31, 1), (16, 16, 1), (1,)]
    with pytest.raises(CvlabError, match=r"line 3: expected 'dense N'. Received: 'dense'"):
        parse_stack("input 8x8x1\nflatten\ndense")
    with pytest.raises(CvlabError, match=r"line 1: expected 'input HxWxC' first"):
        parse_stack("conv 3 3x3")
    with pytest.raises(CvlabError, match=r"line 2: unknown layer 'pool'"):
        parse_stack("input 8x8x1\npool 2x2")
    with pytest.raises(CvlabError, match="line 2: layer 'conv1' .*cannot take input"):
        profile(parse_stack("input 4x4x1\nconv 2 5x5"))


def test_builder_shapes_each_node_as_it_adds_it_and_checks_its_attributes():
    g = GraphBuilder("tiny", "Custom", (9, 9, 3))
    x = g.conv(g.last, 4, 3, 2, "valid", name="conv")
    assert g.shape(x) == (4, 4, 4)
    assert g.shape(g.gap(x, name="gap")) == (4,)
    assert [n.output_shape for n in g.network().nodes] == [(9, 9, 3), (4, 4, 4), (4,)]
    with pytest.raises(ValueError, match=r"takes \('units', 'use_bias', 'activation'\)"):
        g._add("bad", "dense", ("gap",), units=3)
