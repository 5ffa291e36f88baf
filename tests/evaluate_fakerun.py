"""A tiny trained run folder for the evaluation, prediction and export tests.

It follows the run-folder contract without the trainer: three classes of coloured
shapes, a 5-layer Keras model (Rescaling inside, softmax out) trained briefly on them,
and the JSON files. Built once per test session per ``name`` and shared.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from cvlab import lazy_tf
from cvlab.data import scan, split
from cvlab.data.images import load_resized

CLASSES = ("blue", "green", "red")
COLOURS = {"blue": (40, 60, 220), "green": (40, 200, 60), "red": (220, 50, 40)}


def write_shapes(root: Path, per_class: int = 16, seed: int = 0, size: int = 48) -> Path:
    """``root/<colour>/<n>.png``: a filled shape of that colour on grey noise."""
    rng = np.random.default_rng(seed)
    for name in CLASSES:
        (root / name).mkdir(parents=True, exist_ok=True)
        for index in range(per_class):
            noise = rng.integers(90, 170, (size, size, 3), dtype=np.uint8)
            img = Image.fromarray(noise)
            x0, y0 = rng.integers(2, size // 2, 2)
            x1, y1 = x0 + rng.integers(size // 3, size // 2, 2)
            shape = ImageDraw.Draw(img).ellipse if index % 2 else ImageDraw.Draw(img).rectangle
            shape([int(x0), int(y0), int(x1), int(y1)], fill=COLOURS[name])
            img.save(root / name / f"{name}_{index:02d}.png")
    return root


def build_run(run_dir: Path, data_root: Path, *, seed: int = 0, image_size: int = 32,
              test_fraction: float = 0.0) -> Path:
    """Train the tiny model on ``data_root`` and write a contract-shaped run folder."""
    keras = lazy_tf.keras()
    keras.utils.set_random_seed(seed)
    report = scan(data_root)
    parts = split(report, val_fraction=0.25, test_fraction=test_fraction, seed=seed)
    size = (image_size, image_size)
    x = np.stack([load_resized(p, size) for p in parts.train.paths]).astype(np.float32)
    y = np.asarray(parts.train.labels)
    inputs = keras.Input((image_size, image_size, 3))
    hidden = keras.layers.Rescaling(1 / 255)(inputs)
    hidden = keras.layers.Conv2D(16, 3, activation="relu")(hidden)
    hidden = keras.layers.GlobalAveragePooling2D()(hidden)
    hidden = keras.layers.Dense(64, activation="relu")(hidden)  # 1024 weights: quantised
    outputs = keras.layers.Dense(len(report.class_names), activation="softmax")(hidden)
    model = keras.Model(inputs, outputs)
    model.compile(keras.optimizers.Adam(0.03), "sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=len(x), epochs=60, verbose=0)
    run_dir.mkdir(parents=True)
    model.save(run_dir / "model.keras")
    names = list(report.class_names)
    (run_dir / "classes.json").write_text(json.dumps(names))
    subsets = {key: [[str(p), int(label)] for p, label in
                     zip(getattr(parts, key).paths, getattr(parts, key).labels, strict=True)]
               for key in ("train", "val", "test")}
    (run_dir / "split.json").write_text(json.dumps(subsets))
    config = {"data_dir": str(data_root), "image_size": image_size, "seed": seed,
              "val_fraction": 0.25, "test_fraction": test_fraction, "class_names": names,
              "weights_source": "none"}
    (run_dir / "config.json").write_text(json.dumps(config))
    return run_dir


def fake_run(tmp_path_factory, name: str = "run", **options) -> Path:
    """The session's run ``name`` (built on first use) on the session's shapes folder."""
    base = tmp_path_factory.getbasetemp()
    data_root = base / "evaluate-shapes"
    if not data_root.exists():
        write_shapes(data_root)
    run_dir = base / f"evaluate-{name}"
    if not run_dir.exists():
        build_run(run_dir, data_root, **options)
    return run_dir
