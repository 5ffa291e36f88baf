"""A dataset folder as Keras code: ``keras.utils.image_dataset_from_directory`` calls.

The code loads the folder as cvlab's trainer sees it: float32 RGB in 0..255, stretched
to ``image_size``², one-hot labels in batches, a seeded validation split. It is
printed as lines of Python (:func:`dataset_lines`) so that the training set-up's code
(:mod:`cvlab.train.codegen`) reads the folder with the same function, and as a whole
module (:func:`dataset_code`). Paths and file names appear only inside string literals.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

SKIPPED_SHOWN = 20

#: Why cvlab scans a folder before training, for the code's docstring.
WHY_SCAN = """\
Why cvlab scans the folder first (python -m cvlab scan FOLDER): Keras lists image
files by their extension and decodes each one only when a batch needs it, so a single
truncated or corrupt file stops training with an error in the middle of an epoch,
possibly after minutes. It also ignores a photo's EXIF orientation and reads only
jpeg, png, bmp and gif files. cvlab decodes every file once before training, converts
what needs converting (CMYK, 16-bit, EXIF-rotated) and trains only on files that
decode."""


def dataset_lines(folder: str | os.PathLike, *, image_size: int, batch_size: int,
                  val_fraction: float, seed: int, test_fraction: float = 0.0) -> list[str]:
    """``DATA_DIR = …`` and ``def load_datasets():`` returning ``(train_ds, val_ds)``."""
    split = [
        f"    # Keras takes the last {val_fraction:g} of the files, shuffled with the seed,",
        "    # for validation; cvlab's own split is stratified (the same fraction of each",
        "    # class)" + (f" and also keeps {test_fraction:g} of the images as a test split "
                         "that" if test_fraction else "."),
        *(["    # no training step sees."] if test_fraction else []),
    ]
    common = [
        "        DATA_DIR,",
        '        labels="inferred",',
        '        label_mode="categorical",  # one-hot labels, as cvlab trains on',
        '        color_mode="rgb",',
        "        image_size=(IMAGE_SIZE, IMAGE_SIZE),  # stretched to a square, as cvlab does",
        "        batch_size=BATCH_SIZE,",
        "        seed=SEED,",
        f"        validation_split={val_fraction!r},",
    ]
    return [
        f"DATA_DIR = {json.dumps(os.fspath(folder))}",
        f"IMAGE_SIZE = {int(image_size)}",
        f"BATCH_SIZE = {int(batch_size)}",
        f"SEED = {int(seed)}",
        "",
        "",
        "def load_datasets():",
        '    """(train, validation) batches of (float32 RGB images in 0..255, one-hot labels),',
        '    class names in train_ds.class_names (the sub-folders, sorted)."""',
        *split,
        "    train_ds = keras.utils.image_dataset_from_directory(",
        *common,
        '        subset="training",',
        "        shuffle=True,",
        "    )",
        "    val_ds = keras.utils.image_dataset_from_directory(",
        *common,
        '        subset="validation",',
        "        shuffle=False,",
        "    )",
        "    return train_ds, val_ds",
    ]


def dataset_code(folder: str | os.PathLike, *, image_size: int, batch_size: int,
                 val_fraction: float, seed: int, test_fraction: float = 0.0,
                 skipped: Sequence[tuple[str, str]] = ()) -> str:
    """A module whose ``load_datasets()`` reads ``folder`` with Keras. ``skipped``:
    ``(file relative to folder, reason)`` for the files cvlab's scan left out."""
    shown = [f"    ({json.dumps(path)}, {json.dumps(reason)})," for path, reason
             in list(skipped)[:SKIPPED_SHOWN]]
    more = len(skipped) - len(shown)
    lines = [
        '"""A dataset folder as Keras datasets, with keras.utils.image_dataset_from_directory.',
        "",
        "Made by cvlab's Datasets page.",
        "",
        WHY_SCAN,
        *([f"Its scan skipped {len(skipped)} file(s) of this folder: SKIPPED below lists "
           "them; Keras would try to read those with an image extension."] if skipped else []),
        '"""',
        "",
        "import keras",
        "",
        *dataset_lines(folder, image_size=image_size, batch_size=batch_size,
                       val_fraction=val_fraction, seed=seed, test_fraction=test_fraction),
    ]
    if skipped:
        lines[lines.index("import keras") + 1:lines.index("import keras") + 1] = [
            "", "# (file, why cvlab's scan skipped it)", "SKIPPED = (", *shown,
            *([f"    # … and {more} more"] if more > 0 else []), ")"]
    lines += [
        "",
        "",
        'if __name__ == "__main__":',
        "    train_ds, val_ds = load_datasets()",
        '    print("classes:", train_ds.class_names)',
        '    print("batches:", len(train_ds), "train,", len(val_ds), "validation")',
    ]
    return "\n".join(lines) + "\n"
