"""What the app teaches agrees with the profiler and with the papers (issue 9, fidelity pass)."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cvlab import zoo
from cvlab.profile import profile
from cvlab.zoo.classic import alexnet
from cvlab.zoo.teaching import FAMILY_NOTES, NOTE_CORRECTIONS

ROOT = Path(__file__).resolve().parents[1]
COMPARE_TEXT = (ROOT / "pages" / "compare_models.py").read_text()
CORRECTIONS = " ".join(f"{topic} {fix}" for topic, fix in NOTE_CORRECTIONS)


def p(name, **options):
    return profile(zoo.get(name, **options))


@pytest.mark.parametrize(("name", "depth", "nodes"), [
    ("lenet5", 5, 9), ("alexnet", 8, 15), ("vgg16", 16, 23), ("vgg19", 19, 26),
    ("resnet18", 18, 71), ("resnet50", 50, 177), ("resnet152", 152, 517),
    ("googlenet", 22, 83), ("mobilenet_v1", 28, 91)])
def test_depth_counts_weight_layers_on_the_longest_path(name, depth, nodes):
    prof = p(name)
    assert (prof.depth, len(prof.layers)) == (depth, nodes)


def test_explorer_shows_depth_and_node_count_apart():
    at = AppTest.from_file(str(ROOT / "pages" / "architecture_explorer.py"),
                           default_timeout=60).run()
    for name, depth, nodes in (("vgg16", "16", "23"), ("resnet152", "152", "517"),
                               ("googlenet", "22", "83"), ("lenet5", "5", "9")):
        at.sidebar.selectbox[0].set_value(name).run()
        metrics = {m.label: m.value for m in at.metric}
        assert (metrics["Depth (weight layers)"], metrics["Graph nodes"]) == (depth, nodes)


def test_alexnet_grouped_and_single_tower_counts():
    ours, grouped = profile(alexnet()), profile(alexnet(grouped=True))
    assert (ours.total_params, grouped.total_params) == (62_378_344, 60_965_224)
    assert (ours.macs, grouped.macs) == (1_135_256_096, 724_406_816)
    # Two groups halve the weights and MACs of conv2, conv4 and conv5 and nothing else.
    half = {r.name: r for r in ours.layers}
    saved = sum(half[n].params - half[n].params // 2 for n in ("conv2", "conv4", "conv5"))
    assert ours.total_params - grouped.total_params == saved - (256 + 384 + 256) // 2
    note = FAMILY_NOTES["AlexNet"]
    assert all(s in note for s in ("60.97 M", "724 M", "62.38 M", "1.14 G", "two *groups*"))
    dense = sum(r.params for r in ours.layers if r.kind == "dense") / ours.total_params
    conv = sum(r.macs for r in ours.layers if r.kind == "conv") / ours.macs
    assert f"{dense:.0%} of its 62.38 M weights" in note.replace(" %", "%")
    assert f"{conv:.0%} of its 1.14 G MACs" in note.replace(" %", "%")


def test_lenet5_reconciles_with_the_papers_60000():
    rec = {r.name: r for r in p("lenet5").layers}
    ours = p("lenet5").total_params
    # C3's connection table: 6 maps read 3 inputs, 9 read 4, 1 reads all 6 (5×5 kernels + bias).
    c3 = 6 * (3 * 25 + 1) + 9 * (4 * 25 + 1) + 1 * (6 * 25 + 1)
    subsampling = 2 * (6 + 16)                      # one trainable scale and bias per map
    paper = ours - (rec["conv2"].params - c3) - rec["predictions"].params + subsampling
    assert (ours, c3, rec["conv2"].params, rec["predictions"].params) == (61_706, 1516, 2416, 850)
    assert paper == 60_000
    assert "61,706 − 900 − 850 + 44 = 60,000" in FAMILY_NOTES["LeNet"]


def test_mobilenet_v2_is_about_half_of_v1():
    v1, v2 = p("mobilenet_v1"), p("mobilenet_v2")
    assert (round(v2.macs / 1e6, 1), round(v1.macs / 1e6, 1)) == (300.8, 568.7)
    assert 0.5 < v2.macs / v1.macs < 0.55
    blocks = sum(1 for r in v2.layers if r.kind == "dwconv")
    skips = sum(1 for r in v2.layers if r.kind == "add")
    assert (skips, blocks) == (10, 17)
    for text in (FAMILY_NOTES["MobileNet"], CORRECTIONS):
        assert "300.8 M" in text and "568.7 M" in text and "10 of the 17" in text.replace(
            "10 of its 17", "10 of the 17")


@pytest.mark.parametrize("alpha", [0.35, 0.5, 0.75])
def test_v2_keeps_its_last_1280_channels_below_alpha_one(alpha):
    top = {r.name: r for r in p("mobilenet_v2", alpha=alpha).layers}["Conv_1"]
    assert top.output_shape[-1] == 1280
    assert {r.name: r for r in p("mobilenet_v2", alpha=1.4).layers}["Conv_1"].output_shape[-1] \
        == 1792
    assert "keeps its last 1,280 channels" in FAMILY_NOTES["MobileNet"]


@pytest.mark.parametrize(("name", "paper", "family"), [
    ("resnet50", 3.8e9, "ResNet"), ("efficientnet_b0", 0.39e9, "EfficientNet"),
    ("googlenet", 1.5e9, "Inception"), ("mobilenet_v1", 569e6, "MobileNet"),
    ("mobilenet_v2", 300e6, "MobileNet")])
def test_papers_flops_are_our_multiply_adds(name, paper, family):
    assert abs(p(name).macs / paper - 1) < 0.06             # not 2× off: FLOPs = MACs there
    note = FAMILY_NOTES[family].lower()
    assert "multiply-adds" in note or "mult-adds" in note


def test_compare_explains_where_resnet50_saves_weights():
    assert "thanks to bottleneck" not in COMPARE_TEXT
    vgg, resnet = p("vgg16"), p("resnet50")
    vgg_dense = sum(r.params for r in vgg.layers if r.kind == "dense")
    resnet_dense = [r for r in resnet.layers if r.kind == "dense"]
    assert round(vgg_dense / 1e6) == 124 and "124 M of VGG-16's weights" in COMPARE_TEXT
    assert len(resnet_dense) == 1 and resnet_dense[0].params == 2048 * 1000 + 1000
    assert resnet.total_params / vgg.total_params < 0.2 and "under a fifth" in COMPARE_TEXT
    assert "global average" in COMPARE_TEXT and "save *compute*" in COMPARE_TEXT
    assert round(resnet.macs / vgg.macs, 2) == 0.25 and "a quarter of VGG-16's" in COMPARE_TEXT


def test_other_quoted_numbers():
    vgg = {r.name: r for r in p("vgg16").layers}
    assert round(vgg["fc1"].params / 1e6) == 103 and "103 M of them" in FAMILY_NOTES["VGG"]
    assert round(p("resnet50").macs / 1e9, 2) == 3.86 and "3.86 G" in FAMILY_NOTES["ResNet"]
    g = p("googlenet")
    assert (round(g.total_params / 1e6, 1), round(g.macs / 1e9, 2)) == (7.0, 1.58)
    assert "7.0 M parameters and 1.58 G MACs" in FAMILY_NOTES["Inception"]
    assert round(p("efficientnet_b0").macs / 1e6) == 386 and "386 M" in \
        FAMILY_NOTES["EfficientNet"]
    assert (round(p("mobilenet_v2").total_params / 1e6, 1),
            round(p("mobilenet_v1").total_params / 1e6, 1)) == (3.5, 4.3)


@pytest.mark.slow
def test_keras_counts_a_grouped_conv_like_the_profiler():
    from cvlab.keras.build import build_model
    from cvlab.zoo.graph import GraphBuilder

    g = GraphBuilder("grouped", "Custom", (9, 9, 4))
    g.conv("input", 6, 3, groups=2, name="grouped")
    model = build_model(g.network())
    assert model.get_layer("grouped").groups == 2
    assert model.count_params() == profile(g.network()).total_params == 3 * 3 * 2 * 6 + 6
