"""Each training mode end to end on a tiny folder: what trains, what model.keras holds."""

import json

import numpy as np
import pytest

from cvlab import lazy_tf
from cvlab.data.images import load_resized
from cvlab.train import TrainConfig, load_run_model, read_run, train
from cvlab.train.datasets import image_batches
from cvlab.train.features import embed, inference
from cvlab.train.model import build_classifier
from cvlab.train.runs import RunPaths
from cvlab.weights import resolve_weights

pytestmark = pytest.mark.slow
SIZE = 32


@pytest.fixture(scope="module")
def pretrained_base():
    """Weights of the untouched ImageNet base at SIZE, by variable path."""
    source = resolve_weights("imagenet", include_top=False, input_size=SIZE)
    clf = build_classifier(source, SIZE, 3)
    return source, {v.path: v.numpy() for v in clf.base.weights}


def _run(shapes, tmp_path_factory, **options):
    config = TrainConfig(str(shapes), image_size=SIZE, batch_size=8, **options)
    return train(config, run_dir=tmp_path_factory.mktemp("run") / "run")


@pytest.fixture(scope="module")
def frozen_run(shapes, tmp_path_factory):
    return _run(shapes, tmp_path_factory, mode="frozen", epochs=3, learning_rate=0.01)


def _base_weights(model):
    return {v.path: v.numpy() for v in model.get_layer("mobilenet_v2").weights}


def _val_images(run_dir):
    record = read_run(run_dir)
    images = [load_resized(p, (SIZE, SIZE)) for p, _ in record.split["val"]]
    return np.stack(images).astype(np.float32), [label for _, label in record.split["val"]]


def test_frozen_run_writes_the_contract(frozen_run):
    paths = RunPaths(frozen_run.run_dir)
    config = json.loads(paths.config.read_text())
    assert config["mode"] == "frozen" and config["class_names"] == ["blue", "green", "red"]
    assert config["weights_source"]["name"] in ("torchvision", "keras")
    assert config["device"] == frozen_run.device == "CPU"
    assert json.loads(paths.classes.read_text()) == ["blue", "green", "red"]
    split = json.loads(paths.split.read_text())
    assert (len(split["train"]), len(split["val"]), split["test"]) == (24, 6, [])
    history = json.loads(paths.history.read_text())
    assert [h["epoch"] for h in history] == [1, 2, 3]
    assert {h["phase"] for h in history} == {"head"}
    assert set(history[0]) >= {"loss", "accuracy", "val_loss", "val_accuracy", "seconds",
                               "learning_rate"}
    assert paths.last.is_file() and paths.model.is_file()
    state = json.loads(paths.state.read_text())
    assert state["epoch"] == 3 and state["finished"] and not state["stopped"]
    best = max(history, key=lambda h: (h["val_accuracy"], -h["val_loss"]))
    assert frozen_run.best_epoch == best["epoch"]
    assert frozen_run.val_accuracy == best["val_accuracy"]
    assert frozen_run.val_accuracy > 0.5  # colours are easy; chance is 1/3


def test_model_loads_safely_and_takes_0_255_rgb(frozen_run):
    model = load_run_model(frozen_run.run_dir)
    assert model.input_shape == (None, SIZE, SIZE, 3)
    assert "augment" not in [layer.name for layer in model.layers]
    images, labels = _val_images(frozen_run.run_dir)
    extremes = np.stack([np.zeros((SIZE, SIZE, 3)), np.full((SIZE, SIZE, 3), 255.0)])
    probs = model.predict(np.concatenate([images, extremes]).astype(np.float32), verbose=0)
    assert probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    accuracy = np.mean(probs[: len(labels)].argmax(axis=1) == labels)
    assert accuracy == pytest.approx(frozen_run.val_accuracy)


def test_frozen_model_is_the_head_applied_to_cached_features(frozen_run, pretrained_base):
    source, pretrained = pretrained_base
    model = load_run_model(frozen_run.run_dir)
    base = _base_weights(model)
    assert all(np.array_equal(base[path], value) for path, value in pretrained.items())
    record = read_run(frozen_run.run_dir)
    fresh = build_classifier(source, SIZE, 3)
    val = image_batches(type("S", (), {"paths": [p for p, _ in record.split["val"]],
                                       "labels": [k for _, k in record.split["val"]]}),
                        3, SIZE, 4, seed=0, shuffle=False)
    cached, _ = embed(inference(fresh.features), val)
    kernel, bias = model.get_layer("classifier").get_weights()
    logits = cached @ kernel + bias
    head = np.exp(logits - logits.max(axis=1, keepdims=True))
    head /= head.sum(axis=1, keepdims=True)
    images, _ = _val_images(frozen_run.run_dir)
    np.testing.assert_allclose(model.predict(images, verbose=0), head, atol=2e-5)


def test_fine_tune_unfreezes_upper_layers_and_keeps_batchnorm_statistics(
        shapes, tmp_path_factory, pretrained_base):
    _, pretrained = pretrained_base
    result = _run(shapes, tmp_path_factory, mode="fine-tune", epochs=2, fine_tune_at=140,
                  learning_rate=0.01)
    history = read_run(result.run_dir).history
    assert [h["phase"] for h in history] == ["head", "fine-tune"]
    assert history[1]["learning_rate"] == pytest.approx(history[0]["learning_rate"] / 10)
    last = lazy_tf.keras().saving.load_model(RunPaths(result.run_dir).last, safe_mode=True)
    base = last.get_layer("mobilenet_v2")
    trained = _base_weights(last)
    changed = {path for path, value in pretrained.items()
               if not np.array_equal(trained[path], value)}
    upper = {v.path for layer in base.layers[140:] for v in layer.weights
             if not isinstance(layer, lazy_tf.keras().layers.BatchNormalization)}
    assert changed and changed <= upper  # below 140 and every BatchNorm untouched


def test_full_mode_trains_every_layer_from_imagenet(shapes, tmp_path_factory,
                                                    pretrained_base):
    _, pretrained = pretrained_base
    result = _run(shapes, tmp_path_factory, mode="full", epochs=1)
    assert result.epochs_run == 1 and read_run(result.run_dir).history[0]["phase"] == "train"
    trained = _base_weights(load_run_model(result.run_dir))
    first_conv = next(p for p in pretrained if p.endswith("Conv1/kernel"))
    assert not np.array_equal(trained[first_conv], pretrained[first_conv])
    moving = [p for p in pretrained if p.endswith("moving_mean")]
    assert all(not np.array_equal(trained[p], pretrained[p]) for p in moving)
