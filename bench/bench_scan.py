"""Scan throughput: images/second on a generated folder of JPEGs, serial vs. thread pool.

Prints figures; not a test. Usage: ``python bench/bench_scan.py [N_IMAGES] [SIDE]``
(defaults: 3000 noisy-gradient JPEGs of 256×256 in 4 classes).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cvlab.data.scan import scan  # noqa: E402

CLASSES = ("a", "b", "c", "d")


def generate(root: Path, count: int, side: int) -> int:
    """Write ``count`` noisy-gradient JPEGs; returns the total bytes written."""
    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 255, side, dtype=np.float32)
    x, y = np.meshgrid(ramp, ramp)
    base = np.stack([x, y, 255 - x], axis=-1)
    total = 0
    for index in range(count):
        folder = root / CLASSES[index % len(CLASSES)]
        folder.mkdir(exist_ok=True)
        noise = rng.integers(-40, 41, base.shape, dtype=np.int16)
        pixels = np.clip(base + noise, 0, 255).astype(np.uint8)
        path = folder / f"{index:05d}.jpg"
        Image.fromarray(pixels).save(path, quality=90)
        total += path.stat().st_size
    return total


def timed(root: Path, workers: int | None) -> tuple[float, int]:
    start = time.perf_counter()
    report = scan(root, workers=workers)
    return time.perf_counter() - start, report.images


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    side = int(sys.argv[2]) if len(sys.argv) > 2 else 256
    with tempfile.TemporaryDirectory(prefix="cvlab-bench-") as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        size = generate(root, count, side)
        made = time.perf_counter() - start
        print(f"generated {count} JPEGs of {side}×{side} ({size / 1e6:.1f} MB) in {made:.1f} s")
        print(f"cpu cores: {os.cpu_count()}")
        timed(root, 1)  # warm the page cache so both runs read from memory
        for label, workers in (("serial (1 thread)", 1), ("thread pool (default)", None)):
            seconds, images = timed(root, workers)
            rate = images / seconds
            print(f"{label:<22} {rate:8.0f} images/s  ({seconds:.2f} s, {images} images)")


if __name__ == "__main__":
    main()
