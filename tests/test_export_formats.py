"""export(): each format is written, reloads, agrees with the run's model, and is timed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from evaluate_fakerun import fake_run

from cvlab import lazy_tf
from cvlab.errors import CvlabError
from cvlab.evaluate import FORMATS, export, parse_formats
from cvlab.evaluate.inference import read_images
from cvlab.evaluate.tflite_labels import read_labels
from cvlab.train.runs import load_keras_file

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    run = fake_run(tmp_path_factory)
    return run, export(run, parse_formats("all"), runs=5, warmup=1)


def test_every_format_is_written_checked_and_timed(exported):
    run, report = exported
    rows = {row["format"]: row for row in report["exports"]}
    assert list(rows) == ["keras", "tflite", "tflite-int8"]
    for name, row in rows.items():
        path = Path(row["path"])
        assert path == run / "exports" / FORMATS[name] and path.stat().st_size == row["bytes"]
        assert row["top1_agreement"] == 1.0 and row["latency_ms"] > 0
    assert report["check"] == {"images": 8, "source": "split"}
    assert (run / "exports" / "model.keras").read_bytes() == (run / "model.keras").read_bytes()
    assert rows["tflite"]["max_prob_diff"] < 1e-4  # float32 TFLite: rounding only
    assert rows["tflite-int8"]["max_prob_diff"] < 0.1  # int8 weights: small drift
    assert rows["tflite-int8"]["bytes"] < rows["tflite"]["bytes"]  # the Dense kernel shrank


def test_tflite_files_reload_independently_with_the_same_top1(exported):
    run, _ = exported
    tf = lazy_tf.tf()
    split = json.loads((run / "split.json").read_text())
    images = read_images([Path(p) for p, _ in split["val"]], (32, 32))[0].astype(np.float32)
    expected = load_keras_file(run / "model.keras").predict_on_batch(images).argmax(axis=1)
    for name in ("tflite", "tflite-int8"):
        interpreter = tf.lite.Interpreter(model_path=str(run / "exports" / FORMATS[name]))
        interpreter.allocate_tensors()
        source = interpreter.get_input_details()[0]
        assert source["dtype"] == np.float32 and list(source["shape"]) == [1, 32, 32, 3]
        target = interpreter.get_output_details()[0]["index"]
        top1 = []
        for image in images:
            interpreter.set_tensor(source["index"], image[None])
            interpreter.invoke()
            top1.append(int(interpreter.get_tensor(target).argmax()))
        assert top1 == expected.tolist()


def test_every_export_names_its_classes(exported):
    run, report = exported
    names = json.loads((run / "classes.json").read_text())
    assert report["class_names"] == names == ["blue", "green", "red"]
    assert (run / "exports" / "labels.txt").read_text().splitlines() == names
    for name in ("tflite", "tflite-int8"):  # the downloaded file alone names them too
        assert read_labels(run / "exports" / FORMATS[name]) == names
    with pytest.raises(CvlabError, match="without TFLITE_METADATA"):
        read_labels(_plain_tflite(run))


def _plain_tflite(run: Path) -> Path:
    tf = lazy_tf.tf()
    model = load_keras_file(run / "model.keras")
    path = run / "plain.tflite"
    path.write_bytes(tf.lite.TFLiteConverter.from_keras_model(model).convert())
    return path


def test_format_names_are_checked():
    assert parse_formats("tflite-int8,keras,keras") == ["tflite-int8", "keras"]
    with pytest.raises(CvlabError, match="Received: format 'int8'; allowed: keras, tflite"):
        parse_formats("int8")
