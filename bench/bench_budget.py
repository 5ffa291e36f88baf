"""The accuracy bar: ImageNet features (frozen) vs random initialisation (scratch), same time.

Each mode trains on the bundled sample with the same wall-clock budget (model build,
tracing and the frozen feature cache all count): ``train`` is given many epochs and a
``threading.Timer`` sets its stop event when the budget is spent, so it stops within a
batch and keeps its best epoch (chosen on the validation split). The kept
``model.keras`` is then scored on a held-out test split that played no part in training
or in choosing the epoch.

    python bench/bench_budget.py [--samples faces,shapes] [--budget 60] [--size 128]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cvlab.data import write_sample  # noqa: E402
from cvlab.data.images import load_resized  # noqa: E402
from cvlab.train import TrainConfig, load_run_model, read_run, train  # noqa: E402


def test_accuracy(run_dir: Path, size: int) -> float:
    record = read_run(run_dir)
    images = np.stack([load_resized(p, (size, size)) for p, _ in record.split["test"]])
    labels = np.array([label for _, label in record.split["test"]])
    probs = load_run_model(run_dir).predict(images.astype(np.float32), verbose=0)
    return float(np.mean(probs.argmax(axis=1) == labels))


def budgeted(data: Path, out: Path, mode: str, args) -> tuple:
    stop = threading.Event()
    timer = threading.Timer(args.budget, stop.set)
    config = TrainConfig(str(data), mode=mode, epochs=10_000, image_size=args.size,
                         batch_size=32, val_fraction=0.2, test_fraction=0.2, seed=args.seed)
    timer.start()
    try:
        result = train(config, stop_event=stop, run_dir=out)
    finally:
        timer.cancel()
    return result, test_accuracy(result.run_dir, args.size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", default="faces,shapes")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per run")
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"same budget of {args.budget:.0f} s per run, {args.size} px, batch 32, CPU")
    print(f"  {'sample':<8}{'mode':<9}{'epochs':>7}{'best':>6}{'val acc':>9}{'test acc':>10}"
          f"{'test n':>8}{'seconds':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for sample in args.samples.split(","):
            data = write_sample(sample, Path(tmp) / sample)
            for mode in ("frozen", "scratch"):
                result, accuracy = budgeted(data, Path(tmp) / f"{sample}-{mode}", mode, args)
                tests = len(read_run(result.run_dir).split["test"])
                print(f"  {sample:<8}{mode:<9}{result.epochs_run:>7}{result.best_epoch:>6}"
                      f"{result.val_accuracy:>9.3f}{accuracy:>10.3f}{tests:>8}"
                      f"{result.seconds:>9.1f}", flush=True)


if __name__ == "__main__":
    main()
