"""Ensembles: average the softmax probabilities of several runs' models.

Members must share the class names in the same order (they index the same outputs).
Each member reads the images at its own input size, so runs trained at different
resolutions can be combined. Averaging probabilities (not arg-max votes) keeps
each model's confidence; it costs one forward pass per member.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cvlab.errors import CvlabError
from cvlab.train.runs import RunRecord


def check_members(runs: Sequence[RunRecord]) -> None:
    """Raise unless the runs are distinct and share class names in the same order."""
    first = runs[0]
    seen = {first.path}
    for run in runs[1:]:
        if run.path in seen:
            raise CvlabError(f"Received: run {run.path} twice in the ensemble; allowed: "
                             "distinct runs (the same model twice adds only cost).")
        seen.add(run.path)
        if run.class_names != first.class_names:
            raise CvlabError(f"Received: ensemble member {run.path} with classes "
                             f"{run.class_names}; allowed: the same classes in the same order "
                             f"as {first.path}: {first.class_names}.")


def average(probabilities: Sequence[np.ndarray]) -> np.ndarray:
    """Element-wise mean of equally shaped ``(n, classes)`` probability arrays."""
    return np.mean(np.stack(probabilities), axis=0)
