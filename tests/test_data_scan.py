"""The scan names every problem in a messy folder-per-class tree, and refuses unusable input."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cvlab.data.scan import scan, tree_stamp
from cvlab.errors import CvlabError

LIMIT = 1_000_000  # below the messy panorama's 3 MP


@pytest.fixture(scope="module")
def report(messy):
    return scan(messy, max_pixels=LIMIT)


def _save(path: Path, color=(10, 20, 30)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 8), color).save(path)


def test_each_skipped_file_has_its_reason(report):
    reasons = {report.relative(s.path): s.reason for s in report.skipped}
    assert reasons == {
        "red/corrupt.jpg": "corrupt",
        "red/truncated.jpg": "truncated",
        "red/empty.jpg": "zero-byte",
        "red/notes.txt": "not an image",
        "red/photo.heic": "unsupported",
        "red/panorama.jpg": "over the pixel limit",
    }
    panorama = next(s for s in report.skipped if s.path.name == "panorama.jpg")
    assert "6000×500" in panorama.detail and "1,000,000" in panorama.detail


def test_each_conversion_is_named(report):
    notes = {report.relative(c.path): c.note for c in report.converted}
    assert set(notes) == {
        "blue/cmyk.jpg",
        "blue/gray16.png",
        "blue/rgba.png",
        "blue/palette.png",
        "blue/animated.gif",
        "blue/rotated.jpg",
    }
    assert "CMYK → RGB" in notes["blue/cmyk.jpg"]
    assert "16-bit" in notes["blue/gray16.png"]
    assert "RGBA" in notes["blue/rgba.png"] and "white" in notes["blue/rgba.png"]
    assert "palette" in notes["blue/palette.png"]
    assert "3 frames → first frame" in notes["blue/animated.gif"]
    assert "EXIF orientation 6" in notes["blue/rotated.jpg"]


def test_classes_counts_and_files(report):
    assert report.class_names == ["blue", "red", "tiny"]
    assert report.classes == {"blue": 15, "red": 8, "tiny": 3}
    assert report.images == 26
    labels = {report.relative(p): label for p, label in report.files}
    assert labels["blue/rotated.jpg"] == 0
    assert labels["red/good_07.jpg"] == 1
    assert labels["tiny/good_2.png"] == 2
    assert not any(name.endswith((".txt", ".heic")) for name in labels)


def test_debris_is_ignored_not_reported(messy, report):
    ignored = {p.relative_to(messy).as_posix() for p in report.ignored}
    assert ignored == {".DS_Store", "__MACOSX", "red/._good_00.jpg"}
    reported = {report.relative(s.path) for s in report.skipped}
    reported |= {report.relative(p) for p, _ in report.files}
    assert not any("__MACOSX" in name or "/._" in name for name in reported)


def test_warnings_name_tiny_class_imbalance_duplicates_and_loose_files(report):
    text = "\n".join(report.warnings)
    assert "Class 'tiny' has only 3 image(s)" in text
    assert "Class imbalance: 'blue' has 15 images, 'tiny' has 3 (5.0×)" in text
    cross = [w for w in report.warnings if w.startswith("Duplicate across classes")]
    assert len(cross) == 1
    assert "blue/same_as_red.jpg" in cross[0] and "red/good_00.jpg" in cross[0]
    assert [report.relative(p) for p in report.duplicates[0]] == [
        "blue/same_as_red.jpg", "red/good_00.jpg"]
    assert any("README.txt" in w for w in report.warnings)


def test_duplicates_within_a_class_are_counted(tmp_path):
    for name in ("a/one.png", "a/two.png", "b/x.png"):
        _save(tmp_path / name, (1, 2, 3) if name.startswith("a") else (9, 9, 9))
    report = scan(tmp_path)
    assert any("1 set(s) of byte-identical duplicates within a class" in w
               for w in report.warnings)
    assert not any(w.startswith("Duplicate across classes") for w in report.warnings)
    assert [[report.relative(p) for p in group] for group in report.duplicates] == [
        ["a/one.png", "a/two.png"]]


def test_default_limit_keeps_the_panorama(messy):
    report = scan(messy)
    assert "red/panorama.jpg" in {report.relative(p) for p, _ in report.files}
    assert report.classes["red"] == 9


def test_json_contract_paths_are_relative(report, messy):
    data = json.loads(report.to_json())
    assert list(data) == ["root", "classes", "images", "skipped", "converted", "duplicates",
                          "warnings"]
    assert data["root"] == str(messy.resolve())
    assert data["images"] == 26 and data["classes"] == {"blue": 15, "red": 8, "tiny": 3}
    assert {"path": "red/empty.jpg", "reason": "zero-byte", "detail": "the file is empty"} in (
        data["skipped"]
    )
    assert all(not Path(item["path"]).is_absolute() for item in data["converted"])


def test_parallel_scan_matches_serial(messy, report):
    serial = scan(messy, max_pixels=LIMIT, workers=1)
    assert serial.to_dict() == report.to_dict()


def test_progress_reports_every_file(messy):
    calls = []
    scan(messy, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (len(calls), len(calls))
    assert len(calls) == 32  # 27 usable + 5 skipped under the default limit


def test_symlink_out_of_the_tree_is_skipped(tmp_path):
    outside = tmp_path / "outside.png"
    _save(outside)
    root = tmp_path / "data"
    _save(root / "a" / "1.png")
    _save(root / "b" / "1.png", (200, 0, 0))
    (root / "b" / "link.png").symlink_to(outside)
    report = scan(root)
    skipped = [(s.path.name, s.reason) for s in report.skipped]
    assert skipped == [("link.png", "link outside the folder")]


@pytest.mark.parametrize(
    ("layout", "message"),
    [
        ({}, "has no class folders"),
        ({"loose.png": True}, "has no class folders"),
        ({"only/1.png": True, "only/2.png": True}, "single class ('only', 2 images)"),
        ({"a/bad.jpg": False, "b/empty.txt": False}, "has no usable image"),
        ({"a/1.png": True, "b/bad.jpg": False}, "single class ('a', 1 images)"),
    ],
)
def test_unusable_trees_raise_with_advice(tmp_path, layout, message):
    for name, good in layout.items():
        if good:
            _save(tmp_path / name, tuple(np.random.default_rng(len(name)).integers(0, 255, 3)))
        else:
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name).write_bytes(b"junk")
    with pytest.raises(CvlabError, match="sub-folder|second") as info:
        scan(tmp_path)
    assert message in str(info.value)


def test_missing_path_and_file_raise(tmp_path):
    with pytest.raises(CvlabError, match="does not exist"):
        scan(tmp_path / "nope")
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(CvlabError, match="is a file, not a folder"):
        scan(tmp_path / "f.txt")


def test_tree_stamp_changes_when_a_file_is_added(tmp_path):
    _save(tmp_path / "a" / "1.png")
    folder = tmp_path / "a"
    os.utime(folder, (1_000_000, 1_000_000))
    os.utime(tmp_path, (1_000_000, 1_000_000))
    before = tree_stamp(tmp_path)
    shutil.copy(folder / "1.png", folder / "2.png")
    assert tree_stamp(tmp_path) > before


def test_json_lists_duplicate_groups_relative(report):
    data = json.loads(report.to_json())
    assert data["duplicates"] and all(len(group) >= 2 for group in data["duplicates"])
    assert all(not Path(p).is_absolute() for group in data["duplicates"] for p in group)
