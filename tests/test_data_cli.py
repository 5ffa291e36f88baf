"""`python -m cvlab scan` and `sample-data`: output contracts and exit codes, via subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def cvlab(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cvlab", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_scan_json_is_one_object_with_the_contract_keys(messy):
    done = cvlab("scan", str(messy), "--json", "--max-pixels", "1000000")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)  # exactly one JSON document, nothing else on stdout
    assert list(data) == ["root", "classes", "images", "skipped", "converted", "duplicates",
                          "warnings"]
    assert data["classes"] == {"blue": 15, "red": 8, "tiny": 3} and data["images"] == 26
    reasons = {item["path"]: item["reason"] for item in data["skipped"]}
    assert reasons["red/truncated.jpg"] == "truncated"
    assert reasons["red/panorama.jpg"] == "over the pixel limit"
    notes = {item["path"]: item["note"] for item in data["converted"]}
    assert "CMYK" in notes["blue/cmyk.jpg"]
    assert any(w.startswith("Duplicate across classes") for w in data["warnings"])


def test_scan_text_report(messy):
    done = cvlab("scan", str(messy))
    assert done.returncode == 0, done.stderr
    assert "27 usable images in 3 classes" in done.stdout
    assert "red/empty.jpg: zero-byte" in done.stdout
    assert "EXIF orientation 6 applied (rotated 90° clockwise): 1 file(s), e.g. blue/rotated.jpg" \
        in done.stdout


def test_scan_unusable_exits_2_with_a_message(tmp_path):
    missing = cvlab("scan", str(tmp_path / "nope"), "--json")
    assert missing.returncode == 2 and missing.stdout == ""
    assert "does not exist" in missing.stderr
    (tmp_path / "only").mkdir()
    (tmp_path / "only" / "a.txt").write_text("x")
    single = cvlab("scan", str(tmp_path))
    assert single.returncode == 2 and "no usable image" in single.stderr


def test_sample_data_writes_a_scannable_dataset(tmp_path):
    done = cvlab("sample-data", str(tmp_path / "faces"))
    assert done.returncode == 0, done.stderr
    assert "face 100, not_face 100" in done.stdout
    again = cvlab("sample-data", str(tmp_path / "faces"))
    assert again.returncode == 2 and "not empty" in again.stderr
