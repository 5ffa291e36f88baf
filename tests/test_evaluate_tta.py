"""10-crop geometry: four corners, centre, their mirrors; probabilities averaged per image."""

import numpy as np
import pytest

from cvlab.evaluate.tta import GROUP, N_CROPS, enlarged, multicrop_probabilities, ten_crops


@pytest.fixture
def image():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (12, 15, 3), dtype=np.uint8)  # H=12, W=15


def test_enlarged_size_is_the_classic_256_for_224():
    assert enlarged((224, 224)) == (256, 256)
    assert enlarged((32, 40)) == (37, 46)


def test_ten_crops_are_the_corners_centre_and_their_mirrors(image):
    crops = ten_crops(image, (8, 10))
    assert crops.shape == (10, 8, 10, 3) and N_CROPS == 10
    np.testing.assert_array_equal(crops[0], image[:8, :10])  # top-left
    np.testing.assert_array_equal(crops[1], image[:8, 5:])  # top-right
    np.testing.assert_array_equal(crops[2], image[4:, :10])  # bottom-left
    np.testing.assert_array_equal(crops[3], image[4:, 5:])  # bottom-right
    np.testing.assert_array_equal(crops[4], image[2:10, 2:12])  # centre
    for plain, mirrored in zip(crops[:5], crops[5:], strict=True):
        np.testing.assert_array_equal(mirrored, plain[:, ::-1])
    assert not np.array_equal(crops[0], crops[5])


def test_a_crop_larger_than_the_image_is_refused(image):
    with pytest.raises(ValueError, match="smaller than the crop"):
        ten_crops(image, (13, 10))


def test_probabilities_are_the_mean_over_each_images_ten_crops():
    n = GROUP + 3  # crosses a group boundary
    images = np.stack([np.full((6, 6, 3), i, np.uint8) for i in range(n)])
    images[:, 0, 0, 0] = 200  # only the top-left crop and its mirror see this pixel

    def predict(crops):
        seen = crops.reshape(len(crops), -1).max(axis=1) == 200
        return np.stack([seen, ~seen], axis=1).astype(np.float32)

    result = multicrop_probabilities(predict, images, (4, 4))
    assert result.shape == (n, 2)
    np.testing.assert_allclose(result, [[0.2, 0.8]] * n)
