"""`python -m cvlab experiment NAME …`: experiments that reproduce a claim of the course.

A dispatcher only: each experiment is one module in :mod:`cvlab.cli.experiments`
with ``register(subparsers)``, found by discovery, so adding one never edits this file.
"""

from __future__ import annotations

import importlib
import pkgutil

from cvlab.cli import experiments


def register(sub) -> None:
    parser = sub.add_parser("experiment", help="run an experiment (training runs, one JSON "
                            "result; --out DIR makes it a job folder)",
                            description=__doc__.splitlines()[0].split(": ", 1)[1])
    names = parser.add_subparsers(dest="experiment", required=True, metavar="NAME")
    for info in sorted(pkgutil.iter_modules(experiments.__path__), key=lambda m: m.name):
        importlib.import_module(f"{experiments.__name__}.{info.name}").register(names)
