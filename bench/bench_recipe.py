"""The course's recipe (TF transfer-learning tutorial) vs cvlab's trainer: time and accuracy.

Recipe, written here in plain Keras as the tutorial does it (on the same MobileNetV2
weights, split, pipeline and image size): augmentation layers (flip, rotation 0.2)
inside the model, base frozen and recomputed every epoch, RMSprop 1e-4 for E1 epochs;
then layers from 100 up unfrozen, RMSprop 1e-5 for E2 more epochs. Keras 3 ignores the
tutorial's ``base(x, training=False)`` once the base trains (see cvlab.train.model), so
its BatchNorm statistics move during fine-tuning, as they would for a tutorial reader.

Ours: ``cvlab.train.train`` in mode ``frozen`` (feature cache, Adam 1e-3) for E1 + E2
epochs, and in mode ``fine-tune`` (E1 head epochs, then E2 at 1/10 the rate from layer
100, BatchNorm frozen). Accuracy is on the validation split: the recipe's last epoch
and its best epoch; ours is the best epoch, the one kept in model.keras.

    python bench/bench_recipe.py [--sample faces] [--size 128] [--e1 5] [--e2 5]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cvlab import lazy_tf  # noqa: E402
from cvlab.data import scan, split, write_sample  # noqa: E402
from cvlab.train import TrainConfig, train  # noqa: E402
from cvlab.train.datasets import image_batches  # noqa: E402
from cvlab.train.model import base_network  # noqa: E402
from cvlab.weights import resolve_weights  # noqa: E402
from cvlab.weights.preprocess import preprocessing_layer  # noqa: E402


def tutorial(data: Path, args) -> tuple[float, list[float]]:
    """The tutorial's two stages; returns seconds and per-epoch val accuracy."""
    keras = lazy_tf.keras()
    start = time.perf_counter()
    keras.utils.set_random_seed(0)
    report = scan(data)
    parts = split(report, 0.2, seed=0)
    classes = len(report.class_names)
    train_ds = image_batches(parts.train, classes, args.size, 32, seed=0, shuffle=True)
    val_ds = image_batches(parts.val, classes, args.size, 32, seed=0, shuffle=False)
    source = resolve_weights("imagenet", include_top=False, input_size=args.size)
    base = base_network(source, args.size)
    base.trainable = False
    inputs = keras.Input((args.size, args.size, 3))
    x = keras.layers.RandomFlip("horizontal")(inputs)
    x = keras.layers.RandomRotation(0.2)(x)
    x = preprocessing_layer(source.preprocessing)(x)
    x = base(x, training=False)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(0.2)(x)
    model = keras.Model(inputs, keras.layers.Dense(classes, activation="softmax")(x))
    model.compile(keras.optimizers.RMSprop(1e-4), "categorical_crossentropy",
                  metrics=["accuracy"])
    first = model.fit(train_ds, validation_data=val_ds, epochs=args.e1, verbose=0)
    base.trainable = True
    for layer in base.layers[:100]:
        layer.trainable = False
    model.compile(keras.optimizers.RMSprop(1e-5), "categorical_crossentropy",
                  metrics=["accuracy"])
    second = model.fit(train_ds, validation_data=val_ds, epochs=args.e1 + args.e2,
                       initial_epoch=args.e1, verbose=0)
    accuracy = first.history["val_accuracy"] + second.history["val_accuracy"]
    return time.perf_counter() - start, accuracy


def ours(data: Path, out: Path, mode: str, args):
    config = TrainConfig(str(data), mode=mode, epochs=args.e1 + args.e2, image_size=args.size,
                         batch_size=32, head_epochs=args.e1 if mode == "fine-tune" else None)
    return train(config, run_dir=out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", default="faces", choices=["faces", "shapes"])
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--e1", type=int, default=5, help="frozen-base epochs")
    parser.add_argument("--e2", type=int, default=5, help="fine-tune epochs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = write_sample(args.sample, Path(tmp) / "data")
        seconds, accuracy = tutorial(data, args)
        frozen = ours(data, Path(tmp) / "frozen", "frozen", args)
        fine = ours(data, Path(tmp) / "fine", "fine-tune", args)
    print(f"sample {args.sample}, {args.size} px, batch 32, {args.e1} + {args.e2} epochs, CPU")
    print(f"  {'':<34}{'seconds':>8}{'val acc':>9}")
    print(f"  {'recipe (tutorial), last epoch':<34}{seconds:>8.1f}{accuracy[-1]:>9.3f}")
    print(f"  {'recipe (tutorial), best epoch':<34}{'':>8}{max(accuracy):>9.3f}")
    print(f"  {'ours: frozen + feature cache':<34}{frozen.seconds:>8.1f}"
          f"{frozen.val_accuracy:>9.3f}")
    print(f"  {'ours: fine-tune':<34}{fine.seconds:>8.1f}{fine.val_accuracy:>9.3f}")
    print(f"speed-up of ours (frozen) over the recipe: {seconds / frozen.seconds:.1f}x")


if __name__ == "__main__":
    main()
