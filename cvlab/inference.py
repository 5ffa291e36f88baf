"""The interactive model work of the pages, as plain functions for the inference worker.

Each function takes and returns plain, picklable values (numbers, strings, arrays, PNG or
JPEG bytes, dicts and tuples of them), so that a page can run it in a separate, long-lived
process (``ui/inference.py``) and TensorFlow never enters the Streamlit server. Models load
once per worker process and stay loaded (``functools.lru_cache``); one worker serves one
call at a time, so calls never share a Keras state with another call in flight.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import numpy as np

from cvlab.augment.spec import spec_from_json
from cvlab.data.images import load_resized
from cvlab.data.roots import resolve_allowed
from cvlab.data.uploads import safe_name
from cvlab.errors import CvlabError
from cvlab.explain import RunLens
from cvlab.explain.imagenet import shared_lens
from cvlab.explain.render import activation_grid, filter_patches, jpeg_bytes, overlay, png_bytes

CHANNELS_SHOWN = 32
CAPTION_OPS = 3  # operations named under a preview; the rest are counted (all: the expander)


def ready() -> bool:
    """Import TensorFlow and Keras (what a worker does first, so later calls start warm)."""
    from cvlab.lazy_tf import keras

    keras()
    return True


def device_name() -> str:
    """``CPU`` or ``GPU: <model> ×N``, as the trainer will see it."""
    from cvlab.train.device import detect

    return detect().name


def keras_check(name: str, options: tuple) -> dict:
    """The zoo network ``name`` (``options``: sorted ``(key, value)`` pairs) built in Keras,
    and its keras.applications twin if any, counted against the analytic profile."""
    from cvlab.keras.compare import compare_with_keras

    return compare_with_keras(name, **dict(options))


def profile_model_file(path: str) -> dict:
    """The profile of the Keras model file ``path`` (under a data root), as
    :func:`cvlab.modelfile.summary.profile_model_file` gives it: the zoo profile's JSON,
    Keras' own count, the uncounted layers and the zoo networks it matches."""
    from cvlab.modelfile.summary import profile_model_file as summary

    return summary(resolve_allowed(Path(path)))


# -- the Augmentation Studio -------------------------------------------------------------
@functools.lru_cache(maxsize=32)
def _pipelines(spec_json: str, seed: int) -> tuple:
    from cvlab.augment.build import build_mixing, build_pipeline

    spec = spec_from_json(spec_json)
    return build_pipeline(spec, seed), build_mixing(spec, seed)


def augment_preview(spec_json: str, image: np.ndarray, seed: int,
                    partner: np.ndarray | None) -> dict:
    """Nine draws of the pipeline ``spec_json`` on ``image`` (see
    :func:`cvlab.augment.preview.draw_grid`): ``{"images", "captions", "draws"}``."""
    from cvlab.augment.preview import describe, draw_grid

    pipeline, mixing = _pipelines(spec_json, seed)
    result = draw_grid(spec_from_json(spec_json), image, 9, seed, partner=partner,
                       pipeline=pipeline, mixing=mixing)
    return {"images": result.images,
            "captions": [describe(d, CAPTION_OPS) for d in result.draws],
            "draws": list(result.draws)}


# -- the ImageNet lens -------------------------------------------------------------------
def imagenet_inside(pixels: np.ndarray) -> dict:
    """Everything Feature Maps shows for one 224×224 photo, from one forward pass: each
    stage's grid (JPEG), its shape and strongest channels, the top-5 and the last feature
    map (kept for Grad-CAM of any class)."""
    lens = shared_lens()
    look = lens.look(pixels)
    stages = []
    for stage in lens.stages:
        maps = look.activations[stage.name]
        picture, order = activation_grid(maps, CHANNELS_SHOWN)
        stages.append({"name": stage.name, "layer": stage.layer, "shape": stage.shape_text,
                       "layers": stage.layers, "channels": maps.shape[-1],
                       "shown": len(order), "picture": jpeg_bytes(picture)})
    top = [{"index": i, "class": name, "probability": p} for i, name, p in lens.top(look, 5)]
    return {"stages": stages, "top": top, "features": look.activations[lens.gradcam_stage]}


def imagenet_gradcam(pixels: np.ndarray, features: np.ndarray, target: int) -> dict:
    """The overlay (PNG) and numbers of Grad-CAM for class ``target``, from the last
    feature map ``features`` of :func:`imagenet_inside` (no forward pass)."""
    explanation = shared_lens().cam.explain_features(features[None], [target])[0]
    return {"png": png_bytes(overlay(pixels, explanation.heatmap)), "layer": explanation.layer,
            "class": explanation.class_name, "probability": explanation.probability,
            "empty": not explanation.heatmap.any()}


def first_filters_png() -> bytes:
    """The first convolution's 32 filters as RGB patches in one row-wrapped picture."""
    patches = filter_patches(shared_lens().first_filters(), scale=16)
    side, gap, columns = patches[0].shape[0], 4, 16
    rows = -(-len(patches) // columns)
    sheet = np.full((rows * (side + gap) - gap, columns * (side + gap) - gap, 3), 255, np.uint8)
    for index, patch in enumerate(patches):
        top, left = (index // columns) * (side + gap), (index % columns) * (side + gap)
        sheet[top:top + side, left:left + side] = patch
    return png_bytes(sheet)


# -- a trained run -----------------------------------------------------------------------
@functools.lru_cache(maxsize=4)
def _run_lens(run_dir: str, stamp: float) -> RunLens:
    """The run's lens; ``stamp`` (model.keras mtime) renews it after retraining."""
    return RunLens(run_dir)


def run_overlays(run_dir: str, stamp: float, images: tuple[tuple[str, bytes], ...],
                 targets: tuple[str | None, ...] | None = None) -> list[dict | None]:
    """Per image (name, bytes): ``{"name", "png", "class", "probability", "predicted",
    "layer"}``, or ``None`` when it cannot be read. ``targets``: a class name per image
    (``None``: the image's predicted class)."""
    lens = _run_lens(run_dir, stamp)
    targets = targets or (None,) * len(images)
    readable = []
    for index, (name, data) in enumerate(images):
        try:
            readable.append((index, lens.load(Path(name), data)))
        except CvlabError:
            continue  # the caller says which files it could not read
    shown: list[dict | None] = [None] * len(images)
    if not readable:
        return shown
    batch = np.stack([pixels for _, pixels in readable])
    explanations = lens.explain(batch, [targets[index] for index, _ in readable])
    for (index, pixels), e in zip(readable, explanations, strict=True):
        shown[index] = {"name": images[index][0], "png": png_bytes(overlay(pixels, e.heatmap)),
                        "class": e.class_name, "probability": e.probability,
                        "predicted": e.predicted_name, "layer": e.layer}
    return shown


# -- a learner's model file ------------------------------------------------------------
@functools.lru_cache(maxsize=2)
def _file_lens(path: str, stamp: float):
    """The file's lens; ``stamp`` (the file's mtime) renews it when the file changes."""
    from cvlab.explain.model_file import FileLens

    return FileLens(path)


def model_file_layers(path: str, stamp: float) -> dict:
    """What Feature Maps offers for a model file: ``{"name", "input_size", "classes",
    "softmax", "layers": [(path, kind, shape text)], "convolutions": [path]}``."""
    lens = _file_lens(path, stamp)
    return {"name": lens.model.name, "input_size": lens.input_size,
            "classes": lens.class_names, "softmax": lens.softmax,
            "layers": [(i.path, i.kind, "×".join(str(d) for d in i.shape)) for i in lens.layers],
            "convolutions": lens.convolutions}


def model_file_look(path: str, stamp: float, pixels: np.ndarray, layer: str, conv: str,
                    target: int | None) -> dict:
    """One photo through the model file: the photo at the model's size (``pixels``, PNG),
    the top classes (``top``: index, class, probability or score), ``layer``'s strongest
    channels (JPEG grid) and Grad-CAM at ``conv`` for class ``target`` (``None``: the top
    class) over the photo (PNG)."""
    from cvlab.explain.runs import stretch

    lens = _file_lens(path, stamp)
    fitted = stretch(pixels, lens.input_size)
    heat, index, look = lens.gradcam(fitted, conv, target)
    maps = lens.look(fitted, layer).activations if layer != conv else look.activations
    picture, order = activation_grid(maps, CHANNELS_SHOWN)
    values = look.probabilities if look.probabilities is not None else look.scores
    best = np.argsort(-values, kind="stable")[:5]
    top = [{"index": int(i), "class": lens.class_names[i], "probability": float(values[i])}
           for i in best]
    return {"photo": png_bytes(fitted), "top": top, "softmax": lens.softmax,
            "activations": jpeg_bytes(picture), "channels": int(maps.shape[-1]),
            "shown": len(order), "shape": "×".join(map(str, maps.shape)),
            "gradcam": png_bytes(overlay(fitted, heat)), "class": lens.class_names[index],
            "value": float(values[index]), "empty": not heat.any()}


def predicted(run_dir: str, files: tuple[tuple[str, bytes], ...]):
    """``([(name, thumbnail, top-3)], [(name, reason)])`` for ``files`` (name, bytes), from
    the run's model; the files are written to a temporary folder deleted right after."""
    from cvlab.evaluate import predict

    with tempfile.TemporaryDirectory(prefix="cvlab-try-") as folder:
        named = {}
        for index, (name, data) in enumerate(files):
            path = Path(folder) / f"{index:03d}_{safe_name(name)}"
            path.write_bytes(data)
            named[str(path)] = name
        result = predict(run_dir, list(named), top=3)
        shown = [(named[r["image"]], load_resized(Path(r["image"]), (160, 160)), r["top"])
                 for r in result["results"]]
    return shown, [(named[u["path"]], u["reason"]) for u in result["unreadable"]]


@functools.lru_cache(maxsize=4)
def _novelty_rule(run_dir: str, stamp: float):
    """The run's novelty rule, built once per model version (``stamp``: its mtime)."""
    from cvlab.evaluate.novelty import run_rule

    return run_rule(run_dir)


def novelty(run_dir: str, files: tuple[tuple[str, bytes], ...]) -> dict:
    """How unlike the run's training images each of ``files`` is:
    ``{"rule": text, "threshold", "images": {name: (distance, flagged)}}``
    (:mod:`cvlab.evaluate.novelty`); unreadable files are left out."""
    from cvlab.evaluate.inference import read_images
    from cvlab.evaluate.novelty import embed
    from cvlab.train.runs import model_file

    rule, features_of, size = _novelty_rule(run_dir, model_file(run_dir).stat().st_mtime)
    with tempfile.TemporaryDirectory(prefix="cvlab-novelty-") as folder:
        paths = []
        for index, (name, data) in enumerate(files):
            path = Path(folder) / f"{index:03d}_{safe_name(name)}"
            path.write_bytes(data)
            paths.append(path)
        images, kept, _ = read_images(paths, size)
        distances = rule.distances(embed(features_of, images)) if kept else []
    return {"rule": rule.describe(), "threshold": rule.threshold,
            "images": {files[i][0]: (float(d), bool(d > rule.threshold))
                       for i, d in zip(kept, distances, strict=True)}}


def evaluate_run(run_dir: str, multicrop: bool, ensemble: tuple[str, ...] = (),
                 split: str | None = None) -> list[str]:
    """Evaluate the run on its held-out images (``split``: its test split by default, else
    its validation split), with 10-crop and an ensemble with the runs ``ensemble`` if
    asked; the report is written to its ``metrics.json``. Returns the log lines."""
    from cvlab.evaluate import evaluate

    lines: list[str] = []
    evaluate(run_dir, multicrop=multicrop, ensemble=list(ensemble), split=split,
             log=lines.append)
    return lines


def export_run(run_dir: str, formats: tuple[str, ...]) -> list[str]:
    """Export the run's model in ``formats`` (report in ``exports/exports.json``); returns
    the log lines."""
    from cvlab.evaluate import export

    lines: list[str] = []
    export(run_dir, list(formats), runs=20, log=lines.append)
    return lines
