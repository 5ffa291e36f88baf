"""Residual blocks from the zoo's one definition: shapes and params against Keras, the
identity property exactly, and the course's ResNet-50 count."""

import numpy as np
import pytest

from cvlab import zoo
from cvlab.errors import CvlabError
from cvlab.profile import profile
from cvlab.zoo.residual import cifar_net, single_block

BLOCK_CASES = [
    # kind, input shape, filters, stride, shortcut, batch norm
    ("basic", (8, 8, 16), 16, 1, "identity", False),   # the course's block
    ("basic", (8, 8, 16), 16, 1, "identity", True),
    ("basic", (8, 8, 16), 32, 2, "projection", True),
    ("basic", (8, 8, 16), 32, 2, "zeropad", True),
    ("basic", (9, 9, 16), 64, 2, "zeropad", False),    # odd size, ×4 channels
    ("basic", (8, 8, 16), 32, 2, None, True),          # plain
    ("bottleneck", (8, 8, 256), 64, 1, "identity", True),    # ResNet-50 identity block
    ("bottleneck", (8, 8, 256), 128, 2, "projection", True),  # ResNet-50 conv block
]


def _block_id(case):
    kind, shape, filters, stride, shortcut, bn = case
    return f"{kind}-{shortcut}-s{stride}-{filters}" + ("-bn" if bn else "")


@pytest.fixture
def keras_session():
    from cvlab.lazy_tf import keras

    yield keras()
    keras().backend.clear_session()


def test_shortcut_costs_without_tensorflow():
    zeropad = profile(single_block(input_shape=(8, 8, 16), filters=32, stride=2,
                                   shortcut="zeropad", batch_norm=True))
    plain = profile(single_block(input_shape=(8, 8, 16), filters=32, stride=2,
                                 shortcut=None, batch_norm=True))
    projection = profile(single_block(input_shape=(8, 8, 16), filters=32, stride=2,
                                      shortcut="projection", batch_norm=True))
    assert zeropad.output_shape == plain.output_shape == projection.output_shape == (4, 4, 32)
    assert zeropad.total_params == plain.total_params          # zero padding is free
    assert projection.total_params - plain.total_params == 16 * 32 + 4 * 32  # W_s + its BN
    assert projection.macs - plain.macs == 4 * 4 * 16 * 32


def test_cifar_family_depths_and_equal_params():
    for depth in (8, 20, 56):
        plain, residual = (profile(cifar_net(depth, r)) for r in (False, True))
        weight_layers = sum(rec.kind in ("conv", "dense") for rec in plain.layers)
        assert weight_layers == depth
        assert plain.total_params == residual.total_params
        assert residual.output_shape == (10,)
    # He et al.'s Table 6: ResNet-20 0.27 M, ResNet-56 0.85 M parameters
    assert profile(cifar_net(20)).trainable_params == pytest.approx(0.27e6, rel=0.01)
    assert profile(cifar_net(56)).trainable_params == pytest.approx(0.85e6, rel=0.01)


@pytest.mark.parametrize("depth", [7, 21, 0, "20", True])
def test_cifar_depth_must_be_6n_plus_2(depth):
    with pytest.raises(CvlabError, match="6n \\+ 2"):
        zoo.get("cifar_resnet", depth=depth)


def test_zeropad_needs_a_multiple_of_the_channels():
    with pytest.raises(CvlabError, match="multiple of 16"):
        single_block(input_shape=(8, 8, 16), filters=24, stride=2, shortcut="zeropad")


def test_identity_shortcut_with_a_shape_change_is_refused():
    with pytest.raises(CvlabError, match="equal shapes"):
        profile(single_block(input_shape=(8, 8, 16), filters=32, stride=2, shortcut="identity"))


def test_resnet50_for_64x64x3_and_6_classes_has_the_courses_count():
    assert profile(zoo.get("resnet50", resolution=64, classes=6)).total_params == 23_600_006


@pytest.mark.slow
@pytest.mark.parametrize("case", BLOCK_CASES, ids=_block_id)
def test_block_shapes_and_params_equal_keras(case, keras_session):
    from cvlab.keras.build import build_model
    from cvlab.keras.counts import keras_counts

    kind, shape, filters, stride, shortcut, bn = case
    network = single_block(kind, shape, filters, stride, shortcut, bn)
    ours = profile(network)
    model = build_model(network)
    counts = keras_counts(model)
    assert ours.total_params == counts.total_params
    assert ours.trainable_params == counts.trainable_params
    assert ours.macs == counts.macs
    assert tuple(model.output.shape[1:]) == ours.output_shape
    for record in ours.layers:
        assert tuple(model.get_layer(record.name).output.shape[1:]) == record.output_shape


@pytest.mark.slow
def test_zeropad_shortcut_is_subsampled_input_then_zeros(keras_session):
    from cvlab.keras.build import build_model

    network = single_block(input_shape=(9, 9, 16), filters=32, stride=2, shortcut="zeropad")
    model = build_model(network)
    skip = keras_session.Model(model.input, model.get_layer("block_0_pad").output)
    x = np.random.default_rng(0).normal(size=(2, 9, 9, 16)).astype("float32")
    out = np.asarray(skip(x))
    np.testing.assert_array_equal(out[..., :16], x[:, ::2, ::2, :])
    assert not out[..., 16:].any()


@pytest.mark.slow
def test_zeroed_last_layer_makes_the_block_an_exact_identity_on_real_activations():
    from cvlab.experiments.identity import identity_check

    result = identity_check(seed=3, images=4)
    for case in ("course", "batch_norm"):
        c = result[case]
        assert c["input_min"] == 0.0 and c["input_zero_fraction"] > 0  # ReLU output
        assert c["max_abs_diff_before"] > 1e-3   # a random block is not the identity
        assert c["exact"] and c["max_abs_diff_after"] == 0.0
    assert result["course"]["zeroed"] == ["block_2_conv.kernel", "block_2_conv.bias"]
    assert result["batch_norm"]["zeroed"] == ["block_2_bn.gamma", "block_2_bn.beta"]
