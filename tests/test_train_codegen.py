"""Keras code out for the Training Studio and the Datasets page.

The training set-up's generated ``build_model()`` is compared, layer by layer (class and
configuration, the base's layers included), with the model cvlab's trainer builds
(:func:`cvlab.train.model.build_classifier`); its ``train()`` is run with ``fit``
recorded to check each phase's epochs, learning rate and trainable parameters against
:func:`cvlab.train.base_layers.trainable_params`. One scratch set-up (LeNet-5, with
cropping and MixUp) runs ``main()`` for real on a tiny folder: reading it, augmenting,
compiling and fitting. Bases start from random weights: nothing downloads (there is no
network here). The dataset code is executed against a tiny folder.
"""

from __future__ import annotations

import pytest

from cvlab.data.codegen import dataset_code
from cvlab.train.base_layers import trainable_params
from cvlab.train.codegen import training_code
from cvlab.train.config import TrainConfig
from cvlab.weights.sources import WeightsSource
from tests.train_folders import COLOURS, write_shapes

TORCHVISION = WeightsSource("torchvision", None, "torch", "torch", None)


def _module(source: str) -> dict:
    namespace: dict = {"__name__": "generated"}
    exec(compile(source, "<generated>", "exec"), namespace)
    return namespace


def _layers(model) -> list:
    def plain(value):
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value.tolist() if hasattr(value, "tolist") else value

    rows = []
    for layer in model.layers:
        rows.append((type(layer).__name__, plain(layer.get_config())))
        if hasattr(layer, "layers"):
            rows += _layers(layer)
    return rows


@pytest.fixture
def fresh_keras():
    from cvlab.lazy_tf import keras

    yield keras()
    keras().backend.clear_session()


@pytest.mark.slow
def test_dataset_code_reads_the_folder(tmp_path, fresh_keras):
    folder = write_shapes(tmp_path / "shapes", per_class=4, size=20)
    source = dataset_code(folder, image_size=24, batch_size=4, val_fraction=0.25, seed=0,
                          test_fraction=0.15, skipped=[("red/bad\n.jpg", "truncated")])
    assert 'SKIPPED = (\n    ("red/bad\\n.jpg", "truncated"),\n)' in source
    train_ds, val_ds = _module(source)["load_datasets"]()
    assert train_ds.class_names == sorted(COLOURS)
    images, labels = next(iter(train_ds))
    assert tuple(images.shape[1:]) == (24, 24, 3) and tuple(labels.shape[1:]) == (3,)
    assert sum(int(x.shape[0]) for x, _ in train_ds) == 9
    assert sum(int(x.shape[0]) for x, _ in val_ds) == 3
    assert (len(train_ds), len(val_ds)) == (3, 1)


@pytest.mark.slow
def test_fine_tune_code_builds_the_trainers_model_and_phases(tmp_path, monkeypatch,
                                                             fresh_keras):
    from cvlab.train.model import build_classifier

    config = TrainConfig(str(tmp_path), mode="fine-tune", epochs=3, image_size=32,
                         fine_tune_at=120, dropout=0.3)
    module = _module(training_code(config, classes=4, source=TORCHVISION))
    model = module["build_model"]()
    random_torch_layout = WeightsSource("none", None, "torch", "torch", None)
    ours = build_classifier(random_torch_layout, 32, 4, dropout=0.3).model
    assert _layers(model) == _layers(ours)
    assert model.count_params() == ours.count_params()

    fits = []

    def fit(*args, epochs, initial_epoch, **kwargs):
        trainable = sum(int(w.numpy().size) for w in model.trainable_weights)
        fits.append((initial_epoch, epochs, float(model.optimizer.learning_rate), trainable))

    monkeypatch.setattr(model, "fit", fit)
    monkeypatch.chdir(tmp_path)
    module["train"](model, None, None)
    assert fits == [(0, 1, pytest.approx(1e-3), trainable_params("torch", "head", None, 4)),
                    (1, 3, pytest.approx(1e-4),
                     trainable_params("torch", "fine-tune", 120, 4))]


MIXED = {"format": "cvlab.augment", "version": 1,
         "steps": [{"op": "flip", "mode": "horizontal"},
                   {"op": "crop", "height": 28, "width": 28},
                   {"op": "mixup", "alpha": 0.2}]}


@pytest.mark.slow
def test_scratch_code_trains_on_a_tiny_folder(tmp_path, monkeypatch, fresh_keras):
    from cvlab.train.model import zoo_classifier

    folder = write_shapes(tmp_path / "shapes", per_class=4, size=32)
    config = TrainConfig(str(folder), mode="scratch", model="lenet5", epochs=1,
                         image_size=32, batch_size=4, augment=MIXED)
    source = training_code(config, classes=3)
    module = _module(source)
    ours = zoo_classifier("lenet5", WeightsSource("none", None, "keras", "keras", None), 32, 3)
    assert _layers(module["build_model"]()) == _layers(ours.model)
    monkeypatch.chdir(tmp_path)
    model = module["main"]()
    assert tuple(model.output.shape) == (None, 3)
    assert (tmp_path / "model.keras").is_file()


@pytest.mark.slow
def test_model_file_code_prepares_the_trainers_model_and_trains(tmp_path, monkeypatch,
                                                                fresh_keras):
    from cvlab.train.codegen import model_file_code
    from cvlab.train.from_file import file_classifier

    keras = fresh_keras
    monkeypatch.setenv("CVLAB_DATA_ROOTS", str(tmp_path))
    inputs = keras.Input((32, 32, 3))
    x = keras.layers.Rescaling(1 / 255)(inputs)
    x = keras.layers.Conv2D(8, 3, activation="relu")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    keras.Model(inputs, keras.layers.Dense(5, activation="softmax")(x)).save(
        tmp_path / "mine.keras")  # 5 classes: the folder's 3 need a new head
    folder = write_shapes(tmp_path / "shapes", per_class=4, size=32)
    config = TrainConfig(str(folder), mode="full", model_file=str(tmp_path / "mine.keras"),
                         epochs=1, image_size=32, batch_size=4, augment=None, weights="none")
    module = _module(model_file_code(config, classes=3))
    ours = file_classifier(tmp_path / "mine.keras", 3, fresh=False).model
    assert [row[0] for row in _layers(module["build_model"]())] == \
        [row[0] for row in _layers(ours)]
    assert module["build_model"]().output.shape[-1] == 3
    monkeypatch.chdir(tmp_path)
    assert tuple(module["main"]().output.shape) == (None, 3)
    assert (tmp_path / "model.keras").is_file()
