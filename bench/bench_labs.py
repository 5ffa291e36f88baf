"""Cost labs: how long each control takes to redraw its page, without TensorFlow.

For every slider, select-slider, number input, radio and toggle of the three labs,
AppTest moves it to new values and times the page's rerun: the CPU time this
process spends (the script, Plotly and Streamlit's serialisation, and AppTest's
own bookkeeping, so an upper bound) and the wall time. The same page rerun with
nothing changed is measured beside it, in the same process, as the baseline.
Target: every move under 200 ms of CPU. Wall time also holds AppTest's 10 ms
polling and, on a shared machine, waiting for a core; read it as a ratio to the
idle rerun. The φ slider visits each of its 13 values once, so first-time profiles
of the scaled EfficientNets are included.

    .venv/bin/python bench/bench_labs.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TARGET_MS = 200
CONTROLS = {
    "inception_lab.py": ["inc_demo_size", "inc_demo_channels", "inc_demo_filters",
                         "inc_shrink_filters", "inc_shrink_pool", "inc_size", "inc_channels",
                         "inc_filters", "inc_kernel", "inc_reduce",
                         *(f"inc_module_{i}" for i in range(6))],
    "mobilenet_lab.py": ["mob_h", "mob_w", "mob_m", "mob_n", "mob_k", "mob_padding", "mob_size",
                         "mob_cin", "mob_cout", "mob_t", "mob_stride", "mob_linear",
                         "mob_latency_batch"],
    "scaling_lab.py": ["scale_phi"],
}


def widget(at: AppTest, key: str):
    for kind in ("slider", "select_slider", "number_input", "radio", "toggle"):
        found = [w for w in getattr(at, kind) if w.key == key]
        if found:
            return kind, found[0]
    raise KeyError(key)


def new_values(kind: str, w) -> list:
    """A few values to move to: the ends and the middle (every value for short ranges)."""
    if kind == "toggle":
        return [not w.value, w.value]
    if kind == "radio" or kind == "select_slider":
        return [o for o in w.options if o != w.value] + [w.value]
    if kind == "number_input":
        return [w.value * 2, w.value]
    lo, hi, step = w.min, w.max, w.step
    if key_is_phi(w):
        return [round(lo + i * step, 2) for i in range(int((hi - lo) / step) + 1)]
    return [hi, lo, lo + ((hi - lo) // 2 // step) * step, w.value]


def key_is_phi(w) -> bool:
    return w.key == "scale_phi"


def coerce(kind: str, w, value):
    if kind == "select_slider" or kind == "radio":
        return type(w.value)(value) if not isinstance(w.value, str) else value
    return value


def timed(at: AppTest) -> tuple[float, float]:
    """(CPU ms, wall ms) of one rerun."""
    cpu, wall = time.process_time(), time.perf_counter()
    at.run()
    assert not at.exception, at.exception
    return (time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000


def main() -> None:
    print(f"{'page':<18} {'control':<20} {'moves':>5} {'CPU ms med':>10} {'CPU max':>8} "
          f"{'wall med':>9} {'wall/idle':>9}")
    worst = 0.0
    for page, keys in CONTROLS.items():
        at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=60).run()
        idle = [timed(at) for _ in range(5)]
        idle_cpu = statistics.median(c for c, _ in idle)
        idle_wall = statistics.median(w for _, w in idle)
        print(f"{page:<18} {'(nothing changed)':<20} {5:>5} {idle_cpu:>10.1f} {'':>8} "
              f"{idle_wall:>9.1f} {1:>9.2f}")
        for key in keys:
            times = []
            kind, w = widget(at, key)
            for value in new_values(kind, w):
                widget(at, key)[1].set_value(coerce(kind, w, value))
                times.append(timed(at))
            cpu = [c for c, _ in times]
            wall = statistics.median(w for _, w in times)
            worst = max(worst, max(cpu))
            print(f"{'':<18} {key:<20} {len(times):>5} {statistics.median(cpu):>10.1f} "
                  f"{max(cpu):>8.1f} {wall:>9.1f} {wall / idle_wall:>9.2f}")
    tf = "tensorflow" in sys.modules
    print(f"\nslowest move: {worst:.0f} ms of CPU (target < {TARGET_MS} ms): "
          f"{'met' if worst < TARGET_MS else 'MISSED'}; TensorFlow imported: {tf}")


if __name__ == "__main__":
    main()
