"""The command line, ``python -m cvlab COMMAND``: the engine's headless face.

Each sub-command is one module of this package exposing ``register(subparsers)``; the
parser picks them up by discovery, so a new command never edits this file (a
sub-package, such as ``experiments/``, holds a command's own sub-commands).
Conventions shared by every command: a human table on stdout by default, one JSON object
with ``--json``, progress on stderr, and exit status 2 with a one-line message for bad
input. Paths mean the same on every command, the app's pages and the job process: every
folder a command reads or writes lies under a data root (``CVLAB_DATA_ROOTS``, by default
the app's data folder and the current folder; see :func:`allowed`).
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from pathlib import Path

from cvlab.data.roots import resolve_allowed
from cvlab.errors import CvlabError

ROOTS_HELP = ("Every folder a command reads or writes must lie under a data root: "
              "CVLAB_DATA_ROOTS (separated by ':'), by default the app's data/ folder and "
              "the current folder.")


def allowed(path: str) -> Path:
    """``path`` (relative to the current folder) as a real path under a data root, else a
    one-line :class:`CvlabError` saying how to allow it."""
    return resolve_allowed(Path(path).expanduser().absolute())


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr and exit status 2;
    sub-command parsers inherit it."""

    def error(self, message: str):
        self.exit(2, f"error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="python -m cvlab",
        description="cvlab: case-study CNNs, their costs, datasets and transfer learning.",
        epilog=ROOTS_HELP,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.ispkg or info.name.startswith("_"):  # sub-commands (experiments/), helpers
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status = int(args.func(args) or 0)
        sys.stdout.flush()  # inside the try: a closed pipe surfaces here, not at exit
        return status
    except BrokenPipeError:  # the reader left (`… | head`): quiet, as a Unix filter is
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the interpreter's final flush goes nowhere
        return 0
    except CvlabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a path the file system refused: one line, never a traceback
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: Received: {where}{exc.strerror or exc}; allowed: an existing file or "
              "folder of the kind the command asks for.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
