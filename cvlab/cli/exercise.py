"""`python -m cvlab exercise list | check NAME FILE | solution NAME`: the Practice exercises.

``check`` runs FILE's function in a limited child process (:mod:`cvlab.practice.sandbox`)
and compares it with the reference; exit status 0 when every check passed, 1 when one
failed, 2 for bad arguments.
"""

from __future__ import annotations

import json

from cvlab.cli import allowed
from cvlab.practice import exercises
from cvlab.practice.job import ExerciseCheck, read_source, run_check


def register(sub) -> None:
    parser = sub.add_parser("exercise", help="write a block in Keras and have it checked",
                            description="The Practice exercises: list them, check your "
                            "solution, or print the reference.")
    commands = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = commands.add_parser("list", help="every exercise, with its signature")
    listing.add_argument("--json", action="store_true", help="print one JSON object")
    listing.set_defaults(func=_list)
    check = commands.add_parser("check", help="check FILE's function against exercise NAME")
    check.add_argument("name", metavar="NAME", help="an exercise from `exercise list`")
    check.add_argument("file", metavar="FILE", help="a Python file defining the function")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.add_argument("--out", metavar="DIR", help="job folder: the code, result.json and a "
                       "passing block's .keras file go there")
    check.set_defaults(func=_check, spec=spec_from_args)
    solution = commands.add_parser("solution", help="print the reference solution")
    solution.add_argument("name", metavar="NAME")
    solution.set_defaults(func=lambda args: print(exercises.get(args.name).solution, end=""))


def spec_from_args(args) -> ExerciseCheck:
    return ExerciseCheck(args.name, args.file)


def _list(args) -> int:
    rows = [{"name": e.name, "title": e.title, "signature": e.signature}
            for e in exercises.EXERCISES]
    if args.json:
        print(json.dumps({"exercises": rows}))
    else:
        for row in rows:
            print(f"{row['name']:<20} {row['signature']}")
    return 0


def _check(args) -> int:
    exercises.get(args.name)
    source = read_source(allowed(args.file))
    verdict = run_check(args.name, source, allowed(args.out) if args.out else None)
    if args.json:
        print(json.dumps({k: verdict[k] for k in ("exercise", "passed", "checks")}))
    else:
        for c in verdict["checks"]:
            print(f"{'PASS' if c['passed'] else 'FAIL'}  {c['name']:<14} {c['message']}")
        print("passed" if verdict["passed"] else "not yet: see the first FAIL")
    return 0 if verdict["passed"] else 1
