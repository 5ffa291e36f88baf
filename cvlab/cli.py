"""Command-line entry point.

Each sub-command lives in its own module under :mod:`cvlab.commands` and
exposes ``register(subparsers)``; the parser picks them up by discovery, so a
new command never edits this file. Conventions shared by every command: a
human table on stdout by default, one JSON object with ``--json``, progress on
stderr, and exit status 2 with a one-line message for bad input.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys

from cvlab import commands
from cvlab.errors import CvlabError


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr and exit status 2;
    sub-command parsers inherit it."""

    def error(self, message: str):
        self.exit(2, f"error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="python -m cvlab",
        description="cvlab: case-study CNNs, their costs, datasets and transfer learning.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.ispkg:  # a command's own sub-commands (e.g. experiments/)
            continue
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
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
