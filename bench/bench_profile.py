"""Profiler speed: the whole zoo analytically, against building the same nets in Keras.

Prints figures measured side by side in this one run:
  * seconds to profile all zoo entries (median of 5), and per entry;
  * whether rendering the Architecture Explorer imported TensorFlow;
  * analytic profile vs Keras build + count, for a few models, as a speed ratio.

Run: .venv/bin/python bench/bench_profile.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cvlab import zoo  # noqa: E402
from cvlab.profile import profile  # noqa: E402

KERAS_SAMPLE = ("mobilenet_v2", "resnet50", "efficientnet_b0")

EXPLORER_PROBE = """
import sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file("pages/architecture_explorer.py", default_timeout=60).run()
assert not at.exception, at.exception
for name in ("vgg16", "googlenet", "efficientnet_b7"):
    at.sidebar.selectbox[0].set_value(name).run()
    assert not at.exception, at.exception
print("tensorflow" in sys.modules)
"""


def time_all_profiles() -> float:
    start = time.perf_counter()
    for name in zoo.names():
        profile(zoo.get(name))
    return time.perf_counter() - start


def main() -> None:
    runs = [time_all_profiles() for _ in range(5)]
    whole = statistics.median(runs)
    print(f"profile all {len(zoo.names())} zoo entries: {whole * 1000:.1f} ms "
          f"(median of 5; {whole / len(zoo.names()) * 1000:.2f} ms per entry)")

    probe = subprocess.run([sys.executable, "-c", EXPLORER_PROBE], cwd=ROOT,
                           capture_output=True, text=True, check=True)
    print(f"Explorer rendered 4 models; TensorFlow imported: {probe.stdout.strip()}")

    from cvlab.keras.build import build_model
    from cvlab.keras.counts import keras_counts

    build_model(zoo.get("lenet5"))  # pay TensorFlow's import outside the timings
    for name in KERAS_SAMPLE:
        start = time.perf_counter()
        ours = profile(zoo.get(name))
        analytic = time.perf_counter() - start
        start = time.perf_counter()
        counts = keras_counts(build_model(zoo.get(name)))
        keras_time = time.perf_counter() - start
        same = (counts.total_params, counts.macs) == (ours.total_params, ours.macs)
        print(f"{name:16s} analytic {analytic * 1000:7.1f} ms | Keras build+count "
              f"{keras_time * 1000:7.0f} ms | ratio {keras_time / analytic:6.0f}x | "
              f"counts agree: {same}")


if __name__ == "__main__":
    main()
