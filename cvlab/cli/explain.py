"""`python -m cvlab explain (RUN | imagenet) IMAGE`: Grad-CAM, where a model found its evidence.

``imagenet`` explains the pretrained MobileNetV2 (offline weights) at its last feature map
``out_relu``; a run folder explains that run's ``model.keras`` at the last layer of its
base. ``--class`` picks the target class (default: the predicted one). ``--json`` prints
``{"model", "layer", "class", "probability", "heatmap"}``: the heat map has one row per
pixel row of the model's input, values 0..1 (3 decimals).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from cvlab.errors import CvlabError

IMAGENET = "imagenet"
OVERLAY_SUFFIXES = (".png", ".jpg", ".jpeg")


def register(sub) -> None:
    parser = sub.add_parser(
        "explain", help="Grad-CAM: where the ImageNet model or a run looked",
        description="Grad-CAM heat map of IMAGE for the pretrained ImageNet MobileNetV2 "
                    "(imagenet) or a trained run's model.keras (RUN).")
    parser.add_argument("model", nargs="?", metavar="(RUN | imagenet)",
                        help="a folder made by `cvlab train`, or imagenet")
    parser.add_argument("image", nargs="?", metavar="IMAGE",
                        help="an image file, or skimage:NAME (chelsea, coffee, rocket, "
                             "astronaut)")
    parser.add_argument("--class", dest="target", metavar="NAME",
                        help="the class to explain (a class name or index; default: the "
                             "predicted class)")
    parser.add_argument("--out", metavar="overlay.png", help="write the heat map over the image")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def run(args) -> int:
    if not args.model or not args.image:
        raise CvlabError("Received: no model or no IMAGE; allowed: "
                         "`python -m cvlab explain (RUN | imagenet) IMAGE`")
    out = _checked_out(args.out)
    target = args.target
    if args.model == IMAGENET:
        model_text, explanation, pixels = _imagenet(args.image, target)
    else:
        model_text, explanation, pixels = _run(args.model, args.image, target)
    if out:
        from PIL import Image

        from cvlab.explain.render import overlay

        Image.fromarray(overlay(pixels, explanation.heatmap)).save(out)
    if args.json:
        print(json.dumps({"model": model_text, "layer": explanation.layer,
                          "class": explanation.class_name,
                          "probability": round(explanation.probability, 6),
                          "heatmap": np.round(explanation.heatmap, 3).tolist()}))
        return 0
    _print_summary(model_text, explanation, out)
    return 0


def _imagenet(image: str, target):
    from cvlab.explain import class_index
    from cvlab.explain.imagenet import shared_lens
    from cvlab.weights.imagenet import class_names
    from cvlab.weights.preprocess import load_image

    if target is not None:
        class_index(target, class_names())  # a bad name fails before the model loads
    pixels = load_image(image)
    print("loading MobileNetV2 with ImageNet weights…", file=sys.stderr)
    lens = shared_lens()
    explanation = lens.gradcam(lens.look(pixels), target)
    return IMAGENET, explanation, pixels


def _run(run_dir: str, image: str, target):
    from cvlab.evaluate.rundir import open_run
    from cvlab.explain import RunLens, class_index
    from cvlab.weights.preprocess import SKIMAGE_PREFIX, load_image

    names = open_run(run_dir).class_names  # a bad folder or class fails before loading
    if target is not None:
        class_index(target, names)
    print(f"loading {Path(run_dir) / 'model.keras'}…", file=sys.stderr)
    lens = RunLens(run_dir)
    if image.startswith(SKIMAGE_PREFIX):
        height, width = lens.input_size
        pixels = load_image(image, min(height, width))
    else:
        path = Path(image).expanduser()
        if not path.is_file():
            raise CvlabError(f"Received: image {image!r}, which is not a file; allowed: an "
                             "image file or skimage:NAME (e.g. skimage:chelsea)")
        pixels = lens.load(path)
    return str(lens.run.path), lens.explain(pixels[None], [target])[0], pixels


def _checked_out(out: str | None) -> Path | None:
    if out is None:
        return None
    path = Path(out).expanduser()
    if path.suffix.lower() not in OVERLAY_SUFFIXES:
        raise CvlabError(f"Received: --out {out}; allowed: a file name ending in "
                         + ", ".join(OVERLAY_SUFFIXES))
    if not path.parent.is_dir():
        raise CvlabError(f"Received: --out {out} in a folder that does not exist; allowed: "
                         "a file in an existing folder")
    return path


def _print_summary(model_text: str, explanation, out: Path | None) -> None:
    heat = explanation.heatmap
    row, column = np.unravel_index(int(np.argmax(heat)), heat.shape)
    h, w = explanation.coarse.shape
    print(f"model        {model_text}")
    print(f"layer        {explanation.layer} ({h}×{w} positions)")
    print(f"class        {explanation.class_name} ({explanation.probability:.1%})")
    if explanation.predicted != explanation.class_index:
        best = explanation.probabilities[explanation.predicted]
        print(f"predicted    {explanation.predicted_name} ({best:.1%})")
    if heat.max() > 0:
        print(f"hottest      row {row}, column {column} of {heat.shape[0]}×{heat.shape[1]}")
    else:
        print("hottest      nowhere: no positive evidence for this class")
    if out:
        print(f"overlay      {out}")
