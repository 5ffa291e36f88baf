"""A training job as a real process: it outlives the process that queued it, a kill leaves
it interrupted, resume continues its history, and a stop from another process ends it
at the end of a batch, keeping the best complete epoch."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from train_folders import write_shapes

from cvlab.jobs import queue
from cvlab.jobs.record import alive

ROOT = Path(__file__).resolve().parents[1]
ENV = {"PYTHONPATH": str(ROOT), "CVLAB_MAX_JOBS": "1"}  # beside the test's environment
pytestmark = pytest.mark.slow


def wait(predicate, what: str, limit: float = 180):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def history(job) -> list[dict]:
    try:
        return json.loads((job.dir / "history.json").read_text())
    except (OSError, ValueError):
        return []


def test_job_outlives_its_parent_survives_a_kill_resumes_and_stops(tmp_path, monkeypatch):
    monkeypatch.setenv("CVLAB_MAX_JOBS", "1")
    shapes = write_shapes(tmp_path / "shapes", per_class=6)
    runs = tmp_path / "runs"
    code = ("import sys, json, time; from pathlib import Path; from cvlab.jobs import queue; "
            "from cvlab.train import TrainConfig; "
            f"job = queue.submit(TrainConfig({str(shapes)!r}, image_size=32, batch_size=2, "
            "epochs=500).resolved(), Path(sys.argv[1])); "
            "print(job.id, flush=True); time.sleep(600)")
    parent = subprocess.Popen([sys.executable, "-c", code, str(runs)], env={**os.environ, **ENV},
                              stdout=subprocess.PIPE, text=True, start_new_session=True)
    job_id = parent.stdout.readline().strip()
    os.killpg(parent.pid, signal.SIGKILL)  # the parent and everything in its group die
    parent.wait()
    try:
        job = queue.get(job_id, runs)
        assert job.status == "running" and alive(job), "the job lives on without its parent"

        # 1. Killed after its first epoch: interrupted, never 'running' forever.
        wait(lambda: history(job), "the first epoch")
        os.kill(job.pid, signal.SIGKILL)
        job = wait(lambda: (j := queue.get(job_id, runs)).status == "interrupted" and j,
                   "interrupted")
        done = len(history(job))

        # 2. Resume continues the history from the checkpoint; a stop from this (another)
        #    process ends it within the epoch it is in, at the end of a batch.
        job = queue.resume(job_id, root=runs)
        assert job.status == "running"
        wait(lambda: len(history(job)) > done + 2, "epochs after the resume")
        queue.stop(job_id, runs)
        seen = len(history(job))
        job = wait(lambda: (j := queue.get(job_id, runs)).status == "stopped" and j, "stop")
        epochs = history(job)
        assert [e["epoch"] for e in epochs] == list(range(1, len(epochs) + 1))
        assert len(epochs) <= seen + 2, "it stopped in the epoch it was in (or the next)"
        steps = epochs[0]["batches"]
        assert epochs[-1]["partial"] == (epochs[-1]["batches"] < steps)
        assert not any(e["partial"] for e in epochs[:-1])
        state = json.loads((job.dir / "checkpoints" / "state.json").read_text())
        assert state["stopped"] and not state["best_partial"]
        assert not epochs[state["best_epoch"] - 1]["partial"], "a partial epoch is never best"
        assert (job.dir / "model.keras").is_file() and not (job.dir / "STOP").exists()

        # 3. One more epoch: the same run finishes, its history continued, not restarted.
        job = queue.resume(job_id, epochs=1, root=runs)
        job = wait(lambda: not (j := queue.get(job_id, runs)).active and j, "the last epoch")
        assert job.status == "finished" and job.exit_code == 0 and job.resumes == 2
        final = history(job)
        assert final[:-1] == epochs and final[-1]["epoch"] == len(epochs) + 1
        assert not final[-1]["partial"]
        complete = sum(not e["partial"] for e in final)  # the stopped epoch was partial or not
        cut = " and part of another" if complete < len(final) else ""
        assert (job.progress() or {})["text"] == f"finished after {complete} epochs{cut}"
    finally:
        for listed in queue.jobs(runs):
            if listed.status == "running" and alive(listed):
                os.kill(listed.pid, signal.SIGKILL)
