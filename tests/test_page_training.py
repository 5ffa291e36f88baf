"""The Training Studio in AppTest: Train queues a job process; the page shows its queue
position and can cancel it; a run trains, is evaluated and exported (results read back
from the run folder by a new session), resumes with extra epochs, and fails well."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from job_helpers import holder, wait_done
from rendered import rendered
from streamlit.testing.v1 import AppTest
from train_folders import write_shapes

from cvlab.jobs import owners, queue
from cvlab.jobs.record import Job, alive, write_job
from cvlab.jobs.spec import encode
from cvlab.train import TrainConfig

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "training_studio.py")
pytestmark = pytest.mark.slow


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CVLAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CVLAB_DATA_ROOTS", str(tmp_path / "data"))
    monkeypatch.setenv("CVLAB_MAX_JOBS", "1")
    yield tmp_path / "data"
    for job in queue.jobs(tmp_path / "data" / "runs"):
        if job.status == "running" and alive(job) and job.pid != os.getpid():
            os.kill(job.pid, 9)


def open_page(dataset: Path, **params: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=300)
    at.session_state["dataset_dir"] = str(dataset)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    return at


def start(at: AppTest, *, epochs: int, mode: str = "frozen", quiet: bool = True) -> Job:
    at.radio(key="train_mode").set_value(mode)
    at.select_slider(key="train_image_size").set_value(32)
    at.select_slider(key="train_batch_size").set_value(8)
    at.number_input(key="train_epochs").set_value(epochs)
    at.button(key="train_start").click().run()
    assert not at.exception and not (quiet and at.error)
    return queue.get(at.session_state["job:train"], runs(at))


def runs(at: AppTest) -> Path:
    return Path(os.environ["CVLAB_DATA_DIR"]).resolve() / "runs"


def wait_for_job(at: AppTest, job_id: str, limit: float = 240) -> Job:
    job = wait_done(job_id, runs(at), limit)
    at.run()
    assert not at.exception
    return job


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def markdown(at: AppTest) -> str:
    """The page's Markdown as the reader sees it (names are escaped in the source)."""
    return "\n".join(rendered(m.value) for m in at.markdown)


def test_first_visit_names_the_device_and_has_no_runs(data_dir, tmp_path):
    at = open_page(write_shapes(data_dir / "shapes"))
    assert "Training runs on: **CPU**" in at.info[0].value
    assert at.selectbox(key="train_dataset").value == str(data_dir / "shapes")
    assert any("No runs yet" in c.value for c in at.caption)
    assert not at.button(key="train_start").disabled
    defaults = TrainConfig(str(tmp_path))  # the widgets start at the config's defaults
    assert at.radio(key="train_mode").value == defaults.mode
    assert at.number_input(key="train_epochs").value == defaults.epochs
    assert at.select_slider(key="train_image_size").value == defaults.image_size
    assert at.select_slider(key="train_batch_size").value == defaults.batch_size


def test_train_while_another_job_runs_queues_it_with_its_position(data_dir, tmp_path):
    _, process = holder(data_dir / "runs", "0-other")  # another session's job holds the slot
    at = open_page(write_shapes(data_dir / "shapes"))
    job = start(at, epochs=1)
    assert job.status == "queued" and job.position == 1
    assert "queued · position 1 in the queue" in markdown(at)
    at.button(key=f"cancel:{job.id}").click().run()
    assert not at.exception
    assert queue.get(job.id, runs(at)).status == "cancelled"
    assert "cancelled" in markdown(at)
    process.kill()


def test_a_job_found_running_elsewhere_stays_shown_once_it_stops(data_dir, tmp_path):
    # started in another tab of this learner's (its owner token in the URL): this session
    # never launched it
    token = owners.new_token()
    job, process = holder(data_dir / "runs", "0-other", kind="train",
                          spec=encode(TrainConfig(str(data_dir / "shapes"))))
    job.owner = owners.owner_hash(token)
    write_job(job)
    folder = job.dir
    at = open_page(write_shapes(data_dir / "shapes"), owner=token)
    assert "someone else's run" in markdown(at)
    assert at.query_params["train"] == "0-other"  # a reload finds it through the URL
    job.status, job.finished, job.exit_code = "stopped", time.time(), 0
    write_job(job)
    process.kill()
    (folder / "progress.json").write_text(json.dumps(
        {"fraction": 0.02, "text": "stopped after 8 epochs", "updated": time.time()}))
    at.run()  # the panel saw it end and reran the page: nothing runs any more
    assert not at.exception
    assert "someone else's run" in markdown(at)
    assert any("stopped after 8 epochs" in c.value for c in at.caption)
    assert at.button(key="resume:0-other")


def test_a_reload_opens_the_run_of_the_job_in_the_url(data_dir):
    """A new session that finds its job through ``?train=`` shows that job's run under
    Runs, as the session that started it did, not whichever run is newest."""
    from evaluate_fakerun import build_run

    shapes = write_shapes(data_dir / "shapes", per_class=6)
    mine = build_run(data_dir / "runs" / "1-mine", shapes)
    write_job(Job("1-mine", "train", "my run", encode(TrainConfig(str(shapes))), mine,
                  status="finished",
                  created=time.time() - 60, finished=time.time() - 30, exit_code=0))
    newer = build_run(data_dir / "runs" / "2-newer", shapes, seed=1)
    later = time.time() + 60
    os.utime(newer / "config.json", (later, later))
    at = AppTest.from_file(PAGE, default_timeout=300)
    at.query_params["train"] = "1-mine"
    at.run()
    assert not at.exception
    assert "my run" in markdown(at)
    (picker,) = [b for b in at.selectbox if (b.key or "").startswith("run_pick:")]
    assert Path(picker.value).name == "1-mine" and picker.options[0].startswith("2-newer")


def test_train_evaluate_export_reload_then_resume_with_extra_epochs(data_dir, tmp_path):
    at = open_page(write_shapes(data_dir / "shapes"))
    job = start(at, epochs=2)
    assert job.status == "running" and job.dir.parent == runs(at)
    job = wait_for_job(at, job.id)
    assert job.status == "finished", job.log_tail()
    assert "finished after 2 epochs" in "\n".join(c.value for c in at.caption)
    shown = metrics(at)
    assert shown["Epochs run"] == "2" and shown["Images (train / val)"] == "18 / 6"
    assert shown["Trained on"] == "CPU" and shown["Mode"] == "frozen"
    assert (job.dir / "model.keras").is_file()

    at.button(key="eval_button").click().run()
    assert not at.exception and not at.error
    report = json.loads((job.dir / "metrics.json").read_text())  # the unseen test split
    accuracy = metrics(at)["Accuracy (test split)"]
    assert accuracy == f"{report['single']['accuracy']:.1%}" and metrics(at)["Images"] == "6"
    per_class = at.table[0].value
    assert [rendered(name) for name in per_class.index] == ["blue", "green", "red"]
    assert per_class["images"].astype(int).sum() == 6
    at.multiselect(key="exp_formats").set_value(["keras"])
    at.button(key="exp_button").click().run()
    assert not at.exception and not at.error
    assert list(at.dataframe[-1].value["format"]) == ["keras"]

    again = AppTest.from_file(PAGE, default_timeout=300)  # a reload: a new session
    again.run()
    assert not again.exception
    assert metrics(again)["Accuracy (test split)"] == accuracy, "read from the run folder"
    assert list(again.dataframe[-1].value["format"]) == ["keras"]

    extra = at.number_input(key=f"resume_epochs:{job.id}")
    assert extra.value == 2 and extra.min == 1  # all planned epochs done: 0 would do nothing
    assert "All 2 planned epochs are done" in extra.help
    extra.set_value(1)
    at.button(key=f"resume:{job.id}").click().run()
    assert not at.exception and not at.error
    job = wait_for_job(at, job.id)
    assert job.status == "finished" and job.resumes == 1
    assert metrics(at)["Epochs run"] == "3"
    assert any("earlier model" in c.value for c in at.caption), "the old report is marked"


def test_a_one_class_folder_fails_with_the_scanners_message(data_dir, tmp_path):
    shapes = write_shapes(data_dir / "shapes")
    only = data_dir / "one"
    only.mkdir()
    (shapes / "red").rename(only / "red")
    at = open_page(only)
    job = wait_for_job(at, start(at, epochs=1, quiet=False).id, limit=60)  # it may fail fast
    assert job.status == "failed" and job.exit_code == 2
    assert at.error[0].value.startswith("The job failed with exit code 2")
    assert any("a classifier needs at least two" in c.value for c in at.code)  # the log
    assert at.button(key=f"resume:{job.id}")  # offered; the user may fix the folder first
