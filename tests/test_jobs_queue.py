"""The job queue on disk: FIFO order, N at a time under concurrent submits, positions,
cancel, ids, crafted records, and the `python -m cvlab jobs` command. Jobs here profile
LeNet-5 (`python -m cvlab profile`, about a second), so no TensorFlow is involved."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from job_helpers import holder

from cvlab import jobfolder
from cvlab.errors import CvlabError
from cvlab.jobs import queue
from cvlab.jobs.record import Job, process_start, read_job, write_job
from cvlab.profile import ProfileSpec
from cvlab.train.config import TrainConfig

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


def test_queued_jobs_wait_in_order_show_positions_and_can_be_cancelled(tmp_path,
                                                                        monkeypatch):
    monkeypatch.setenv("CVLAB_MAX_JOBS", "1")
    hold, process = holder(tmp_path)
    submitted = [queue.submit(ProfileSpec(name), tmp_path)
                 for name in ("lenet5", "alexnet", "vgg16")]
    assert [job.status for job in submitted] == ["queued"] * 3
    assert [job.position for job in submitted] == [1, 2, 3]
    assert queue.cancel(submitted[1].id, tmp_path).status == "cancelled"
    assert [queue.get(job.id, tmp_path).position for job in submitted] == [1, None, 2]
    with pytest.raises(CvlabError, match="cancelled; allowed: a job that is queued"):
        queue.cancel(submitted[1].id, tmp_path)

    process.kill()  # the slot frees: its process is gone
    process.wait()
    ended = wait_ended(tmp_path, 4)
    assert queue.get(hold.id, tmp_path).status == "interrupted"
    first, cancelled, last = (j for j in ended if j.id != hold.id)
    assert first.status == last.status == "finished" and cancelled.started is None
    assert jobfolder.read_result(last.dir)["name"] == "vgg16"
    assert first.finished <= last.started, "one at a time, first in first out"
    assert json.loads(first.log.read_text().split("\n", 1)[1].rsplit("\n", 2)[0])


def test_k_concurrent_submits_run_n_at_a_time_in_order(tmp_path):
    k, n = 5, 2
    code = ("import sys; from pathlib import Path; from cvlab.jobs import queue; "
            "from cvlab.profile import ProfileSpec; "
            "queue.submit(ProfileSpec('lenet5'), Path(sys.argv[1]))")
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
    write_job(Job("x1", "latency", "dead", {}, folder, status="running", slot=0,
                  pid=dead.pid, pid_start=1, created=time.time(), started=time.time()))
    assert queue.get("x1", tmp_path).status == "interrupted"
    assert read_job(folder).status == "interrupted", "the refreshed status is recorded"
    for bad in ("nope", "../x1", ""):
        with pytest.raises(CvlabError, match="allowed: an id that `python -m cvlab jobs`"):
            queue.get(bad, tmp_path)
    with pytest.raises(CvlabError, match="kind 'latency'; allowed: train"):
        queue.resume("x1", root=tmp_path)
    queue.delete("x1", tmp_path)
    assert not folder.exists()


def test_jobs_command_lists_acts_and_rejects_a_bad_id_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("CVLAB_MAX_JOBS", "1")
    hold, process = holder(tmp_path, "0-blocker")
    job = queue.submit(ProfileSpec("lenet5"), tmp_path)

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
    process.kill()


def test_crafted_records_are_data_never_commands(tmp_path, monkeypatch):
    """A record placed in the runs folder runs only as a declared kind with a spec that
    passes its checks: an unknown kind, a field of the wrong type, an argv smuggled in or a
    folder outside the data roots is listed as damaged and never runs; a 'running' record
    naming a live process that is no job worker is interrupted, not waited on."""
    roots = tmp_path / "roots"
    monkeypatch.setenv("CVLAB_DATA_ROOTS", str(roots))
    runs = roots / "runs"
    outside = tmp_path / "outside"
    crafted = {
        "unknown-kind": ("sample-data", {"folder": str(outside)}, "job kind 'sample-data'"),
        "argv-smuggled": ("profile", {"network": "lenet5", "argv": ["scan", "/etc"]},
                          "field 'argv'"),
        "wrong-type": ("profile", {"network": ["lenet5"]}, "ProfileSpec.network"),
        "outside-roots": ("train", {"data_dir": "/etc"}, "/etc"),
    }
    for name, (kind, spec, _) in crafted.items():
        (runs / name).mkdir(parents=True)
        write_job(Job(name, kind, name, spec, runs / name, seq=1, created=time.time()))
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    (runs / "squatter").mkdir()
    write_job(Job("squatter", "profile", "squatter", {"network": "lenet5"}, runs / "squatter",
                  status="running", slot=0, pid=sleeper.pid, pid_start=process_start(sleeper.pid),
                  created=time.time(), started=time.time()))
    try:
        listed = {job.id: job for job in queue.jobs(runs)}
        for name, (_, _, reason) in crafted.items():
            assert listed[name].status == "damaged" and reason in listed[name].reason, name
            assert not (runs / name / "job.log").exists(), f"{name} ran"
        assert listed["squatter"].status == "interrupted"
        real = queue.submit(ProfileSpec("lenet5"), runs)
        assert real.status == "running", "a squatting record does not hold the slot"
        with pytest.raises(CvlabError, match="outside"):
            queue.submit(TrainConfig(str(outside)), runs)
    finally:
        sleeper.kill()
    assert not outside.exists()


@pytest.mark.parametrize(("work_says", "status"), [
    (False, "finished"),  # Stop came after the last step: the work ran to its end
    (True, "stopped"),
    (None, "stopped"),    # the work kept no record of it: the stop asked for is what we know
])
def test_a_job_stopped_too_late_to_matter_is_finished(tmp_path, work_says, status):
    from cvlab.jobs.queue import finish
    from cvlab.jobs.record import read_job

    folder = tmp_path / "runs" / "j1"
    folder.mkdir(parents=True)
    write_job(Job("j1", "profile", "late stop", {"network": "lenet5"}, folder,
                  status="running", pid=os.getpid(), created=time.time()))
    jobfolder.request_stop(folder)
    if work_says is not None:
        (folder / jobfolder.CHECKPOINTS).mkdir()
        (folder / jobfolder.STATE).write_text(json.dumps({"stopped": work_says}))
    finish(folder, 0)
    assert read_job(folder).status == status
