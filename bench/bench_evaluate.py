"""What multi-crop, ensembling and export buy and cost, on a bundled sample.

Prints figures; not a test. Usage: ``python bench/bench_evaluate.py [SAMPLE] [EPOCHS]``
(defaults: faces, 4 epochs, short enough that one model is not already perfect).
Trains two small CNNs (64×64 input, seeds 0 and 1) on the sample (``faces``: 200
images, 2 classes; ``shapes``: 180 images, 3 classes; 25 % held out), then reports
single crop vs. 10-crop vs. the 2-run ensemble (accuracy, model time), and exports
run 0 plus an untrained 224×224 MobileNetV2 to .keras / TFLite / TFLite dynamic-range
int8 (sizes, latency, agreement; the untrained network's near-uniform outputs make
its agreement figures uninformative).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cvlab import lazy_tf  # noqa: E402
from cvlab.data import scan, split, write_sample  # noqa: E402
from cvlab.data.images import load_resized  # noqa: E402
from cvlab.evaluate import evaluate, export  # noqa: E402

SIZE = 64


def write_run(run_dir: Path, model, parts, names) -> Path:
    run_dir.mkdir()
    model.save(run_dir / "model.keras")
    (run_dir / "classes.json").write_text(json.dumps(names))
    subsets = {key: [[str(p), int(y)] for p, y in zip(getattr(parts, key).paths,
                                                      getattr(parts, key).labels, strict=True)]
               for key in ("train", "val", "test")}
    (run_dir / "split.json").write_text(json.dumps(subsets))
    (run_dir / "config.json").write_text(json.dumps({"image_size": model.input_shape[1],
                                                     "class_names": names}))
    return run_dir


def small_cnn(keras, classes: int):
    inputs = keras.Input((SIZE, SIZE, 3))
    x = keras.layers.Rescaling(1 / 127.5, offset=-1)(inputs)
    for filters in (32, 64, 128):
        x = keras.layers.Conv2D(filters, 3, strides=2, padding="same", activation="relu")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(classes, activation="softmax")(x))


def mobilenet(keras, classes: int):
    inputs = keras.Input((224, 224, 3))
    x = keras.layers.Rescaling(1 / 127.5, offset=-1)(inputs)
    net = keras.applications.MobileNetV2(weights=None, classes=classes, input_shape=(224, 224, 3))
    return keras.Model(inputs, net(x))


def main() -> None:
    sample = sys.argv[1] if len(sys.argv) > 1 else "faces"
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    keras = lazy_tf.keras()
    say = lambda line: print(line, file=sys.stderr)  # noqa: E731
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        report = scan(write_sample(sample, tmp / sample))
        parts = split(report, val_fraction=0.25, seed=0)
        x = np.stack([load_resized(p, (SIZE, SIZE)) for p in parts.train.paths])
        y = np.asarray(parts.train.labels)
        runs = []
        for seed in (0, 1):
            keras.utils.set_random_seed(seed)
            model = small_cnn(keras, len(report.class_names))
            model.compile(keras.optimizers.Adam(2e-3), "sparse_categorical_crossentropy")
            model.fit(x.astype(np.float32), y, batch_size=16, epochs=epochs, verbose=0)
            runs.append(write_run(tmp / f"run{seed}", model, parts, report.class_names))
        result = evaluate(runs[0], multicrop=True, ensemble=[runs[1]], log=say)
        single = result["single"]
        print(f"{sample} sample, {single['images']} val images, {SIZE}×{SIZE}, "
              f"{epochs} epochs, CPU")
        print(f"  single crop   {single['accuracy']:6.1%}            "
              f"{single['seconds']:.3f}s  1.0×")
        for key in ("multicrop", "ensemble"):
            v = result[key]
            print(f"  {key:<13} {v['accuracy']:6.1%} ({100 * v['accuracy_gain']:+5.1f} pts) "
                  f"{v['seconds']:.3f}s  {v['slowdown']:.1f}×")
        names = report.class_names
        big = write_run(tmp / "mobilenet", mobilenet(keras, len(names)), parts, names)
        for run in (runs[0], big):
            out = export(run, ["keras", "tflite", "tflite-int8"], runs=30, log=say)
            print(f"export {run.name} ({out['image_size'][0]}×{out['image_size'][1]})")
            for row in out["exports"]:
                print(f"  {row['format']:<12} {row['bytes'] / 1e6:8.3f} MB "
                      f"{row['latency_ms']:8.2f} ms/image  top-1 agree "
                      f"{row['top1_agreement']:.0%}  max Δp {row['max_prob_diff']:.1e}")


if __name__ == "__main__":
    main()
