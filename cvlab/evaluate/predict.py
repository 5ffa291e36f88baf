"""Top-K classes for individual images with a run's model.

Every image is read on its own: one that is missing or unreadable is reported in
``unreadable`` with the reason and the others are still predicted. Only when no
image at all can be read is it an error (:class:`~cvlab.errors.CvlabError`).
Asking for more classes than the run has shows all of them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from cvlab.errors import CvlabError
from cvlab.evaluate.inference import Predictor, read_images
from cvlab.evaluate.rundir import input_size, load_model, open_run


def predict(run_dir: str | os.PathLike, images: Sequence[str | os.PathLike],
            top: int = 5) -> dict:
    """``{"run_dir", "class_names", "results": [{"image", "top": [{"class", "index",
    "probability"}]}], "unreadable": [{"path", "reason"}]}``, best class first."""
    if top < 1:
        raise CvlabError(f"Received: top {top}; allowed: an integer of at least 1.")
    if not images:
        raise CvlabError("Received: no images; allowed: one or more image files.")
    run = open_run(run_dir)
    model = load_model(run)
    size = input_size(model, run)
    paths = [Path(p) for p in images]
    pixels, kept, unreadable = read_images(paths, size)
    if not kept:
        listed = "; ".join(f"{u['path']} ({u['reason']})" for u in unreadable)
        raise CvlabError(f"Received: no readable image: {listed}; allowed: JPEG, PNG, GIF, "
                         "BMP, WebP or TIFF files that exist.")
    probabilities = Predictor(model, size)(pixels)
    k = min(top, len(run.class_names))
    results = []
    for index, row in zip(kept, probabilities, strict=True):
        best = np.argsort(-row, kind="stable")[:k]
        results.append({"image": str(images[index]), "top": [
            {"class": run.class_names[i], "index": int(i), "probability": float(row[i])}
            for i in best]})
    return {"run_dir": str(run.path), "class_names": run.class_names, "results": results,
            "unreadable": unreadable}
