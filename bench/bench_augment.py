"""Time one studio refresh: a 3×3 grid of 224-px draws on a cached pipeline.

Prints the median over repeats after warm-up calls, for the default pipeline and
for every per-image step switched on (mixing adds a second batch of partners).
Target: under about 200 ms for the default pipeline on a 2-core CPU.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cvlab.augment.build import build_mixing, build_pipeline  # noqa: E402
from cvlab.augment.photos import load_photo  # noqa: E402
from cvlab.augment.preview import draw_grid, prepare_image  # noqa: E402
from cvlab.augment.spec import OPS, default_spec, make_spec, make_step  # noqa: E402

WARMUP, REPEATS = 3, 15


def median_ms(spec, image, partner) -> float:
    pipeline, mixing = build_pipeline(spec), build_mixing(spec)
    times = []
    for i in range(WARMUP + REPEATS):
        start = time.perf_counter()
        draw_grid(spec, image, 9, seed=i, partner=partner, pipeline=pipeline, mixing=mixing)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times[WARMUP:])


def main() -> None:
    image = prepare_image(load_photo("Cat"), 224)
    partner = prepare_image(load_photo("Coffee"), 224)
    cases = {
        "default (flip, rotation, zoom, contrast, brightness)": default_spec(),
        "every per-image step": make_spec([make_step(op) for op, i in OPS.items() if not i.batch]),
        "every step incl. mixup + cutmix": make_spec([make_step(op) for op in OPS]),
    }
    print(f"augment grid 3x3 @ 224 px, median of {REPEATS} after {WARMUP} warm-up")
    for name, spec in cases.items():
        print(f"  {name:<55} {median_ms(spec, image, partner):7.1f} ms")


if __name__ == "__main__":
    main()
