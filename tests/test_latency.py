"""`python -m cvlab latency`: measures once per machine, reports progress, honours STOP."""

import json
import os
import subprocess
import sys

import pytest

from cvlab import jobfolder, latency
from cvlab.labs.separable import separable_cost


def cvlab(*args, cache):
    env = {**os.environ, "CVLAB_CACHE_DIR": str(cache)}
    return subprocess.run([sys.executable, "-m", "cvlab", *args], capture_output=True,
                          text=True, env=env)


def test_machine_key_is_stable_and_needs_no_tensorflow():
    probe = ("import sys; from cvlab import latency; a = latency.machine(); "
             "b = latency.machine(); assert a == b and a['key']; "
             "print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"


@pytest.mark.parametrize(("args", "message"), [
    (["lenet5", "--batch", "0"], "Received: '0'; allowed: e.g. 1,32"),
    (["--separable", "3x3"], "--separable takes HxWxM,N,K[,same]. Received: '3x3'"),
    (["--separable", "4x4x2,2,5"], "1 ≤ K ≤ H, W"),
    (["lenet5", "--separable", "8x8x2,2,3"], "give models or --separable, not both"),
    (["nonet"], "Unknown model. Received: 'nonet'"),
])
def test_bad_arguments_exit_2_with_one_line(tmp_path, args, message):
    result = cvlab("latency", *args, cache=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and message in result.stderr


def test_stop_file_stops_before_measuring(tmp_path):
    job = tmp_path / "job"
    job.mkdir()
    jobfolder.request_stop(job)
    result = cvlab("latency", "lenet5", "--out", str(job), "--json", cache=tmp_path)
    assert result.returncode == 0
    assert json.loads(result.stdout)["rows"] == []
    assert jobfolder.read_result(job)["complete"] is False


@pytest.mark.slow
def test_measures_once_per_machine_with_progress(tmp_path, monkeypatch):
    job = tmp_path / "job"
    job.mkdir()
    first = cvlab("latency", "lenet5", "--batch", "1,2", "--out", str(job), "--json",
                  cache=tmp_path)
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    assert [(r["key"], r["batch"]) for r in data["rows"]] == [("lenet5@32", 1), ("lenet5@32", 2)]
    assert all(r["ms_per_image"] > 0 and r["macs"] == 416_520 for r in data["rows"])
    assert jobfolder.read_result(job) == data and data["complete"]
    assert jobfolder.read_progress(job)["fraction"] == 1.0
    assert "LeNet-5 at batch 2" in first.stderr
    store = json.loads((tmp_path / "latency" / f"{data['machine']['key']}.json").read_text())
    assert len(store["rows"]) == 2
    again = json.loads(cvlab("latency", "lenet5", "--batch", "2", "--json",
                             cache=tmp_path).stdout)
    assert again["rows"][0] == data["rows"][1]                  # stored, not measured again
    monkeypatch.setenv("CVLAB_CACHE_DIR", str(tmp_path))
    assert latency.stored() == data["rows"]


@pytest.mark.slow
def test_the_labs_button_queues_a_job_and_the_page_shows_its_result(tmp_path, monkeypatch):
    from pathlib import Path

    from job_helpers import wait_done
    from streamlit.testing.v1 import AppTest

    from cvlab.jobs import queue

    monkeypatch.setenv("CVLAB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CVLAB_DATA_DIR", str(tmp_path / "data"))
    page = Path(__file__).resolve().parents[1] / "pages" / "mobilenet_lab.py"
    at = AppTest.from_file(str(page), default_timeout=60).run()
    at.button(key="mob_latency_run").click().run()
    assert not at.exception, at.exception
    job = queue.get(at.session_state["job:mob_latency"])
    assert job.kind == "latency" and job.spec["separable"].startswith("6x6x3,5,3,")
    assert wait_done(job.id).status == "finished", queue.get(job.id).log_tail()
    at.run()
    labels = [m.label for m in at.metric]
    assert "Time ratio" in labels and not at.exception
    ratio = next(m for m in at.metric if m.label == "Time ratio")
    assert ratio.delta == "MAC ratio 0.311"
    cost = separable_cost(6, 6, 3, 5, 3)                 # the lab's defaults: the course's
    assert [r["macs"] for r in latency.stored()] == [cost.standard, cost.separable]
    assert jobfolder.read_result(job.dir)["complete"]
