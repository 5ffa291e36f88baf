"""`python -m cvlab export RUN_DIR --format F`: deployable files, sizes, latency, checks."""

from __future__ import annotations

import json
import sys

from cvlab.evaluate import FORMATS, export, parse_formats
from cvlab.report import short_count


def register(sub) -> None:
    parser = sub.add_parser(
        "export", help="export a run's model as .keras or TFLite, with size and latency",
        description="Write RUN_DIR/exports/<file> for each format, reload it, compare its "
                    "predictions with the run's model on a few images, and time it.")
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a folder made by `cvlab train`")
    parser.add_argument(
        "--format", default="all", metavar="F",
        help=f"{' | '.join(FORMATS)} | all (default), or a comma-separated list. keras: the "
             "Keras file; tflite: TFLite float32; tflite-int8: TFLite dynamic-range "
             "quantisation (int8 weights, float32 activations and inputs; no calibration)")
    parser.add_argument("--runs", type=int, default=50, metavar="N",
                        help="timed calls per format for the median latency (50)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def run(args) -> int:
    report = export(args.run_dir, parse_formats(args.format), runs=args.runs,
                    log=lambda line: print(line, file=sys.stderr))
    if args.json:
        print(json.dumps(report))
        return 0
    check = report["check"]
    print(f"Exports of {report['run_dir']} ({report['image_size'][0]}×"
          f"{report['image_size'][1]} input); checked on {check['images']} "
          f"{'split images' if check['source'] == 'split' else 'random images'}, latency "
          f"= median of {report['latency']['runs']} single-image calls")
    print(f"  {'format':<12} {'size':>9} {'vs .keras':>9} {'latency':>10} {'top-1 agree':>12} "
          f"{'max Δprob':>10}  file")
    for row in report["exports"]:
        ratio = row["bytes"] / report["source_bytes"]
        print(f"  {row['format']:<12} {short_count(row['bytes']) + 'B':>9} {ratio:>8.2f}× "
              f"{row['latency_ms']:>8.2f}ms {row['top1_agreement']:>12.0%} "
              f"{row['max_prob_diff']:>10.2e}  {row['path']}")
    print(f"Class names ({', '.join(report['class_names'])}): {report['labels']}, and inside "
          "each .tflite as TFLite Metadata")
    return 0
