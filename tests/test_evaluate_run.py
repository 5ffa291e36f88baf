"""evaluate(): the run's split, a new folder, 10-crop, an ensemble, and clear errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from evaluate_fakerun import CLASSES, fake_run, write_shapes

from cvlab.errors import CvlabError
from cvlab.evaluate import evaluate
from cvlab.evaluate.inference import read_images
from cvlab.train.runs import load_keras_file

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def other(tmp_path_factory):
    """A second run: another seed, 40×40 input, and a test split."""
    return fake_run(tmp_path_factory, "other", seed=1, image_size=40, test_fraction=0.2)


def test_evaluates_the_val_split_better_than_chance_and_writes_metrics(run):
    report = evaluate(run)
    split = json.loads((run / "split.json").read_text())
    single = report["single"]
    assert report["source"] == {"kind": "split", "subset": "val"}
    assert single["images"] == len(split["val"]) == 12
    assert single["accuracy"] > 0.6  # chance is 1/3
    assert np.sum(single["confusion_matrix"]) == 12
    assert [row["class"] for row in single["per_class"]] == list(CLASSES)
    assert [row["support"] for row in single["per_class"]] == [4, 4, 4]
    assert "multicrop" not in report and "ensemble" not in report
    assert json.loads((run / "metrics.json").read_text()) == json.loads(json.dumps(report))


def test_the_test_split_is_preferred_when_the_run_kept_one(other):
    report = evaluate(other)
    test = json.loads((other / "split.json").read_text())["test"]
    assert report["source"]["subset"] == "test"
    assert report["single"]["images"] == len(test) > 0
    assert report["image_size"] == [40, 40]


def test_a_new_folder_maps_onto_the_run_classes_and_lists_mistakes(run, tmp_path):
    folder = write_shapes(tmp_path / "new", per_class=3, seed=7)
    shutil.rmtree(folder / "blue")  # a subset of the run's classes is fine
    planted = folder / "green" / "actually_red.png"
    shutil.copy(folder / "red" / "red_00.png", planted)
    report = evaluate(run, folder)
    single = report["single"]
    assert report["source"]["kind"] == "folder" and report["source"]["classes"] == ["green",
                                                                                   "red"]
    assert single["images"] == 7
    assert single["confusion_matrix"][0] == [0, 0, 0]  # no blue images: row of zeros
    assert sum(single["confusion_matrix"][1]) == 4 and sum(single["confusion_matrix"][2]) == 3
    mistake = next(m for m in single["misclassified"] if m["path"] == str(planted))
    assert mistake["true"] == "green" and mistake["predicted"] == "red"
    assert 1 / 3 < mistake["confidence"] <= 1.0


def test_a_folder_with_unknown_classes_is_refused_naming_them(run, tmp_path):
    folder = write_shapes(tmp_path / "new", per_class=2)
    (folder / "blue").rename(folder / "purple")
    with pytest.raises(CvlabError, match="'purple'.*allowed: its classes 'blue', 'green', 'red'"):
        evaluate(run, folder)


def test_multicrop_reports_ten_crops_gain_and_cost(run):
    report = evaluate(run, multicrop=True)
    single, crops = report["single"], report["multicrop"]
    assert crops["crops"] == 10 and crops["images"] == single["images"]
    assert crops["accuracy"] > 0.6
    assert crops["accuracy_gain"] == pytest.approx(crops["accuracy"] - single["accuracy"])
    assert crops["slowdown"] == pytest.approx(crops["seconds"] / single["seconds"])
    assert crops["slowdown"] > 1.5  # ten forward passes per image cost more than one


def test_ensemble_averages_the_members_probabilities(run, other):
    report = evaluate(run, ensemble=[other])
    ensemble = report["ensemble"]
    assert [m["run_dir"] for m in ensemble["members"]] == [str(run), str(other)]
    assert ensemble["members"][0]["accuracy"] == report["single"]["accuracy"]
    assert ensemble["seconds"] == pytest.approx(sum(m["seconds"] for m in ensemble["members"]))
    assert ensemble["accuracy_gain"] == pytest.approx(
        ensemble["accuracy"] - report["single"]["accuracy"])
    paths, labels = zip(*json.loads((run / "split.json").read_text())["val"], strict=True)
    probabilities = []
    for member, size in ((run, (32, 32)), (other, (40, 40))):
        images = read_images([Path(p) for p in paths], size)[0].astype(np.float32)
        probabilities.append(load_keras_file(member / "model.keras").predict_on_batch(images))
    mean = np.mean(probabilities, axis=0)
    expected = np.zeros((3, 3), int)
    np.add.at(expected, (np.asarray(labels), mean.argmax(axis=1)), 1)
    assert ensemble["confusion_matrix"] == expected.tolist()


def test_ensemble_members_must_share_the_classes(run, tmp_path):
    shuffled = tmp_path / "shuffled"
    shutil.copytree(run, shuffled)
    (shuffled / "classes.json").write_text(json.dumps(["red", "green", "blue"]))
    with pytest.raises(CvlabError, match="same classes in the same order"):
        evaluate(run, ensemble=[shuffled])
    with pytest.raises(CvlabError, match="twice in the ensemble"):
        evaluate(run, ensemble=[run])


def test_files_gone_from_the_split_are_listed_and_the_rest_evaluated(run, tmp_path):
    moved = tmp_path / "moved"
    shutil.copytree(run, moved)
    split = json.loads((run / "split.json").read_text())
    split["val"].append([str(tmp_path / "gone.png"), 0])
    (moved / "split.json").write_text(json.dumps(split))
    report = evaluate(moved)
    assert report["single"]["images"] == 12
    assert report["unreadable"] == [{"path": str(tmp_path / "gone.png"),
                                     "reason": "not found: no such file"}]


def test_runs_that_cannot_be_evaluated_are_refused_clearly(run, tmp_path):
    with pytest.raises(CvlabError, match="does not exist"):
        evaluate(tmp_path / "nowhere")
    unfinished = tmp_path / "unfinished"
    shutil.copytree(run, unfinished)
    (unfinished / "model.keras").unlink()
    with pytest.raises(CvlabError, match="without model.keras"):
        evaluate(unfinished)
