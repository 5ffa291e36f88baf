"""Does the input pipeline keep the model busy? Training images/s from files vs from memory.

The same compiled transfer model (frozen base recomputed each step, as the TF tutorial
trains; or every layer trained) is fitted twice per round:

* real: the trainer's pipeline (``cvlab.train.datasets.image_batches``: files → PIL
  decode → resize → uint8 cache → shuffle → batch → float32 → one-hot → prefetch);
* in memory: the same images, already decoded, resized and batched as float32 arrays
  (``from_tensor_slices(arrays).batch(32).cache().prefetch(2)``), so both runs
  do identical arithmetic and only the input path differs.

The training split is listed REPEAT times (3) so that an epoch is long enough to time
steadily. One pass over the real pipeline decodes the files into its cache, and one epoch of each
is a warm-up (tracing). Then ROUNDS alternating epochs of each are timed and the
fastest epochs compared (best of ROUNDS: the machine is shared, and noise only
ever slows an epoch down): ratio = real images/s ÷ in-memory images/s.

    python bench/bench_train_pipeline.py [--sample faces] [--size 96] [--modes frozen,full]

Target: ratio ≥ 0.9.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cvlab import lazy_tf  # noqa: E402
from cvlab.data import Subset, scan, split, write_sample  # noqa: E402
from cvlab.train.datasets import image_batches  # noqa: E402
from cvlab.train.model import build_classifier, compile_model, set_phase  # noqa: E402
from cvlab.weights import resolve_weights  # noqa: E402

BATCH, ROUNDS, REPEAT = 32, 4, 3
PHASE = {"frozen": "head", "full": "train"}


def epoch_seconds(model, dataset) -> float:
    start = time.perf_counter()
    model.fit(dataset, epochs=1, verbose=0)
    return time.perf_counter() - start


def measure(mode: str, train_subset, classes: int, size: int) -> tuple[float, float]:
    tf = lazy_tf.tf()
    source = resolve_weights("imagenet", include_top=False, input_size=size)
    clf = build_classifier(source, size, classes, frozen_bn=mode == "frozen")
    set_phase(clf, PHASE[mode])
    compile_model(clf.model, 1e-4)
    real = image_batches(train_subset, classes, size, BATCH, seed=0, shuffle=True)
    pairs = [(np.asarray(x), np.asarray(y)) for x, y in real]  # decodes: the cache fills
    x = np.concatenate([p[0] for p in pairs])
    y = np.concatenate([p[1] for p in pairs])
    synthetic = tf.data.Dataset.from_tensor_slices((x, y)).batch(BATCH).cache().prefetch(2)
    epoch_seconds(clf.model, real)  # trace
    epoch_seconds(clf.model, synthetic)
    real_s, synth_s = [], []
    for _ in range(ROUNDS):
        real_s.append(epoch_seconds(clf.model, real))
        synth_s.append(epoch_seconds(clf.model, synthetic))
    images = len(train_subset)
    return images / min(real_s), images / min(synth_s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", default="faces", choices=["faces", "shapes"])
    parser.add_argument("--size", type=int, default=96)
    parser.add_argument("--modes", default="frozen,full")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        report = scan(write_sample(args.sample, Path(tmp) / "data"))
        train = split(report, 0.2, seed=0).train
        train_subset = Subset(train.paths * REPEAT, train.labels * REPEAT)
        print(f"sample {args.sample}: {len(train_subset)} training images, {args.size} px, "
              f"batch {BATCH}, best of {ROUNDS} alternating epochs, CPU")
        for mode in args.modes.split(","):
            real, synthetic = measure(mode, train_subset, len(report.class_names), args.size)
            print(f"  {mode:<7} real {real:7.1f} img/s   in-memory {synthetic:7.1f} img/s   "
                  f"ratio {real / synthetic:.2f}  (target >= 0.9)")


if __name__ == "__main__":
    main()
