"""K queued trainings on the local queue against a local two-node Ray cluster, in one run.

Both run K frozen one-epoch trainings of the faces sample (200 images) submitted at the
same moment through :func:`cvlab.jobs.queue.submit`, two at a time: the local executor with
``CVLAB_MAX_JOBS=2``, then Ray (``CVLAB_RAY_ADDRESS``) on a head and one worker node on
127.0.0.1, one CPU each (each job asks for one, so two run at once). No warm standby on
either side (``CVLAB_STANDBY=0``): each job is a new ``python -m cvlab worker`` process.

Per executor: submit to first batch (median, and of the first two jobs, which wait for
no slot), each job's run (command start to its end, median), the total (first submit to
last end) and the throughput. Ray's overhead per job is the extra slot time each job
costs, ``(total_ray - total_local) × slots / K``; the start-up check (:func:`executors.check`,
once per app server) is timed on its own. Usage::

    python bench/bench_ray.py [--jobs 6] [--size 64]

Timings on a shared machine are inflated by other load; the two executors run side by
side in one run so their difference stands.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from ray_cluster import LocalCluster  # noqa: E402

from cvlab.data import write_sample  # noqa: E402
from cvlab.jobs import executors, queue  # noqa: E402
from cvlab.train import TrainConfig  # noqa: E402

SLOTS = 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=6, help="K jobs submitted at once")
    parser.add_argument("--size", type=int, default=64, help="image size (px)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-ray-"))
    data = work / "data"
    faces = write_sample("faces", data / "faces")
    os.environ.update({"CVLAB_DATA_DIR": str(data), "CVLAB_DATA_ROOTS": str(data),
                       "CVLAB_STANDBY": "0", "CVLAB_MAX_JOBS": str(SLOTS)})
    os.environ.pop(executors.ADDRESS, None)
    spec = TrainConfig(str(faces), mode="frozen", epochs=1, image_size=args.size).resolved()
    print(f"CPU cores {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}; "
          f"{args.jobs} jobs, frozen, 1 epoch, {args.size} px, faces sample; {work}\n")

    results = {"local": burst(spec, data / "runs-local", args.jobs)}
    began = time.monotonic()
    cluster = LocalCluster(cpus=1, workers=(1,))
    print(f"Ray cluster (head + 1 worker node, 1 CPU each) up in "
          f"{time.monotonic() - began:.1f} s")
    try:
        os.environ[executors.ADDRESS] = cluster.address
        began = time.monotonic()
        report = executors.check(data / "runs-ray", queue.ray_env())
        executors._checked.add((cluster.address, str(data / "runs-ray")))
        print(f"start-up check (a file in the data folder read on each of "
              f"{len(report['nodes'])} nodes): {time.monotonic() - began:.1f} s\n")
        results["ray"] = burst(spec, data / "runs-ray", args.jobs)
    finally:
        os.environ.pop(executors.ADDRESS, None)
        left = cluster.stop()
    print_report(results, args.jobs)
    print(f"\ncluster stopped, {len(left)} process(es) left")


def burst(spec, runs: Path, count: int) -> dict:
    """Submit ``count`` jobs at once; wait for all; each job's times (unix seconds)."""
    submitted, ids = [], []
    for _ in range(count):
        submitted.append(time.time())
        ids.append(queue.submit(spec, runs).id)
    while any(queue.get(i, runs).active for i in ids):
        time.sleep(0.2)
    jobs = []
    for job_id, sent in zip(ids, submitted, strict=True):
        job = queue.get(job_id, runs)
        timeline = ((job.progress() or {}).get("detail") or {}).get("timeline") or {}
        assert job.status == "finished", (job.status, job.log_tail())
        jobs.append({"submitted": sent, "command": timeline["command"],
                     "first_batch": timeline["first_batch"], "finished": job.finished})
    return {"jobs": jobs, "total": max(j["finished"] for j in jobs) - submitted[0]}


def print_report(results: dict, count: int) -> None:
    print(f"{'':<34}{'local':>10}{'ray':>10}")
    rows = {
        "submit → first batch, median (s)": lambda r: statistics.median(
            j["first_batch"] - j["submitted"] for j in r["jobs"]),
        "  the first two jobs, mean (s)": lambda r: statistics.mean(
            j["first_batch"] - j["submitted"] for j in r["jobs"][:SLOTS]),
        "  of which to the command (s)": lambda r: statistics.mean(
            j["command"] - j["submitted"] for j in r["jobs"][:SLOTS]),
        "one job's run, median (s)": lambda r: statistics.median(
            j["finished"] - j["command"] for j in r["jobs"]),
        f"total for {count} jobs (s)": lambda r: r["total"],
        "throughput (jobs/min)": lambda r: 60 * count / r["total"],
    }
    for label, value in rows.items():
        print(f"{label:<34}" + "".join(f"{value(results[e]):>10.1f}" for e in ("local", "ray")))
    start = {e: statistics.mean(j["command"] - j["submitted"] for j in r["jobs"][:SLOTS])
             for e, r in results.items()}
    overhead = start["ray"] - start["local"]
    slot = (results["ray"]["total"] - results["local"]["total"]) * SLOTS / count
    run = statistics.median(j["finished"] - j["command"] for j in results["local"]["jobs"])
    print(f"\nRay's overhead per job: {overhead:.1f} s to start it (submit → command, "
          f"first two jobs, Ray - local); {slot:.1f} s of slot time in all "
          f"((total_ray - total_local) × {SLOTS} slots / {count} jobs: the start, plus Ray's "
          "own processes sharing this machine's cores with the jobs)")
    print("N GPU nodes, one job per GPU (entrypoint_num_gpus=1), each job alone on its "
          "node's GPU, give about N × 60 / (t_job + start overhead) jobs/min, t_job one "
          f"job's run; with the local run here ({run:.1f} s on this CPU) as t_job: "
          f"N × {60 / (run + max(overhead, 0)):.2f} jobs/min, linear in N as long as the "
          "app servers' share (one submission per job, one status request per refresh, "
          "milliseconds) stays small.")


if __name__ == "__main__":
    main()
