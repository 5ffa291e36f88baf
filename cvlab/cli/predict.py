"""`python -m cvlab predict RUN_DIR IMAGE…`: top-K classes of each image.

An unreadable or missing image is named on stderr and the others are still
predicted (exit status 0); only when no image can be read is the exit status 2.
"""

from __future__ import annotations

import json
import sys

from cvlab.evaluate import predict


def register(sub) -> None:
    parser = sub.add_parser(
        "predict", help="top-K classes of images with a trained run's model",
        description="Predict each IMAGE with RUN_DIR/model.keras. Unreadable images are "
                    "reported on stderr and skipped; the exit status is 2 only when none "
                    "could be read.")
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a folder made by `cvlab train`")
    parser.add_argument("images", nargs="+", metavar="IMAGE", help="image files")
    parser.add_argument("--top", type=int, default=5, metavar="K",
                        help="classes per image, best first (5; all when the run has fewer)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def run(args) -> int:
    result = predict(args.run_dir, args.images, top=args.top)
    for item in result["unreadable"]:
        print(f"warning: skipped {item['path']}: {item['reason']}", file=sys.stderr)
    if args.json:
        print(json.dumps(result))
        return 0
    for item in result["results"]:
        print(item["image"])
        for rank, best in enumerate(item["top"], 1):
            print(f"  {rank}. {best['class']:<24} {best['probability']:7.2%}")
    return 0
