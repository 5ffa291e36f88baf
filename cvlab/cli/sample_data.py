"""`python -m cvlab sample-data DEST`: write a bundled folder-per-class sample dataset."""

from __future__ import annotations

from cvlab.cli import allowed
from cvlab.data.samples import SAMPLES, write_sample
from cvlab.data.scan import scan


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "sample-data",
        help="write a bundled sample dataset (offline, from scikit-image)",
        description="Write a folder-per-class sample dataset made from data shipped with "
        "scikit-image: faces (lfw_subset: face / not_face), shapes (circle / square / "
        "triangle on photo crops) or messy (one of every problem the scan catches).",
    )
    parser.add_argument("dest", metavar="DEST", help="new or empty folder to write into")
    parser.add_argument("--dataset", choices=sorted(SAMPLES), default="faces")
    parser.set_defaults(func=run)


def run(args) -> int:
    dest = write_sample(args.dataset, allowed(args.dest))
    report = scan(dest)
    counts = ", ".join(f"{name} {n}" for name, n in report.classes.items())
    print(f"wrote {args.dataset} to {dest}: {counts}")
    return 0
