"""Jobs on a Ray cluster (``CVLAB_RAY_ADDRESS``): a local Ray head on 127.0.0.1 with one
CPU (each job asks for one), started for this module and stopped at its end with no process
left behind. The Training Studio's Train runs on Ray and completes its run folder; a second
job, from a second app server, waits for the slot with its queue position and starts when
it frees; a pending job cancels; a killed job process is interrupted and resumes; a Stop
from another process ends it within a batch, keeping the best complete epoch; a new
process (an app server started again) finds every job through its record."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from job_helpers import wait_done
from ray_cluster import LocalCluster
from streamlit.testing.v1 import AppTest
from train_folders import write_shapes

from cvlab.jobs import executors, queue
from cvlab.jobs.record import alive
from cvlab.train import TrainConfig

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "training_studio.py")
pytestmark = [pytest.mark.slow, pytest.mark.ray]


@pytest.fixture(scope="module")
def cluster():
    head = LocalCluster(cpus=1)
    yield head
    assert head.stop() == [], "no process of the cluster is left"


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("ray-data")
    write_shapes(folder / "shapes", per_class=6)
    return folder


@pytest.fixture(scope="module")
def shared() -> dict:
    """What the first test hands the next: the long job it left running."""
    return {}


@pytest.fixture()
def on_ray(cluster, data, monkeypatch):
    """This test's "app server": the module's data folder, pointed at the cluster."""
    env = {"CVLAB_DATA_DIR": str(data), "CVLAB_DATA_ROOTS": str(data),
           executors.ADDRESS: cluster.address}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    yield {**os.environ, "PYTHONPATH": str(ROOT)}
    _forget_the_server()


def _forget_the_server() -> None:
    """What an app server holds in memory about Ray, gone (a restart keeps only disk)."""
    executors._clients.clear()
    executors._gpus.clear()
    executors._checked.clear()


def runs(data: Path) -> Path:
    return data.resolve() / "runs"


def other_server(env: dict, code: str) -> dict:
    """Run ``code`` (which prints one JSON line) in a second app server process."""
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def cli(env: dict, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "cvlab", *args, "--json"], env=env,
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def history(job) -> list[dict]:
    try:
        return json.loads((job.dir / "history.json").read_text())
    except (OSError, ValueError):
        return []


def ray_status(job) -> str:
    return executors._client().get_job_status(job.ray_id).value


def ray_ended(job, limit: float = 120) -> str:
    """Ray's final status of ``job``'s submission, once its process has exited (the job's
    record may say how it ended a moment before)."""
    deadline = time.monotonic() + limit
    while (status := ray_status(job)) in ("PENDING", "RUNNING"):
        assert time.monotonic() < deadline, f"{job.ray_id} still {status}"
        time.sleep(0.3)
    return status


def test_a_studio_job_runs_on_ray_and_the_next_waits_for_the_slot(on_ray, data, shared):
    at = AppTest.from_file(PAGE, default_timeout=300)
    at.session_state["dataset_dir"] = str(data / "shapes")
    at.run()
    at.radio(key="train_mode").set_value("frozen")
    at.select_slider(key="train_image_size").set_value(32)
    at.select_slider(key="train_batch_size").set_value(8)
    at.number_input(key="train_epochs").set_value(1)
    at.button(key="train_start").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    first = queue.get(at.session_state["job:train"], runs(data))
    assert first.executor == "ray" and first.ray_id and first.active

    # A second app server (its own process, same data folder) submits a long run.
    code = ("import json, sys; from pathlib import Path; from cvlab.jobs import queue; "
            "from cvlab.train import TrainConfig; "
            f"job = queue.submit(TrainConfig({str(data / 'shapes')!r}, image_size=32, "
            f"batch_size=2, epochs=500).resolved(), Path({str(runs(data))!r})); "
            "print(json.dumps({'id': job.id, 'ray_id': job.ray_id, "
            "'listed': [j.id for j in queue.jobs(job.dir.parent)]}))")
    second = other_server(on_ray, code)
    assert first.id in second["listed"] and second["id"] != first.id
    assert second["ray_id"] != first.ray_id
    assert {j.id for j in queue.jobs(runs(data))} >= {first.id, second["id"]}
    shared["long"] = second["id"]

    # While the first holds the cluster's one CPU, the second is Ray's PENDING: queued,
    # with a position; a third, cancelled while pending, is stopped in Ray too.
    seen_waiting = False
    third = queue.submit(TrainConfig(str(data / "shapes"), image_size=32, epochs=1).resolved(),
                         runs(data))
    assert third.status == "queued" and third.position is not None
    assert queue.cancel(third.id, runs(data)).status == "cancelled"
    while (now := queue.get(first.id, runs(data))).active:
        waiting = queue.get(second["id"], runs(data))
        if now.status == "running" and waiting.status == "queued":
            assert waiting.position >= 1 and ray_status(waiting) == "PENDING"
            seen_waiting = True
        time.sleep(0.3)
    assert seen_waiting, "the second job waited while the first ran"

    first = wait_done(first.id, runs(data))
    assert first.status == "finished" and first.exit_code == 0, first.log_tail()
    assert ray_ended(first) == "SUCCEEDED" and first.host == socket.gethostname()
    for name in ("model.keras", "history.json", "config.json", "checkpoints/state.json"):
        assert (first.dir / name).is_file(), name
    assert len(history(first)) == 1
    assert f"cvlab worker {first.dir}" in executors.ray_log(first), "the local queue's command"

    waiting = wait_done(second["id"], runs(data), until=lambda j: j.status == "running"
                        and j.started is not None)
    assert waiting.started >= first.finished, "it started once the slot was free"
    shared["cancelled"] = third.id

    # A new session (a reload, another browser) shows how the first one ended.
    again = AppTest.from_file(PAGE, default_timeout=300)
    again.query_params["train"] = first.id
    again.run()
    assert not again.exception
    assert "finished after 1 epoch" in "\n".join(c.value for c in again.caption)


def test_a_killed_ray_job_is_interrupted_resumes_and_stops_within_a_batch(on_ray, data, shared):
    job_id = shared.get("long") or queue.submit(
        TrainConfig(str(data / "shapes"), image_size=32, batch_size=2, epochs=500).resolved(),
        runs(data)).id
    job = wait_done(job_id, runs(data), until=lambda j: history(j) and j.pid is not None)
    assert job.host == socket.gethostname() and alive(job)

    # The app server restarts: a new process finds the job running, through its record.
    _forget_the_server()
    listed = {j["id"]: j for j in cli(on_ray, "jobs", "--root", str(runs(data)))["jobs"]}
    assert listed[job_id]["status"] == "running" and listed[job_id]["executor"] == "ray"
    assert listed[job_id]["ray_id"] == job.ray_id

    # Killed on the worker node: Ray sees its process fail, cvlab shows it interrupted.
    os.kill(job.pid, signal.SIGKILL)
    job = wait_done(job_id, runs(data))
    assert job.status == "interrupted" and ray_ended(job) == "FAILED"
    done, old_submission = len(history(job)), job.ray_id

    job = queue.resume(job_id, root=runs(data))
    assert job.ray_id != old_submission, "a resume is a new submission"
    job = wait_done(job_id, runs(data), until=lambda j: len(history(j)) > done + 1)

    # Stop from another session (the CLI, in its own process): within a batch.
    stopped = cli(on_ray, "jobs", "--root", str(runs(data)), "stop", job_id)
    assert stopped["status"] == "running" and stopped["stop_requested"]
    seen = len(history(job))
    job = wait_done(job_id, runs(data))
    assert job.status == "stopped" and job.exit_code == 0, job.log_tail()
    assert ray_ended(job) == "SUCCEEDED"
    epochs = history(job)
    assert [e["epoch"] for e in epochs] == list(range(1, len(epochs) + 1))
    assert len(epochs) <= seen + 2, "it stopped in the epoch it was in (or the next)"
    state = json.loads((job.dir / "checkpoints" / "state.json").read_text())
    assert state["stopped"] and not epochs[state["best_epoch"] - 1]["partial"]
    assert (job.dir / "model.keras").is_file() and not (job.dir / "STOP").exists()

    # The job cancelled while pending in the first test never ran; Ray ends its
    # submission once it may start (Ray cannot drop a pending job).
    if "cancelled" in shared:
        cancelled = queue.get(shared["cancelled"], runs(data))
        assert ray_ended(cancelled) in ("STOPPED", "SUCCEEDED")
        cancelled = queue.get(cancelled.id, runs(data))
        assert cancelled.status == "cancelled" and cancelled.pid is None
        assert not history(cancelled)


def test_cluster_check_sees_the_shared_folder_and_lists_the_nodes(on_ray, data):
    report = cli(on_ray, "cluster", "check", "--root", str(runs(data)))
    assert [(n["cpus"], n["gpus"], n["shared"]) for n in report["nodes"]] == [(1, 0, True)]
    assert report["folder"] == str(runs(data))
    assert not list(runs(data).glob(".cluster-check-*")), "its probe file is removed"
