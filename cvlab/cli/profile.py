"""`python -m cvlab profile NAME | --layers FILE | --model-file PATH`: shapes, params and MACs
per layer."""

from __future__ import annotations

import json

from cvlab import jobfolder
from cvlab.cli import _network_args as network_args
from cvlab.cli import allowed
from cvlab.errors import CvlabError
from cvlab.profile import ProfileSpec, profile
from cvlab.report import table, to_json


def register(sub) -> None:
    parser = sub.add_parser(
        "profile", help="per-layer shapes, params and MACs (no TensorFlow needed)",
        description="Profile a zoo network by NAME, a custom stack with --layers FILE, or a "
                    "Keras model file with --model-file PATH (read in safe mode; this one "
                    "imports TensorFlow).")
    network_args.add(parser)
    parser.add_argument("--model-file", metavar="PATH", help="a .keras (or legacy .h5) model "
                        "file under a data root")
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
    given = [args.name is not None, args.layers is not None, args.model_file is not None]
    if sum(given) != 1:
        raise CvlabError("give a model NAME, --layers FILE or --model-file PATH (exactly one). "
                         "See `python -m cvlab models` for names.")
    if args.model_file is not None:
        return _run_model_file(args)
    network = (network_args.stack_network(args) if args.layers is not None
               else network_args.zoo_network(args))
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


def _run_model_file(args) -> int:
    """A Keras model file: the zoo profile's JSON plus Keras' count, the uncounted layers
    and the zoo networks it matches (:mod:`cvlab.modelfile.summary`)."""
    from cvlab.modelfile.summary import profile_from_json, profile_model_file

    zoo_options = [args.alpha, args.resolution, args.classes, args.no_top or None,
                   args.aux or None]
    if any(o is not None for o in zoo_options):
        raise CvlabError("Received: zoo options with --model-file; allowed: none (the file "
                         "fixes its own width, resolution and head).")
    report = profile_model_file(allowed(args.model_file))
    if args.out:
        jobfolder.write_result(args.out, report)
    if args.json:
        print(json.dumps(report))
        return 0
    result = profile_from_json(report)
    print(table(result))
    print(f"Depth: {result.depth} weight layers. Keras counts {report['keras_params']:,} "
          "parameters.")
    for layer in report["uncounted"]:
        print(f"Uncounted: {layer['name']} ({layer['kind']}, {layer['params']:,} params, MACs "
              f"not counted): {layer['reason']}")
    for match in report["zoo_match"]:
        scope = "The model" if match["scope"] == "model" else f"Its part {match['scope']!r}"
        print(f"{scope} is the zoo's {match['title']} ({_options(match['options'])}).")
    return 0


def _options(options: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in options.items())
