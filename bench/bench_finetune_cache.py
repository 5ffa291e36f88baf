"""Fine-tune mode end to end: head phase on cached base features vs recomputing the base.

Both runs go through ``cvlab.train.train`` on a bundled sample, same seed, split, image
size, epochs and ``fine_tune_at``; the only difference is ``cache_features``. With the
cache the head epochs train the head alone on pooled features computed once, and the
fine-tune epochs run only the base above a block boundary below ``fine_tune_at``, on
cached outputs of the frozen bottom; without it every epoch runs the whole base on every
image (what the TF tutorial does). Time is wall time of the whole ``train`` call
(model build, cache, every epoch, checkpoints, export). Both models are then evaluated
on the same test split, which neither saw, with 95% Wilson intervals and the paired
interval of their difference. The runs alternate ``--repeats`` times, so background
load hits both alike; the ratio is of the medians.

    python bench/bench_finetune_cache.py [--sample faces] [--size 128] [--epochs 10]

Target: cached ≥ 1.7× faster end to end at the same test accuracy.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from cvlab.data import write_sample  # noqa: E402
from cvlab.evaluate import evaluate  # noqa: E402
from cvlab.evaluate.metrics import paired_difference  # noqa: E402
from cvlab.train import TrainConfig, train  # noqa: E402


def timed_run(data: Path, out: Path, cache: bool, args) -> dict:
    config = TrainConfig(str(data), mode="fine-tune", epochs=args.epochs,
                         image_size=args.size, batch_size=32, seed=args.seed,
                         cache_features=cache)
    start = time.perf_counter()
    result = train(config, run_dir=out)
    seconds = time.perf_counter() - start
    report = evaluate(out)["single"]
    correct = [p["true"] == p["predicted"] for p in report["predictions"]]
    return {"seconds": seconds, "test": report["accuracy"], "ci": report["accuracy_ci"],
            "correct": correct, "val": result.val_accuracy, "train": result.train_images,
            "test_images": report["images"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", default="faces", choices=["faces", "shapes"])
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    runs = {True: [], False: []}
    with tempfile.TemporaryDirectory() as tmp:
        data = write_sample(args.sample, Path(tmp) / "data")
        for repeat in range(args.repeats):
            for cache in (False, True):
                out = Path(tmp) / f"{'cached' if cache else 'recompute'}-{repeat}"
                runs[cache].append(timed_run(data, out, cache, args))
    cached, recompute = runs[True][-1], runs[False][-1]
    fast = statistics.median(r["seconds"] for r in runs[True])
    slow = statistics.median(r["seconds"] for r in runs[False])
    print(f"fine-tune mode, sample {args.sample} ({cached['train']} train, "
          f"{cached['test_images']} test images), {args.size} px, batch 32, {args.epochs} "
          f"epochs (half head, half fine-tune), {args.repeats} run(s) each, CPU")
    print(f"  {'':<28}{'cached head':>16}{'recompute':>16}")
    print(f"  {'whole run, median':<28}{fast:>15.1f}s{slow:>15.1f}s")
    print(f"  {'best val accuracy':<28}{cached['val']:>16.3f}{recompute['val']:>16.3f}")
    for name, row in (("test accuracy", "test"),):
        print(f"  {name:<28}{cached[row]:>16.3f}{recompute[row]:>16.3f}")
    print(f"  {'test 95% interval':<28}{_ci(cached['ci']):>16}{_ci(recompute['ci']):>16}")
    low, high = paired_difference(np.array(cached["correct"]), np.array(recompute["correct"]))
    print(f"test accuracy difference (cached − recompute): "
          f"{100 * (cached['test'] - recompute['test']):+.1f} points, paired 95% interval "
          f"{100 * low:+.1f} to {100 * high:+.1f}")
    print(f"end-to-end ratio (recompute / cached): {slow / fast:.2f}x  (target >= 1.7x)")


def _ci(ci) -> str:
    return f"{ci[0]:.2f}-{ci[1]:.2f}"


if __name__ == "__main__":
    main()
