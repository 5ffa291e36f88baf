"""Frozen-mode epoch time: cached base features vs recomputing the base every epoch.

Both runs go through ``cvlab.train.train`` on the bundled sample (written to a temporary
folder), same seed, split, image size and head; the only difference is
``cache_features``. The recompute run is what the TF transfer-learning tutorial does
(the frozen base runs on every image every epoch). An epoch's time is the wall time
between consecutive epoch-end events, so it includes validation and checkpointing.
Epoch 1 of the recompute run includes tracing and decoding, so the ratio is taken from
the second epoch on. The cache's one-time cost (embedding train + val once) is reported
separately, with the total time for all epochs.

    python bench/bench_frozen_cache.py [--sample faces] [--size 128] [--epochs 4]

Target: cached epochs ≥ 10× faster.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cvlab.data import write_sample  # noqa: E402
from cvlab.train import TrainConfig, train  # noqa: E402


def timed_run(data: Path, out: Path, cache: bool, args) -> dict:
    marks: dict[str, list[float]] = {"features": [], "epoch": []}
    start = time.perf_counter()

    def progress(event):
        if event.kind in marks:
            marks[event.kind].append(time.perf_counter() - start)

    config = TrainConfig(str(data), mode="frozen", epochs=args.epochs, image_size=args.size,
                         batch_size=32, cache_features=cache)
    result = train(config, progress, run_dir=out)
    ends = marks["epoch"]
    first_epoch_start = marks["features"][-1] if cache else 0.0
    epochs = [b - a for a, b in zip([first_epoch_start, *ends], ends, strict=False)]
    return {"epochs": epochs, "total": time.perf_counter() - start,
            "cache": marks["features"][-1] if cache else 0.0,
            "val_accuracy": result.val_accuracy, "train": result.train_images}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", default="faces", choices=["faces", "shapes"])
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = write_sample(args.sample, Path(tmp) / "data")
        cached = timed_run(data, Path(tmp) / "cached", True, args)
        recompute = timed_run(data, Path(tmp) / "recompute", False, args)
    later_cached = statistics.mean(cached["epochs"][1:])
    later_recompute = statistics.mean(recompute["epochs"][1:])
    print(f"frozen mode, sample {args.sample} ({cached['train']} train images), "
          f"{args.size} px, batch 32, {args.epochs} epochs, CPU")
    print(f"  {'':<26}{'cached':>10}{'recompute':>12}")
    print(f"  {'build + features, once':<26}{cached['cache']:>9.2f}s{0:>11.2f}s")
    for i, (a, b) in enumerate(zip(cached["epochs"], recompute["epochs"], strict=True), 1):
        print(f"  {f'epoch {i}':<26}{a:>9.3f}s{b:>11.3f}s")
    print(f"  {'whole run (incl. build)':<26}{cached['total']:>9.2f}s{recompute['total']:>11.2f}s")
    print(f"  {'best val accuracy':<26}{cached['val_accuracy']:>10.3f}"
          f"{recompute['val_accuracy']:>12.3f}")
    print(f"epoch time ratio from epoch 2 (recompute / cached): "
          f"{later_recompute / later_cached:.1f}x  (target >= 10x)")


if __name__ == "__main__":
    main()
