"""Labels count in words: "1 epoch", "2 epochs" (run labels and job titles)."""

from pathlib import Path

from cvlab.train import RunRecord
from ui.text import count
from ui.training import run_label


def test_one_epoch_is_singular():
    def label(epochs: int) -> str:
        history = [{"epoch": i + 1} for i in range(epochs)]
        return run_label(RunRecord(Path("runs/r1"), {}, ["a", "b"], {}, history,
                                   {"best_val_accuracy": 0.5}))

    assert label(1) == "r1 · 1 epoch · best val 50%"
    assert label(2) == "r1 · 2 epochs · best val 50%"


def test_count_is_singular_for_one_only():
    assert [count(n, "epoch") for n in (0, 1, 2)] == ["0 epochs", "1 epoch", "2 epochs"]
