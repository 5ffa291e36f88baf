"""Check to verdict for the Practice exercise ``identity_block``: through the job queue
with a warm standby (TensorFlow already imported), with a new job process (cold), and how
much of a cold check is TensorFlow's import.

Targets (issue 23): under 3 s warm, under 10 s cold, on the 2-core CPU.

    python bench/bench_practice.py [--repeat 3]

Each figure is from the click (the job submitted) to the verdict in the job folder's
``result.json``; the check itself (fork, build the learner's and the course's blocks, the
five checks) is the verdict's ``seconds``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cvlab.jobfolder import RESULT  # noqa: E402
from cvlab.jobs import queue  # noqa: E402
from cvlab.practice import exercises  # noqa: E402
from cvlab.practice.job import ExerciseCheck, save_source  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-practice-"))
    os.environ.update({"CVLAB_DATA_DIR": str(work), "CVLAB_DATA_ROOTS": str(work)})
    source = save_source(exercises.get("identity_block").solution, work / "practice")
    spec = ExerciseCheck("identity_block", str(source))
    runs = work / "runs"
    print(f"load average at the start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")

    os.environ["CVLAB_STANDBY"] = "0"
    cold = [check(spec, runs) for _ in range(args.repeat)]
    os.environ["CVLAB_STANDBY"] = "1"
    warm = []
    for _ in range(args.repeat):
        queue.warm_up(runs)
        wait_for(lambda: any(json.loads(p.read_text()).get("ready")
                             for p in (runs / ".standby").glob("*.json")))
        warm.append(check(spec, runs))
    end_standbys(runs)
    imports = [tf_import() for _ in range(args.repeat)]

    print(f"{'identity_block, click to verdict':<44} {'median':>8} {'runs':>24}")
    for name, rows in (("warm standby (target < 3 s)", warm),
                       ("new job process, cold (target < 10 s)", cold)):
        total = [r[0] for r in rows]
        print(f"  {name:<42} {statistics.median(total):6.2f} s   "
              + ", ".join(f"{t:.2f}" for t in total))
    inner = [r[1] for r in warm + cold]
    print(f"  {'the check in its limited child':<42} {statistics.median(inner):6.2f} s")
    print(f"  {'TensorFlow + Keras import (fresh python)':<42} "
          f"{statistics.median(imports):6.2f} s   " + ", ".join(f"{t:.2f}" for t in imports))


def check(spec: ExerciseCheck, runs: Path) -> tuple[float, float]:
    started = time.perf_counter()
    job = queue.submit(spec, runs)
    wait_for(lambda: (job.dir / RESULT).is_file())
    took = time.perf_counter() - started
    result = json.loads((job.dir / RESULT).read_text())
    assert result["passed"], result
    wait_for(lambda: not queue.get(job.id, runs).active)
    return took, result["seconds"]


def tf_import() -> float:
    code = ("import time; t = time.perf_counter(); from cvlab.lazy_tf import keras; keras(); "
            "print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    return float(out.stdout.split()[-1])


def end_standbys(runs: Path) -> None:
    for entry in (runs / ".standby").glob("*.json"):
        with contextlib.suppress(OSError, ValueError, KeyError):
            os.kill(json.loads(entry.read_text())["pid"], signal.SIGTERM)


def wait_for(predicate, limit: float = 300, step: float = 0.02):
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("gave up waiting")
        time.sleep(step)


if __name__ == "__main__":
    main()
