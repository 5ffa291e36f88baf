"""A seeded, stratified train / validation / test split of a scan's usable files.

Stratified: each class is split on its own, so every subset keeps the class mix.
Per class of ``n`` images, validation gets ``round(n * val_fraction)`` and test
``round(n * test_fraction)``, each at least one when its fraction is above zero and
the class has enough images to leave at least one for training. Byte-identical copies
within a class (``report.duplicates``) move together, so no copy of a validation or
test image is trained on; a subset may then hold a copy more than its count. The same
report and seed always give the same split.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cvlab.data.scan import ScanReport
from cvlab.errors import CvlabError


@dataclass(frozen=True)
class Subset:
    """Parallel lists: ``paths[i]`` has label index ``labels[i]``."""

    paths: list[Path]
    labels: list[int]

    def __len__(self) -> int:
        return len(self.paths)


@dataclass(frozen=True)
class Split:
    class_names: list[str]
    train: Subset
    val: Subset
    test: Subset


def split(
    report: ScanReport,
    val_fraction: float = 0.2,
    test_fraction: float = 0.0,
    seed: int = 0,
) -> Split:
    """Split ``report.files`` per class; fractions are of each class's images."""
    for name, value in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not 0.0 <= value < 1.0:
            raise CvlabError(f"{name} must be in [0, 1); received {value}.")
    if val_fraction + test_fraction >= 1.0:
        raise CvlabError(
            f"val_fraction + test_fraction = {val_fraction + test_fraction:.2f} leaves nothing "
            "to train on; keep their sum below 1 (e.g. 0.2 and 0.1)."
        )
    rng = np.random.default_rng(seed)
    copy_of = {path: group[0] for group in report.duplicates for path in group}
    parts: dict[str, tuple[list[Path], list[int]]] = {k: ([], []) for k in ("train", "val", "test")}
    for label in range(len(report.class_names)):
        paths = sorted(p for p, index in report.files if index == label)
        units: dict[Path, list[Path]] = {}
        for path in paths:
            units.setdefault(copy_of.get(path, path), []).append(path)
        groups = list(units.values())
        order = rng.permutation(len(groups))
        wanted = dict(zip(("val", "test"), _counts(len(paths), val_fraction, test_fraction),
                          strict=True))
        chosen: dict[str, list[Path]] = {"val": [], "test": [], "train": []}
        for index in order[:-1]:  # the last group always trains
            key = next((k for k in ("val", "test") if len(chosen[k]) < wanted[k]), "train")
            chosen[key] += groups[index]
        chosen["train"] += groups[order[-1]]
        for key, members in chosen.items():
            parts[key][0].extend(sorted(members))
            parts[key][1].extend([label] * len(members))
    return Split(
        list(report.class_names),
        *(Subset(*parts[key]) for key in ("train", "val", "test")),
    )


def _counts(n: int, val_fraction: float, test_fraction: float) -> tuple[int, int]:
    n_val = max(round(n * val_fraction), 1 if val_fraction > 0 else 0)
    n_test = max(round(n * test_fraction), 1 if test_fraction > 0 else 0)
    while n_val + n_test >= n and (n_val or n_test):  # always leave one to train on
        if n_test >= n_val and n_test:
            n_test -= 1
        else:
            n_val -= 1
    return n_val, n_test


def per_class_sample(subset: Subset, per_class: int, seed: int = 0) -> Subset:
    """At most ``per_class`` images of each class of ``subset``, drawn with ``seed``.

    Nested: for one seed, the sample of ``n`` images of a class starts the sample of any
    larger ``n``, so a data-size curve adds images rather than swapping them.
    """
    if per_class < 1:
        raise CvlabError(f"Received: {per_class} images per class; allowed: at least 1.")
    rng = np.random.default_rng(seed)
    keep: list[int] = []
    for label in sorted(set(subset.labels)):
        members = [i for i, value in enumerate(subset.labels) if value == label]
        keep += [members[i] for i in rng.permutation(len(members))[:per_class]]
    keep.sort()
    return Subset([subset.paths[i] for i in keep], [subset.labels[i] for i in keep])
