"""Stopping, resuming, failing and reproducing a run (cvlab.train.train / resume)."""

import json
import threading

import pytest

from cvlab import lazy_tf
from cvlab.data import scan, split
from cvlab.train import TrainConfig, TrainingFailed, read_run, resume, train
from cvlab.train.runs import RunPaths

pytestmark = pytest.mark.slow
SIZE = 32


def _config(shapes, **options):
    return TrainConfig(str(shapes), mode="frozen", image_size=SIZE, batch_size=4, **options)


def _stop_after_first_batch(stop: threading.Event, seen: list):
    def progress(event):
        seen.append(event)
        if event.kind == "batch":
            stop.set()

    return progress


def test_stop_event_stops_within_one_batch_and_resume_continues(shapes, tmp_path):
    stop, seen = threading.Event(), []
    config = _config(shapes, epochs=2, cache_features=False)
    result = train(config, _stop_after_first_batch(stop, seen), stop, run_dir=tmp_path / "run")
    assert result.stopped and result.epochs_run == 1
    assert sum(event.kind == "batch" for event in seen) == 1
    paths = RunPaths(result.run_dir)
    history = read_run(result.run_dir).history
    assert len(history) == 1
    assert history[0]["batches"] == 1 and history[0]["partial"]
    assert paths.model.is_file() and paths.last.is_file()
    state = json.loads(paths.state.read_text())
    assert state["stopped"] and not state["finished"]

    steps = []
    resumed = resume(result.run_dir, lambda e: steps.append(e))
    history = read_run(result.run_dir).history
    assert [h["epoch"] for h in history] == [1, 2]
    assert [h["batches"] for h in history] == [1, 6]  # 24 training images, batch 4
    assert resumed.epochs_run == 2 and not resumed.stopped
    assert {e.epoch for e in steps if e.kind == "batch"} == {2}
    last = lazy_tf.keras().saving.load_model(paths.last, safe_mode=True)
    assert int(last.optimizer.iterations.numpy()) == 1 + 6  # optimizer state carried on
    assert json.loads(paths.state.read_text())["finished"]


def test_stop_file_stops_the_cached_head_training(shapes, tmp_path):
    run_dir = tmp_path / "run"
    seen = []

    def progress(event):
        seen.append(event)
        if event.kind == "batch":
            (run_dir / "STOP").touch()

    result = train(_config(shapes, epochs=4), progress, run_dir=run_dir)
    assert result.stopped and result.epochs_run == 1
    assert [e.kind for e in seen if e.kind != "features"] == ["batch", "epoch"]
    assert (run_dir / "model.keras").is_file()
    resume(run_dir, epochs=2)  # the STOP file is cleared when a run (re)starts
    assert not (run_dir / "STOP").exists()
    assert len(read_run(run_dir).history) == 2


def test_failure_keeps_the_last_checkpoint_and_the_best_model(shapes, tmp_path):
    def progress(event):
        if event.kind == "batch" and event.epoch == 2:
            raise OSError("disk on fire")

    with pytest.raises(TrainingFailed, match=r"epoch 2 \(OSError: disk on fire\).*epoch 1"):
        train(_config(shapes, epochs=3), progress, run_dir=tmp_path / "run")
    paths = RunPaths(tmp_path / "run")
    assert json.loads(paths.state.read_text())["epoch"] == 1
    assert paths.last.is_file() and paths.model.is_file()
    assert len(read_run(paths.root).history) == 1
    assert resume(paths.root).epochs_run == 3


def test_failure_before_any_epoch_keeps_nothing(shapes, tmp_path):
    def progress(event):
        if event.kind == "batch":
            raise RuntimeError("boom")

    with pytest.raises(TrainingFailed, match="no epoch finished"):
        train(_config(shapes, epochs=1), progress, run_dir=tmp_path / "run")
    assert not (tmp_path / "run" / "model.keras").exists()


def test_same_seed_same_split_and_metrics(shapes, tmp_path):
    def run(name):
        config = _config(shapes, epochs=1, cache_features=False, seed=7)
        record = read_run(train(config, run_dir=tmp_path / name).run_dir)
        return record.split, [(h["loss"], h["val_loss"], h["val_accuracy"])
                              for h in record.history]

    first, again = run("a"), run("b")
    assert first == again
    other = split(scan(shapes), 0.2, seed=8)
    assert [str(p) for p in other.val.paths] != [str(p) for p, _ in first[0]["val"]]


def test_resume_refuses_a_finished_run_without_more_epochs(shapes, tmp_path):
    from cvlab.errors import CvlabError

    result = train(_config(shapes, epochs=1), run_dir=tmp_path / "run")
    with pytest.raises(CvlabError, match="already ran all 1 epochs"):
        resume(result.run_dir)
    with pytest.raises(CvlabError, match="already holds files"):
        train(_config(shapes, epochs=1), run_dir=tmp_path / "run")
