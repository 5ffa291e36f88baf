"""`cvlab evaluate | predict | export`: JSON contracts, human tables, exit status 2 on bad input."""

from __future__ import annotations

import json
import shutil

import pytest
from evaluate_fakerun import CLASSES

from cvlab.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def images(run):
    """One val image of each class, as {class: path}."""
    val = json.loads((run / "split.json").read_text())["val"]
    return {CLASSES[label]: path for path, label in reversed(val)}


def test_evaluate_json_is_one_object_and_progress_goes_to_stderr(run, capsys):
    assert main(["evaluate", str(run), "--multicrop", "--json"]) == 0
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert set(report) >= {"single", "multicrop", "class_names", "source", "unreadable"}
    assert report["multicrop"]["crops"] == 10 and "single crop" in err


def test_evaluate_human_output_shows_gain_cost_table_and_confusion(run, capsys):
    assert main(["evaluate", str(run), "--multicrop"]) == 0
    out = capsys.readouterr().out
    assert "10-crop" in out and "slowdown" in out and " pts " in out
    assert "Confusion matrix (rows = true class, columns = predicted)" in out
    assert "Misclassified (" in out and "precision" in out


def test_predict_json_gives_top_k_per_image_best_first(run, images, capsys):
    paths = [images["red"], images["blue"]]
    assert main(["predict", str(run), *paths, "--top", "2", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["class_names"] == list(CLASSES) and result["unreadable"] == []
    assert [item["image"] for item in result["results"]] == paths
    for item, expected in zip(result["results"], ("red", "blue"), strict=True):
        assert len(item["top"]) == 2 and item["top"][0]["class"] == expected
        first, second = (t["probability"] for t in item["top"])
        assert 1.0 >= first >= second >= 0.0
        assert CLASSES[item["top"][0]["index"]] == expected


def test_predict_top_k_above_the_class_count_shows_all_classes(run, images, capsys):
    assert main(["predict", str(run), images["green"], "--top", "10", "--json"]) == 0
    top = json.loads(capsys.readouterr().out)["results"][0]["top"]
    assert sorted(t["class"] for t in top) == sorted(CLASSES)
    assert sum(t["probability"] for t in top) == pytest.approx(1.0, abs=1e-5)


def test_predict_skips_unreadable_images_and_fails_only_when_none_is_readable(
        run, images, tmp_path, capsys):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    missing = tmp_path / "missing.jpg"
    assert main(["predict", str(run), str(missing), images["red"], str(broken)]) == 0
    out, err = capsys.readouterr()
    assert f"skipped {missing}: not found" in err and f"skipped {broken}: corrupt" in err
    assert images["red"] in out and "1. red" in out
    assert main(["predict", str(run), str(missing), str(broken)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Received: no readable image") and str(missing) in err


def test_export_json_stays_parseable_despite_the_converters_chatter(run, capsys):
    assert main(["export", str(run), "--format", "tflite-int8", "--runs", "3", "--json"]) == 0
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert [row["format"] for row in report["exports"]] == ["tflite-int8"]
    assert report["exports"][0]["top1_agreement"] == 1.0 and "exporting" in err


def test_export_help_explains_what_tflite_int8_means(capsys):
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "dynamic-range quantisation (int8 weights, float32 activations" in help_text


def test_bad_arguments_exit_2_with_one_clear_line(run, images, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    unfinished = tmp_path / "unfinished"
    unfinished.mkdir()
    shutil.copy(run / "config.json", unfinished)
    cases = [
        (["evaluate", str(tmp_path / "nowhere")], "does not exist"),
        (["evaluate", str(empty)], "without config.json"),
        (["evaluate", str(unfinished)], "without model.keras"),
        (["predict", str(run), images["red"], "--top", "0"], "Received: top 0"),
        (["export", str(run), "--format", "onnx"], "Received: format 'onnx'"),
        (["export", str(run), "--runs", "0"], "allowed: runs ≥ 1"),
        (["evaluate", str(run), "--ensemble", str(tmp_path / "nowhere")], "does not exist"),
    ]
    for argv, message in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("error: ") and message in err and err.count("\n") == 1, argv


def test_evaluate_on_a_folder_with_an_unknown_class_exits_2(run, tmp_path, capsys):
    shutil.copytree(run.parent / "evaluate-shapes", tmp_path / "data")
    (tmp_path / "data" / "red").rename(tmp_path / "data" / "crimson")
    assert main(["evaluate", str(run), str(tmp_path / "data")]) == 2
    assert "'crimson'" in capsys.readouterr().err
