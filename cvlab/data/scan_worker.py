"""Scanning a dataset in a separate process with memory and CPU limits, so a server never
decodes a learner's images itself (a near-limit zip cost the server minutes of CPU and a
gigabyte of memory when it did).

:func:`scan_isolated` runs ``python -m cvlab.data.scan_worker`` under ``RLIMIT_AS`` =
:data:`MEMORY_BYTES` and ``RLIMIT_CPU`` = :data:`CPU_SECONDS`. The worker scans, makes the
thumbnails of the files the caller names per class (PNG bytes), reports ``done total``
lines on stderr as files finish and prints one JSON object on stdout: the report's
:meth:`~cvlab.data.scan.ScanReport.to_record` and the thumbnails in base64.
"""

from __future__ import annotations

import base64
import io
import json
import os
import resource
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from cvlab.data.images import Rejected, load_resized
from cvlab.data.roots import REPO_ROOT
from cvlab.data.scan import ScanReport, scan
from cvlab.errors import CvlabError

MEMORY_BYTES = 3 << 30  # address space; a 50 MP decode and its RGB copy fit well inside
CPU_SECONDS = 900
Chooser = Callable[[ScanReport], list[Path]]


def scan_isolated(folder: Path, max_pixels: int, thumb_size: tuple[int, int],
                  thumbs_per_class: int, progress: Callable[[int, int], None] | None = None,
                  memory_bytes: int = MEMORY_BYTES) -> tuple[ScanReport, dict[Path, bytes]]:
    """The scan report of ``folder`` and PNG thumbnails of the first ``thumbs_per_class``
    files of each class (rarest conversions first), both made in a limited worker."""
    command = [sys.executable, "-m", "cvlab.data.scan_worker", os.fsencode(folder),
               str(max_pixels), str(thumb_size[0]), str(thumb_size[1]), str(thumbs_per_class)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                             preexec_fn=lambda: _limit(memory_bytes))
    chunks: list[bytes] = []  # stdout is drained beside stderr, so neither pipe fills up
    reader = threading.Thread(target=lambda: chunks.append(child.stdout.read()), daemon=True)
    reader.start()
    last = ""
    for line in child.stderr:
        last = line.decode(errors="replace").strip()
        parts = last.split()
        if progress and len(parts) == 2 and all(p.isdigit() for p in parts):
            progress(int(parts[0]), int(parts[1]))
    status = child.wait()
    reader.join()
    out = b"".join(chunks)
    if status == 2 and last.startswith("error: "):
        raise CvlabError(last[len("error: "):])
    if status != 0:
        raise CvlabError(f"Received: a dataset whose scan stopped ({_why(status, last)}); "
                         f"allowed: images the scan can decode within "
                         f"{memory_bytes >> 20:,} MiB and {CPU_SECONDS} CPU seconds.")
    data = json.loads(out)
    thumbs = {Path(os.fsdecode(base64.b64decode(p))): base64.b64decode(png)
              for p, png in data["thumbnails"]}
    return ScanReport.from_record(data["report"]), thumbs


def _limit(memory_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def _why(status: int, last: str) -> str:
    if status < 0:
        return f"signal {-status}, most likely its CPU limit"
    return "out of memory" if "MemoryError" in last else f"exit status {status}"


def thumbnail_paths(report: ScanReport, per_class: int, name: str | None = None) -> list[Path]:
    """The files the Datasets page shows of class ``name`` (default: of every class),
    ``per_class`` each, the rarest conversions first."""
    rarity = {p: rank for rank, (_, paths) in enumerate(report.conversion_kinds())
              for p in paths}
    return [p for each in ([name] if name is not None else report.class_names)
            for p in sorted(report.files_of(each),
                            key=lambda p: rarity.get(p, len(rarity)))[:per_class]]


def _png(path: Path, size: tuple[int, int]) -> bytes | None:
    try:
        pixels = load_resized(path, size)
    except Rejected:
        return None
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def main(argv: list[str]) -> int:
    folder, max_pixels, height, width, per_class = argv
    try:
        report = scan(Path(folder), max_pixels=int(max_pixels), workers=1,
                      progress=lambda done, total: print(done, total, file=sys.stderr,
                                                         flush=True))
    except CvlabError as exc:
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    thumbs = [(base64.b64encode(os.fsencode(p)).decode(), png)
              for p in thumbnail_paths(report, int(per_class))
              if (png := _png(p, (int(height), int(width)))) is not None]
    json.dump({"report": report.to_record(),
               "thumbnails": [(p, base64.b64encode(png).decode()) for p, png in thumbs]},
              sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main([os.fsdecode(a) for a in sys.argv[1:]]))
