"""The base's layer count and trainable parameters, from the zoo, against Keras itself."""

import numpy as np
import pytest

from cvlab.errors import CvlabError
from cvlab.train.base_layers import base_layers, blocks, check_fine_tune_at, trainable_params
from cvlab.train.config import TrainConfig


def test_layer_count_differs_by_the_stem_pad_between_layouts():
    assert (base_layers("torch"), base_layers("keras")) == (155, 154)
    for layout in ("torch", "keras"):
        spans = blocks(layout)
        assert [b.name for b in spans][:2] == ["stem", "block 0"] and spans[-1].name == "top"
        assert len(spans) == 19 and spans[-1].last == base_layers(layout) - 1


def test_fine_tune_at_is_checked_against_the_layout_in_use():
    check_fine_tune_at("torch", 154)
    with pytest.raises(CvlabError, match="from 0 to 153.*154 base layers with keras"):
        check_fine_tune_at("keras", 154)
    with pytest.raises(CvlabError, match="fine_tune_at 155"):
        TrainConfig("x", mode="fine-tune", fine_tune_at=155).resolved()


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["torch", "keras"])
@pytest.mark.parametrize(("phase", "fine_tune_at"), [("head", None), ("fine-tune", 100),
                                                     ("fine-tune", 30), ("train", None)])
def test_trainable_count_equals_keras_after_set_phase(layout, phase, fine_tune_at):
    from cvlab.train.model import build_classifier, set_phase
    from cvlab.weights.sources import WeightsSource

    clf = _classifier(layout, build_classifier, WeightsSource)
    assert len(clf.base.layers) == base_layers(layout)
    set_phase(clf, phase, fine_tune_at)
    keras_count = sum(int(np.prod(w.shape)) for w in clf.model.trainable_weights)
    assert keras_count == trainable_params(layout, phase, fine_tune_at, 3)


_BUILT = {}


def _classifier(layout, build_classifier, weights_source):
    if layout not in _BUILT:
        blank = weights_source("none", None, layout, layout, None)
        _BUILT[layout] = build_classifier(blank, 32, 3)
    return _BUILT[layout]


@pytest.mark.parametrize("layout", ["torch", "keras"])
def test_the_fine_tune_cut_is_crossed_by_one_tensor_only(layout):
    from cvlab.train.base_layers import base_profile
    from cvlab.train.prefix import cut_index

    records = base_profile(layout)
    position = {r.name: i for i, r in enumerate(records)}
    for fine_tune_at in (2, 30, 100, 140, base_layers(layout) - 1):
        cut = cut_index(layout, fine_tune_at)
        assert 0 < cut < fine_tune_at
        crossing = {name for r in records[cut + 1:] for name in r.inputs
                    if position[name] <= cut}
        assert crossing == {records[cut].name}
    assert records[cut_index(layout, 100)].name == "block_10_project_BN"
