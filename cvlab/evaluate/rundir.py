"""Open a finished training run for evaluation, prediction and export.

The folder layout is :mod:`cvlab.train.runs`' contract; this module adds what the readers
need on top of it: a run must hold ``model.keras`` and its class names, the model loads with
``safe_mode=True`` (no arbitrary code from the file), and the input size is the model's own
input shape, with ``config.json``'s ``image_size`` as the fallback for a dynamic one.
"""

from __future__ import annotations

import os

from cvlab.errors import CvlabError
from cvlab.train.runs import RunRecord, load_keras_file, model_file, read_run


def open_run(run_dir: str | os.PathLike) -> RunRecord:
    """The run in ``run_dir``; :class:`CvlabError` unless it finished at least one epoch."""
    run = read_run(run_dir)
    model_file(run.path)
    if not run.class_names or not all(isinstance(n, str) for n in run.class_names):
        raise CvlabError(f"Received: run folder {run.path} without class names; allowed: a run "
                         "with classes.json (a list of class names in label order).")
    return run


def eval_subset(run: RunRecord) -> str:
    """``test`` when the run kept a test set, else ``val``; error when both are empty."""
    for name in ("test", "val"):
        if run.split.get(name):
            return name
    raise CvlabError(
        f"Received: run {run.path} with empty val and test splits; allowed: a run with "
        "a val or test split, or give a folder of labelled images to evaluate on."
    )


def load_model(run: RunRecord):
    """The run's Keras model, loaded with ``safe_mode=True`` and without its optimizer."""
    return load_keras_file(run.model_path)


def input_size(model, run: RunRecord) -> tuple[int, int]:
    """``(height, width)`` the model takes: its input shape, else the run's image_size."""
    shape = model.input_shape
    height, width = shape[1], shape[2]
    if height and width:
        return int(height), int(width)
    size = run.config.get("image_size")
    if isinstance(size, int):
        return size, size
    if isinstance(size, list | tuple) and len(size) == 2:
        return int(size[0]), int(size[1])
    raise CvlabError(f"Received: run {run.path} whose model has no fixed input size and no "
                     "image_size in config.json; allowed: either one.")
