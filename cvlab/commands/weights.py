"""`python -m cvlab weights` and `python -m cvlab classify IMAGE…`: offline ImageNet weights.

``weights`` lists where MobileNetV2 ImageNet weights could come from and which
one ``imagenet`` resolves to (``--convert`` fills the conversion cache now).
``classify`` prints the ImageNet top-k of the pretrained MobileNetV2 for each
image (a file, or ``skimage:NAME`` for a photo bundled with scikit-image).
"""

from __future__ import annotations

import json
import sys

import numpy as np

from cvlab.errors import CvlabError
from cvlab.weights import pretrained_mobilenet_v2, sources
from cvlab.weights.imagenet import top_k
from cvlab.weights.preprocess import load_image


def register(sub) -> None:
    parser = sub.add_parser("weights", help="which ImageNet MobileNetV2 weights are available")
    parser.add_argument("--convert", action="store_true",
                        help="convert the bundled torchvision checkpoint into the cache now")
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
        rows.append({"source": "keras-cache" if include_top else "keras-cache-no-top",
                     "available": path.is_file(), "path": str(path)})
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
              f"{chosen['layout']} layout)")
    for row in rows:
        mark = "yes" if row["available"] else "no"
        print(f"  {row['source']:<22} {mark:<4} {row['path'] or row.get('detail', '')}")
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
