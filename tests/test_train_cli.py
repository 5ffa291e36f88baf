"""`python -m cvlab train`: the --json contract, the human summary, progress and bad input."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KEYS = {"run_dir", "mode", "weights_source", "classes", "train_images", "val_images",
        "epochs_run", "val_accuracy", "val_loss", "seconds"}


def cvlab(*args, cwd=ROOT):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "cvlab", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.slow
def test_scratch_json_is_one_object_with_the_contract_keys(shapes, tmp_path):
    out = tmp_path / "run"
    done = cvlab("train", shapes, "--mode", "scratch", "--epochs", "1", "--image-size", "32",
                 "--batch-size", "8", "--out", out, "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert set(result) >= KEYS
    assert result["run_dir"] == str(out.resolve()) and result["mode"] == "scratch"
    assert result["weights_source"]["name"] == "none"
    assert result["classes"] == ["blue", "green", "red"]
    assert (result["train_images"], result["val_images"], result["epochs_run"]) == (24, 6, 1)
    assert 0.0 <= result["val_accuracy"] <= 1.0 and result["val_loss"] > 0
    assert (out / "model.keras").is_file()
    assert "epoch 1/1 (train)" in done.stderr


@pytest.mark.slow
def test_default_output_is_a_summary_and_runs_lands_under_cwd(shapes, tmp_path):
    done = cvlab("train", shapes, "--mode", "frozen", "--epochs", "2", "--image-size", "32",
                 cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    runs = list((tmp_path / "runs").iterdir())
    assert len(runs) == 1 and runs[0].name.endswith("-frozen")
    assert f"run folder   {runs[0]}" in done.stdout
    assert "images       24 train, 6 validation" in done.stdout
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith("[") and "computing base features" in lines[0]
    assert [line.split("] ")[1].split(" ·")[0] for line in lines[1:]] == [
        "epoch 1/2 (head)", "epoch 2/2 (head)"]

    more = cvlab("train", "--resume", runs[0], "--epochs", "3", "--json")
    assert more.returncode == 0, more.stderr
    assert json.loads(more.stdout)["epochs_run"] == 3


@pytest.mark.parametrize(("args", "message"), [
    (["{missing}"], "does not exist"),
    (["{data}", "--mode", "frozn"], "Received: mode 'frozn'; allowed: frozen, fine-tune"),
    (["{data}", "--epochs", "-2"], "Received: epochs -2"),
    (["{data}", "--image-size", "16"], "Received: image size 16"),
    (["{data}", "--mode", "fine-tune", "--fine-tune-at", "155"], "fine_tune_at 155"),
    (["{data}", "--weights", "{missing}.pth"], "allowed: imagenet, imagenet-keras"),
    (["{data}", "--augment", "{missing}.json"], "Received: --augment"),
    (["{data}", "--out", "{data}"], "already holds files"),
    (["--resume", "{data}", "--mode", "full"], "--mode with --resume"),
    (["--resume", "{missing}"], "run folder"),
    ([], "no DIR"),
])
def test_bad_input_exits_2_with_one_line(shapes, tmp_path, args, message):
    names = {"data": shapes, "missing": tmp_path / "nope"}
    done = cvlab("train", *[a.format(**names) for a in args])
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("error: ") and message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
