"""cvlab's own colour layers: PCA colour (AlexNet) and RGB channel shift."""

import numpy as np
import pytest

from cvlab.augment.pca import IMAGENET_EIGVALS, IMAGENET_EIGVECS, pca_from_images

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def layers():
    from cvlab.augment import layers

    return layers


def mid_range_images(n=2, size=16, seed=0):
    """Colourful images well inside [0, 255], so small shifts never clip."""
    rng = np.random.default_rng(seed)
    base = rng.uniform(60, 190, (n, size, size, 1))
    tint = rng.uniform(-20, 20, (n, size, size, 3))
    return (base + tint).astype("float32")


def test_pca_colour_keeps_shape_and_dtype(layers):
    images = mid_range_images()
    out = layers.PCAColor(sigma=0.5, seed=1)(images, training=True)
    assert out.shape == images.shape
    assert np.asarray(out).dtype == np.float32
    assert not np.allclose(out, images)


def test_pca_colour_moves_along_the_top_component_when_only_alpha1_is_set(layers):
    images = mid_range_images(n=1)
    layer = layers.PCAColor(sigma=1.0)
    alphas = np.array([[0.8, 0.0, 0.0]], "float32")
    offsets = layer.offsets(images, alphas)
    out = np.asarray(layer.transform_images(images, {"alphas": alphas, "offsets": offsets}))
    change = (out - images).reshape(-1, 3)
    np.testing.assert_allclose(change, np.broadcast_to(change[0], change.shape), atol=1e-3)
    vals, vecs = pca_from_images(images)
    top = vecs[:, 0]  # an eigenvector's sign is arbitrary: compare direction and length
    np.testing.assert_allclose(np.cross(change[0], top), 0.0, atol=1e-3)
    np.testing.assert_allclose(np.linalg.norm(change[0]), 255.0 * 0.8 * vals[0], rtol=1e-3)


def test_pca_colour_with_dataset_statistics_stays_in_their_span(layers):
    images = mid_range_images(n=3)
    layer = layers.PCAColor(sigma=0.3, eigvals=IMAGENET_EIGVALS, eigvecs=IMAGENET_EIGVECS,
                            seed=4)
    t = layer.get_random_transformation(images)
    out = np.asarray(layer.transform_images(images, t))
    vecs, vals = np.array(IMAGENET_EIGVECS), np.array(IMAGENET_EIGVALS)
    alphas = np.asarray(t["alphas"])
    for i in range(3):
        change = (out[i] - images[i]).reshape(-1, 3)
        np.testing.assert_allclose(change, np.broadcast_to(change[0], change.shape), atol=1e-3)
        np.testing.assert_allclose(change[0], 255.0 * vecs @ (alphas[i] * vals), atol=1e-3)


def test_rgb_shift_adds_exactly_the_fixed_offsets_and_clips(layers):
    images = np.full((2, 4, 4, 3), 100.0, "float32")
    images[1] = 250.0
    out = np.asarray(layers.RGBShift(offsets=(20, 10, -5), random=False)(images, training=True))
    np.testing.assert_array_equal(out[0, 0, 0], [120.0, 110.0, 95.0])
    np.testing.assert_array_equal(out[1, 0, 0], [255.0, 255.0, 245.0])


def test_rgb_shift_random_offsets_stay_within_the_range(layers):
    images = np.full((64, 2, 2, 3), 128.0, "float32")
    out = np.asarray(layers.RGBShift(offsets=(20, 10, -5), seed=3)(images, training=True))
    shift = out[:, 0, 0, :] - 128.0
    assert np.all(np.abs(shift) <= np.array([20, 10, 5]) + 1e-4)
    assert np.all(shift.std(axis=0) > 1.0)
    np.testing.assert_allclose(out, out[:, :1, :1, :] * np.ones_like(out))


@pytest.mark.parametrize("name", ["PCAColor", "RGBShift"])
def test_custom_layers_do_nothing_outside_training_and_accept_single_images(layers, name):
    image = mid_range_images(n=1)[0]
    layer = getattr(layers, name)(seed=0)
    np.testing.assert_array_equal(layer(image, training=False), image)
    assert layer(image, training=True).shape == image.shape


def test_custom_layers_survive_a_config_round_trip(layers):
    layer = layers.PCAColor(sigma=0.2, eigvals=IMAGENET_EIGVALS, eigvecs=IMAGENET_EIGVECS)
    clone = layers.PCAColor.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
