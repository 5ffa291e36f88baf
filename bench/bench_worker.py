"""The inference worker's answer time once its model is loaded: Grad-CAM of one photo for
ten classes (from the photo's cached features) and one forward pass with every stage's
picture, each a round trip from the page side (``ui/inference.py``) in one run.

Target (issue 20): Grad-CAM ≤ 300 ms through the worker.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cvlab import inference  # noqa: E402
from cvlab.augment.photos import PHOTOS, load_photo  # noqa: E402
from cvlab.weights.preprocess import center_crop  # noqa: E402
from ui.inference import Worker  # noqa: E402

CLASSES = 10


def main() -> None:
    worker = Worker()
    pixels = center_crop(load_photo(next(iter(PHOTOS))), 224)
    inside = worker.call(inference.imagenet_inside, pixels)  # loads the model
    times = []
    for target in range(CLASSES):
        start = time.perf_counter()
        worker.call(inference.imagenet_gradcam, pixels, inside["features"], target)
        times.append(time.perf_counter() - start)
    start = time.perf_counter()
    worker.call(inference.imagenet_inside, pixels)
    forward = time.perf_counter() - start
    print(f"Grad-CAM through the worker, model loaded: median {statistics.median(times) * 1e3:.0f}"
          f" ms, max {max(times) * 1e3:.0f} ms over {CLASSES} classes; a forward pass with "
          f"every stage's picture {forward * 1e3:.0f} ms; worker memory {rss_mib(worker):.0f} MiB")


def rss_mib(worker: Worker) -> float:
    status = Path(f"/proc/{worker.pid}/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines()
                if line.startswith("VmRSS:")) / 1024


if __name__ == "__main__":
    main()
