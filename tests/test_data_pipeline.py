"""Loading yields exactly the validated images with the right pixels, survives bad files, trains."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from cvlab.data.messy import BLUE, RED
from cvlab.data.pipeline import make_dataset
from cvlab.data.scan import scan
from cvlab.data.split import split
from cvlab.errors import CvlabError

pytestmark = pytest.mark.slow
SIZE = (40, 20)  # (height, width): the upright size of the EXIF-rotated file


@pytest.fixture(scope="module")
def report(messy):
    return scan(messy, max_pixels=1_000_000)


def _collect(ds):
    images, labels = [], []
    for x, y in ds:
        images.append(x.numpy())
        labels.append(y.numpy())
    return np.concatenate(images), np.concatenate(labels)


def test_loads_exactly_the_good_images_with_right_pixels(report):
    paths, labels = zip(*report.files, strict=True)
    ds = make_dataset(paths, labels, SIZE, batch_size=8, shuffle=False)
    images, got = _collect(ds)
    assert images.shape == (26, 40, 20, 3) and images.dtype == np.float32
    assert got.tolist() == list(labels) and got.dtype == np.int32
    assert images.min() >= 0.0 and images.max() <= 255.0 and images.max() > 200
    rotated = images[[p.name for p in paths].index("rotated.jpg")]
    assert np.abs(rotated[5, 10] - RED).max() < 15  # upright: red on top…
    assert np.abs(rotated[35, 10] - BLUE).max() < 15  # …blue below
    rgba = images[[p.name for p in paths].index("rgba.png")]
    assert rgba[20, 2].tolist() == [255.0, 255.0, 255.0]  # transparent half on white


def test_a_file_broken_after_the_scan_is_replaced_not_fatal(report, tmp_path, caplog):
    red = [path for path, label in report.files if label == 1][:4]
    blue = [path for path, label in report.files if label == 0][:2]
    copies = []
    for index, path in enumerate(red + blue):
        copies.append(tmp_path / f"{index}_{path.name}")
        shutil.copy(path, copies[-1])
    copies[1].write_bytes(b"now corrupt")
    copies[2].unlink()
    labels = [1, 1, 1, 1, 0, 0]
    ds = make_dataset(copies, labels, (16, 16), batch_size=4, shuffle=False)
    assert ds.cardinality().numpy() == 2  # known length: 6 images in batches of 4
    for _ in range(2):  # second epoch comes from the cache
        images, got = _collect(ds)
        assert images.shape == (6, 16, 16, 3) and got.tolist() == labels
        # Both broken red files were stood in for by the next readable red image.
        assert np.array_equal(images[1], images[3]) and np.array_equal(images[2], images[3])
        assert np.abs(images[:4].mean(axis=(1, 2)) - RED).max() < 15
    failed = [r.args[0] for r in caplog.records if "using another image" in r.getMessage()]
    assert sorted(set(failed)) == [str(copies[1]), str(copies[2])]  # only the broken two


def test_shuffle_reorders_each_epoch_with_the_same_content(report):
    parts = split(report, val_fraction=0.25, seed=0)
    ds = make_dataset(parts.train.paths, parts.train.labels, (8, 8), batch_size=64, seed=5)
    first, second = (_collect(ds)[1] for _ in range(2))
    assert sorted(first) == sorted(second) == sorted(parts.train.labels)
    assert first.tolist() != second.tolist()


def test_one_epoch_of_training_runs(report):
    from cvlab.lazy_tf import keras

    k = keras()
    parts = split(report, val_fraction=0.2, seed=0)
    train = make_dataset(parts.train.paths, parts.train.labels, (32, 32), batch_size=8)
    val = make_dataset(parts.val.paths, parts.val.labels, (32, 32), batch_size=8, shuffle=False)
    model = k.Sequential([
        k.Input((32, 32, 3)),
        k.layers.Rescaling(1 / 255),
        k.layers.Conv2D(4, 3, activation="relu"),
        k.layers.GlobalAveragePooling2D(),
        k.layers.Dense(len(report.class_names)),
    ])
    model.compile(
        optimizer="adam",
        loss=k.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    # shuffle=False: the tf.data pipeline already reshuffles every epoch.
    history = model.fit(train, validation_data=val, epochs=1, shuffle=False, verbose=0)
    assert np.isfinite(history.history["loss"][0]) and "val_accuracy" in history.history


def test_bad_arguments_are_refused():
    with pytest.raises(CvlabError, match="2 paths but 1 labels"):
        make_dataset([Path("a"), Path("b")], [0])
    with pytest.raises(CvlabError, match="empty"):
        make_dataset([], [])
    with pytest.raises(CvlabError, match="positive"):
        make_dataset([Path("a")], [0], (0, 8))
