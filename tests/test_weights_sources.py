"""Weights resolution order (no network, fake Keras cache) and the conversion cache."""

import json

import numpy as np
import pytest

from cvlab.errors import CvlabError
from cvlab.weights import sources
from cvlab.weights.imagenet import class_names, top_k
from cvlab.weights.preprocess import load_image, preprocess

KERAS_TOP = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5"
KERAS_NO_TOP = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5"


@pytest.fixture
def homes(tmp_path, monkeypatch):
    """An empty Keras home and cvlab cache; any download attempt fails the test."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("CVLAB_CACHE_DIR", str(tmp_path / "cvlab"))

    def no_download(target):
        raise AssertionError(f"tried to download {target.name}")

    monkeypatch.setattr(sources, "_download_keras", no_download)
    (tmp_path / "keras" / "models").mkdir(parents=True)
    return tmp_path


def test_imagenet_without_keras_cache_is_the_bundled_torchvision_checkpoint(homes):
    source = sources.resolve_weights("imagenet")
    assert (source.name, source.preprocessing, source.layout) == ("torchvision", "torch", "torch")
    assert source.sha256.startswith("b0353104")
    assert source.path.name == "mobilenet_v2-b0353104.pth"


def test_keras_cache_wins_when_present_for_that_head_and_its_hash_is_known(homes):
    models = homes / "keras" / "models"
    (models / KERAS_NO_TOP).write_bytes(b"no top")
    no_top = sources.resolve_weights("imagenet", include_top=False, input_size=200)
    assert no_top.name == "torchvision"  # in the cache but unverified: not used
    sources.pin(models / KERAS_NO_TOP)
    assert sources.resolve_weights("imagenet").name == "torchvision"
    source = sources.resolve_weights("imagenet", include_top=False, input_size=200)
    assert (source.name, source.preprocessing, source.layout) == ("keras", "keras", "keras")
    assert source.path == models / KERAS_NO_TOP
    assert source.sha256 == sources.file_sha256(models / KERAS_NO_TOP)
    (models / KERAS_TOP).write_bytes(b"top")
    sources.pin(models / KERAS_TOP)
    assert sources.resolve_weights("imagenet").path == models / KERAS_TOP


def test_imagenet_keras_downloads_only_when_missing(homes, monkeypatch):
    calls = []

    def fake_download(target):
        calls.append(target)
        target.write_bytes(b"downloaded")
        return target

    monkeypatch.setattr(sources, "_download_keras", fake_download)
    source = sources.resolve_weights("imagenet-keras")
    assert calls == [homes / "keras" / "models" / KERAS_TOP]
    assert (source.name, source.preprocessing) == ("keras", "keras")
    assert sources.resolve_weights("imagenet-keras").path == source.path
    assert len(calls) == 1


def test_other_requests(homes):
    assert sources.resolve_weights("none") == sources.WeightsSource(
        "none", None, "keras", "keras", None)
    pth = homes / "mine.pth"
    pth.write_bytes(b"x")
    assert sources.resolve_weights(str(pth)).layout == "torch"
    h5 = homes / "mine.h5"
    h5.write_bytes(b"x")
    assert sources.resolve_weights(str(h5)).preprocessing == "keras"
    with pytest.raises(CvlabError, match=r"Received: weights='imagenet21k'; allowed: imagenet"):
        sources.resolve_weights("imagenet21k")
    with pytest.raises(CvlabError, match="alpha=0.5.*imagenet-keras"):
        sources.resolve_weights("imagenet", alpha=0.5)
    with pytest.raises(CvlabError, match="alpha=0.6; allowed: 0.35"):
        sources.resolve_weights("imagenet", alpha=0.6)


def test_conversion_is_cached_and_reused(homes, monkeypatch):
    source = sources.resolve_weights("imagenet")
    assert sources.cached_conversion(source) is None
    first = sources.converted_weights(source)
    path = sources.converted_path(source)
    record = json.loads(path.with_suffix(".json").read_text())
    assert record["source_sha256"] == source.sha256
    stamp = path.stat().st_mtime_ns

    def no_conversion(_source):
        raise AssertionError("converted twice")

    monkeypatch.setattr(sources, "convert_to_cache", no_conversion)
    second = sources.converted_weights(source)
    assert path.stat().st_mtime_ns == stamp
    np.testing.assert_array_equal(first["Conv1"][0], second["Conv1"][0])


def test_the_record_beside_the_cache_is_not_what_is_checked(homes):
    source = sources.resolve_weights("imagenet")
    sources.converted_weights(source)
    meta = sources.converted_path(source).with_suffix(".json")
    meta.write_text(json.dumps({"format": sources.CACHE_FORMAT, "source_sha256": "0" * 64}))
    assert sources.cached_conversion(source) == sources.converted_path(source)


def test_a_source_round_trips_through_its_dict(homes):
    for source in (sources.resolve_weights("imagenet"), sources.resolve_weights("none")):
        stored = json.loads(json.dumps(source.as_dict()))  # as config.json holds it
        assert sources.WeightsSource.from_dict(stored) == source


def test_preprocessing_pairs_with_the_source(homes):
    pixels = np.array([[[0, 255, 128]]], np.uint8)
    torch = preprocess(sources.resolve_weights("imagenet"))(pixels)
    expected = (np.array([0, 1, 128 / 255]) - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225]
    np.testing.assert_allclose(torch[0, 0], expected, rtol=1e-6)
    keras = preprocess(sources.resolve_weights("none"))(pixels)
    np.testing.assert_allclose(keras[0, 0], [-1.0, 1.0, 128 / 127.5 - 1], atol=1e-6)
    assert torch.dtype == keras.dtype == np.float32
    with pytest.raises(CvlabError, match="preprocessing='caffe'"):
        preprocess("caffe")


def test_images_and_class_names():
    image = load_image("skimage:rocket")  # 427×640 portrait → resize, centre crop
    assert image.shape == (224, 224, 3) and image.dtype == np.uint8
    with pytest.raises(CvlabError, match="skimage:chelsea"):
        load_image("skimage:moon")
    names = class_names()
    assert len(names) == 1000
    assert names[0] == "tench" and names[281] == "tabby" and names[967] == "espresso"
    scores = np.zeros(1000)
    scores[[812, 657]] = [0.7, 0.2]
    assert top_k(scores, 2) == [(812, "space shuttle", 0.7), (657, "missile", 0.2)]
