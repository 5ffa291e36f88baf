"""Decoding has a memory budget: one pixel limit, a shared pixel budget, cumulative zip checks.

Promise 2 of issue 15. The attack: a few-KB zip of eight 7000×7000 PNGs (each under the
pixel limit) drove the server past 8 GB while scanning.
"""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import threading
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image

from cvlab.data.images import (
    MAX_PIXELS,
    OVER_PIXEL_LIMIT,
    PixelBudget,
    Rejected,
    decode,
    pixel_limit_message,
)
from cvlab.data.scan import scan
from cvlab.data.uploads import extract_zip
from cvlab.errors import CvlabError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from bench_decode_memory import scan_peak, write_big_pngs  # noqa: E402

# The target, about 5× the 0.25 GB measured (bench/bench_decode_memory.py reads the
# child's own VmHWM; ru_maxrss carried pytest's own multi-GB peak across exec).
PEAK_BOUND = 1.2e9


@pytest.mark.slow
def test_scanning_eight_49_megapixel_pngs_stays_within_the_memory_bound(tmp_path):
    result = scan_peak(write_big_pngs(tmp_path, 8, 7000))
    assert result["images"] == 8
    assert result["peak_bytes"] < PEAK_BOUND, f"peak RSS {result['peak_bytes'] / 1e9:.2f} GB"


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width × height and whose pixel data is missing."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr
    idat = struct.pack(">I", 1000) + b"IDAT" + zlib.compress(bytes(64))  # cut short
    return (b"\x89PNG\r\n\x1a\n" + chunk + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
            + idat)


def test_pixel_limit_is_checked_from_the_header_before_decoding(tmp_path):
    # The file has no pixel data: a decoder would call it truncated; the header check
    # refuses it first, with the app's one message.
    path = tmp_path / "huge.png"
    path.write_bytes(_png_header_only(10_000, 6_000))
    with pytest.raises(Rejected) as caught:
        decode(path)
    assert caught.value.kind == OVER_PIXEL_LIMIT
    assert caught.value.detail == pixel_limit_message(60_000_000, (10_000, 6_000))
    assert f"{MAX_PIXELS:,}" in caught.value.detail


def test_a_decompression_bomb_gets_the_same_message(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_header_only(20_000, 20_000))  # over PIL's own bomb limit as well
    with pytest.raises(Rejected) as caught:
        decode(path)
    assert caught.value.kind == OVER_PIXEL_LIMIT
    assert caught.value.detail == pixel_limit_message(400_000_000, limit=MAX_PIXELS)


def test_a_scan_may_be_stricter_than_the_app_never_looser(tmp_path):
    with pytest.raises(CvlabError, match="MAX_PIXELS"):
        scan(tmp_path, max_pixels=MAX_PIXELS + 1)
    out = subprocess.run([sys.executable, "-m", "cvlab", "scan", str(tmp_path),
                          "--max-pixels", str(10 * MAX_PIXELS)],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


def test_the_budget_holds_decodes_back_until_pixels_are_free():
    budget = PixelBudget(50)
    order = []
    first_in = threading.Event()

    def decode_like(name: str, pixels: int, hold_s: float):
        with budget.hold(pixels):
            order.append((name, "in", budget.in_flight))
            first_in.set()
            time.sleep(hold_s)
        order.append((name, "out", None))

    first = threading.Thread(target=decode_like, args=("big", 40, 0.2))
    first.start()
    first_in.wait()
    second = threading.Thread(target=decode_like, args=("next", 30, 0))
    small = threading.Thread(target=decode_like, args=("small", 10, 0))
    second.start()
    small.start()
    for thread in (first, second, small):
        thread.join()
    big_out = order.index(("big", "out", None))
    assert order.index(("next", "in", 30)) > big_out  # 40 + 30 > 50: it waited
    assert ("small", "in", 50) in order[:big_out]  # 40 + 10 fits beside it
    assert budget.in_flight == 0


def test_an_image_larger_than_the_budget_still_decodes_alone():
    budget = PixelBudget(10)
    with budget.hold(1_000):
        assert budget.in_flight == 10


def _zip(entries: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


def test_many_small_entries_that_add_up_to_a_bomb_are_refused(tmp_path):
    # Each entry is under the per-entry check's 1 MiB floor; together they expand > 100×.
    entries = {f"{c}/{i}.png": bytes(900_000) for c in "ab" for i in range(4)}
    with pytest.raises(CvlabError, match="as a whole would expand"):
        extract_zip(_zip(entries), tmp_path / "set")
    assert not (tmp_path / "set").exists()


def test_bytes_written_count_against_the_upload_budget(tmp_path):
    # A lying header cannot be built with zipfile; a budget smaller than the content
    # stands in for it: extraction stops at the budget and keeps nothing.
    entries = {"a/1.bin": os.urandom(300_000), "b/2.bin": os.urandom(300_000)}
    with pytest.raises(CvlabError):
        extract_zip(_zip(entries), tmp_path / "set", max_bytes=400_000)
    assert list(tmp_path.iterdir()) == []


def test_a_fifo_in_a_class_folder_is_skipped_not_waited_on(tmp_path):
    # Our own attack: a named pipe reads forever; the scan must not open it.
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        Image.new("RGB", (8, 8), (10, 20, 30)).save(tmp_path / name / "ok.png")
    os.mkfifo(tmp_path / "a" / "pipe.png")
    report = scan(tmp_path, workers=2)
    assert report.images == 2
    assert [(s.path.name, s.reason) for s in report.skipped] == [("pipe.png",
                                                                    "not a regular file")]
