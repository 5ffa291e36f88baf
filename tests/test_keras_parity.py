"""The analytic profile against Keras: our builder for every entry, and keras.applications.

Slow: each case builds real Keras models (random weights; nothing downloads).
"""

import pytest

from cvlab import zoo
from cvlab.profile import profile

pytestmark = pytest.mark.slow

APPLICATION_CASES = [
    ("vgg16", {}), ("vgg19", {}),
    ("resnet50", {}), ("resnet101", {}), ("resnet152", {}),
    ("mobilenet_v1", {}), ("mobilenet_v1", {"alpha": 0.25, "resolution": 128}),
    ("mobilenet_v1", {"alpha": 0.75, "resolution": 192, "include_top": False}),
    ("mobilenet_v2", {}), ("mobilenet_v2", {"alpha": 0.35, "resolution": 96}),
    ("mobilenet_v2", {"alpha": 1.4, "resolution": 224}),
    ("mobilenet_v2", {"alpha": 0.75, "resolution": 161, "include_top": False}),
    ("mobilenet_v2", {"alpha": 1.3, "resolution": 128, "classes": 5}),
    *[(f"efficientnet_b{i}", {}) for i in range(8)],
    ("efficientnet_b0", {"resolution": 225, "include_top": False}),
]


def _case_id(case):
    name, options = case
    return name + "".join(f"-{k}={v}" for k, v in options.items())


@pytest.fixture(autouse=True)
def _fresh_keras_session():
    from cvlab.lazy_tf import keras

    yield
    keras().backend.clear_session()


@pytest.mark.parametrize("case", APPLICATION_CASES, ids=_case_id)
def test_profile_equals_keras_applications(case):
    from cvlab.keras.counts import keras_application, keras_counts

    name, options = case
    resolved = zoo.resolve_options(name, **options)
    ours = profile(zoo.get(name, **options))
    extra = {"alpha": resolved["alpha"]} if "alpha" in resolved else {}
    reference = keras_counts(keras_application(
        zoo.info(name).keras_application, resolved["resolution"], resolved["include_top"],
        resolved["classes"], **extra))
    assert ours.total_params == reference.total_params
    assert ours.trainable_params == reference.trainable_params
    assert ours.macs == reference.macs


@pytest.mark.parametrize("name", zoo.names())
def test_our_keras_builder_agrees_with_the_profile(name):
    from cvlab.keras.build import build_model
    from cvlab.keras.counts import keras_counts

    options = {"aux": True} if name == "googlenet" else {}
    if name.startswith("efficientnet_b") and name[-1] in "4567":
        options["resolution"] = 224  # same layers, less build time on CI
    network = zoo.get(name, **options)
    ours = profile(network)
    model = build_model(network)
    counts = keras_counts(model)
    assert (counts.total_params, counts.trainable_params, counts.macs) == (
        ours.total_params, ours.trainable_params, ours.macs)
    shapes = {layer.name: tuple(layer.output.shape[1:]) for layer in model.layers}
    assert all(shapes[r.name] == r.output_shape for r in ours.layers)


def test_symmetric_padding_changes_no_count_but_keeps_shapes():
    keras_pad = profile(zoo.get("mobilenet_v2"))
    symmetric = profile(zoo.get("mobilenet_v2", padding="symmetric", bn_epsilon=1e-5))
    assert symmetric.total_params == keras_pad.total_params
    assert symmetric.macs == keras_pad.macs
    assert symmetric.output_shape == keras_pad.output_shape
