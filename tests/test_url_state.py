"""Settings in the URL: a reload or a shared link opens a page in the same state, and a
link's bad values are refused with a message, never an exception."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from evaluate_fakerun import write_shapes
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[1] / "app.py"


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CVLAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CVLAB_DATA_ROOTS", str(tmp_path / "data"))
    return tmp_path / "data"


def opened(page: str, **params) -> AppTest:
    """A new session opening ``page`` through app.py (the server's entry point, which
    catches a link's bad values) with ``params`` in its URL."""
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.switch_page(f"pages/{page}")
    for key, value in params.items():
        at.query_params[key] = json.dumps(value)
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_reload_keeps_the_training_folder_and_settings(data_dir):
    folder = write_shapes(data_dir / "my-shapes", per_class=4)
    first = opened("training_studio.py", dataset_dir=str(folder))
    assert first.selectbox(key="train_dataset").value == str(folder)
    first.number_input(key="train_epochs").set_value(7).run()
    url = {k: json.loads(v) for k, v in first.query_params.items() if k.startswith(("train_",
                                                                                   "dataset"))}
    assert url["dataset_dir"] == str(folder) and url["train_epochs"] == 7
    reloaded = opened("training_studio.py", **url)  # a new session, from the same URL
    assert reloaded.selectbox(key="train_dataset").value == str(folder)
    assert reloaded.number_input(key="train_epochs").value == 7


def test_the_explorer_link_opens_the_network_picked():
    at = opened("architecture_explorer.py")
    at.selectbox(key="explorer_model").set_value("resnet50").run()
    assert json.loads(at.query_params["explorer_model"]) == "resnet50"
    shared = opened("architecture_explorer.py", explorer_model="resnet50")
    assert shared.selectbox(key="explorer_model").value == "resnet50"


def test_a_bad_value_in_a_link_is_refused_with_a_message(data_dir, tmp_path):
    at = opened("mobilenet_lab.py", mob_h=9999, mob_n=5)
    assert at.slider(key="mob_h").value == 6  # the default, not the link's 9999
    assert "mob_h" in at.warning[0].value and "could not be used" in at.warning[0].value
    outside = opened("training_studio.py", dataset_dir=str(tmp_path))
    assert "dataset_dir" in outside.warning[0].value
    assert outside.selectbox(key="train_dataset").value != str(tmp_path)
