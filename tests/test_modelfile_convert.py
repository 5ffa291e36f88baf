"""Keras model files through the converter: every keras.applications model (one per
module by default; all of them with CVLAB_ALL_APPLICATIONS=1) counts exactly as Keras
does, with the zoo's MACs where the zoo has the network and an independent count from
the Keras layers' shapes elsewhere; nested models expand; nothing is dropped; unsafe or
broken files are refused with a message; a handful go through `profile --model-file`."""

import json
import math
import os
import subprocess
import sys
import zipfile
from collections import defaultdict

import pytest

from cvlab import zoo
from cvlab.errors import CvlabError
from cvlab.lazy_tf import keras
from cvlab.modelfile.convert import convert, load_model_file
from cvlab.modelfile.summary import profile_from_json, profile_model_file, summarize
from cvlab.profile import profile

pytestmark = pytest.mark.slow

ALL = bool(os.environ.get("CVLAB_ALL_APPLICATIONS"))
CHEAP = ("Tiny", "Small", "B0", "121", "NASNetMobile", "ResNet50", "16")  # a module's cheapest


def applications() -> list:
    """The models keras.applications ships: the cheapest of each module by default, every
    one with CVLAB_ALL_APPLICATIONS=1 (all 40 passed that way on 2026-12-02)."""
    k = keras()
    modules = defaultdict(list)
    for name, fn in sorted(vars(k.applications).items()):
        if callable(fn) and name[0].isupper():
            modules[fn.__module__].append(name)
    params = []
    for names in modules.values():
        first = next((n for c in CHEAP for n in names if c in n), names[0])
        params += [pytest.param(name, id=name) for name in names if ALL or name == first]
    return params


def smallest(name: str, **options):
    """The application at the smallest input it takes (32, or what its error asks)."""
    fn = getattr(keras().applications, name)
    for size in (32, 71, 75):
        try:
            return fn(weights=None, input_shape=(size, size, 3), **options), size
        except ValueError:
            continue
    raise AssertionError(f"{name} takes no small input")


def flat_layers(model):
    for layer in model.layers:
        if isinstance(layer, keras().Model):
            yield from flat_layers(layer)
        else:
            yield layer


def independent_macs(model) -> int:
    """MACs per image from the Keras layers' own shapes and kernels (bias excluded)."""
    L, total = keras().layers, 0
    for layer in flat_layers(model):
        if type(layer) not in (L.Conv2D, L.DepthwiseConv2D, L.SeparableConv2D, L.Dense):
            continue
        out, cin = layer.output.shape[1:], layer.input.shape[-1]
        if type(layer) is L.Conv2D:
            kh, kw = layer.kernel_size
            total += math.prod(out) * kh * kw * cin // layer.groups
        elif type(layer) is L.DepthwiseConv2D:
            kh, kw = layer.kernel_size
            total += math.prod(out) * kh * kw
        elif type(layer) is L.SeparableConv2D:
            kh, kw = layer.kernel_size
            mid = cin * layer.depth_multiplier
            total += math.prod(out[:-1]) * (kh * kw * mid + mid * layer.filters)
        elif type(layer) is L.Dense:
            total += math.prod(out[:-1]) * cin * layer.units
    return total


def zoo_twin(app: str) -> str | None:
    return next((n for n in zoo.names() if zoo.info(n).keras_application == app), None)


@pytest.mark.parametrize("app", applications())
def test_every_application_counts_as_keras_does(app):
    model, size = smallest(app, include_top=False)
    converted = convert(model)
    p = profile(converted.network)
    assert p.total_params == converted.keras_params == model.count_params()
    assert p.trainable_params == converted.keras_trainable_params
    assert p.input_shape == (size, size, 3)
    assert p.output_shape == tuple(model.output.shape[1:])
    twin = zoo_twin(app)
    if twin is not None:
        ours = profile(zoo.get(twin, resolution=size, include_top=False))
        assert p.macs == ours.macs and p.depth == ours.depth
    else:
        assert p.macs == independent_macs(model)
    for u in converted.uncounted:  # listed with Keras' own count, never dropped
        assert u.name in {r.name for r in p.layers}


@pytest.mark.parametrize(("app", "options", "twin"), [
    ("MobileNetV2", {"alpha": 0.35}, "mobilenet_v2"),
    ("ResNet50", {}, "resnet50"),
    ("VGG16", {}, "vgg16"),
])
def test_applications_with_their_head_at_224(app, options, twin):
    model = getattr(keras().applications, app)(weights=None, **options)
    converted = convert(model)
    p = profile(converted.network)
    assert p.total_params == model.count_params() == profile(zoo.get(twin, **options)).total_params
    assert p.macs == profile(zoo.get(twin, **options)).macs == independent_macs(model)
    assert {"dense", "flatten" if app == "VGG16" else "gap"} <= {r.kind for r in p.layers}


def alpaca():
    """The course's transfer model: augmentation (a Sequential), MobileNetV2 α 0.35 as a
    frozen base called with training=False, pooling, dropout, one logit."""
    k = keras()
    L = k.layers
    augment = k.Sequential([L.RandomFlip("horizontal"), L.RandomRotation(0.2)],
                           name="augmentation")
    base = k.applications.MobileNetV2(input_shape=(96, 96, 3), alpha=0.35, include_top=False,
                                      weights=None)
    base.trainable = False
    inputs = k.Input((96, 96, 3))
    x = L.Rescaling(1 / 127.5, -1)(augment(inputs))
    x = L.GlobalAveragePooling2D()(base(x, training=False))
    outputs = L.Dense(1)(L.Dropout(0.2)(x))
    return k.Model(inputs, outputs, name="alpaca")


def test_a_nested_model_is_expanded_and_matches_the_zoo():
    model = alpaca()
    report = summarize(convert(model))
    p = profile_from_json(report)
    base = "mobilenetv2_0.35_96"
    assert report["total_params"] == report["keras_params"] == model.count_params()
    assert report["trainable_params"] == report["keras_trainable_params"] == 1281
    assert {r.stage for r in p.layers} >= {"augmentation", base}
    assert f"{base}/block_16_project" in {r.name for r in p.layers}
    assert [r.kind for r in p.layers if r.stage == "augmentation"] == ["augment", "augment"]
    assert sum(r.macs for r in p.layers if r.stage == "augmentation") == 0
    assert report["uncounted"] == []
    zp = profile(zoo.get("mobilenet_v2", alpha=0.35, resolution=96, include_top=False))
    base_match = [m for m in report["zoo_match"] if m["scope"] == base]
    assert base_match and base_match[0]["name"] == "mobilenet_v2"
    assert base_match[0]["ours"]["macs"] == zp.macs
    assert p.macs == zp.macs + 1280  # the one-logit head


@pytest.fixture(scope="module")
def tiny_layers():
    """A registered custom layer holding weights, defined once for the module."""
    k = keras()

    @k.saving.register_keras_serializable(package="cvlabtest")
    class Scale(k.layers.Layer):
        def build(self, shape):
            self.gamma = self.add_weight(shape=(shape[-1],), initializer="ones")

        def call(self, x):
            return x * self.gamma

    return Scale


def small_model(extra):
    k = keras()
    L = k.layers
    inputs = k.Input((16, 16, 3))
    x = L.Conv2D(8, 3, padding="same", dilation_rate=2, name="dilated")(inputs)
    x = L.SeparableConv2D(8, 3, depth_multiplier=2, name="sep")(x)
    x = L.Cropping2D(((1, 0), (0, 1)), name="crop")(x)
    x = L.Resizing(8, 8, name="resize")(x)
    x = L.ReLU(max_value=6.0, name="relu6")(x)
    x = L.ReLU(negative_slope=0.1, name="leaky")(x)
    x = extra(x)
    x = L.GlobalMaxPooling2D(keepdims=True, name="gmp")(x)
    x = L.Reshape((8,), name="flat")(x)
    return k.Model(inputs, L.Dense(2, name="head")(x), name="small")


def test_every_course_layer_kind_and_a_custom_one_listed(tiny_layers, tmp_path):
    model = small_model(tiny_layers(name="scale"))
    path = tmp_path / "small.keras"
    model.save(path)
    report = profile_model_file(path)
    kinds = {r["name"]: r["kind"] for r in report["layers"]}
    assert kinds == {"input": "input", "dilated": "conv", "sep": "sepconv", "crop": "crop",
                     "resize": "resize", "relu6": "act", "leaky": "leaky_relu",
                     "scale": "uncounted", "gmp": "gmp", "flat": "reshape", "head": "dense"}
    assert report["uncounted"][0] == {"name": "scale", "kind": "Scale", "params": 8,
                                      "reason": "the converter has no rule for Scale"}
    assert report["uncounted_params"] == 8
    assert report["total_params"] == report["keras_params"] == model.count_params()
    assert report["macs"] == independent_macs(model)


def test_a_lambda_layer_is_refused_with_a_message(tmp_path):
    k = keras()
    inputs = k.Input((8, 8, 3))
    model = k.Model(inputs, k.layers.Lambda(lambda x: x * 2)(inputs))
    path = tmp_path / "lambda.keras"
    model.save(path)
    with pytest.raises(CvlabError, match="a Lambda layer holds Python code, which cvlab does "
                                         "not run"):
        load_model_file(path)


def test_an_unregistered_custom_class_is_named(tiny_layers, tmp_path):
    k = keras()
    model = small_model(tiny_layers(name="scale"))
    path = tmp_path / "custom.keras"
    model.save(path)
    registered = k.saving.get_custom_objects()
    saved = registered.pop("cvlabtest>Scale")
    try:
        with pytest.raises(CvlabError, match="Scale.*not registered"):
            load_model_file(path)
    finally:
        registered["cvlabtest>Scale"] = saved


def test_a_file_that_is_not_a_model_gets_a_message(tmp_path):
    path = tmp_path / "empty.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", "[1, 2, 3]")
    with pytest.raises(CvlabError, match="Received: 'empty.keras'"):
        load_model_file(path)
    text = tmp_path / "notes.keras"
    text.write_text("not a model")
    with pytest.raises(CvlabError, match="not a Keras model file"):
        load_model_file(text)


def cli(path, *args):
    result = subprocess.run([sys.executable, "-m", "cvlab", "profile", "--model-file",
                             str(path), *args], capture_output=True, text=True,
                            env={**os.environ, "CVLAB_DATA_ROOTS": str(path.parent)})
    return result


@pytest.mark.parametrize("build", ["ResNet50", "alpaca"])
def test_profile_model_file_cli_json(build, tmp_path):
    if build == "alpaca":
        model, twin = alpaca(), None
    else:
        model = keras().applications.ResNet50(weights=None, include_top=False,
                                              input_shape=(32, 32, 3))
        twin = profile(zoo.get("resnet50", resolution=32, include_top=False))
    path = tmp_path / f"{build}.keras"
    model.save(path)
    result = cli(path, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"total_params", "trainable_params", "macs", "input_shape", "layers", "uncounted",
            "keras_params"} <= set(data)
    assert data["total_params"] == data["keras_params"] == model.count_params()
    assert data["macs"] == sum(r["macs"] for r in data["layers"])
    if twin is not None:
        assert data["macs"] == twin.macs
        assert [m["name"] for m in data["zoo_match"]] == ["resnet50"]


@pytest.mark.parametrize("app", ["MobileNetV2", "NASNetMobile", "EfficientNetB0"])
def test_saved_and_loaded_applications_keep_their_counts(app, tmp_path):
    options = {"alpha": 0.35} if app == "MobileNetV2" else {}
    model, _ = smallest(app, include_top=False, **options)
    path = tmp_path / f"{app}.keras"
    model.save(path)
    report = profile_model_file(path)
    assert report["total_params"] == report["keras_params"] == model.count_params()
    assert report["macs"] == profile(convert(model).network).macs


def test_cli_refuses_bad_arguments_in_one_line(tmp_path):
    outside = tmp_path / "m.keras"
    outside.write_bytes(b"PK")
    result = subprocess.run([sys.executable, "-m", "cvlab", "profile", "--model-file",
                             str(outside), "vgg16"], capture_output=True, text=True)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    result = subprocess.run([sys.executable, "-m", "cvlab", "profile", "--model-file",
                             "/etc/passwd.keras"], capture_output=True, text=True)
    assert result.returncode == 2 and "outside the allowed data folders" in result.stderr


def test_a_legacy_h5_file_loads(tmp_path):
    k = keras()
    inputs = k.Input((16, 16, 3))
    x = k.layers.Conv2D(4, 3, name="conv")(inputs)
    model = k.Model(inputs, k.layers.Flatten(name="flat")(x), name="legacy")
    path = tmp_path / "legacy.h5"
    model.save(path)
    report = profile_model_file(path)
    assert report["total_params"] == report["keras_params"] == model.count_params() == 112
    assert report["macs"] == 14 * 14 * 4 * 27
