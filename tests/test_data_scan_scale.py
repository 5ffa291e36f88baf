"""The scan at scale: a folder of datasets is named as such, duplicates and routine
conversions are summarised, and a missing folder is a message before anything is read."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from cvlab.data.scan import scan, tree_stamp
from cvlab.errors import CvlabError


def _save(path: Path, color=(10, 20, 30), mode: str = "RGB") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 8), color).convert(mode).save(path)


def test_a_folder_of_datasets_is_named_as_such(tmp_path):
    for dataset in ("flowers", "pets"):
        for label, color in (("a", (200, 0, 0)), ("b", (0, 200, 0))):
            for i in range(2):
                _save(tmp_path / dataset / label / f"{i}.png", color)
    report = scan(tmp_path)
    (hint,) = [w for w in report.warnings if "look like whole datasets" in w]
    assert "flowers/a/" in hint and str(tmp_path / "flowers") in hint
    # the copies across the two "classes" are one warning, however many sets there are
    cross = [w for w in report.warnings if w.startswith("Duplicate across classes")]
    assert len(cross) == 1 and "2 set(s)" in cross[0] and len(report.duplicates) == 2


def test_a_single_dataset_inside_its_parent_gets_the_hint_in_the_error(tmp_path):
    for label, color in (("a", (200, 0, 0)), ("b", (0, 200, 0))):
        _save(tmp_path / "flowers" / label / "0.png", color)
    with pytest.raises(CvlabError, match="single class.*look like whole datasets"):
        scan(tmp_path)


def test_nested_folders_inside_ordinary_classes_are_not_flagged(tmp_path):
    _save(tmp_path / "cat" / "indoor" / "0.png", (1, 2, 3))
    _save(tmp_path / "cat" / "outdoor" / "0.png", (4, 5, 6))
    _save(tmp_path / "dog" / "0.png", (7, 8, 9))
    assert not any("whole datasets" in w for w in scan(tmp_path).warnings)


def test_conversions_are_grouped_by_kind_rarest_first(tmp_path):
    for i in range(4):
        _save(tmp_path / "a" / f"gray_{i}.png", (i, i, i), "L")
    _save(tmp_path / "a" / "palette.png", (1, 99, 3), "P")
    _save(tmp_path / "b" / "rgb.png", (50, 60, 70))
    kinds = scan(tmp_path).conversion_kinds()
    assert [(kind, len(paths)) for kind, paths in kinds] == [
        ("palette (P) → RGB", 1), ("grayscale (L) → RGB", 4)]


def test_a_missing_folder_is_a_message_even_for_the_cache_key(tmp_path):
    with pytest.raises(CvlabError, match="does not exist"):
        tree_stamp(tmp_path / "nope")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(CvlabError, match="is a file, not a folder"):
        tree_stamp(tmp_path / "file.txt")
