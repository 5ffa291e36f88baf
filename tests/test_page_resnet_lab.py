"""The ResNet Lab page in AppTest: the shortcut table, and a finished experiment read back
from its job folder (launching with clicks: tests/test_browser_resnet_lab.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from job_helpers import wait_done
from rendered import rendered
from streamlit.testing.v1 import AppTest

from cvlab import jobfolder
from cvlab.experiments.degradation import Settings
from cvlab.jobs import queue
from ui.resnet_lab import GRADIENT_NOTE

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "resnet_lab.py")
TINY = Settings(depths=(8,), epochs=2, train_per_class=2, val_per_class=1, image_size=8)
pytestmark = pytest.mark.slow


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CVLAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CVLAB_DATA_ROOTS", str(tmp_path / "data"))
    return tmp_path / "data"


def open_page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    assert not at.exception
    return at


def test_shortcut_table_and_no_job_yet(data_dir):
    at = open_page()
    table = at.dataframe[0].value
    params = dict(zip(table["block and shortcut"], table["params"], strict=True))
    plain = params["plain: no shortcut"]
    assert params["zero padding: every 2nd pixel, then zero channels"] == plain
    assert params["projection: s(a) = W_s·a (1×1 conv, stride 2)"] == plain + 16 * 32 + 4 * 32
    assert [h.value for h in at.header][:3] == [
        "1 · A residual block", "2 · The identity is easy to learn",
        "3 · The degradation experiment"]
    assert not at.get("plotly_chart")  # no job, so no curves: nothing made up
    captions = [c.value for c in at.caption]
    assert "About 4 min on an idle 2-core CPU" in captions  # 269 s, the measured default
    at.radio(key="resnet_budget").set_value("longer").run()
    assert "About 13 min on an idle 2-core CPU" in [c.value for c in at.caption]


def test_a_finished_experiment_is_shown_from_its_folder(data_dir):
    job = queue.submit(TINY)
    job = wait_done(job.id)
    assert job.status == "finished", job.log_tail(20)
    result = jobfolder.read_result(job.dir)
    at = open_page()  # a new session: it finds the finished job on disk
    assert not at.exception
    charts = at.get("plotly_chart")
    assert len(charts) >= 2  # training curves and gradient norms (validation in an expander)
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "plain 8" not in text  # one depth: no pair to compare, no verdict invented
    assert "Animal-MNIST" in text and result["machine"]["device"] in text
    assert GRADIENT_NOTE in text  # the gradient plot says what it does not show (§4.1)
    assert f"in {result['seconds']:.0f} s" in text
    assert f"resume:{job.id}" not in [b.key for b in at.button]  # finished: nothing to resume


def test_he_et_al_recipe_reaches_the_command_line(data_dir, monkeypatch):
    """The Optimizer choice travels into the job's spec, and the command the job process
    derives from it parses back to SGD at 0.05 with step decay."""
    from cvlab.cli import build_parser
    from cvlab.errors import CvlabError
    from cvlab.jobs import kinds

    queued = []

    def record(spec, root=None, owner=None):
        queued.append(spec)
        raise CvlabError("recorded, not run")

    monkeypatch.setattr(queue, "submit", record)
    at = open_page()
    at.radio(key="resnet_recipe").set_value("he").run()
    at.button(key="resnet_degradation_start").click().run()
    (spec,) = queued
    kind = kinds.kind_of(spec)
    assert kind.name == "degradation" and "He et al." in kind.title(spec)
    args = build_parser().parse_args(kind.argv(spec, Path("out")))
    assert (args.optimizer, args.learning_rate, args.schedule) == ("sgd", 0.05, "step")
    assert args.depths == "8,20,56" and args.epochs == 8
    assert "recorded, not run" in rendered(at.error[0].value)
