"""The job queue on disk: FIFO order, N at a time under concurrent submits, positions,
cancel, ids, and the `python -m cvlab jobs` command. Jobs here run `python -m cvlab
models` (about a second), so no TensorFlow is involved."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cvlab.errors import CvlabError
from cvlab.jobs import queue
from cvlab.jobs.record import Job, process_start, read_job, write_job

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def wait_ended(root: Path, count: int, limit: float = 60) -> list[Job]:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        listed = queue.jobs(root)
        if len(listed) == count and not any(job.active for job in listed):
            return sorted(listed, key=lambda job: job.seq)
        time.sleep(0.2)
    raise AssertionError([(job.id, job.status) for job in queue.jobs(root)])


def blocker(root: Path) -> Job:
    """A 'running' job whose process is this test: it holds slot 0 until released."""
    folder = root / "0-blocker"
    folder.mkdir(parents=True)
    job = Job("0-blocker", "probe", "blocker", ["models"], folder, status="running", slot=0,
              pid=os.getpid(), pid_start=process_start(os.getpid()), created=time.time(),
              started=time.time())
    write_job(job)
    return job


def test_queued_jobs_wait_in_order_show_positions_and_can_be_cancelled(tmp_path,
                                                                        monkeypatch):
    monkeypatch.setenv("CVLAB_MAX_JOBS", "1")
    hold = blocker(tmp_path)
    submitted = [queue.submit("probe", ["models", "--json"], f"probe {i}", tmp_path)
                 for i in range(3)]
    assert [job.status for job in submitted] == ["queued"] * 3
    assert [job.position for job in submitted] == [1, 2, 3]
    assert queue.cancel(submitted[1].id, tmp_path).status == "cancelled"
    assert [queue.get(job.id, tmp_path).position for job in submitted] == [1, None, 2]
    with pytest.raises(CvlabError, match="cancelled; allowed: a job that is queued"):
        queue.cancel(submitted[1].id, tmp_path)

    hold.status, hold.finished = "finished", time.time()  # the slot frees
    write_job(hold)
    ended = wait_ended(tmp_path, 4)
    first, cancelled, last = (j for j in ended if j.id != hold.id)
    assert first.status == last.status == "finished" and cancelled.started is None
    assert first.finished <= last.started, "one at a time, first in first out"
    assert json.loads(first.log.read_text().split("\n", 1)[1].rsplit("\n", 2)[0])


def test_k_concurrent_submits_run_n_at_a_time_in_order(tmp_path):
    k, n = 5, 2
    code = ("import sys; from pathlib import Path; from cvlab.jobs import queue; "
            "queue.submit('probe', ['models'], 'probe', Path(sys.argv[1]))")
    env = {**ENV, "CVLAB_MAX_JOBS": str(n)}
    submitters = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], env=env)
                  for _ in range(k)]
    assert [p.wait(timeout=60) for p in submitters] == [0] * k
    ended = wait_ended(tmp_path, k)
    assert [job.status for job in ended] == ["finished"] * k
    assert [job.seq for job in ended] == list(range(1, k + 1))
    assert len({job.id for job in ended}) == k, "every job has its own folder"
    starts = [job.started for job in ended]
    assert starts == sorted(starts), "started in the order they were queued"
    for job in ended:  # never more than n jobs ran at one instant
        overlapping = [o for o in ended if o.started <= job.started < o.finished]
        assert len(overlapping) <= n


def test_a_dead_running_job_is_interrupted_and_ids_are_checked(tmp_path):
    folder = tmp_path / "x1"
    folder.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    write_job(Job("x1", "probe", "dead", ["models"], folder, status="running", slot=0,
                  pid=dead.pid, pid_start=1, created=time.time(), started=time.time()))
    assert queue.get("x1", tmp_path).status == "interrupted"
    assert read_job(folder).status == "interrupted", "the refreshed status is recorded"
    for bad in ("nope", "../x1", ""):
        with pytest.raises(CvlabError, match="allowed: an id that `python -m cvlab jobs`"):
            queue.get(bad, tmp_path)
    with pytest.raises(CvlabError, match="kind 'probe'"):
        queue.resume("x1", root=tmp_path)
    queue.delete("x1", tmp_path)
    assert not folder.exists()


def test_jobs_command_lists_acts_and_rejects_a_bad_id_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("CVLAB_MAX_JOBS", "1")
    blocker(tmp_path)
    job = queue.submit("probe", ["models"], "probe", tmp_path)

    def cvlab(*args):
        return subprocess.run([sys.executable, "-m", "cvlab", "jobs", "--root", str(tmp_path),
                               *args], capture_output=True, text=True, env=ENV, timeout=60)

    listed = cvlab("--json")
    assert listed.returncode == 0
    data = json.loads(listed.stdout)
    assert [(j["id"], j["status"], j["position"]) for j in data["jobs"]] == [
        (job.id, "queued", 1), ("0-blocker", "running", None)]
    table = cvlab()
    assert "queued #1" in table.stdout and "0-blocker" in table.stdout
    stopped = cvlab("stop", job.id)
    assert stopped.returncode == 0 and stopped.stdout.strip() == f"{job.id}: cancelled"
    bad = cvlab("resume", "no-such-job", "--epochs", "2")
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.strip().count("\n") == 0 and "no-such-job" in bad.stderr
