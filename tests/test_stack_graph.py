"""The layer language as a graph: names, branches, add and concat, examples, and every error."""

import json
import subprocess
import sys

import pytest

from cvlab.profile import profile
from cvlab.zoo.stack import StackSyntaxError, parse_stack
from cvlab.zoo.stack_examples import EXAMPLES


def totals(text):
    p = profile(parse_stack(text))
    return p, {stage: v["macs"] for stage, v in p.by("stage").items()}


def test_plain_stacks_keep_their_meaning_and_names():
    p = profile(parse_stack("input 32x32x3\nconv 8 3x3 same\nconv 8 3x3\nmaxpool 2x2 s2\ngap"))
    assert [r.name for r in p.layers] == ["input", "conv1", "conv2", "maxpool1", "gap1"]
    assert [r.inputs for r in p.layers[1:]] == [("input",), ("conv1",), ("conv2",), ("maxpool1",)]
    assert p.output_shape == (8,)
    # no names, no branches: stages by the H×W each layer reads, not one bar for everything
    assert [r.stage for r in p.layers[1:]] == ["32×32", "32×32", "30×30", "head"]


def test_names_branches_and_merges():
    p, by = totals("input 8x8x4\na: conv 6 1x1\nb: conv 6 3x3 same from input\n"
                   "c: add a b\nbn\nrelu\nd: concat c input\n")
    rec = {r.name: r for r in p.layers}
    assert rec["b"].inputs == ("input",) and rec["c"].inputs == ("a", "b")
    assert rec["bn1"].inputs == ("c",) and rec["relu1"].inputs == ("bn1",)
    assert rec["d"].output_shape == (8, 8, 10)
    assert rec["bn1"].params == 4 * 6                      # BN: 4 numbers per channel
    assert by == {"input": 0, "a": 8 * 8 * 4 * 6, "b": 8 * 8 * 9 * 4 * 6, "c": 0, "d": 0}


def test_an_auto_name_skips_a_name_already_taken():
    p = profile(parse_stack("input 4x4x1\nconv1: conv 2 1x1\nconv 2 1x1"))
    assert [r.name for r in p.layers] == ["input", "conv1", "conv2"]


@pytest.mark.parametrize(("text", "message"), [
    ("input 8x8x3\nconv 4 3x3 from nope",
     "line 2: 'from nope' names no earlier layer; defined so far: input"),
    ("input 8x8x3\nconv 4 3x3 from later\nlater: conv 4 1x1",
     "line 2: 'from later' names no earlier layer"),
    ("input 8x8x3\nconv 4 1x1 from", "line 2: expected 'from LAYER' at the end of the line"),
    ("input 8x8x3\nadd input ghost",
     "line 2: add reads 'ghost', which names no earlier layer; defined so far: input"),
    ("input 8x8x3\nconcat input", "line 2: expected 'concat LAYER LAYER [LAYER …]'"),
    ("input 8x8x3\nadd input input from input", "line 2: add names its inputs directly"),
    ("input 8x8x3\na: conv 4 1x1\na: conv 4 1x1", "line 3: the name 'a' is already used on line 2"),
    ("input 8x8x3\n2a: conv 4 1x1", "line 2: a layer name is letters, digits and _"),
    ("input 8x8x3\na:", "line 2: expected a layer after 'a:'"),
    ("input 8x8x3\na: conv 4 3x3\nb: conv 4 1x1 from input\nadd a b",
     "line 4: layer 'add1' (add) cannot take input 6×6×4 and 8×8×4: inputs must have equal "
     "shapes"),
    ("input 8x8x3\na: maxpool 2x2 s2\nconcat a input",
     "line 3: layer 'concat1' (concat) cannot take input 4×4×3 and 8×8×3: branches must agree "
     "on height and width"),
    ("input 8x8x3\nflatten\nconv 3 3x3", "line 3: layer 'conv1' (conv) cannot take input 192: "
     "needs an H×W×C feature map"),
    ("input 8x8x3\nbn 3", "line 2: expected 'bn'"),
    ("input 8x8x3\nsoftmax", "line 2: unknown layer 'softmax'; allowed: conv, dwconv"),
])
def test_each_error_names_the_line_and_what_was_expected(text, message):
    with pytest.raises(StackSyntaxError) as info:
        parse_stack(text)
    assert message in str(info.value)


def test_bottleneck_example():
    p, by = totals(EXAMPLES["5×5 branch, with and without a 1×1 bottleneck"])
    assert by["direct"] == 28 * 28 * 5 * 5 * 192 * 32 == 120_422_400
    rec = {r.name: r.macs for r in p.layers}
    assert rec["squeeze"] == 28 * 28 * 192 * 16 == 2_408_448
    assert rec["bottleneck"] == 28 * 28 * 5 * 5 * 16 * 32 == 10_035_200
    assert by["bottleneck"] == 12_443_648                  # a stage is named by its last name


def test_separable_example():
    p, by = totals(EXAMPLES["Standard against depthwise-separable"])
    assert by["standard"] == 16 * 27 * 5 == 2160
    assert {r.name: r.macs for r in p.layers}["depthwise"] == 16 * 9 * 3 == 432
    assert by["separable"] == 432 + 16 * 3 * 5 == 672


def test_inception_example():
    p, by = totals(EXAMPLES["Inception module"])
    assert p.output_shape == (28, 28, 64 + 128 + 32 + 32)
    hw = 28 * 28
    assert by["b1"] == hw * 192 * 64
    assert by["b3"] == hw * 192 * 96 + hw * 9 * 96 * 128
    assert by["b5"] == hw * 192 * 16 + hw * 25 * 16 * 32
    assert by["pool_proj"] == hw * 192 * 32
    assert p.macs == 128_049_152
    assert p.total_params == (192 * 64 + 64) + (192 * 96 + 96) + (9 * 96 * 128 + 128) + (
        192 * 16 + 16) + (25 * 16 * 32 + 32) + (192 * 32 + 32)


def test_mobilenet_v2_bottleneck_example():
    p, _ = totals(EXAMPLES["MobileNetV2 bottleneck"])
    hw = 56 * 56
    assert p.output_shape == (56, 56, 24)
    assert p.macs == hw * 24 * 144 + hw * 9 * 144 + hw * 144 * 24 == 25_740_288
    assert p.total_params == (24 * 144 + 144) + 4 * 144 + (9 * 144 + 144) + 4 * 144 + (
        144 * 24 + 24) + 4 * 24


def test_resnet_basic_block_example():
    p, by = totals(EXAMPLES["ResNet basic block with a projection shortcut"])
    hw = 28 * 28
    assert p.output_shape == (28, 28, 128)
    assert by["main_bn"] == hw * 9 * 64 * 128 + hw * 9 * 128 * 128
    assert by["shortcut_bn"] == hw * 64 * 128
    assert p.macs == 179_830_784
    assert p.total_params == (9 * 64 * 128 + 128) + 4 * 128 + (9 * 128 * 128 + 128) + 4 * 128 \
        + (64 * 128 + 128) + 4 * 128


def test_cli_profiles_a_graph_file_with_the_exact_numbers(tmp_path):
    path = tmp_path / "inception.txt"
    path.write_text(EXAMPLES["Inception module"])
    out = subprocess.run([sys.executable, "-m", "cvlab", "profile", "--layers", str(path),
                          "--json"], capture_output=True, text=True, check=True).stdout
    data = json.loads(out)
    assert data["macs"] == 128_049_152 and data["layers"][-1]["output_shape"] == [28, 28, 256]
    assert data["layers"][-1]["inputs"] == ["b1", "b3", "b5", "pool_proj"]
    bad = tmp_path / "bad.txt"
    bad.write_text("input 8x8x3\nconv 4 1x1 from nowhere\n")
    result = subprocess.run([sys.executable, "-m", "cvlab", "profile", "--layers", str(bad)],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "line 2: 'from nowhere'" in result.stderr
