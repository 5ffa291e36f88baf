"""`python -m cvlab latency`: measured Keras latency per image, stored once per machine."""

from __future__ import annotations

import json
import re
import sys
from functools import partial

from cvlab import jobfolder, latency, zoo
from cvlab.errors import CvlabError
from cvlab.labs.separable import separable_networks
from cvlab.report import short_count

_CONV = re.compile(r"^(\d+)x(\d+)x(\d+),(\d+),(\d+)(?:,(same|valid))?$")


def register(sub) -> None:
    parser = sub.add_parser(
        "latency", help="measure Keras latency per image (stored per machine)",
        description="Time each network's forward pass in Keras (random weights, inference "
                    "mode) at each batch size. Results are stored per machine and reused; "
                    "--force measures again.")
    parser.add_argument("models", nargs="*", metavar="MODEL",
                        help=f"zoo names (default: {' '.join(latency.DEFAULT_MODELS)})")
    parser.add_argument("--resolution", type=int, help="input size for every model "
                        "(default: each model's own)")
    parser.add_argument("--batch", default="1,32", help="batch sizes, comma-separated "
                        "(default 1,32)")
    parser.add_argument("--separable", metavar="HxWxM,N,K[,same]",
                        help="instead of models: a standard K×K conv against depthwise + "
                             "pointwise on an H×W×M input with N outputs")
    parser.add_argument("--out", metavar="DIR", help="job folder for progress.json, STOP and "
                        "result.json")
    parser.add_argument("--force", action="store_true", help="measure again even if stored")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run, spec=spec_from_args)


def spec_from_args(args) -> latency.LatencySpec:
    """The spec of a ``latency`` job."""
    if args.separable and args.models:
        raise CvlabError(f"give models or --separable, not both. Received: "
                         f"{' '.join(args.models)} and --separable {args.separable}")
    return latency.LatencySpec(tuple(args.models), args.resolution, _batches(args.batch),
                               args.separable, args.force)


def run(args) -> int:
    spec = spec_from_args(args)
    batches = spec.batches
    if spec.separable:
        jobs = _separable_jobs(spec.separable)
    else:
        jobs = _model_jobs(list(spec.models or latency.DEFAULT_MODELS), spec.resolution)

    def progress(event: jobfolder.ProgressEvent) -> None:
        print(f"[{event.fraction:4.0%}] {event.text}", file=sys.stderr, flush=True)
        if args.out:
            jobfolder.report_progress(args.out, event.fraction, event.text)

    stop = jobfolder.StopRequest(args.out)
    rows = latency.measure_all(jobs, batches, force=spec.force, progress=progress, stop=stop)
    result = {"kind": "latency", "machine": latency.machine(), "rows": rows,
              "complete": len(rows) == len(jobs) * len(batches)}
    if args.out:
        jobfolder.write_result(args.out, result)
    print(json.dumps(result) if args.json else _table(rows))
    return 0


def _batches(text: str) -> tuple[int, ...]:
    parts = text.split(",")
    if not all(p.strip().isdigit() and 1 <= int(p) <= 1024 for p in parts):
        raise CvlabError(f"--batch takes sizes from 1 to 1024, comma-separated. "
                         f"Received: {text!r}; allowed: e.g. 1,32")
    return tuple(dict.fromkeys(int(p) for p in parts))


def _model_jobs(names: list[str], resolution: int | None) -> list:
    jobs = []
    for name in names:
        options = {"resolution": resolution} if resolution else {}
        network = zoo.get(name, **options)           # checks the name and options now
        size = network.input_shape[0]
        jobs.append((f"{name}@{size}", zoo.info(name).title,
                     partial(zoo.get, name, **options)))
    return jobs


def _separable_jobs(text: str) -> list:
    match = _CONV.match(text)
    if not match:
        raise CvlabError(f"--separable takes HxWxM,N,K[,same]. Received: {text!r}; "
                         "allowed: e.g. 56x56x128,128,3,same")
    h, w, m, n, k = (int(v) for v in match.groups()[:5])
    padding = match.group(6) or "valid"
    if not (1 <= k <= min(h, w) and min(h, w, m, n) >= 1 and h * w * m <= 4_000_000):
        raise CvlabError(f"--separable needs 1 ≤ K ≤ H, W and H·W·M ≤ 4,000,000. "
                         f"Received: {text!r}")
    standard, separable = separable_networks(h, w, m, n, k, padding)
    shape = f"{h}x{w}x{m},{n},{k},{padding}"
    return [(f"standard@{shape}", f"standard {k}×{k} conv", lambda: standard),
            (f"separable@{shape}", "depthwise + pointwise", lambda: separable)]


def _table(rows: list[dict]) -> str:
    lines = [f"{'network':<28} {'batch':>5} {'MACs':>10} {'ms / image':>11}  device"]
    lines += [f"{r['title'][:28]:<28} {r['batch']:>5} {short_count(r['macs']):>10} "
              f"{r['ms_per_image']:>11.3f}  {r['device']}" for r in rows]
    lines.append(f"Stored in {latency.store_path()}; --force measures again.")
    return "\n".join(lines)
