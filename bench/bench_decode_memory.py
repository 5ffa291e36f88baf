"""Peak memory of scanning huge images: the shared pixel budget against no budget.

Eight 7000×7000 PNGs (49 MP each, just under the 50 MP limit; flat colour, so each file is
small and a zip of them is a few KB) are scanned by ``python -m cvlab``'s scan in a fresh
process, once as the app runs it and once with the decode budget lifted (every worker
decodes at once, as before the budget existed). The figure is each child's peak RSS
(``VmHWM``). Target: under 1.2 GB with the budget.

Usage: ``python bench/bench_decode_memory.py [N_IMAGES] [SIDE] [--budget-only]``.
The unbudgeted run needs several GB of RAM; ``--budget-only`` skips it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]

# Runs in the child: scan, then report its own peak RSS. VmHWM belongs to the child's own
# address space; ru_maxrss would not do: Linux keeps the forking parent's peak across exec.
CHILD = """
import json, re, sys
import cvlab.data.images as images
from cvlab.data.scan import scan
if sys.argv[2] == "unbounded":
    images.DECODE_BUDGET = images.PixelBudget(2**62)
report = scan(sys.argv[1], workers=8)
status = open("/proc/self/status").read()
peak = int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)) * 1024
print(json.dumps({"images": report.images, "skipped": len(report.skipped), "peak_bytes": peak}))
"""


def write_big_pngs(folder: Path, count: int = 8, side: int = 7000) -> Path:
    """``count`` identical-size flat PNGs of side × side, split over two classes."""
    first = None
    for index in range(count):
        target = folder / ("a" if index % 2 else "b") / f"big_{index}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        if first is None:
            Image.new("RGB", (side, side), (index * 20, 90, 160)).save(target, compress_level=1)
            first = target
        else:  # same pixels, different bytes: a trailing comment chunk would do, a copy is enough
            shutil.copyfile(first, target)
    return folder


def scan_peak(folder: Path, mode: str = "budget") -> dict:
    """``{"images", "skipped", "peak_bytes", "seconds"}`` of one scan in a fresh process."""
    started = time.perf_counter()
    # A clean environment: what a parent process set up (thread pools, allocators) stays out.
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    out = subprocess.run([sys.executable, "-c", CHILD, str(folder), mode], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return {**result, "seconds": time.perf_counter() - started}


def main() -> None:
    numbers = [int(a) for a in sys.argv[1:] if a.isdigit()]
    count, side = (numbers + [8, 7000][len(numbers):])[:2]
    with tempfile.TemporaryDirectory(prefix="cvlab-bench-mem-") as tmp:
        folder = write_big_pngs(Path(tmp), count, side)
        modes = ["budget"] if "--budget-only" in sys.argv else ["budget", "unbounded"]
        results = {mode: scan_peak(folder, mode) for mode in modes}
    print(f"{count} PNGs of {side}×{side} ({side * side / 1e6:.0f} MP each), 8 workers; "
          "times inflated by other load on this machine")
    for mode, r in results.items():
        print(f"  {mode:<10} peak RSS {r['peak_bytes'] / 1e9:5.2f} GB   {r['seconds']:5.1f} s   "
              f"{r['images']} usable, {r['skipped']} skipped")
    if len(results) == 2:
        ratio = results["unbounded"]["peak_bytes"] / results["budget"]["peak_bytes"]
        print(f"  the budget cuts peak RSS {ratio:.1f}× (target: under 1.2 GB with it)")


if __name__ == "__main__":
    main()
