"""The executor choice and Ray's states as the record's, without a cluster (the cluster
itself: tests/test_jobs_ray.py)."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from cvlab.cli.jobs import render
from cvlab.errors import CvlabError
from cvlab.jobs import executors, queue
from cvlab.jobs.record import Job, read_job, write_job


def ray_job(tmp_path, **fields) -> Job:
    return Job("1-run", "train", "a run", {}, tmp_path, executor="ray", ray_id="cvlab-1-run-ab",
               **fields)


def details(state: str, message: str = "") -> SimpleNamespace:
    return SimpleNamespace(status=SimpleNamespace(value=state), message=message)


def test_the_executor_is_local_unless_a_ray_address_is_set(monkeypatch):
    monkeypatch.delenv(executors.ADDRESS, raising=False)
    assert executors.chosen() == "local" and executors.address() is None
    monkeypatch.setenv(executors.ADDRESS, " http://head:8265 ")
    assert executors.chosen() == "ray" and executors.address() == "http://head:8265"
    assert executors.ADDRESS not in queue.ray_env(), "a job never submits jobs itself"
    monkeypatch.setenv(executors.JOB_CPUS, "-1")
    with pytest.raises(CvlabError, match="Received: CVLAB_RAY_JOB_CPUS='-1'"):
        executors.job_cpus()


@pytest.mark.parametrize(("recorded", "pid", "stop", "state", "expected"), [
    ("queued", None, None, "PENDING", "queued"),
    ("queued", None, None, "RUNNING", "running"),
    ("running", 123, None, "RUNNING", "running"),
    ("finished", 123, None, "SUCCEEDED", "finished"),  # the job's own end wins
    ("stopped", 123, 1.0, "STOPPED", "stopped"),
    ("running", 123, None, "FAILED", "interrupted"),  # its process was killed
    ("running", 123, None, None, "interrupted"),  # the cluster no longer knows it
    ("running", None, 1.0, "STOPPED", "stopped"),  # Ray's stop, before it started
    ("queued", None, None, "STOPPED", "cancelled"),
    ("queued", None, None, "FAILED", "failed"),  # it never started: Ray's reason
])
def test_rays_states_map_onto_the_records(tmp_path, recorded, pid, stop, state, expected):
    job = ray_job(tmp_path, status=recorded, pid=pid, stop_requested=stop)
    status, reason = executors.status(job, details(state, "runtime env failed")
                                      if state else None)
    assert status == expected
    assert (reason == "Ray: runtime env failed") == (expected == "failed")


def test_a_record_keeps_its_executor_and_ray_id_and_the_cli_shows_them(tmp_path):
    job = ray_job(tmp_path, status="running", created=time.time(), host="gpu-1")
    write_job(job)
    again = read_job(tmp_path)
    assert (again.executor, again.ray_id, again.host) == ("ray", "cvlab-1-run-ab", "gpu-1")
    table = render([again])
    header, row = table.splitlines()
    assert header.split()[3:6] == ["EXECUTOR", "RAY", "ID"]
    assert row.split()[3:5] == ["ray", "cvlab-1-run-ab"]
