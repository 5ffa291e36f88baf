"""The split is stratified, seeded, disjoint, and always leaves something to train on."""

from __future__ import annotations

from pathlib import Path

import pytest

from cvlab.data.scan import ScanReport
from cvlab.data.split import split
from cvlab.errors import CvlabError


def _report(counts: dict[str, int]) -> ScanReport:
    names = sorted(counts)
    files = [
        (Path(f"/d/{name}/{i:03d}.jpg"), label)
        for label, name in enumerate(names)
        for i in range(counts[name])
    ]
    return ScanReport(Path("/d"), names, files)


def test_split_is_stratified_and_disjoint():
    report = _report({"a": 50, "b": 30, "c": 20})
    parts = split(report, val_fraction=0.2, test_fraction=0.1, seed=3)
    assert [parts.val.labels.count(i) for i in range(3)] == [10, 6, 4]
    assert [parts.test.labels.count(i) for i in range(3)] == [5, 3, 2]
    assert [parts.train.labels.count(i) for i in range(3)] == [35, 21, 14]
    everything = parts.train.paths + parts.val.paths + parts.test.paths
    assert sorted(everything) == sorted(p for p, _ in report.files)
    for subset in (parts.train, parts.val, parts.test):
        assert all(f"/{report.class_names[label]}/" in str(path)
                   for path, label in zip(subset.paths, subset.labels, strict=True))


def test_same_seed_same_split_other_seed_differs():
    report = _report({"a": 40, "b": 40})
    first, again = split(report, 0.25, seed=7), split(report, 0.25, seed=7)
    assert first == again
    assert split(report, 0.25, seed=8).val.paths != first.val.paths


def test_tiny_classes_keep_one_for_training():
    parts = split(_report({"a": 3, "b": 1, "c": 2}), val_fraction=0.2, test_fraction=0.2)
    train = {label: parts.train.labels.count(label) for label in range(3)}
    assert train == {0: 1, 1: 1, 2: 1}
    assert parts.val.labels.count(0) == 1 and parts.test.labels.count(0) == 1
    assert len(parts.test) + len(parts.val) == 3


def test_no_test_fraction_gives_empty_test():
    parts = split(_report({"a": 10, "b": 10}), val_fraction=0.2)
    assert len(parts.test) == 0 and len(parts.val) == 4 and len(parts.train) == 16


@pytest.mark.parametrize(("val", "test", "match"), [(-0.1, 0, "val_fraction"), (0.2, 1.0, "test"),
                                                    (0.6, 0.4, "leaves nothing to train on")])
def test_bad_fractions_are_refused(val, test, match):
    with pytest.raises(CvlabError, match=match):
        split(_report({"a": 5, "b": 5}), val, test)


def test_copies_within_a_class_land_in_one_subset_for_every_seed():
    report = _report({"a": 30, "b": 30})
    a = report.files_of("a")
    report.duplicates = [[a[0], a[1], a[2]], [a[3], a[4]]]
    val_sizes = set()
    for seed in range(40):
        parts = split(report, val_fraction=0.2, test_fraction=0.1, seed=seed)
        where = {p: name for name in ("train", "val", "test")
                 for p in getattr(parts, name).paths}
        for group in report.duplicates:
            assert len({where[p] for p in group}) == 1, (seed, group)
        assert len(where) == 60
        val_sizes.add(parts.val.labels.count(0))
    assert val_sizes <= {6, 7, 8} and 6 in val_sizes  # a group may overfill by its extra copies


def test_without_duplicates_the_split_is_unchanged_by_grouping():
    report = _report({"a": 12, "b": 9})
    plain = split(report, 0.25, 0.25, seed=5)
    report.duplicates = [[Path("/elsewhere/x.jpg"), Path("/elsewhere/y.jpg")]]
    assert split(report, 0.25, 0.25, seed=5) == plain
