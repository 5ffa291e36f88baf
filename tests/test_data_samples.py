"""Bundled sample datasets build offline from scikit-image, scan clean, and cache on disk."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from cvlab.data.samples import ensure_sample, write_sample
from cvlab.data.scan import scan
from cvlab.errors import CvlabError


def test_faces_sample_is_lfw_subset_upscaled(tmp_path):
    report = scan(write_sample("faces", tmp_path / "faces"))
    assert report.classes == {"face": 100, "not_face": 100}
    assert report.skipped == [] and report.converted == [] and report.warnings == []
    image = Image.open(report.files_of("face")[0])
    assert image.size == (100, 100) and image.mode == "RGB"
    pixels = np.asarray(image, int)
    assert np.abs(pixels[..., 0] - pixels[..., 2]).max() <= 8  # gray content in RGB


def test_shapes_sample_has_three_balanced_classes(tmp_path):
    report = scan(write_sample("shapes", tmp_path / "shapes"))
    assert report.classes == {"circle": 60, "square": 60, "triangle": 60}
    assert Image.open(report.files_of("triangle")[0]).size == (64, 64)


def test_ensure_sample_creates_once_under_data_dir(data_dir):
    folder = ensure_sample("faces")
    assert folder == data_dir.resolve() / "samples" / "faces"
    first = sorted(p.name for p in folder.rglob("*.jpg"))
    marker = folder / "face" / "face_000.jpg"
    stamp = marker.stat().st_mtime_ns
    assert ensure_sample("faces") == folder
    assert marker.stat().st_mtime_ns == stamp and len(first) == 200
    assert [p.name for p in folder.parent.iterdir()] == ["faces"]  # no staging left


def test_write_sample_refuses_a_non_empty_folder_and_unknown_names(tmp_path):
    (tmp_path / "x.txt").write_text("keep me")
    with pytest.raises(CvlabError, match="not empty"):
        write_sample("faces", tmp_path)
    with pytest.raises(CvlabError, match="choose one of faces, shapes, messy"):
        write_sample("mnist", tmp_path / "new")
