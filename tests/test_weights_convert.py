"""torch → Keras weight conversion: axis conventions, coverage, the .npz round trip."""

import functools

import numpy as np
import pytest

from cvlab.errors import CvlabError
from cvlab.weights import convert, sources
from cvlab.weights.torch_pickle import load_state_dict


@functools.cache
def _state():
    return load_state_dict(sources.bundled_source().path)


def test_every_tensor_lands_in_a_named_layer_with_keras_shapes():
    weights = convert.torch_to_keras(_state())
    assert len(weights) == 2 + 4 + 6 * convert.BLOCKS + 2 + 1
    assert [a.shape for a in weights["Conv1"]] == [(3, 3, 3, 32)]
    assert [a.shape for a in weights["expanded_conv_depthwise"]] == [(3, 3, 32, 1)]
    assert [a.shape for a in weights["expanded_conv_project"]] == [(1, 1, 32, 16)]
    assert [a.shape for a in weights["block_1_expand"]] == [(1, 1, 16, 96)]
    assert [a.shape for a in weights["block_16_project"]] == [(1, 1, 960, 320)]
    assert [a.shape for a in weights["Conv_1"]] == [(1, 1, 320, 1280)]
    assert [a.shape for a in weights["Conv_1_bn"]] == [(1280,)] * 4
    assert [a.shape for a in weights["predictions"]] == [(1280, 1000), (1000,)]


def test_axis_conventions_follow_the_module_doc():
    state, weights = _state(), convert.torch_to_keras(_state())
    torch_conv = state["features.2.conv.0.0.weight"]  # [out=96, in=16, 1, 1]
    np.testing.assert_array_equal(weights["block_1_expand"][0][0, 0, 5, 7], torch_conv[7, 5, 0, 0])
    torch_first = state["features.0.0.weight"]  # [32, 3, kh, kw]
    np.testing.assert_array_equal(weights["Conv1"][0][2, 1, 0, 9], torch_first[9, 0, 2, 1])
    torch_dw = state["features.3.conv.1.0.weight"]  # [144, 1, kh, kw]
    np.testing.assert_array_equal(weights["block_2_depthwise"][0][0, 2, 100, 0],
                                  torch_dw[100, 0, 0, 2])
    np.testing.assert_array_equal(weights["predictions"][0], state["classifier.1.weight"].T)
    bn = weights["block_2_depthwise_BN"]
    for got, key in zip(bn, ("weight", "bias", "running_mean", "running_var"), strict=True):
        np.testing.assert_array_equal(got, state[f"features.3.conv.1.1.{key}"])


def test_missing_and_unexpected_tensors_are_errors():
    state = dict(_state())
    with pytest.raises(CvlabError, match="unexpected tensors.*extra.weight"):
        convert.torch_to_keras({**state, "extra.weight": np.zeros(1, np.float32)})
    del state["features.5.conv.3.running_var"]
    with pytest.raises(CvlabError, match="without features.5.conv.3.running_var"):
        convert.torch_to_keras(state)


def test_npz_round_trip_keeps_order_and_values(tmp_path):
    weights = convert.torch_to_keras(_state())
    convert.save_npz(weights, tmp_path / "w.npz")
    back = convert.load_npz(tmp_path / "w.npz")
    assert list(back) == list(weights)
    for layer, arrays in weights.items():
        assert len(back[layer]) == len(arrays)
        for a, b in zip(arrays, back[layer], strict=True):
            np.testing.assert_array_equal(a, b)
    assert not list(tmp_path.glob(".*tmp"))
