"""A learner's model file on the pages (issue 22): the Training Studio queues a job that
trains it, Feature Maps shows its predictions, a picked layer's maps and Grad-CAM at a
picked convolution inside a nested model."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from rendered import rendered
from streamlit.testing.v1 import AppTest
from train_folders import write_shapes

from cvlab.jobs import queue
from cvlab.jobs.record import read_job

PAGES = Path(__file__).resolve().parents[1] / "pages"
pytestmark = pytest.mark.slow


@pytest.fixture()
def data(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    monkeypatch.setenv("CVLAB_DATA_DIR", str(folder))
    monkeypatch.setenv("CVLAB_DATA_ROOTS", str(folder))
    monkeypatch.setenv("CVLAB_STANDBY", "0")
    (folder / "models").mkdir(parents=True)
    return folder


def test_the_studio_queues_a_job_that_trains_the_picked_model_file(data, monkeypatch):
    # Only the page's reading of the file matters here: a .keras archive whose config
    # names a 48×48 input (the job, never started, would load it).
    model = data / "models" / "mine-0a1b2c3d.keras"
    with zipfile.ZipFile(model, "w") as archive:
        archive.writestr("config.json", json.dumps({"class_name": "Functional", "config": {
            "layers": [{"class_name": "InputLayer",
                        "config": {"batch_shape": [None, 48, 48, 3]}}]}}))
    monkeypatch.setattr(queue, "max_jobs", lambda: 0)  # queued, never started
    at = AppTest.from_file(str(PAGES / "training_studio.py"), default_timeout=120)
    at.session_state["dataset_dir"] = str(write_shapes(data / "shapes", per_class=3, size=16))
    at.run()
    at.radio(key="train_network").set_value("Your model file").run()
    assert not at.exception and not at.error
    assert at.selectbox(key="model_file_pick:train_file").value == str(model)
    assert any("48×48 pixels, the model's input" in m.value for m in at.markdown)
    at.radio(key="train_file_mode").set_value("scratch").run()
    at.button(key="train_start").click().run()
    assert not at.exception and not at.error
    job = queue.get(at.session_state["job:train"], data / "runs")
    spec = read_job(job.dir).spec
    assert (spec["model_file"], spec["mode"], spec["image_size"], spec["weights"]) == (
        str(model), "scratch", 48, "none")
    assert "mine-0a1b2c3d.keras" in job.title


def test_feature_maps_shows_grad_cam_at_a_picked_nested_convolution(data):
    from cvlab.lazy_tf import keras

    k = keras()
    inner_in = k.Input((32, 32, 3))
    y = k.layers.Conv2D(8, 3, padding="same", activation="relu", name="c1")(inner_in)
    y = k.layers.DepthwiseConv2D(3, padding="same", name="dw")(y)
    inner = k.Model(inner_in, y, name="base")
    inputs = k.Input((32, 32, 3))
    x = inner(k.layers.Rescaling(1 / 255, name="scale")(inputs))
    x = k.layers.Conv2D(4, 1, name="top_conv")(x)
    x = k.layers.GlobalAveragePooling2D(name="gap")(x)
    k.Model(inputs, k.layers.Dense(3, activation="softmax", name="head")(x)).save(
        data / "models" / "nested-0a1b2c3d.keras")

    at = AppTest.from_file(str(PAGES / "feature_maps.py"), default_timeout=180)
    at.run()
    at.radio(key="fm_model").set_value("Your model file").run()
    assert not at.exception and not at.error
    path = at.selectbox(key="model_file_pick:fm_file").value
    conv = at.selectbox(key=f"fm_conv:{path}")
    assert conv.options[-1].startswith("top_conv") and conv.value == "top_conv"
    assert any(o.startswith("base/dw (DepthwiseConv2D") for o in conv.options)
    conv.set_value("base/dw").run()
    assert not at.exception and not at.error
    captions = [rendered(c) for image in at.image for c in image.captions]
    assert any(c.startswith("Grad-CAM at base/dw for “class ") for c in captions), captions
    assert any("as the model sees it (32×32)" in c for c in captions)
    assert any(c.startswith("base/dw: output 32×32×8") for c in captions), captions
    assert "Top classes" in at.get("plotly_chart")[0].proto.spec


def test_a_model_that_passed_in_practice_is_offered_to_train(data_dir):
    from cvlab.jobs.record import Job, write_job
    from ui.model_file import choices

    folder = data_dir / "runs" / "20260101-000000-exercise"
    folder.mkdir(parents=True)
    source = data_dir / "practice" / "mine.py"
    source.parent.mkdir(parents=True)
    source.write_text("def ResNet50(input_shape=(64, 64, 3), classes=6): ...\n")
    write_job(Job(folder.name, "exercise", "check ResNet50",
                  {"exercise": "ResNet50", "file": str(source)}, folder,
                  status="finished", created=1.0, exit_code=0))
    (folder / "ResNet50.keras").write_bytes(b"PK")
    offered = {str(c.path): c.label for c in choices()}
    assert offered[str(folder / "ResNet50.keras")] == \
        f"ResNet50 (passed in Practice, {folder.name})"
