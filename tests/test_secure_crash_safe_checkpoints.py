"""Issue 21 item 4: a kill at any point of an epoch's saves leaves a run whose resume finds
a consistent best and last.

Two attacks. The issue's: SIGKILL a real `cvlab train` process at random delays, then
resume it. Our own, covering every point of the saves: training runs once in this process
with each file-system step of the saves hooked, and at every hook the run folder is copied
as it lies on disk, which is what a SIGKILL at that instant leaves (inside a Keras save, the
file being written is also cut to 96 bytes, the truncation the issue saw). Each copy is then
recovered as a resume starts and checked: best and last load, hold the weights of the
epochs state.json names, and history matches.
"""

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from cvlab.train import TrainConfig, checkpoints, read_run, resume, train
from cvlab.train.runs import RunPaths, load_keras_file

pytestmark = pytest.mark.slow
SIZE = 32
EPOCHS = 4
KNOWN = {"last.keras", "best.weights.h5", "state.json"}


def _config(shapes, epochs=EPOCHS):
    """The head on cached base features: tiny checkpoints, fast epochs."""
    return TrainConfig(str(shapes), mode="frozen", image_size=SIZE, batch_size=8,
                       epochs=epochs)


@pytest.fixture(scope="module")
def snapshots(shapes, tmp_path_factory):
    """Copies of the run folder at every step of every epoch's saves, and the weights each
    epoch saved (by epoch, from the staged file names)."""
    from keras.src.saving import saving_api  # what Model.save and save_weights call

    base = tmp_path_factory.mktemp("kills")
    run_dir, copies, saved = base / "run", [], {}
    rng = random.Random(21)

    def snap(cut: Path | None = None):
        if not (run_dir / "split.json").exists():  # the run's own files come first
            return
        copy = base / f"kill-{len(copies):03d}"
        shutil.copytree(run_dir, copy)
        if cut is not None and cut.exists():  # killed while writing this file
            target = copy / cut.relative_to(run_dir)
            target.write_bytes(cut.read_bytes()[:96])
        copies.append(copy)

    def hooked(original, kind):
        def call(model, path, *args, **kwargs):
            path = Path(path)
            epoch = int(path.name.split(".")[1][len("staged-e"):]) if ".staged-e" in \
                path.name else None
            snap()
            result = original(model, path, *args, **kwargs)
            if epoch is not None:
                saved[(kind, epoch)] = [w.copy() for w in model.get_weights()]
                snap(cut=path)  # the file exists now: also the kill in mid-write
            snap()
            return result
        return call

    real_replace = os.replace

    def replace(src, dst):
        snap()
        real_replace(src, dst)
        snap()

    mp = pytest.MonkeyPatch()
    mp.setattr(saving_api, "save_model", hooked(saving_api.save_model, "last"))
    mp.setattr(saving_api, "save_weights", hooked(saving_api.save_weights, "best"))
    mp.setattr(os, "replace", replace)
    try:
        train(_config(Path(shapes)), run_dir=run_dir)
    finally:
        mp.undo()
    return rng.sample(copies, min(len(copies), 40)), saved


def _same(a, b) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def check_consistent(run_dir: Path, saved: dict | None = None) -> dict | None:
    """Recover as resume does, then check best and last against state.json; the state."""
    paths = RunPaths(run_dir)
    checkpoints.recover(paths)
    left = {p.name for p in paths.checkpoints.iterdir()} if paths.checkpoints.is_dir() else set()
    assert left <= KNOWN, f"temporary files left: {left - KNOWN}"
    assert not [p.name for p in run_dir.iterdir() if p.name.startswith(".")]
    record = read_run(run_dir)
    if record.state is None:  # killed before the first epoch was recorded
        assert not (paths.last.exists() or paths.best.exists())
        return None
    state = record.state
    assert [h["epoch"] for h in record.history] == list(range(1, state["epoch"] + 1))
    best = max(record.history, key=lambda h: (h["val_accuracy"], -h["val_loss"]))
    assert state["best_epoch"] == best["epoch"]
    last = load_keras_file(paths.last)
    if saved is not None:
        assert _same(last.get_weights(), saved[("last", state["epoch"])])
    last.load_weights(paths.best)  # a truncated or mismatched file fails here
    if saved is not None:
        assert _same(last.get_weights(), saved[("best", state["best_epoch"])])
    return state


def test_every_kill_point_of_the_saves_leaves_a_consistent_run(snapshots):
    copies, saved = snapshots
    assert len(copies) >= 20
    states = [check_consistent(copy, saved) for copy in copies]
    recorded = {s["epoch"] for s in states if s}
    assert len(recorded) >= 3  # the trials reach across the epochs, not one spot


def test_a_kill_mid_commit_is_finished_and_stale_files_go(snapshots, tmp_path):
    copies, saved = snapshots
    run_dir = tmp_path / "run"
    shutil.copytree(copies[0], run_dir)
    paths = RunPaths(run_dir)
    state = json.loads(paths.state.read_text())
    epoch = state["epoch"] + 1
    for final in (paths.last, paths.history):  # the next epoch staged, state not yet moved
        shutil.copy(final, checkpoints.staged(final, epoch))
    (paths.checkpoints / ".last.999-1.tmp.keras").write_bytes(b"half")  # issue's leftover
    evil = {"../../config.json": "last.keras", ".staged-e1.last.keras": "../x"}
    paths.state.write_text(json.dumps({**state, "commit": evil}))
    assert not checkpoints.recover(paths)  # names outside the staged pattern move nothing
    assert {p.name for p in paths.checkpoints.iterdir()} <= KNOWN
    assert (run_dir / "config.json").is_file()


def test_sigkill_at_random_delays_then_resume(shapes, tmp_path):
    rng = random.Random(4)
    for trial in range(2):
        run_dir = tmp_path / f"run{trial}"
        child = subprocess.Popen(
            [sys.executable, "-m", "cvlab", "train", str(shapes), "--mode", "frozen",
             "--image-size", str(SIZE), "--batch-size", "8",
             "--epochs", "200", "--out", str(run_dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        state = RunPaths(run_dir).state
        deadline = time.monotonic() + 240
        while not state.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(rng.uniform(0, 1.5))  # somewhere in the later epochs' saves
        child.send_signal(signal.SIGKILL)
        child.wait()
        recorded = check_consistent(run_dir)
        assert recorded is not None
        result = resume(run_dir, epochs=recorded["epoch"] + 1)
        assert result.epochs_run == recorded["epoch"] + 1
        check_consistent(run_dir)
