"""`python -m cvlab profile NAME | --layers FILE`: shapes, params and MACs per layer."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from cvlab import jobfolder, zoo
from cvlab.errors import CvlabError
from cvlab.profile import ProfileSpec, profile
from cvlab.report import table, to_json
from cvlab.zoo.stack import parse_stack


def register(sub) -> None:
    parser = sub.add_parser(
        "profile", help="per-layer shapes, params and MACs (no TensorFlow needed)",
        description="Profile a zoo network by NAME, or a custom stack with --layers FILE.")
    parser.add_argument("name", nargs="?", help="a name from `python -m cvlab models`")
    parser.add_argument("--layers", metavar="FILE", help="a custom stack, one layer per line "
                        "('-' reads standard input)")
    parser.add_argument("--alpha", type=float, help="width multiplier (MobileNets)")
    parser.add_argument("--resolution", type=int, help="input height and width in pixels")
    parser.add_argument("--no-top", action="store_true", help="drop the classifier head")
    parser.add_argument("--classes", type=int, help="classifier size (default 1000)")
    parser.add_argument("--aux", action="store_true", help="GoogLeNet: keep auxiliary heads")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--out", metavar="DIR", help="job folder: the JSON object also goes "
                        "to DIR/result.json")
    parser.set_defaults(func=run, spec=spec_from_args)


def spec_from_args(args) -> ProfileSpec:
    """The spec of a ``profile`` job: a zoo network with its width and resolution."""
    if args.name is None:
        raise CvlabError("Received: no NAME; allowed: a profile job profiles a zoo network")
    return ProfileSpec(args.name, args.alpha, args.resolution)


def run(args) -> int:
    if (args.name is None) == (args.layers is None):
        raise CvlabError("give a model NAME or --layers FILE (exactly one). "
                         "See `python -m cvlab models` for names.")
    if args.layers is not None:
        stem = "custom" if args.layers == "-" else Path(args.layers).stem
        network = parse_stack(_read(args.layers), name=stem)
    else:
        options = {"alpha": args.alpha, "resolution": args.resolution, "classes": args.classes}
        if args.no_top:
            options["include_top"] = False
        if args.aux:
            options["aux"] = True
        network = zoo.get(args.name, **{k: v for k, v in options.items() if v is not None})
    result = profile(network)
    report = {**to_json(result), "weight_depth": result.depth}
    if args.out:
        jobfolder.write_result(args.out, report)
    if args.json:
        print(json.dumps(report))
    else:
        print(table(result))
        print(f"Depth: {result.depth} weight layers (conv, depthwise conv and dense layers on "
              "the longest path, as the pages count it)")
    return 0


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text()
    except OSError as exc:
        raise CvlabError(f"cannot read the layer file. Received: {path!r} ({exc.strerror}).") \
            from None
