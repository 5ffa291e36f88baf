"""Export a run's model for deployment and check each export against the original.

Formats (files in ``run_dir/exports/``, with the report as ``exports/exports.json``):

* ``keras`` → ``model.keras``: the run's model, copied byte for byte;
* ``tflite`` → ``model.tflite``: TFLite, float32 weights and activations;
* ``tflite-int8`` → ``model-int8.tflite``: TFLite with **dynamic-range** quantisation
  (``optimizations=[tf.lite.Optimize.DEFAULT]``, no representative dataset): weights
  stored as int8 (about 4× smaller), activations still float32, inputs and outputs
  float32. It is not full-integer quantisation, which needs calibration images.

Every export names its classes: ``exports/labels.txt`` (one name per line, in output
order) sits beside the files, and each ``.tflite`` carries the same file as TFLite
Metadata (see :mod:`cvlab.evaluate.tflite_labels`).

Each export is reloaded (``.keras`` with ``safe_mode=True``, TFLite with
``tf.lite.Interpreter``) and checked on a few images against the run's model: top-1
agreement and the largest absolute probability difference. The images are the first
readable ones of the run's split (test, val, then train), or seeded random pixels when
none is readable. Latency is per image (batch of one): the median of ``runs`` calls
after ``warmup`` untimed calls, on this machine's CPU.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import statistics
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from cvlab import atomic, jobfolder, lazy_tf
from cvlab.atomic import read_json
from cvlab.errors import CvlabError
from cvlab.evaluate.inference import read_images
from cvlab.evaluate.rundir import input_size, load_model, open_run
from cvlab.evaluate.tflite_labels import LABELS_FILE, labels_text, with_labels
from cvlab.train.run_checks import export_folder, export_target
from cvlab.train.runs import RunRecord, load_keras_file

REPORT_FILE = "exports.json"
FORMATS = {"keras": "model.keras", "tflite": "model.tflite", "tflite-int8": "model-int8.tflite"}
CHECK_IMAGES = 8


def parse_formats(text: str) -> list[str]:
    """``"all"``, one format, or a comma-separated list → format names, in order."""
    names = list(FORMATS) if text == "all" else [part.strip() for part in text.split(",")]
    unknown = [name for name in names if name not in FORMATS]
    if unknown or not names:
        raise CvlabError(f"Received: format {text!r}; allowed: {', '.join(FORMATS)}, a "
                         "comma-separated list of them, or all.")
    return list(dict.fromkeys(names))


def export(
    run_dir: str | os.PathLike,
    formats: Sequence[str],
    *,
    runs: int = 50,
    warmup: int = 5,
    log: Callable[[str], None] = lambda message: None,
) -> dict:
    """Write, reload, check and time each format; see the module docstring."""
    if runs < 1 or warmup < 0:
        raise CvlabError(f"Received: runs={runs}, warmup={warmup}; allowed: runs ≥ 1, "
                         "warmup ≥ 0.")
    run = open_run(run_dir)
    model = load_model(run)
    size = input_size(model, run)
    images, check_source = _check_images(run, size)
    reference = np.asarray(model.predict_on_batch(images.astype(np.float32)))
    folder = export_folder(run.path)  # re-checked: the real path stays in the data roots
    labels = export_target(folder, LABELS_FILE)
    atomic.write_bytes(labels, labels_text(run.class_names).encode("utf-8"))
    rows = []
    for name in formats:
        path = export_target(folder, FORMATS[name])
        log(f"exporting {name} → {path}")
        _write(name, run, model, path)
        infer = _reloaded(name, path)
        probabilities = np.concatenate([infer(image[None]) for image in images])
        sample = images[:1].astype(np.float32)
        rows.append({
            "format": name,
            "path": str(path),
            "bytes": path.stat().st_size,
            "latency_ms": _median_ms(infer, sample, runs, warmup),
            "top1_agreement": float(np.mean(
                probabilities.argmax(axis=1) == reference.argmax(axis=1))),
            "max_prob_diff": float(np.abs(probabilities - reference).max()),
        })
    report = {"run_dir": str(run.path), "image_size": list(size), "labels": str(labels),
              "class_names": list(run.class_names),
              "source_bytes": run.model_path.stat().st_size,
              "check": {"images": len(images), "source": check_source},
              "latency": {"runs": runs, "warmup": warmup, "batch": 1}, "exports": rows}
    atomic.write_json(folder / REPORT_FILE, report)
    return report


def read_report(run_dir: str | os.PathLike) -> dict | None:
    """The last export report written into the run folder, or ``None``."""
    return read_json(Path(run_dir) / jobfolder.EXPORTS_REPORT)


def _check_images(run: RunRecord, size: tuple[int, int]) -> tuple[np.ndarray, str]:
    candidates = [path for name in ("test", "val", "train") for path, _ in run.split[name]]
    images, _, _ = read_images(candidates[:CHECK_IMAGES * 2], size)
    if len(images):
        return images[:CHECK_IMAGES].astype(np.float32), "split"
    noise = np.random.default_rng(0).uniform(0, 255, (CHECK_IMAGES, *size, 3))
    return noise.astype(np.float32), "random"


def _write(name: str, run: RunRecord, model, path: Path) -> None:
    if name == "keras":
        with atomic.replacing(path) as temporary:
            shutil.copyfile(run.model_path, temporary)
        return
    tf = lazy_tf.tf()
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if name == "tflite-int8":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the converter prints its SavedModel
            flat = converter.convert()
    except Exception as exc:
        raise CvlabError(f"Received: a model TFLite cannot convert ({type(exc).__name__}: "
                         f"{str(exc)[:300]}); allowed: models of built-in Keras layers.") from None
    atomic.write_bytes(path, with_labels(flat, run.class_names, model_name=run.path.name))


def _reloaded(name: str, path: Path) -> Callable[[np.ndarray], np.ndarray]:
    """A batch-of-one inference function over the file just written."""
    if name == "keras":
        model = load_keras_file(path)
        return lambda x: np.asarray(model.predict_on_batch(x))
    tf = lazy_tf.tf()
    with warnings.catch_warnings():  # deprecated in favour of LiteRT, not installed here
        warnings.simplefilter("ignore")
        interpreter = tf.lite.Interpreter(model_path=str(path))
    interpreter.allocate_tensors()
    source = interpreter.get_input_details()[0]["index"]
    target = interpreter.get_output_details()[0]["index"]

    def infer(x: np.ndarray) -> np.ndarray:
        interpreter.set_tensor(source, np.asarray(x, np.float32))
        interpreter.invoke()
        return interpreter.get_tensor(target).copy()

    return infer


def _median_ms(infer, sample: np.ndarray, runs: int, warmup: int) -> float:
    for _ in range(warmup):
        infer(sample)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        infer(sample)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000
