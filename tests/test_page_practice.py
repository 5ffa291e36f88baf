"""The Practice page in AppTest: write a wrong block, check it (a real job), read the
course's words for the mistake, fix it, check again, see it pass with its shape flow; and
Practice stays off beyond loopback unless the operator switches it on."""

from __future__ import annotations

from pathlib import Path

import pytest
from job_helpers import wait_done
from streamlit import config
from streamlit.testing.v1 import AppTest

from cvlab.jobs import queue
from cvlab.practice import exercises
from cvlab.practice.access import practice_allowed

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "practice.py")
RIGHT = exercises.get("skip_block").solution
WRONG = RIGHT.replace('    z = layers.Add()([z, a_l])\n    return layers.Activation("relu")(z)',
                      '    z = layers.Activation("relu")(z)\n    return layers.Add()([z, a_l])')


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CVLAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CVLAB_DATA_ROOTS", str(tmp_path / "data"))
    monkeypatch.delenv("CVLAB_PRACTICE", raising=False)
    return tmp_path / "data"


@pytest.fixture()
def served_to_all():
    before = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    yield
    config.set_option("server.address", before)


def open_page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    assert not at.exception
    return at


def check(at: AppTest, code: str) -> str:
    """Put ``code`` in the editor, press Check, wait for the job, and return the page's
    text once the verdict shows."""
    at.selectbox(key="practice_exercise").set_value("skip_block").run()
    at.text_area(key="practice_code_skip_block").set_value(code).run()
    before = {job.id for job in queue.jobs()}
    at.button(key="practice_check_skip_block").click().run()
    assert not at.exception
    (job,) = [job for job in queue.jobs() if job.id not in before]
    done = wait_done(job.id)
    assert done.status in ("finished", "failed"), done.log_tail(30)
    at.run()
    assert not at.exception
    return " ".join(m.value for m in at.markdown).replace("\\", "")  # Markdown escapes


@pytest.mark.slow
def test_a_wrong_block_is_explained_then_the_fixed_one_passes(data_dir):
    at = open_page()
    assert at.text_area(key="practice_code_identity_block").value == \
        exercises.get("identity_block").skeleton
    text = check(at, WRONG)
    assert "the shortcut is added after the last ReLU; add it before" in text
    assert not at.success
    assert len(at.get("plotly_chart")) == 1  # the task's diagram only: no shape flow yet

    text = check(at, RIGHT)
    assert at.success and "❌" not in text
    assert len(at.get("plotly_chart")) == 2  # the diagram and the passing block's shape flow
    assert "MACs per image" in [m.label for m in at.metric]  # profiled like any network
    (job,) = [j for j in queue.jobs() if j.status == "finished"]
    assert (job.dir / "skip_block.keras").is_file()
    assert (job.dir / "solution.py").read_text() == RIGHT


def test_hints_come_one_at_a_time_and_code_survives_a_trip_home(data_dir):
    at = open_page()
    at.text_area(key="practice_code_identity_block").set_value("# mine\n").run()
    at.button(key="practice_hint_button_identity_block").click().run()
    hints = [m.value for m in at.markdown if m.value.startswith("**Hint")]
    assert hints == [f"**Hint 1.** {exercises.get('identity_block').hints[0]}"]
    at.switch_page(str(Path(PAGE).parent / "home.py")).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.text_area(key="practice_code_identity_block").value == "# mine\n"


def test_practice_is_off_beyond_loopback_without_the_setting(data_dir, served_to_all,
                                                             monkeypatch):
    at = open_page()
    assert any("Practice is off" in i.value for i in at.info)
    assert not at.text_area and not at.button
    monkeypatch.setenv("CVLAB_PRACTICE", "on")
    at = open_page()
    assert not at.info and at.text_area


@pytest.mark.parametrize(("address", "setting", "allowed"), [
    ("127.0.0.1", "", True), ("localhost", "", True), ("::1", "", True),
    ("0.0.0.0", "", False), ("", "", False), ("192.168.1.5", "yes", False),
    ("0.0.0.0", "on", True), ("10.0.0.2", "ON", True)])
def test_practice_switch(address, setting, allowed):
    assert practice_allowed(address, {"CVLAB_PRACTICE": setting}) is allowed
