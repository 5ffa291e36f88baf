"""Training a learner's own model file (issue 22): a tiny functional CNN saved as .keras,
trained one epoch on a folder of another class count, in both modes; what the job did is
read back from the run folder (config.json and the saved model.keras)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from train_folders import write_shapes

from cvlab.errors import CvlabError
from cvlab.train import TrainConfig, resume, train

FILE_CLASSES = 5  # the folder has 3


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    from cvlab.lazy_tf import keras

    k = keras()
    root = tmp_path_factory.mktemp("modelfile")
    data = write_shapes(root / "shapes", per_class=6, size=32)
    inputs = k.Input((32, 32, 3), name="image")
    x = k.layers.Rescaling(1 / 255, name="scale")(inputs)
    for index, filters in enumerate((8, 16, 16)):
        x = k.layers.Conv2D(filters, 3, padding="same", activation="relu",
                            name=f"conv{index}")(x)
        x = k.layers.MaxPooling2D(name=f"pool{index}")(x)
    x = k.layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = k.layers.Dense(FILE_CLASSES, activation="softmax", name="scores")(x)
    model = k.Model(inputs, outputs, name="learner_cnn")
    path = root / "mine.keras"
    model.save(path)
    return root, data, path, model


@pytest.fixture()
def roots(setup, monkeypatch):
    monkeypatch.setenv("CVLAB_DATA_ROOTS", str(setup[0]))
    return setup


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["full", "scratch"])
def test_a_model_file_trains_with_a_new_head_in_both_modes(roots, mode):
    from cvlab.train.runs import load_keras_file

    root, data, path, original = roots
    result = train(TrainConfig(str(data), mode=mode, epochs=1, batch_size=8,
                               image_size=64, model_file=str(path)),
                   run_dir=root / f"run-{mode}")
    config = json.loads((result.run_dir / "config.json").read_text())
    assert config["model_file"] == str(path.resolve()) and config["mode"] == mode
    assert config["image_size"] == 32  # followed the model's input, not the 64 asked for
    assert "5 outputs for the folder's 3 classes" in config["model_file_head"]
    trained = load_keras_file(result.run_dir / "model.keras")
    names = [layer.name for layer in original.layers]
    assert [layer.name for layer in trained.layers] == [*names[:-1], "classifier"]
    assert trained.output_shape == (None, 3)
    assert trained.count_params() == original.count_params() - original.layers[
        -1].count_params() + (16 * 3 + 3)
    kernel = trained.get_layer("conv0").get_weights()[0]
    start = original.get_layer("conv0").get_weights()[0]
    moved = np.abs(kernel - start).max()
    if mode == "scratch":  # fresh weights: nothing like the file's
        assert moved > 0.05
    else:  # one epoch at lr 1e-4 from the file's weights: close, but trained
        assert 0 < moved < 0.05
        # A resumed run rebuilds the same model from the file and goes on from its checkpoint.
        resume(result.run_dir, epochs=2)
        history = json.loads((result.run_dir / "history.json").read_text())
        assert [h["epoch"] for h in history] == [1, 2]
        again = load_keras_file(result.run_dir / "model.keras")
        assert [layer.name for layer in again.layers] == [*names[:-1], "classifier"]
        # Feature Maps reads the run's model.keras with the run's class names.
        from cvlab.explain.model_file import FileLens

        assert FileLens(result.run_dir / "model.keras").class_names == result.classes


@pytest.mark.slow
def test_the_file_lens_grad_cam_is_the_classic_one_at_a_top_level_layer(roots):
    from cvlab.explain import GradCam
    from cvlab.explain.model_file import FileLens

    _, data, path, original = roots
    lens = FileLens(path)
    assert lens.convolutions == ["conv0", "conv1", "conv2"]
    assert lens.class_names == [f"class {i}" for i in range(FILE_CLASSES)] and lens.softmax
    pixels = np.asarray(Image.open(next(data.glob("red/*.png"))).convert("RGB"))
    heat, index, look = lens.gradcam(pixels, "pool2")
    classic = GradCam(original, lens.class_names, layer="pool2").explain(pixels[None])[0]
    assert index == classic.predicted
    np.testing.assert_allclose(look.probabilities, classic.probabilities, atol=1e-5)
    np.testing.assert_allclose(heat, classic.heatmap, atol=1e-4)
    assert lens.look(pixels, "conv1").activations.shape == (16, 16, 16)


@pytest.mark.slow
def test_a_model_file_in_a_frozen_mode_or_from_outside_the_roots_is_refused(roots, tmp_path):
    _, data, path, _ = roots
    with pytest.raises(CvlabError, match="mode frozen with a model file"):
        TrainConfig(str(data), model_file=str(path)).resolved()
    outside = tmp_path / "elsewhere.keras"
    outside.write_bytes(path.read_bytes())
    with pytest.raises(CvlabError, match="allowed"):
        train(TrainConfig(str(data), mode="full", epochs=1, model_file=str(outside)),
              run_dir=roots[0] / "refused")


def test_the_command_line_reads_model_file_and_from_scratch(tmp_path, monkeypatch):
    from cvlab.cli import build_parser

    monkeypatch.setenv("CVLAB_DATA_ROOTS", str(tmp_path))
    data = write_shapes(tmp_path / "shapes", per_class=2, size=8)
    (tmp_path / "mine.keras").write_bytes(b"")  # checked for existence only

    def spec(*extra):
        args = build_parser().parse_args(["train", str(data), *extra])
        return args.spec(args)

    file = str(tmp_path / "mine.keras")
    assert spec("--model-file", file).mode == "full"
    scratch = spec("--model-file", file, "--from-scratch")
    assert (scratch.mode, scratch.model_file, scratch.weights) == ("scratch", file, "none")
    with pytest.raises(CvlabError, match="--from-scratch with no --model-file"):
        spec("--from-scratch")
    with pytest.raises(CvlabError, match="--from-scratch with --mode full"):
        spec("--model-file", file, "--mode", "full", "--from-scratch")


@pytest.mark.slow
def test_a_lambda_layer_or_an_unregistered_class_is_refused_by_name(roots):
    from cvlab.lazy_tf import keras
    from cvlab.train.from_file import load_model_file

    k, root = keras(), roots[0]

    class Unregistered(k.layers.Layer):
        def call(self, x):
            return x

    for name, layer, why in (
            ("lambda", k.layers.Lambda(lambda t: t * 2), "a Lambda layer holds Python code"),
            ("custom", Unregistered(), "the custom class '[^']*Unregistered'?, which is not "
                                       "registered")):
        inputs = k.Input((8, 8, 3))
        k.Model(inputs, layer(inputs)).save(root / f"{name}.keras")
        with pytest.raises(CvlabError, match=f"'{name}.keras'.*{why}"):
            load_model_file(root / f"{name}.keras")
