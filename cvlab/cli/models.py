"""`python -m cvlab models`: the zoo's names, one per line (with --json, a list)."""

from __future__ import annotations

import json

from cvlab import zoo


def register(sub) -> None:
    parser = sub.add_parser("models", help="list the zoo's networks")
    parser.add_argument("--json", action="store_true", help="print a JSON list of names")
    parser.set_defaults(func=run)


def run(args) -> int:
    if args.json:
        print(json.dumps(zoo.names()))
    else:
        print("\n".join(zoo.names()))
    return 0
