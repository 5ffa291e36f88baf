"""`python -m cvlab cluster check`: is the Ray cluster of ``CVLAB_RAY_ADDRESS`` ready for
cvlab's jobs? It writes a file in the runs folder (``--root``, default the app's) and has
one Ray task on every node read it, then prints each node's address, CPUs and GPUs and
whether it shares the folder. Exit 2, with what to do, when a node does not see the file
or no cluster answers. (``cluster probe`` is the check's own Ray job, not for people.)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cvlab.errors import CvlabError
from cvlab.jobs import executors, queue


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "cluster", help="check the Ray cluster that CVLAB_RAY_ADDRESS names",
        description=__doc__.splitlines()[0].split(": ", 1)[1])
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="check that every node shares the data folder, "
                                             "and list nodes, CPUs and GPUs")
    check.add_argument("--root", metavar="DIR", help="runs folder (default: the app's)")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    probe = actions.add_parser("probe", help=argparse.SUPPRESS)
    probe.add_argument("path")
    probe.add_argument("token")
    parser.set_defaults(func=run)


def run(args) -> int:
    if args.action == "probe":
        print(json.dumps(executors.probe(args.path, args.token)), flush=True)
        return 0
    if executors.address() is None:
        raise CvlabError(f"Received: no {executors.ADDRESS}; allowed: {executors.ADDRESS} "
                         "set to a Ray cluster's job address, such as http://HEAD:8265")
    root = Path(args.root).expanduser().resolve() if args.root else queue.default_root()
    report = executors.check(root, queue.ray_env())
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"Ray cluster {report['address']}: every node reads {report['folder']}")
    rows = [("NODE", "HOST", "CPUS", "GPUS")] + [
        (n["ip"], n["host"], f"{n['cpus']:g}", f"{n['gpus']:g}") for n in report["nodes"]]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    print(f"{len(report['nodes'])} node(s), {sum(n['cpus'] for n in report['nodes']):g} CPUs, "
          f"{sum(n['gpus'] for n in report['nodes']):g} GPUs")
    return 0
