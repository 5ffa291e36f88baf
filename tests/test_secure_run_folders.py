"""Run folders are untrusted input: nothing outside the data roots is read or written.

Promise 1 of issue 15. The attacks: a ``split.json`` listing images outside the data roots
(Try it and Evaluate read them), and a symlinked run folder (Export wrote outside).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from rendered import rendered
from streamlit.testing.v1 import AppTest

from cvlab.errors import CvlabError
from cvlab.train import run_checks
from cvlab.train.runs import list_runs, read_run

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def roots(tmp_path, monkeypatch):
    """An allowed data root ``data/`` and, beside it, a folder the app may not read."""
    data, outside = tmp_path / "data", tmp_path / "outside"
    (data / "runs").mkdir(parents=True)
    outside.mkdir()
    monkeypatch.setenv("CVLAB_DATA_DIR", str(data))
    monkeypatch.setenv("CVLAB_DATA_ROOTS", str(data))
    secret = outside / "secret.png"
    Image.new("RGB", (4, 4), (200, 0, 0)).save(secret)
    return data, outside, secret


def write_run(folder: Path, images: list[Path], **config) -> Path:
    """A run folder as the trainer writes it (no model), over ``images``."""
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps(
        {"mode": "frozen", "class_names": ["a", "b"], **config}))
    (folder / "classes.json").write_text(json.dumps(["a", "b"]))
    entries = [[str(p), i % 2] for i, p in enumerate(images)]
    (folder / "split.json").write_text(json.dumps({"train": entries, "val": entries,
                                                   "test": []}))
    return folder


def good_images(data: Path) -> list[Path]:
    images = []
    for name in ("one.png", "two.png"):
        Image.new("RGB", (4, 4)).save(data / name)
        images.append(data / name)
    return images


def test_a_healthy_run_reads_with_real_paths(roots):
    data, _, _ = roots
    record = read_run(write_run(data / "runs" / "ok", good_images(data)))
    assert not record.damaged and record.split["train"][0] == ((data / "one.png"), 0)


def test_split_listing_an_outside_image_is_damaged_and_nothing_is_read(roots):
    data, _, secret = roots
    run = write_run(data / "runs" / "evil", [*good_images(data), secret])
    with pytest.raises(run_checks.DamagedRun, match="outside the allowed data folders"):
        read_run(run)
    (listed,) = list_runs(data / "runs")
    assert "split.json lists an image the app may not read" in listed.damaged
    assert listed.config == {} and listed.split == {"train": [], "val": [], "test": []}


def test_a_symlinked_run_folder_pointing_out_is_damaged(roots):
    data, outside, _ = roots
    write_run(outside / "real-run", good_images(data))
    (data / "runs" / "linked").symlink_to(outside / "real-run")
    (listed,) = list_runs(data / "runs")
    assert listed.path.name == "linked" and "outside the allowed" in listed.damaged
    with pytest.raises(CvlabError):
        run_checks.export_folder(data / "runs" / "linked")
    assert not (outside / "real-run" / "exports").exists()


def test_export_never_follows_a_link_out_of_the_run(roots):
    data, outside, _ = roots
    run = write_run(data / "runs" / "r", good_images(data))
    (run / "exports").symlink_to(outside)
    with pytest.raises(CvlabError, match="nothing was written"):
        run_checks.export_folder(run)
    (run / "exports").unlink()
    folder = run_checks.export_folder(run)
    (folder / "model.tflite").symlink_to(outside / "planted.tflite")
    target = run_checks.export_target(folder, "model.tflite")
    target.write_bytes(b"export")
    assert not (outside / "planted.tflite").exists() and target.read_bytes() == b"export"


@pytest.mark.parametrize("attack, words", [
    ("config-link", "not a regular file"),
    ("config-huge", "allowed: at most"),
    ("data-dir-outside", "names a dataset the app may not read"),
    ("label-out-of-range", "allowed: 0 to 1"),
    ("split-fifo", "not a regular file"),  # our own: a pipe would block the reader forever
])
def test_damaged_files_in_a_run(roots, monkeypatch, attack, words):
    data, outside, secret = roots
    run = write_run(data / "runs" / "r", good_images(data))
    if attack == "config-link":
        (outside / "config.json").write_text("{}")
        (run / "config.json").unlink()
        (run / "config.json").symlink_to(outside / "config.json")
    elif attack == "config-huge":
        monkeypatch.setattr(run_checks, "MAX_JSON_BYTES", 50)
    elif attack == "data-dir-outside":
        (run / "config.json").write_text(json.dumps({"data_dir": str(outside)}))
    elif attack == "label-out-of-range":
        (run / "split.json").write_text(json.dumps({"train": [[str(data / "one.png"), 7]]}))
    else:
        (run / "split.json").unlink()
        os.mkfifo(run / "split.json")
    (listed,) = list_runs(data / "runs")
    assert words in listed.damaged


def test_evaluate_on_a_damaged_run_is_one_line(roots):
    data, _, secret = roots
    run = write_run(data / "runs" / "evil", [secret])
    out = subprocess.run([sys.executable, "-m", "cvlab", "evaluate", str(run)], cwd=ROOT,
                         capture_output=True, text=True, env=os.environ, timeout=120)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "outside the allowed data folders" in out.stderr


@pytest.mark.slow
def test_training_studio_lists_a_damaged_run_with_its_reason(roots):
    data, _, secret = roots
    write_run(data / "runs" / "evil", [secret])
    at = AppTest.from_file(str(ROOT / "pages" / "training_studio.py"), default_timeout=120)
    at.run()
    assert not at.exception
    pick = at.selectbox(key="run_pick:None")
    assert "damaged" in pick.options[0]
    message = rendered(at.error[0].value)
    assert "nothing was read" in message and "outside the allowed data folders" in message
    assert not at.tabs  # no Evaluate / Try it / Export on it


def test_the_apps_own_runs_stay_readable_with_narrower_roots(roots, tmp_path, monkeypatch):
    data, _, _ = roots
    datasets = tmp_path / "datasets"  # an operator allows only this folder…
    datasets.mkdir()
    monkeypatch.setenv("CVLAB_DATA_ROOTS", str(datasets))
    run = write_run(data / "runs" / "ours", good_images(data))  # …the app still reads its own
    assert not read_run(run).damaged
