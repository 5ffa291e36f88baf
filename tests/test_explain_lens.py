"""Inside the ImageNet MobileNetV2: stage shapes equal the profiler's, top-5, Grad-CAM,
filters; a constant-output model's Grad-CAM is zero; the pictures are what they say."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cvlab import cli, lazy_tf, zoo
from cvlab.explain import GradCam
from cvlab.explain.imagenet import shared_lens
from cvlab.explain.render import activation_grid, colorize, filter_patches, overlay
from cvlab.profile import profile
from cvlab.weights.preprocess import load_image

CATS = {281, 282, 283, 284, 285}  # tabby, tiger cat, Persian, Siamese, Egyptian cat


@pytest.fixture(scope="module")
def lens():
    return shared_lens()


@pytest.fixture(scope="module")
def cat(lens):
    return lens.look(load_image("skimage:chelsea"))


@pytest.mark.slow
def test_every_stage_has_the_profilers_shape(lens, cat):
    records = profile(zoo.get("mobilenet_v2")).layers
    expected = {}
    for record in records:
        if record.stage not in ("input", "head"):
            expected[record.stage] = record.output_shape  # the stage's last layer
    assert [s.name for s in lens.stages] == list(expected)
    assert {name: a.shape for name, a in cat.activations.items()} == expected
    assert cat.activations["stage5"].shape == (14, 14, 96)


@pytest.mark.slow
def test_top5_gradcam_and_filters_of_the_cat(lens, cat):
    top = lens.top(cat)
    assert len(top) == 5 and top[0][0] in CATS
    assert [p for *_, p in top] == sorted((p for *_, p in top), reverse=True)
    best = lens.gradcam(cat)
    assert best.layer == "out_relu" and best.class_index == top[0][0]
    assert best.probability == pytest.approx(top[0][2], abs=1e-5)
    assert best.coarse.shape == (7, 7) and best.heatmap.shape == (224, 224)
    assert best.coarse.max() == 1.0 and best.heatmap.min() >= 0
    # Another class reuses the stored activations and gives another map.
    plastic = lens.gradcam(cat, "plastic bag")
    assert plastic.class_name == "plastic bag" and plastic.predicted == best.predicted
    assert not np.allclose(plastic.coarse, best.coarse)
    # The same map from the pixels, through the split model.
    (direct,) = lens.cam.explain(cat.pixels[None])
    np.testing.assert_allclose(direct.coarse, best.coarse, atol=1e-4)
    kernel = lens.first_filters()
    assert kernel.shape == (3, 3, 3, 32)
    patches = filter_patches(kernel)
    assert len(patches) == 32 and patches[0].shape == (48, 48, 3)


@pytest.mark.slow
def test_explain_command_json_for_imagenet(lens, capsys):
    assert cli.main(["explain", "imagenet", "skimage:chelsea", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert list(result) == ["model", "layer", "class", "probability", "heatmap"]
    assert result["model"] == "imagenet" and result["layer"] == "out_relu"
    assert result["class"] in {"tabby", "tiger cat", "Persian cat", "Siamese cat",
                               "Egyptian cat"}
    heat = np.array(result["heatmap"])
    assert heat.shape == (224, 224) and heat.min() >= 0.0 and heat.max() <= 1.0


@pytest.mark.slow
def test_explain_command_table_names_layer_and_chosen_class(lens, capsys):
    assert cli.main(["explain", "imagenet", "skimage:chelsea", "--class", "plastic bag"]) == 0
    out = capsys.readouterr().out
    assert "model        imagenet\nlayer        out_relu (7×7 positions)\n" in out
    assert "class        plastic bag (" in out and "predicted    Egyptian cat (" in out


def _tiny(kernel_scale: float):
    keras = lazy_tf.keras()
    keras.utils.set_random_seed(1)
    inputs = keras.Input((24, 24, 3))
    x = keras.layers.Conv2D(6, 3, activation="relu", name="conv")(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    dense = keras.layers.Dense(3, activation="softmax", name="out")
    model = keras.Model(inputs, dense(x))
    kernel, bias = dense.get_weights()
    dense.set_weights([kernel * kernel_scale, np.array([0.3, -1.0, 2.0], np.float32)])
    return model


@pytest.mark.slow
@pytest.mark.parametrize("scale", [0.0, 1e-9])  # exactly constant; constant up to rounding
def test_constant_output_model_has_zero_gradcam_not_noise(scale):
    images = np.random.default_rng(0).integers(0, 256, (4, 24, 24, 3)).astype(np.uint8)
    constant = GradCam(_tiny(scale), ["a", "b", "c"])
    assert constant.layer == "conv"
    for target in (None, "a", "b"):
        for explanation in constant.explain(images, [target] * 4):
            assert not explanation.heatmap.any() and not explanation.coarse.any()
            assert explanation.probabilities.argmax() == 2  # the bias alone decides
    # The same network with its weights has evidence somewhere, scaled to a peak of 1.
    live = GradCam(_tiny(1.0), ["a", "b", "c"]).explain(images)
    assert all(e.coarse.max() == pytest.approx(1.0) for e in live)


def test_overlay_keeps_the_photo_where_there_is_no_heat():
    image = np.random.default_rng(0).integers(0, 256, (8, 8, 3)).astype(np.uint8)
    np.testing.assert_array_equal(overlay(image, np.zeros((8, 8))), image)
    heat = np.zeros((8, 8))
    heat[2, 3] = 1.0
    mixed = overlay(image, heat)
    assert (mixed[2, 3] != image[2, 3]).any()
    assert (np.delete(mixed.reshape(64, 3), 19, 0) == np.delete(image.reshape(64, 3), 19, 0)).all()
    with pytest.raises(ValueError):
        overlay(image, np.zeros((4, 4)))


def test_activation_grid_puts_the_strongest_channel_first():
    maps = np.zeros((7, 7, 5), np.float32)
    for channel, strength in enumerate([0.1, 3.0, 0.0, 1.0, -2.0]):
        maps[..., channel] = strength
    picture, order = activation_grid(maps, channels=4, columns=2, tile=14)
    assert order.tolist() == [1, 4, 3, 0]  # by mean |activation|
    assert picture.shape == (2 * 14 + 4, 2 * 14 + 4, 3)
    first, last = picture[0, 0], picture[14 + 4, 14 + 4]
    assert first.sum() > last.sum()  # stronger is brighter, one scale for all
    assert (picture[14:18, :] == 255).all()  # white gaps between rows


def test_colorize_runs_from_dark_blue_to_dark_red():
    ends = colorize(np.array([0.0, 1.0]))
    assert ends[0].tolist() == [0, 0, 128] and ends[1].tolist() == [128, 0, 0]
