"""The network a command reads, declared once for `profile` and `code`: a zoo NAME with
its options, or a custom stack with --layers FILE."""

from __future__ import annotations

import sys
from pathlib import Path

from cvlab import zoo
from cvlab.errors import CvlabError
from cvlab.zoo.graph import Network
from cvlab.zoo.stack import parse_stack


def add(parser) -> None:
    """NAME, --layers and the zoo's options."""
    parser.add_argument("name", nargs="?", help="a name from `python -m cvlab models`")
    parser.add_argument("--layers", metavar="FILE", help="a custom stack, one layer per line "
                        "('-' reads standard input)")
    parser.add_argument("--alpha", type=float, help="width multiplier (MobileNets)")
    parser.add_argument("--resolution", type=int, help="input height and width in pixels")
    parser.add_argument("--no-top", action="store_true", help="drop the classifier head")
    parser.add_argument("--classes", type=int, help="classifier size (default 1000)")
    parser.add_argument("--aux", action="store_true", help="GoogLeNet: keep auxiliary heads")


def zoo_options(args) -> dict:
    """The zoo options given on the command line (those left out take the zoo's defaults)."""
    options = {"alpha": args.alpha, "resolution": args.resolution, "classes": args.classes,
               "include_top": False if args.no_top else None, "aux": True if args.aux else None}
    return {k: v for k, v in options.items() if v is not None}


def zoo_network(args) -> Network:
    return zoo.get(args.name, **zoo_options(args))


def stack_network(args) -> Network:
    """The custom stack of ``--layers FILE`` ('-': standard input), named after the file."""
    stem = "custom" if args.layers == "-" else Path(args.layers).stem
    return parse_stack(_read(args.layers), name=stem)


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text()
    except OSError as exc:
        raise CvlabError(f"cannot read the layer file. Received: {path!r} ({exc.strerror}).") \
            from None
