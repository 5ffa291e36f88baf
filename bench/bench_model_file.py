"""Model files: converting and profiling a loaded ~800-layer model, and upload to table.

Prints figures measured in this one run:
  * NASNetMobile (769 layers) loaded in memory: seconds to convert it into the zoo's graph
    and profile it (median of 5), and the zoo match on top (cached after the first file);
  * ResNet-50 (224×224, with its head) saved as .keras: seconds from starting a fresh
    `python -m cvlab profile --model-file resnet50.keras --json` to its JSON, and how much
    of that a bare TensorFlow import takes in a fresh interpreter.

Run: .venv/bin/python bench/bench_model_file.py
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cvlab.lazy_tf import keras  # noqa: E402
from cvlab.modelfile.convert import convert  # noqa: E402
from cvlab.modelfile.match import zoo_matches  # noqa: E402
from cvlab.profile import profile  # noqa: E402

IMPORT_PROBE = "import time; t = time.perf_counter(); from cvlab.lazy_tf import keras; " \
               "keras(); print(time.perf_counter() - t)"


def convert_and_profile(model) -> tuple[float, int]:
    times = []
    for _ in range(5):
        start = time.perf_counter()
        p = profile(convert(model).network)
        times.append(time.perf_counter() - start)
    return statistics.median(times), len(p.layers)


def fresh(*args) -> tuple[float, str]:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, *args], capture_output=True, text=True, check=True,
                         cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout
    return time.perf_counter() - start, out


def main() -> None:
    k = keras()
    nasnet = k.applications.NASNetMobile(weights=None)
    seconds, nodes = convert_and_profile(nasnet)
    print(f"NASNetMobile ({len(nasnet.layers)} Keras layers, {nodes} graph nodes): convert + "
          f"profile {seconds:.3f} s (median of 5; target < 1 s)")
    p = profile(convert(nasnet).network)
    start = time.perf_counter()
    zoo_matches(p)
    print(f"  zoo match, first file of a process: {time.perf_counter() - start:.2f} s")

    with tempfile.TemporaryDirectory(dir=ROOT / "data" if (ROOT / "data").is_dir() else None) \
            as folder:
        path = Path(folder) / "resnet50.keras"
        k.applications.ResNet50(weights=None).save(path)
        print(f"ResNet-50 .keras: {path.stat().st_size / 1024**2:.0f} MiB")
        env_roots = os.environ.get("CVLAB_DATA_ROOTS")
        os.environ["CVLAB_DATA_ROOTS"] = folder
        try:
            total, out = fresh("-m", "cvlab", "profile", "--model-file", str(path), "--json")
            tf_import = float(fresh("-c", IMPORT_PROBE)[1])
        finally:
            if env_roots is None:
                os.environ.pop("CVLAB_DATA_ROOTS")
            else:
                os.environ["CVLAB_DATA_ROOTS"] = env_roots
    data = json.loads(out)
    print(f"upload to table (fresh `profile --model-file --json`): {total:.1f} s "
          f"(target < 10 s on 2 cores), of which the TensorFlow import ~{tf_import:.1f} s "
          f"({100 * tf_import / total:.0f} %); {data['total_params']:,} params "
          f"(Keras: {data['keras_params']:,}), match: "
          f"{[m['name'] for m in data['zoo_match']]}")
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
