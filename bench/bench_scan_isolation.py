"""The server's cost of scanning the issue's near-limit datasets, before and after the
scan moved into a limited worker (cvlab.data.scan_worker).

Two datasets as in issue 21: PNGs of 49 MP (7000×7000) and float32 TIFFs of 49 MP, in two
classes. For each, it scans once in this process as the page used to (scan, then the
page's thumbnails), and once through ``scan_isolated``, and prints this process's CPU
seconds and peak-memory growth beside the worker's CPU seconds. Usage:
``python bench/bench_scan_isolation.py [IMAGES_PER_CLASS]`` (default 2; the issue's zips
hold 25 PNGs or 6 TIFFs per class).
"""

from __future__ import annotations

import resource
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from cvlab.data.images import MAX_PIXELS, load_resized  # noqa: E402
from cvlab.data.scan import scan  # noqa: E402
from cvlab.data.scan_worker import scan_isolated, thumbnail_paths  # noqa: E402

SIDE, THUMB, PER_CLASS_THUMBS = 7000, (128, 128), 6


def write(root: Path, kind: str, per_class: int) -> Path:
    rng = np.random.default_rng(0)
    for name in ("a", "b"):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            if kind == "png":
                Image.new("RGB", (SIDE, SIDE), tuple(rng.integers(0, 255, 3).tolist())) \
                    .save(root / name / f"{i}.png")
            else:
                Image.new("F", (SIDE, SIDE), float(rng.random())).save(root / name / f"{i}.tif")
    return root


def usage() -> tuple[float, float, float]:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, me.ru_maxrss / 1024, kids.ru_utime + kids.ru_stime


def main() -> None:
    per_class = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("png", "tif"):
            root = write(Path(tmp) / kind, kind, per_class)
            cpu0, rss0, kids0 = usage()
            isolated, thumbs = scan_isolated(root, MAX_PIXELS, THUMB, PER_CLASS_THUMBS)
            cpu1, rss1, kids1 = usage()
            report = scan(root)
            for path in thumbnail_paths(report, PER_CLASS_THUMBS):
                load_resized(path, THUMB)
            cpu2, rss2, _ = usage()
            assert report.classes == isolated.classes and len(thumbs) == report.images
            print(f"{kind}: {report.images} images of {SIDE * SIDE / 1e6:.0f} MP | "
                  f"isolated: server {cpu1 - cpu0:.2f} CPU s, +{rss1 - rss0:.0f} MB peak, "
                  f"worker {kids1 - kids0:.2f} CPU s | in the server: {cpu2 - cpu1:.2f} CPU s, "
                  f"+{rss2 - rss1:.0f} MB peak")


if __name__ == "__main__":
    main()
