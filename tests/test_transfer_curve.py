"""The data-size experiment: a tiny real job (frozen at 2 amounts) and its test split."""

import json
import subprocess
import sys

import pytest
from train_folders import write_shapes

from cvlab import jobfolder
from cvlab.errors import CvlabError
from cvlab.experiments import transfer_curve
from cvlab.experiments.transfer_curve import CurvePlan, parse_per_class, run_curve
from cvlab.train.runs import read_run


def test_amounts_parse_sorted_with_all_last():
    assert parse_per_class("25, 5,all,10,5") == (5, 10, 25, "all")
    with pytest.raises(CvlabError, match="Received: images per class '0'"):
        parse_per_class("5,0")


def test_bad_mode_exits_2_with_one_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "cvlab", "experiment", "transfer-curve",
                           str(tmp_path), "--modes", "frozen,freeze"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: Received: mode 'freeze'; allowed: frozen, fine-tune, full, scratch."]


@pytest.mark.slow
def test_tiny_curve_tests_every_run_on_one_unseen_split(tmp_path, monkeypatch):
    import cvlab.evaluate.evaluation as evaluation
    import cvlab.train.fitting as trainer

    data = write_shapes(tmp_path / "shapes", per_class=12, size=32)
    reads = []  # ("train", paths) for every dataset the trainer builds, ("test", paths)

    def spy_batches(subset, *args, **kwargs):
        reads.append(("train", {str(p) for p in subset.paths}))
        return image_batches(subset, *args, **kwargs)

    def spy_read(paths, size):
        reads.append(("test", {str(p) for p in paths}))
        return read_images(paths, size)

    image_batches, read_images = trainer.image_batches, evaluation.read_images
    monkeypatch.setattr(trainer, "image_batches", spy_batches)
    monkeypatch.setattr(evaluation, "read_images", spy_read)
    # Points run amount by amount, every mode at each (checked without training); the
    # runs themselves are frozen only: a MobileNetV2 trained from scratch costs about 25 s
    # on a 2-core CPU, and test_train_cli trains one.
    grid = CurvePlan(str(data), (2, 4), ("frozen", "scratch"), epochs=1, image_size=32)
    assert [(m, n) for m, n, _ in grid.configs()] == [
        ("frozen", 2), ("scratch", 2), ("frozen", 4), ("scratch", 4)]
    plan = CurvePlan(str(data), (2, 4), ("frozen",), epochs=1, image_size=32, batch_size=8)
    result = run_curve(plan, tmp_path / "job")

    assert tuple(result) == transfer_curve.RESULT_KEYS
    assert result["classes"] == ["blue", "green", "red"] and result["test_images"] == 6
    assert [(p["mode"], p["per_class"]) for p in result["points"]] == [
        ("frozen", 2), ("frozen", 4)]
    for point in result["points"]:
        assert tuple(point) == transfer_curve.POINT_KEYS
        low, high = point["ci"]
        assert 0 <= low <= point["test_accuracy"] <= high <= 1 and point["seconds"] > 0
    assert jobfolder.read_result(tmp_path / "job") == json.loads(json.dumps(result))
    assert jobfolder.read_progress(tmp_path / "job")["fraction"] == 1.0

    runs = [read_run(tmp_path / "job" / "runs" / f"frozen-{n}") for n in (2, 4)]
    test = {str(p) for p, _ in runs[0].split["test"]}
    assert len(test) == 6
    for run, per_class in zip(runs, (2, 4), strict=True):
        train, val = ({str(p) for p, _ in run.split[k]} for k in ("train", "val"))
        assert {str(p) for p, _ in run.split["test"]} == test  # one test split for all
        assert not (train & val) and not (train & test) and not (val & test)
        assert len(train) == 3 * per_class
    first_two = {str(p) for p, _ in runs[0].split["train"]}
    assert first_two < {str(p) for p, _ in runs[1].split["train"]}  # nested samples
    # The trainer never built a dataset holding a test image; only evaluation read them,
    # and it read exactly the test split.
    assert all(not (paths & test) for kind, paths in reads if kind == "train")
    assert [paths for kind, paths in reads if kind == "test"] == [test] * 2
