"""A user's whole path on the command line: train a real run, then evaluate, predict, export.

The readers get the folder `cvlab train` wrote, not a hand-made one, so the run-folder
contract is checked from both sides.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from train_folders import COLOURS, write_shapes

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def cvlab(*args):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "cvlab", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    base = tmp_path_factory.mktemp("train-to-export")
    data = write_shapes(base / "shapes", per_class=12)
    result = cvlab("train", data, "--mode", "frozen", "--epochs", "3", "--image-size", "32",
                   "--batch-size", "8", "--seed", "3", "--out", base / "run", "--json")
    return result


def test_evaluate_on_the_val_split_reproduces_the_trainers_best_val_accuracy(trained):
    tested = cvlab("evaluate", trained["run_dir"], "--json")  # the default: the test split
    assert tested["source"] == {"kind": "split", "subset": "test"}
    assert tested["single"]["images"] == trained["test_images"] == 6
    report = cvlab("evaluate", trained["run_dir"], "--split", "val", "--json")
    assert report["source"] == {"kind": "split", "subset": "val"}
    assert report["class_names"] == list(COLOURS)
    single = report["single"]
    assert sum(map(sum, single["confusion_matrix"])) == trained["val_images"]
    assert single["accuracy"] == pytest.approx(trained["val_accuracy"], abs=1e-6)


def test_predict_labels_agree_with_evaluate_and_name_trained_classes(trained):
    split = json.loads((Path(trained["run_dir"]) / "split.json").read_text())
    images = [path for path, _ in split["val"][:4]]
    result = cvlab("predict", trained["run_dir"], *images, "--top", "3", "--json")
    assert [item["image"] for item in result["results"]] == images
    for item in result["results"]:
        assert {t["class"] for t in item["top"]} == set(COLOURS)
        assert sum(t["probability"] for t in item["top"]) == pytest.approx(1.0, abs=1e-4)


def test_every_export_reloads_and_agrees_with_the_run_model(trained):
    report = cvlab("export", trained["run_dir"], "--format", "all", "--runs", "3", "--json")
    assert report["check"]["source"] == "split"
    rows = {row["format"]: row for row in report["exports"]}
    assert set(rows) == {"keras", "tflite", "tflite-int8"}
    assert rows["keras"]["max_prob_diff"] < 1e-5 and rows["keras"]["top1_agreement"] == 1.0
    assert rows["tflite"]["max_prob_diff"] < 1e-4 and rows["tflite"]["top1_agreement"] == 1.0
    assert rows["tflite-int8"]["bytes"] < rows["tflite"]["bytes"] / 2
    for row in rows.values():
        assert Path(row["path"]).is_file() and row["latency_ms"] > 0
