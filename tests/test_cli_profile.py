"""The CLI contract for `models` and `profile`, run as a user would run it."""

import json
import subprocess
import sys


def cvlab(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "cvlab", *args], capture_output=True,
                          text=True, input=stdin)


def test_models_lists_every_name():
    result = cvlab("models")
    assert result.returncode == 0
    names = result.stdout.split()
    assert {"lenet5", "alexnet", "vgg16", "vgg19", "resnet18", "resnet152", "googlenet",
            "mobilenet_v1", "mobilenet_v2", "efficientnet_b0", "efficientnet_b7"} <= set(names)


def test_profile_json_contract():
    result = cvlab("profile", "mobilenet_v2", "--alpha", "0.5", "--resolution", "160",
                   "--no-top", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    keys = {"name", "input_shape", "total_params", "trainable_params", "macs", "layers"}
    assert keys <= set(data)
    assert data["input_shape"] == [160, 160, 3]
    assert data["layers"][-1]["output_shape"] == [5, 5, 1280]
    assert all({"name", "kind", "output_shape", "params", "macs"} <= set(r) for r in data["layers"])
    assert sum(r["macs"] for r in data["layers"]) == data["macs"]
    assert sum(r["params"] for r in data["layers"]) == data["total_params"]


def test_profile_table_has_totals_and_convention():
    result = cvlab("profile", "vgg16")
    assert result.returncode == 0
    assert "Total params: 138,357,544" in result.stdout
    assert "bias excluded" in result.stdout
    assert "block5_pool" in result.stdout


def test_custom_stack_from_file_and_stdin(tmp_path):
    spec = tmp_path / "tiny.txt"
    spec.write_text("input 32x32x3  # RGB\nconv 8 3x3 s1 same\nmaxpool 2x2 s2\nflatten\ndense 10\n")
    data = json.loads(cvlab("profile", "--layers", str(spec), "--json").stdout)
    assert data["name"] == "tiny"
    assert [layer["output_shape"] for layer in data["layers"]] == [
        [32, 32, 3], [32, 32, 8], [16, 16, 8], [2048], [10]]
    assert data["total_params"] == (3 * 3 * 3 * 8 + 8) + (2048 * 10 + 10)
    piped = cvlab("profile", "--layers", "-", stdin=spec.read_text())
    assert piped.returncode == 0 and "Total params: 20,714" in piped.stdout


def test_bad_input_exits_non_zero_with_a_message(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("input 32x32x3\nconv eight 3x3\n")
    result = cvlab("profile", "--layers", str(bad))
    assert result.returncode != 0
    assert "line 2" in result.stderr and "conv F KxK" in result.stderr
    unknown = cvlab("profile", "nosuchnet")
    assert unknown.returncode != 0 and "allowed:" in unknown.stderr
    missing = cvlab("profile", "--layers", str(tmp_path / "nope.txt"))
    assert missing.returncode != 0 and "cannot read" in missing.stderr
    neither = cvlab("profile")
    assert neither.returncode != 0 and "exactly one" in neither.stderr
