"""TrainConfig validation, run-folder helpers and progress events: no TensorFlow needed."""

import datetime as dt
import json
import os
import subprocess
import sys

import pytest

from cvlab.atomic import write_json
from cvlab.errors import CvlabError
from cvlab.jobfolder import ProgressEvent
from cvlab.train.callbacks import RunState
from cvlab.train.config import TrainConfig
from cvlab.train.fitting import phases
from cvlab.train.runs import RunPaths, default_run_dir, list_runs, read_run


def test_defaults_resolve_per_mode(tmp_path):
    frozen = TrainConfig(str(tmp_path)).resolved()
    assert (frozen.mode, frozen.weights, frozen.learning_rate) == ("frozen", "imagenet", 1e-3)
    assert (frozen.fine_tune_at, frozen.head_epochs, frozen.cached_views) == (None, None, 1)
    fine = TrainConfig(str(tmp_path), mode="fine-tune", epochs=5).resolved()
    assert (fine.fine_tune_at, fine.head_epochs) == (100, 2)
    assert TrainConfig(str(tmp_path), mode="scratch").resolved().weights == "none"
    assert TrainConfig(str(tmp_path), mode="full").resolved().learning_rate == 1e-4
    augmented = TrainConfig(str(tmp_path), epochs=3, augment={"steps": [{"op": "flip"}]})
    resolved = augmented.resolved()
    assert resolved.cached_views == 3
    assert resolved.augment["steps"] == [{"op": "flip", "mode": "horizontal"}]


@pytest.mark.parametrize("mode", ["frozen", "fine-tune", "full", "scratch"])
def test_resolving_twice_changes_nothing(tmp_path, mode):
    once = TrainConfig(str(tmp_path), mode=mode, epochs=3).resolved()
    assert once.resolved() == once
    assert (once.cached_views is None) == (mode in ("full", "scratch"))


def test_fine_tune_phases_drop_the_learning_rate_tenfold(tmp_path):
    cfg = TrainConfig(str(tmp_path), mode="fine-tune", epochs=6, head_epochs=2,
                      learning_rate=0.01).resolved()
    assert phases(cfg) == [("head", 0, 2, 0.01), ("fine-tune", 2, 6, pytest.approx(0.001))]
    assert phases(TrainConfig(str(tmp_path), mode="full").resolved())[0][0] == "train"


@pytest.mark.parametrize(("options", "message"), [
    ({"mode": "frozn"}, "mode 'frozn'; allowed: frozen, fine-tune, full, scratch"),
    ({"epochs": 0}, "epochs 0; allowed: an integer ≥ 1"),
    ({"epochs": 2.5}, "epochs 2.5"),
    ({"image_size": 31}, "image size 31; allowed: an integer from 32"),
    ({"batch_size": 0}, "batch size 0"),
    ({"learning_rate": -1.0}, "learning rate -1.0"),
    ({"val_fraction": 0.0}, "val_fraction 0.0"),
    ({"mode": "full", "fine_tune_at": 10}, "fine_tune_at 10 with mode full"),
    ({"mode": "fine-tune", "fine_tune_at": 155}, "fine_tune_at 155"),
    ({"mode": "fine-tune", "fine_tune_at": -1}, "fine_tune_at -1"),
    ({"mode": "fine-tune", "epochs": 1}, "epochs 1 with mode fine-tune"),
    ({"mode": "fine-tune", "epochs": 3, "head_epochs": 3}, "head_epochs 3 of 3 epochs"),
    ({"mode": "scratch", "weights": "imagenet"}, "weights 'imagenet' with mode scratch"),
    ({"mode": "frozen", "weights": "none"}, "weights 'none' with mode frozen"),
    ({"weights": "/no/such/file.pth"}, "weights '/no/such/file.pth'"),
    ({"cached_views": 2}, "2 cached views without augmentation"),
    ({"mode": "full", "cached_views": 1}, "cached views with mode full"),
    ({"augment": {"steps": [{"op": "crop", "height": 64, "width": 64}]}, "image_size": 48},
     "crop 64×64 with image size 48"),
    ({"augment": {"steps": [{"op": "nope"}]}}, "op 'nope'"),
])
def test_bad_settings_name_what_was_received(tmp_path, options, message):
    with pytest.raises(CvlabError, match="Received") as caught:
        TrainConfig(str(tmp_path), **options).resolved()
    assert message in str(caught.value)


def test_config_round_trips_through_json(tmp_path):
    cfg = TrainConfig(str(tmp_path), mode="fine-tune", epochs=4).resolved()
    stored = json.loads(json.dumps({**cfg.to_dict(), "class_names": ["a", "b"]}))
    assert TrainConfig.from_dict(stored) == cfg


def test_default_run_dir_is_timestamped_and_never_reused(tmp_path):
    now = dt.datetime(2025, 1, 2, 3, 4, 5)
    first = default_run_dir("frozen", tmp_path, now)
    assert first == tmp_path / "runs" / "20250102-030405-frozen" and first.is_dir()
    assert default_run_dir("frozen", tmp_path, now).name == "20250102-030405-frozen-2"


def test_read_run_reads_the_contract_files(tmp_path):
    paths = RunPaths(tmp_path)
    write_json(paths.config, {"mode": "frozen", "class_names": ["a", "b"]})
    write_json(paths.split, {"train": [[str(tmp_path / "a.png"), 0]],
                             "val": [[str(tmp_path / "b.png"), 1]], "test": []})
    write_json(paths.history, [{"epoch": 1}])
    write_json(paths.state, {"epoch": 1, "finished": True})
    record = read_run(tmp_path)
    assert record.class_names == ["a", "b"]  # from config.json when classes.json is absent
    assert record.split["val"][0][1] == 1 and record.history == [{"epoch": 1}]
    assert record.finished
    assert not list(tmp_path.rglob("*.tmp"))


def test_read_run_rejects_other_folders(tmp_path):
    with pytest.raises(CvlabError, match="does not exist"):
        read_run(tmp_path / "missing")
    with pytest.raises(CvlabError, match="without config.json"):
        read_run(tmp_path)


def test_list_runs_is_newest_first_skips_folders_that_are_not_runs_and_flags_damage(
        tmp_path):
    for age, name in enumerate(["new", "old"]):
        path = RunPaths(tmp_path / name).config
        write_json(path, {"mode": "frozen", "class_names": ["a"]})
        os.utime(path, (1e9 - age * 100, 1e9 - age * 100))
    (tmp_path / "notes").mkdir()
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "config.json").write_text("{half")
    (tmp_path / "file.txt").write_text("x")
    runs = list_runs(tmp_path)
    assert [r.path.name for r in runs if not r.damaged] == ["new", "old"]
    assert [(r.path.name, "not readable JSON" in r.damaged) for r in runs if r.damaged] == [
        ("broken", True)]
    assert list_runs(tmp_path / "missing") == []


def test_progress_event_fraction_and_text():
    batch = ProgressEvent("batch", "head", epoch=2, epochs=4, step=3, steps=6,
                          logs={"loss": 0.5, "accuracy": 0.75})
    assert batch.fraction == pytest.approx(0.375)
    assert batch.text == "epoch 2/4 (head) batch 3/6 · loss 0.500 · accuracy 0.750"
    assert ProgressEvent("epoch", "train", epoch=4, epochs=4).fraction == 1.0
    assert ProgressEvent("features", step=1, steps=4).fraction == 0.25


def test_best_epoch_is_highest_accuracy_then_lowest_loss():
    state = RunState()
    assert state.improves(0.5, 1.0)
    state.best_epoch, state.best_val_accuracy, state.best_val_loss = 1, 0.5, 1.0
    assert state.improves(0.5, 0.9) and state.improves(0.6, 2.0)
    assert not state.improves(0.5, 1.0) and not state.improves(0.4, 0.1)


def test_importing_the_trainer_does_not_import_tensorflow():
    code = ("import sys, cvlab.train, cvlab.train.run, cvlab.cli.train; "
            "print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_cli_help_states_the_config_defaults(tmp_path, capsys):
    from cvlab.cli import main

    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    defaults = TrainConfig(str(tmp_path))
    assert f"epochs in all (default {defaults.epochs})" in text
    assert f"square side (default {defaults.image_size})" in text
    assert f"(default {defaults.mode})" in text and f"default {defaults.batch_size}" in text
