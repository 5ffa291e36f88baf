"""Scratch training of any zoo network (``--model NAME``): settings, the model, a real run."""

import json

import numpy as np
import pytest
from train_folders import write_shapes

from cvlab.cli import main
from cvlab.errors import CvlabError
from cvlab.train import TrainConfig, load_run_model, read_run
from cvlab.train.config import check


def test_model_needs_scratch_mode_and_a_zoo_name(tmp_path):
    with pytest.raises(CvlabError, match="mode scratch"):
        check(TrainConfig(str(tmp_path), mode="frozen", model="resnet50"))
    with pytest.raises(CvlabError, match="allowed: lenet5"):
        check(TrainConfig(str(tmp_path), mode="scratch", model="resnet51"))
    with pytest.raises(CvlabError, match="image size 32 for alexnet"):
        check(TrainConfig(str(tmp_path), mode="scratch", model="alexnet", image_size=32))
    check(TrainConfig(str(tmp_path), mode="scratch", model="resnet50", image_size=64))


@pytest.mark.slow
def test_course_resnet50_for_64x64_and_6_classes_has_23_600_006_params():
    from cvlab.lazy_tf import keras
    from cvlab.train.model import build_classifier
    from cvlab.weights import resolve_weights

    clf = build_classifier(resolve_weights("none"), 64, 6, model="resnet50")
    assert clf.model.count_params() == 23_600_006
    assert tuple(clf.model.output.shape) == (None, 6)
    keras().backend.clear_session()


@pytest.mark.slow
def test_cli_trains_a_zoo_network_from_scratch(tmp_path, capsys):
    data = write_shapes(tmp_path / "shapes", per_class=6, size=32)
    out = tmp_path / "run"
    code = main(["train", str(data), "--mode", "scratch", "--model", "cifar_resnet",
                 "--epochs", "1", "--image-size", "32", "--batch-size", "8", "--out",
                 str(out), "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["best_epoch"] == 1
    record = read_run(out)
    assert record.config["model"] == "cifar_resnet" and record.config["weights"] == "none"
    model = load_run_model(out)  # safe_mode
    assert model.get_layer("cifar_resnet20").count_params() == model.count_params()
    probabilities = model.predict(np.zeros((2, 32, 32, 3), "float32"), verbose=0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    assert probabilities.shape == (2, 3)


@pytest.mark.slow
def test_training_studio_trains_the_network_picked_in_scratch_mode(tmp_path, monkeypatch):
    """Picking LeNet-5 with clicks trains LeNet-5: read from the run folder the job wrote
    (its config and its saved model), not from the widget."""
    from pathlib import Path

    from job_helpers import wait_done
    from streamlit.testing.v1 import AppTest

    from cvlab import zoo
    from cvlab.profile import profile

    data = tmp_path / "data"
    monkeypatch.setenv("CVLAB_DATA_DIR", str(data))
    monkeypatch.setenv("CVLAB_DATA_ROOTS", str(data))
    monkeypatch.setenv("CVLAB_STANDBY", "0")
    shapes = write_shapes(data / "shapes", per_class=6, size=32)
    page = Path(__file__).resolve().parents[1] / "pages" / "training_studio.py"
    at = AppTest.from_file(str(page), default_timeout=120)
    at.session_state["dataset_dir"] = str(shapes)
    at.run()
    assert not at.exception
    assert not [s for s in at.selectbox if s.key == "train_model"]  # pretrained modes: MobileNetV2
    at.radio(key="train_mode").set_value("scratch").run()
    network = at.selectbox(key="train_model")
    assert network.value == "mobilenet_v2" and "ResNet-50" in network.options  # titles shown
    network.set_value("lenet5").run()
    at.select_slider(key="train_image_size").set_value(32)
    at.select_slider(key="train_batch_size").set_value(8)
    at.number_input(key="train_epochs").set_value(1)
    at.button(key="train_start").click().run()
    assert not at.exception and not at.error
    job = wait_done(at.session_state["job:train"], data / "runs")
    assert job.status == "finished", job.log_tail(20)
    record = read_run(job.dir)
    assert record.config["model"] == "lenet5" and record.config["mode"] == "scratch"
    model = load_run_model(job.dir)  # safe_mode
    lenet = profile(zoo.get("lenet5", resolution=32, classes=3))
    assert model.get_layer("lenet5").count_params() == lenet.total_params
    assert model.get_layer("grayscale").count_params() == 3  # RGB in, as LeNet's grey
