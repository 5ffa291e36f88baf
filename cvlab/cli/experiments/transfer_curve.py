"""`python -m cvlab experiment transfer-curve DIR`: test accuracy against images per class,
one line per training mode, all on the same test split.

Each point is a full training run kept under ``OUT/runs/`` and evaluated on the test
split. With ``--out`` the folder is a job folder: progress.json while it runs, a STOP
file ends it after the current batch, result.json holds what ``--json`` prints.
"""

from __future__ import annotations

import json
import sys

from cvlab.cli import allowed
from cvlab.experiments.transfer_curve import (
    ALL,
    CurvePlan,
    parse_modes,
    parse_per_class,
    run_curve,
)
from cvlab.train.modes import MODES, cli_help
from cvlab.train.runs import default_run_dir


def register(sub) -> None:
    parser = sub.add_parser(
        "transfer-curve", help="test accuracy vs images per class, one line per mode",
        description=__doc__.split("\n\n")[0].split(": ", 1)[1].replace("\n", " "))
    parser.add_argument("data_dir", metavar="DIR", help="folder with one sub-folder per class")
    parser.add_argument("--per-class", default="5,10,25", metavar="N,N,…",
                        help=f"training images per class, e.g. 5,10,25,50,{ALL} "
                             "(a seeded sample of the training split; default 5,10,25)")
    parser.add_argument("--modes", default="frozen,full,scratch", metavar="MODE,…",
                        help=f"some of {', '.join(MODES)} (default frozen,full,scratch): "
                             + cli_help())
    parser.add_argument("--epochs", type=int, default=2, metavar="E",
                        help="epochs per run (default 2; fine-tune needs 2 or more)")
    parser.add_argument("--image-size", type=int, default=96, metavar="S",
                        help="square side in pixels (default 96)")
    parser.add_argument("--seed", type=int, default=0, metavar="N",
                        help="split, sample and training seed (default 0)")
    parser.add_argument("--batch-size", type=int, default=CurvePlan.batch_size, metavar="B",
                        help=f"default {CurvePlan.batch_size}")
    parser.add_argument("--out", metavar="DIR",
                        help="job folder for the runs, progress.json and result.json "
                             "(default runs/<timestamp>-transfer-curve)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run, spec=spec_from_args)


def spec_from_args(args) -> CurvePlan:
    """The spec of a ``transfer-curve`` job (its points are checked by ``configs()``)."""
    return CurvePlan(str(allowed(args.data_dir)),
                     parse_per_class(args.per_class), parse_modes(args.modes),
                     epochs=args.epochs, image_size=args.image_size, seed=args.seed,
                     batch_size=args.batch_size)


def run(args) -> int:
    plan = spec_from_args(args)
    out = args.out or default_run_dir("transfer-curve")
    result = run_curve(plan, out, log=lambda line: print(line, file=sys.stderr))
    print(json.dumps(result) if args.json else human(result))
    return 0


def human(result: dict) -> str:
    lines = [f"{result['dataset']}: {len(result['classes'])} classes, tested on "
             f"{result['test_images']} images (95% Wilson intervals)", "",
             f"{'mode':<10} {'per class':>9} {'test accuracy':>14} {'95% interval':>15} "
             f"{'seconds':>8}"]
    for p in result["points"]:
        low, high = p["ci"]
        lines.append(f"{p['mode']:<10} {p['per_class']!s:>9} {p['test_accuracy']:>14.1%} "
                     f"{f'{low:.0%}–{high:.0%}':>15} {p['seconds']:>8.1f}")
    return "\n".join(lines)
