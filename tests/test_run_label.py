"""Run labels count epochs in words: "1 epoch", "2 epochs"."""

from pathlib import Path

from cvlab.train import RunRecord
from ui.training import run_label


def test_one_epoch_is_singular():
    def label(epochs: int) -> str:
        history = [{"epoch": i + 1} for i in range(epochs)]
        return run_label(RunRecord(Path("runs/r1"), {}, ["a", "b"], {}, history,
                                   {"best_val_accuracy": 0.5}))

    assert label(1) == "r1 · 1 epoch · best val 50%"
    assert label(2) == "r1 · 2 epochs · best val 50%"
