"""Warm standbys (cvlab.jobs.standby): a job handed to one runs in that already-warm
process; a dead one is passed over; an idle one retires; CVLAB_STANDBY=0 starts none."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
from job_helpers import wait_done

from cvlab.jobs import queue, standby
from cvlab.jobs.record import process_start
from cvlab.profile import ProfileSpec

pytestmark = pytest.mark.slow


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.setenv("CVLAB_STANDBY", "1")
    monkeypatch.setenv("CVLAB_MAX_JOBS", "1")
    folder = tmp_path / "runs"
    yield folder
    for entry in _entries(folder):  # nothing outlives the test
        os.kill(entry["pid"], signal.SIGKILL)


def _entries(root: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in (root / standby.FOLDER).glob("*.json")]


def _ready(root: Path, limit: float = 120) -> dict:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        ready = [e for e in _entries(root) if e["ready"]]
        if ready:
            return ready[0]
        time.sleep(0.05)
    raise AssertionError(f"no standby ready after {limit} s: {_entries(root)}")


def _gone(pid: int, limit: float = 30) -> bool:
    deadline = time.monotonic() + limit
    while process_start(pid) is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    return process_start(pid) is None


def test_a_job_runs_in_the_ready_standby_and_a_new_one_is_started(root):
    assert queue.warm_up(root) == 1
    assert queue.warm_up(root) == 0  # one is wanted, one is importing
    warm = _ready(root)
    job = queue.submit(ProfileSpec("lenet5"), root)
    assert job.pid == warm["pid"]  # no new interpreter: the warm one became the job
    done = wait_done(job.id, root)
    assert (done.status, done.exit_code) == ("finished", 0)
    log = (done.dir / "job.log").read_text()
    assert "python -m cvlab profile lenet5" in log and "conv1" in log
    (replacement,) = _entries(root)  # submit started the next standby
    assert replacement["pid"] != warm["pid"]
    assert _gone(warm["pid"])  # used once, then gone


def test_a_dead_standby_is_passed_over_and_an_idle_one_retires(root, monkeypatch):
    queue.warm_up(root)
    dead = _ready(root)
    os.kill(dead["pid"], signal.SIGKILL)
    assert _gone(dead["pid"])  # a kill lands a moment later; until then it still looks alive
    monkeypatch.setenv("CVLAB_STANDBY", "0")  # only the job's own process from here on
    job = queue.submit(ProfileSpec("lenet5"), root)
    assert job.pid != dead["pid"]
    assert wait_done(job.id, root).status == "finished"
    assert _entries(root) == []  # the dead one was forgotten

    monkeypatch.setenv("CVLAB_STANDBY", "1")
    monkeypatch.setenv("CVLAB_STANDBY_IDLE", "0.5")
    queue.warm_up(root)
    assert _gone(_ready(root)["pid"])
    assert _entries(root) == []


def test_none_start_when_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("CVLAB_STANDBY", "0")
    assert queue.warm_up(tmp_path / "runs") == 0
    assert not (tmp_path / "runs" / standby.FOLDER).exists()
