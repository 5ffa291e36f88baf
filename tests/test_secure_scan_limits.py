"""Issue 21 item 5 (part): the scan never walks a symlinked class folder out of the data
roots, and thumbnails are decoded at reduced size.

The issue's attacks: a class folder that links to /usr, and 49 MP float32 TIFFs whose
thumbnails cost about 25 bytes per pixel. Ours: a link that stays inside the roots is still
a class, and a large JPEG is decoded at a reduced DCT scale, never at full size.
"""

import contextlib
import importlib
import os
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cvlab.data import images
from cvlab.data.images import load_resized
from cvlab.data.scan import scan

THUMB = (96, 96)


def _class(folder: Path, colour: int, count: int = 3) -> None:
    folder.mkdir(parents=True)
    for i in range(count):
        Image.new("RGB", (32, 32), (colour, colour, 0)).save(folder / f"{i}.png")


@pytest.fixture
def dataset(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "roots" / "ds"
    _class(root / "a", 10)
    _class(root / "b", 200)
    monkeypatch.setenv("CVLAB_DATA_ROOTS", str(tmp_path / "roots"))
    return root


def _walked(monkeypatch) -> list[Path]:
    tops: list[Path] = []
    real_walk = os.walk

    def walk(top, *args, **kwargs):
        tops.append(Path(top))
        for entry in real_walk(top, *args, **kwargs):
            tops.append(Path(entry[0]))
            yield entry

    scan_module = importlib.import_module("cvlab.data.scan")  # the package's `scan` is the function
    monkeypatch.setattr(scan_module.os, "walk", walk)
    return tops


def test_a_class_linked_to_usr_is_not_walked(dataset, monkeypatch):
    (dataset / "system").symlink_to("/usr", target_is_directory=True)
    tops = _walked(monkeypatch)
    report = scan(dataset)
    assert report.class_names == ["a", "b"]
    assert not any(p.name == "system" or p.resolve().is_relative_to("/usr") for p in tops)
    assert any("'system' is a link to a place outside the dataset folder" in w
               for w in report.warnings)


def test_links_below_a_class_and_out_of_the_folder_are_not_walked(dataset, tmp_path,
                                                                   monkeypatch):
    _class(tmp_path / "roots" / "elsewhere" / "c", 120)  # inside the roots, not the dataset
    (dataset / "c").symlink_to(tmp_path / "roots" / "elsewhere" / "c", target_is_directory=True)
    (dataset / "a" / "deeper").symlink_to("/usr", target_is_directory=True)
    tops = _walked(monkeypatch)
    report = scan(dataset)
    assert report.classes == {"a": 3, "b": 3}
    assert not any(p.name in ("c", "deeper") for p in tops)


def test_a_float_tiff_thumbnail_is_reduced_before_conversion(tmp_path):
    path = tmp_path / "f.tif"
    side = 3000
    Image.fromarray(np.random.default_rng(0).random((side, side), "float32"), mode="F") \
        .save(path)
    tracemalloc.start()
    pixels = load_resized(path, THUMB)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert pixels.shape == (*THUMB, 3)
    assert peak < side * side / 4  # arrays of the full image would be ~21 bytes per pixel


def test_a_large_jpeg_is_decoded_at_reduced_scale(tmp_path, monkeypatch):
    path = tmp_path / "big.jpg"
    Image.new("RGB", (4000, 3000), (90, 140, 200)).save(path, quality=90)
    held: list[int] = []
    real_hold = images.DECODE_BUDGET.hold

    @contextlib.contextmanager
    def hold(pixels):
        held.append(pixels)
        with real_hold(pixels):
            yield

    monkeypatch.setattr(images.DECODE_BUDGET, "hold", hold)
    assert load_resized(path, THUMB).shape == (*THUMB, 3)
    assert held and max(held) <= (4000 // 8 + 1) * (3000 // 8 + 1)


def test_the_datasets_page_decodes_nothing_in_the_server(dataset, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    def refuse(*args, **kwargs):
        raise AssertionError("decoded in the server process")

    scan_module = importlib.import_module("cvlab.data.scan")
    monkeypatch.setattr(scan_module, "decode", refuse)
    monkeypatch.setattr(images, "decode", refuse)
    at = AppTest.from_file(str(ROOT / "pages" / "datasets.py"), default_timeout=120).run()
    at.radio[0].set_value("Folder on disk").run()
    at.text_input(key="folder_text").set_value(str(dataset)).run()
    assert not at.exception, at.exception
    assert [m.value for m in at.metric][:2] == ["6", "2"]  # usable images, classes
    assert len([c for i in at.image for c in i.captions]) == 6  # thumbnails from the worker


def test_a_scan_over_its_memory_limit_is_a_message(dataset):
    from cvlab.data.scan_worker import scan_isolated
    from cvlab.errors import CvlabError

    side = 7000  # 49 MP, just under the pixel limit, as in the TIFF zip
    Image.new("F", (side, side), 0.5).save(dataset / "a" / "big.tif")
    with pytest.raises(CvlabError, match=r"stopped .*; allowed: images the scan can decode "
                                         r"within 256 MiB"):
        scan_isolated(dataset, images.MAX_PIXELS, THUMB, 2, memory_bytes=256 << 20)
    report, thumbs = scan_isolated(dataset, images.MAX_PIXELS, THUMB, 2)
    assert report.classes == {"a": 4, "b": 3} and len(thumbs) == 4
