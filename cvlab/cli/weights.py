"""`python -m cvlab weights` and `python -m cvlab classify IMAGE…`: offline ImageNet weights.

``weights`` lists where MobileNetV2 ImageNet weights could come from, the sha256 each file
has and whether it matches a known one (an unverified file is never used), and which one
``imagenet`` resolves to, with the sha256 it checked (``--convert`` fills the conversion
cache now; ``--pin FILE`` records a Keras cache file's sha256 as known, after you have
checked it).
``classify`` prints the ImageNet top-k of the pretrained MobileNetV2 for each
image (a file, or ``skimage:NAME`` for a photo bundled with scikit-image).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from cvlab.errors import CvlabError
from cvlab.weights import pretrained_mobilenet_v2, sources
from cvlab.weights.imagenet import top_k
from cvlab.weights.preprocess import load_image


def register(sub) -> None:
    parser = sub.add_parser("weights", help="which ImageNet MobileNetV2 weights are available")
    parser.add_argument("--convert", action="store_true",
                        help="convert the bundled torchvision checkpoint into the cache now")
    parser.add_argument("--pin", metavar="FILE",
                        help="trust this Keras weights file from now on: record its sha256")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run_weights)

    parser = sub.add_parser("classify", help="ImageNet top-k with the pretrained MobileNetV2")
    parser.add_argument("images", nargs="+", metavar="IMAGE",
                        help="an image file, or skimage:NAME (chelsea, coffee, rocket, astronaut)")
    parser.add_argument("--top", type=int, default=5, metavar="K", help="classes to show (5)")
    parser.add_argument("--weights", default="imagenet", metavar="REQUEST",
                        help="imagenet (offline), imagenet-keras (may download) or a file")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run_classify)


def _candidates() -> list[dict]:
    rows = []
    for include_top in (True, False):
        path = sources.keras_models_dir() / sources.keras_file_name(include_top, 1.0, 224)
        row = {"source": "keras-cache" if include_top else "keras-cache-no-top",
               "available": path.is_file(), "path": str(path)}
        if path.is_file():
            known = sources.known_sha256(path.name)
            row.update(sha256=sources.file_sha256(path), known_sha256=known)
            row["available"] = row["sha256"] == known
            if not row["available"]:
                row["detail"] = "sha256 not known, so not used" if known is None else \
                    "sha256 differs from the known one, so not used"
        rows.append(row)
    try:
        bundled = sources.bundled_source()
    except CvlabError as exc:
        rows.append({"source": "torchvision", "available": False, "path": None,
                     "detail": str(exc)})
        return rows
    rows.append({"source": "torchvision", "available": True, "path": str(bundled.path),
                 "sha256": bundled.sha256})
    cached = sources.cached_conversion(bundled)
    rows.append({"source": "torchvision-converted", "available": cached is not None,
                 "path": str(sources.converted_path(bundled))})
    return rows


def run_weights(args) -> int:
    if args.pin:
        path = Path(args.pin).expanduser()
        if path.suffix != ".h5" or not path.is_file():
            raise CvlabError(f"Received: --pin {args.pin}; allowed: an existing Keras .h5 "
                             "weights file")
        print(f"pinned {path.name}: sha256 {sources.pin(path)}", file=sys.stderr)
    if args.convert:
        bundled = sources.bundled_source()
        if sources.cached_conversion(bundled) is None:
            sources.convert_to_cache(bundled)
    rows = _candidates()
    try:
        chosen = sources.resolve_weights("imagenet").as_dict()
    except CvlabError as exc:
        chosen = {"error": str(exc)}
    if args.json:
        print(json.dumps({"imagenet": chosen, "candidates": rows}))
        return 0
    if "error" in chosen:
        print(f"imagenet -> unavailable: {chosen['error']}")
    else:
        print(f"imagenet -> {chosen['name']} ({chosen['preprocessing']} preprocessing, "
              f"{chosen['layout']} layout), sha256 {chosen['sha256']} checked")
    for row in rows:
        mark = "yes" if row["available"] else "no"
        print(f"  {row['source']:<22} {mark:<4} {row['path'] or ''}")
        if row.get("sha256"):
            print(f"  {'':<22} {'':<4} sha256 {row['sha256']}")
        if row.get("detail"):
            print(f"  {'':<22} {'':<4} {row['detail']}")
    return 0


def run_classify(args) -> int:
    if not 1 <= args.top <= 1000:
        raise CvlabError(f"Received: --top {args.top}; allowed: 1..1000")
    images = [load_image(spec) for spec in args.images]
    source = sources.resolve_weights(args.weights)
    print(f"loading MobileNetV2 weights: {source.name} ({source.path})", file=sys.stderr)
    model, preprocess_fn = pretrained_mobilenet_v2(source)
    probabilities = model(preprocess_fn(np.stack(images)), training=False).numpy()
    results = [{"image": spec, "top": [{"index": i, "name": name, "probability": p}
                                       for i, name, p in top_k(row, args.top)]}
               for spec, row in zip(args.images, probabilities, strict=True)]
    if args.json:
        print(json.dumps({"weights": source.as_dict(), "results": results}))
        return 0
    for result in results:
        print(result["image"])
        for rank, item in enumerate(result["top"], 1):
            print(f"  {rank}. {item['name']:<28} {item['probability']:7.2%}  "
                  f"(class {item['index']})")
    return 0
