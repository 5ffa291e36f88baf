"""'Show the Keras code' on the Explorer and the Datasets page (AppTest, no TensorFlow)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

PAGES = Path(__file__).resolve().parents[1] / "pages"


def _code(at: AppTest) -> str:
    (expander,) = [e for e in at.expander if e.label == "Show the Keras code"]
    (code,) = expander.get("code")
    return code.value


def test_explorer_shows_the_code_of_the_default_network_and_of_a_stack():
    at = AppTest.from_file(str(PAGES / "architecture_explorer.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    source = _code(at)
    assert "def build_model():" in source
    assert 'name="mobilenet_v2")' in source
    assert 'keras.layers.Conv2D(32, 3, strides=2, padding="same", use_bias=False, ' \
           'name="Conv1")(inputs)' in source
    at.sidebar.radio(key="explorer_source").set_value("Your own stack").run()
    assert not at.exception, at.exception
    source = _code(at)
    assert "def build_model():" in source
    assert 'keras.layers.Dense(10, name="dense1")(x)' in source


def test_datasets_page_shows_the_folder_as_keras_calls(data_dir):
    at = AppTest.from_file(str(PAGES / "datasets.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    source = _code(at)
    assert source.count("keras.utils.image_dataset_from_directory(") == 2
    assert f"DATA_DIR = \"{data_dir / 'samples' / 'faces'}\"" in source
    assert "stops training with an error in the middle of an epoch" in source


def test_training_studio_shows_the_code_of_the_current_settings(data_dir, monkeypatch):
    from train_folders import write_shapes

    # The device line asks the inference worker, which imports TensorFlow: not this test's
    # subject, so it answers at once.
    monkeypatch.setattr("ui.training.call", lambda fn, *args: "CPU")

    folder = write_shapes(data_dir / "shapes", per_class=3, size=16)
    at = AppTest.from_file(str(PAGES / "training_studio.py"), default_timeout=300)
    at.session_state["dataset_dir"] = str(folder)
    at.run()
    assert not at.exception, at.exception
    source = _code(at)
    assert "CLASSES = 3" in source and "def build_model():" in source
    assert "x = base(x, training=False)" in source
    assert "Phase 1 of 1: head" in source and "compile_model(model, 0.001)" in source
    at.radio(key="train_mode").set_value("fine-tune").run()
    assert not at.exception, at.exception
    source = _code(at)
    assert "Phase 2 of 2: fine-tune" in source and "compile_model(model, 0.0001)" in source
