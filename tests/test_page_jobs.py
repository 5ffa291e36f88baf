"""Two learners and a teacher on one server (issue 21 item 2, issue 26 item 5): the
learner who pressed Train owns the job, also after a reload; a second session sees it on
the Jobs page's table but gets no control of it, there or in the Training Studio; the
teacher (``?teacher=``) controls every job. The slot is held by a stand-in job, so the
training job stays queued and no TensorFlow runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from job_helpers import holder
from rendered import rendered
from streamlit.testing.v1 import AppTest
from train_folders import write_shapes

import ui.training
from cvlab.errors import CvlabError
from cvlab.jobs import owners, queue
from cvlab.jobs.record import Job, write_job
from cvlab.jobs.spec import encode
from cvlab.train import TrainConfig

PAGES = Path(__file__).resolve().parents[1] / "pages"
TEACHER = "a-teacher-token-for-this-test"


@pytest.fixture()
def server(tmp_path, monkeypatch):
    """The app's data folder, one job slot, held by a job the CLI started."""
    data = tmp_path / "data"
    for name, value in (("CVLAB_DATA_DIR", data), ("CVLAB_DATA_ROOTS", data),
                        ("CVLAB_MAX_JOBS", 1), ("CVLAB_STANDBY", 0),
                        ("CVLAB_TEACHER_TOKEN", TEACHER)):
        monkeypatch.setenv(name, str(value))
    monkeypatch.setattr(ui.training, "device_name", lambda: "CPU")  # no inference worker
    held, process = holder(data / "runs", "0-cli", title="the CLI's [run](http://evil.ex)")
    yield data, held
    process.kill()
    process.wait()


def page(name: str, state: dict | None = None, **params: str) -> AppTest:
    at = AppTest.from_file(str(PAGES / name), default_timeout=120)
    for key, value in (state or {}).items():
        at.session_state[key] = value
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def buttons(at: AppTest) -> set[str]:
    return {b.key for b in at.button if b.key and b.key.split(":")[0] in (
        "stop", "cancel", "resume")}


def test_only_the_owner_and_the_teacher_get_a_jobs_controls(server):
    data, held = server
    first = page("training_studio.py",
                 {"dataset_dir": str(write_shapes(data / "shapes", per_class=4))})
    first.button(key="train_start").click().run()
    assert not first.exception and not first.error
    job = queue.get(first.session_state["job:train"], data / "runs")
    token = first.query_params["owner"]
    assert job.status == "queued" and job.owner and token not in (job.dir / "job.json") \
        .read_text(), "the record keeps a hash of the session's token"
    assert buttons(first) == {f"cancel:{job.id}"}

    reloaded = page("training_studio.py", owner=token)  # a reload, or a second tab
    assert buttons(reloaded) == {f"cancel:{job.id}"}
    mine = page("jobs.py", owner=token)
    table = mine.dataframe[0].value
    assert list(table["Title"]) == [held.title, job.title]  # running first, then the queue
    assert list(table["Owner"]) == ["the command line", "you"]
    assert list(table["Position"].fillna(0)) == [0, 1]
    assert list(table["Result on"]) == ["", "Training Studio"]
    assert buttons(mine) == {f"cancel:{job.id}"}

    other = page("training_studio.py")  # another learner: the job is not adopted
    assert not buttons(other) and "Training job" not in [h.value for h in other.subheader]
    other_jobs = page("jobs.py")
    assert list(other_jobs.dataframe[0].value["Owner"]) == ["the command line",
                                                            "another learner"]
    assert not buttons(other_jobs)
    assert any("No job of yours" in c.value for c in other_jobs.caption)
    guessed = page("jobs.py", owner="x" * 43, teacher="not-" + TEACHER)  # made up: nothing
    assert len(guessed.dataframe[0].value) == 2 and not buttons(guessed)

    teacher = page("jobs.py", teacher=TEACHER)
    assert buttons(teacher) == {f"stop:{held.id}", f"cancel:{job.id}"}
    assert any(held.title in rendered(m.value) for m in teacher.markdown), "titles are text"
    teacher.button(key=f"cancel:{job.id}").click().run()
    assert not teacher.exception
    assert queue.get(job.id, data / "runs").status == "cancelled"


def test_only_the_owner_and_the_teacher_may_delete_a_run(tmp_path, monkeypatch):
    """A finished training job's run folder: Delete for its owner and the teacher only; a
    run no job recorded (the command line's) for the teacher only."""
    data = tmp_path / "data"
    for name, value in (("CVLAB_DATA_DIR", data), ("CVLAB_DATA_ROOTS", data),
                        ("CVLAB_STANDBY", 0), ("CVLAB_TEACHER_TOKEN", TEACHER)):
        monkeypatch.setenv(name, str(value))
    monkeypatch.setattr(ui.training, "device_name", lambda: "CPU")
    token, shapes = owners.new_token(), write_shapes(data / "shapes", per_class=4)
    run = _finished_run(data / "runs" / "1-mine", shapes, owners.owner_hash(token))
    key = f"delete:{run}"
    other = page("training_studio.py")
    assert key not in {b.key for b in other.button}
    assert any("Only the learner who started this run" in c.value for c in other.caption)
    with pytest.raises(CvlabError, match="started by someone else"):
        queue.delete(run.name, data / "runs", owners.owner_hash(owners.new_token()))
    mine = page("training_studio.py", owner=token)
    mine.button(key=key).click().run()
    assert not mine.exception and not run.exists()

    cli_run = _finished_run(data / "runs" / "2-cli", shapes, None)
    (cli_run / "job.json").unlink()  # written by `python -m cvlab train`: no job, no owner
    assert f"delete:{cli_run}" not in {b.key for b in page("training_studio.py",
                                                           owner=token).button}
    teacher = page("training_studio.py", teacher=TEACHER)
    teacher.button(key=f"delete:{cli_run}").click().run()
    assert not teacher.exception and not cli_run.exists()


def _finished_run(folder: Path, shapes: Path, owner: str | None) -> Path:
    """A run folder with its settings and a finished train job's record (no model)."""
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps(
        {"data_dir": str(shapes), "image_size": 32, "mode": "frozen",
         "class_names": ["blue", "green", "red"]}))
    write_job(Job(folder.name, "train", "my run", encode(TrainConfig(str(shapes))), folder,
                  status="finished", created=1.0, finished=2.0, exit_code=0, owner=owner))
    return folder
