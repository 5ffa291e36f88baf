"""The Training Studio in AppTest: train with clicks, watch, stop, evaluate, export, fail well."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from train_folders import write_shapes

from cvlab.train import TrainConfig

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "training_studio.py")
pytestmark = pytest.mark.slow


def open_page(dataset: Path) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["dataset_dir"] = str(dataset)
    at.run()
    assert not at.exception
    return at


def start(at: AppTest, *, epochs: int, mode: str = "frozen") -> None:
    at.radio(key="train_mode").set_value(mode)
    at.select_slider(key="train_image_size").set_value(32)
    at.select_slider(key="train_batch_size").set_value(8)
    at.number_input(key="train_epochs").set_value(epochs)
    at.button(key="train_start").click().run()
    assert not at.exception and not at.error


def wait_for_job(at: AppTest, limit: float = 240):
    job = at.session_state["training_job"]
    job.thread.join(timeout=limit)
    assert not job.running, job.status
    at.run()
    assert not at.exception
    return job


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_first_visit_names_the_device_and_has_no_runs(data_dir, tmp_path):
    at = open_page(write_shapes(tmp_path / "shapes"))
    assert "Training runs on: **CPU**" in at.info[0].value
    assert at.selectbox(key="train_dataset").value == str(tmp_path / "shapes")
    assert any("No runs yet" in c.value for c in at.caption)
    assert not at.button(key="train_start").disabled
    defaults = TrainConfig(str(tmp_path))  # the widgets start at the config's defaults
    assert at.radio(key="train_mode").value == defaults.mode
    assert at.number_input(key="train_epochs").value == defaults.epochs
    assert at.select_slider(key="train_image_size").value == defaults.image_size
    assert at.select_slider(key="train_batch_size").value == defaults.batch_size


def test_train_then_evaluate_and_export_from_the_page(data_dir, tmp_path):
    at = open_page(write_shapes(tmp_path / "shapes"))
    start(at, epochs=2)
    job = wait_for_job(at)
    assert job.error is None and job.result.epochs_run == 2
    assert any("Training finished" in s.value for s in at.success)
    shown = metrics(at)
    assert shown["Epochs run"] == "2" and shown["Images (train / val)"] == "24 / 6"
    assert shown["Trained on"] == "CPU" and shown["Mode"] == "frozen"
    run_dir = Path(at.session_state["training_run"])
    assert run_dir.parent == (data_dir / "runs").resolve() and (run_dir / "model.keras").is_file()
    history = at.get("plotly_chart")[0].proto.spec
    assert '"epoch"' in history and '"validation"' in history

    at.button(key="eval_button").click().run()
    assert not at.exception and not at.error
    best = f"{job.result.val_accuracy:.1%}"
    assert metrics(at)["Accuracy"] == best == metrics(at)["Best val accuracy"]
    assert metrics(at)["Images"] == "6"
    assert any('"Confusion matrix"' in c.proto.spec for c in at.get("plotly_chart"))
    per_class = at.table[0].value
    assert list(per_class.index) == ["blue", "green", "red"]
    assert per_class["images"].astype(int).sum() == 6
    assert all(value.endswith("%") for value in per_class["precision"])

    at.button(key="exp_button").click().run()
    assert not at.exception and not at.error
    table = at.dataframe[-1].value
    assert list(table["format"]) == ["keras", "tflite", "tflite-int8"]
    assert list(table["top-1 agreement"])[:2] == ["100%", "100%"]  # int8 may flip close calls
    held_out = [Path(p) for p, _ in json.loads((run_dir / "split.json").read_text())["val"]]
    assert at.selectbox(key="try_image").options[0].startswith(held_out[0].name)
    at.selectbox(key="try_image").set_value(held_out[1]).run()
    assert not at.exception and not at.error
    tried = [img.caption for strip in at.get("image") for img in strip.proto.imgs]
    assert held_out[1].name in tried
    top = [c.proto.spec for c in at.get("plotly_chart") if '"probability"' in c.proto.spec]
    assert len(top) == 1 and all(name in top[0] for name in ("blue", "green", "red"))

    downloads = at.get("download_button")
    assert [d.proto.label for d in downloads] == [
        "⬇ model.keras", "⬇ model.tflite", "⬇ model-int8.tflite", "⬇ labels.txt"]


def test_stop_before_the_first_epoch_says_nothing_was_kept(data_dir, tmp_path):
    at = open_page(write_shapes(tmp_path / "shapes"))
    start(at, epochs=500)
    assert at.session_state["training_job"].running  # still loading when the page returns
    at.button(key="train_stop").click().run()
    job = wait_for_job(at, limit=120)
    assert job.result.stopped and job.result.epochs_run == 0
    assert "before its first epoch ended" in at.warning[0].value
    assert "without model.keras (no epoch has finished)" in at.warning[1].value


def test_stop_mid_run_keeps_the_best_epoch(data_dir, tmp_path):
    at = open_page(write_shapes(tmp_path / "shapes"))
    start(at, epochs=500, mode="full")
    job = at.session_state["training_job"]
    deadline = time.monotonic() + 180
    while not job.status.startswith("epoch 2/") and time.monotonic() < deadline:
        time.sleep(0.2)  # the worker thread reports progress as plain text; poll it
    at.run()
    at.button(key="train_stop").click().run()
    job = wait_for_job(at, limit=120)
    assert job.result.stopped and 2 <= job.result.epochs_run < 500
    assert any("Training stopped early" in s.value for s in at.success)
    assert (Path(at.session_state["training_run"]) / "model.keras").is_file()


def test_a_one_class_folder_fails_with_the_scanners_message(data_dir, tmp_path):
    shapes = write_shapes(tmp_path / "shapes")
    only = tmp_path / "one"
    only.mkdir()
    (shapes / "red").rename(only / "red")
    at = open_page(only)
    start(at, epochs=1)
    job = wait_for_job(at, limit=60)
    assert job.error and "class" in job.error
    assert at.error[0].value.startswith("Training failed") and job.error in at.error[0].value
    assert not at.button(key="train_start").disabled


def test_a_second_run_opens_in_the_run_list(data_dir, tmp_path):
    at = open_page(write_shapes(tmp_path / "shapes"))
    start(at, epochs=1)
    first = Path(at.session_state["training_run"])
    wait_for_job(at)
    assert run_pick(at).value == str(first)
    start(at, epochs=2)
    second = Path(at.session_state["training_run"])
    wait_for_job(at)
    assert second != first
    assert run_pick(at).value == str(second) and len(run_pick(at).options) == 2
    assert metrics(at)["Epochs run"] == "2"
    run_pick(at).set_value(str(first)).run()
    assert metrics(at)["Epochs run"] == "1"


def run_pick(at: AppTest):
    return next(box for box in at.selectbox if box.label == "Run")
