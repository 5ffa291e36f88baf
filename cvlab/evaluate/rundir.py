"""Read a training run folder for evaluation, prediction and export.

The run-folder contract (written by ``python -m cvlab train``)::

    run_dir/config.json    training settings (image_size, …) and class_names
    run_dir/classes.json   class names in label order
    run_dir/split.json     {"train"|"val"|"test": [[absolute path, label], …]}
    run_dir/model.keras    one complete inference model: float32 RGB 0..255 in,
                           softmax probabilities out, preprocessing inside

The model is always loaded with ``safe_mode=True`` (no arbitrary code from the file).
The input size is the model's own input shape; ``config.json``'s ``image_size`` is the
fallback for a model built with a dynamic input size.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from cvlab import tfrun
from cvlab.errors import CvlabError

SUBSETS = ("train", "val", "test")


@dataclass(frozen=True)
class Run:
    """A validated run folder: its class names, split and settings (model not loaded)."""

    path: Path
    class_names: list[str]
    split: dict[str, list[tuple[Path, int]]]
    config: dict

    @property
    def model_path(self) -> Path:
        return self.path / "model.keras"

    def eval_subset(self) -> str:
        """``test`` when the run kept a test set, else ``val``; error when both are empty."""
        for name in ("test", "val"):
            if self.split.get(name):
                return name
        raise CvlabError(
            f"Received: run {self.path} with empty val and test splits; allowed: a run with "
            "a val or test split, or give a folder of labelled images to evaluate on."
        )


def open_run(run_dir: str | os.PathLike) -> Run:
    """Check ``run_dir`` holds a finished run and read its JSON files."""
    path = Path(run_dir).expanduser()
    if not path.is_dir():
        what = "is a file" if path.exists() else "does not exist"
        raise CvlabError(f"Received: run folder {path} ({what}); allowed: a folder made by "
                         "`python -m cvlab train`.")
    path = path.resolve()
    if not (path / "model.keras").is_file():
        raise CvlabError(f"Received: run folder {path} without model.keras; allowed: a run "
                         "that finished at least one epoch (it saves model.keras).")
    config = _read_json(path / "config.json", {})
    class_names = _read_json(path / "classes.json", None) or config.get("class_names")
    if not class_names or not all(isinstance(n, str) for n in class_names):
        raise CvlabError(f"Received: run folder {path} without class names; allowed: a run "
                         "with classes.json (a list of class names in label order).")
    raw = _read_json(path / "split.json", {})
    split = {name: [(Path(p), int(label)) for p, label in raw.get(name, [])] for name in SUBSETS}
    return Run(path, list(class_names), split, config)


def load_model(run: Run):
    """The run's Keras model, loaded with ``safe_mode=True`` and without its optimizer."""
    return load_keras_file(run.model_path)


def load_keras_file(path: Path):
    keras = tfrun.keras()
    try:
        return keras.saving.load_model(path, safe_mode=True, compile=False)
    except Exception as exc:
        raise CvlabError(f"Received: {path} that Keras cannot load in safe mode "
                         f"({type(exc).__name__}: {str(exc)[:200]}); allowed: a .keras file "
                         "saved by cvlab (no custom Python code).") from None


def input_size(model, run: Run) -> tuple[int, int]:
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


def _read_json(path: Path, default):
    if not path.exists():
        return default
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise CvlabError(f"Received: {path} that is not readable JSON ({exc}); allowed: the "
                         "file as the trainer wrote it.") from None
