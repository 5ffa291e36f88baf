"""`python -m cvlab scan DIR`: check a folder-per-class dataset and report what is usable.

Exit 0 when the dataset can be trained on (warnings included), 2 with a message when
not. With ``--json``, stdout is exactly one object whose paths are relative to ``root``.
"""

from __future__ import annotations

import sys

from cvlab.cli import allowed
from cvlab.data.images import MAX_PIXELS
from cvlab.data.scan import ScanReport, scan


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "scan",
        help="check a folder-per-class image dataset",
        description=__doc__.splitlines()[0].split(": ", 1)[1],
    )
    parser.add_argument("root", metavar="DIR",
                        help="folder with one sub-folder per class; a relative DIR starts "
                             "at the current folder")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--max-pixels",
        type=int,
        default=MAX_PIXELS,
        help=f"skip images with more pixels than this (default and most: {MAX_PIXELS:,})",
    )
    parser.add_argument("--workers", type=int, default=None, help="decoding threads")
    parser.set_defaults(func=run)


def run(args) -> int:
    progress = _stderr_progress if sys.stderr.isatty() else None
    report = scan(allowed(args.root), max_pixels=args.max_pixels, workers=args.workers,
                  progress=progress)
    if progress:
        print(file=sys.stderr)
    print(report.to_json(indent=2) if args.json else render(report))
    return 0


def render(report: ScanReport) -> str:
    """The human report: classes, then skipped, converted and warnings."""
    width = max(len(name) for name in report.class_names)
    lines = [f"{report.root}: {report.images} usable images in {len(report.class_names)} classes"]
    lines += [f"  {name:<{width}}  {count:>6}" for name, count in report.classes.items()]
    lines.append(f"Skipped ({len(report.skipped)}):")
    lines += [f"  {report.relative(s.path)}: {s.reason} ({s.detail})" for s in report.skipped]
    lines.append(f"Converted ({len(report.converted)}), the rarest kind first:")
    for kind, paths in report.conversion_kinds():
        names = ", ".join(report.relative(p) for p in paths[:3]) + (", …" if len(paths) > 3 else "")
        lines.append(f"  {kind}: {len(paths)} file(s), e.g. {names}")
    lines.append(f"Ignored hidden/system entries: {len(report.ignored)}")
    lines.append(f"Warnings ({len(report.warnings)}):")
    lines += [f"  - {warning}" for warning in report.warnings]
    return "\n".join(lines)


def _stderr_progress(done: int, total: int) -> None:
    print(f"\rscanning {done}/{total}", end="", file=sys.stderr, flush=True)
