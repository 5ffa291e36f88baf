"""`python -m cvlab evaluate RUN_DIR [DIR]`: accuracy, per-class table, confusion, mistakes.

``--multicrop`` adds 10-crop test-time augmentation and ``--ensemble RUN…`` averages
other runs' probabilities; each is shown with its accuracy gain and its cost in model
time. The full report is also written to ``RUN_DIR/metrics.json``.
"""

from __future__ import annotations

import json
import sys

from cvlab.evaluate import evaluate
from cvlab.evaluate.metrics import excludes_zero


def register(sub) -> None:
    parser = sub.add_parser(
        "evaluate", help="accuracy, per-class metrics and mistakes of a trained run",
        description="Evaluate RUN_DIR's model on its test split (else its validation split), "
                    "or on DIR, a folder with one sub-folder per class named like the run's "
                    "classes. Accuracies come with 95%% Wilson intervals, gains with paired "
                    "95%% intervals. Also writes RUN_DIR/metrics.json.")
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a folder made by `cvlab train`")
    parser.add_argument("data_dir", nargs="?", metavar="DIR",
                        help="evaluate on this labelled folder instead of the run's split")
    parser.add_argument("--multicrop", action="store_true",
                        help="also 10-crop test-time augmentation (corners + centre, mirrored; "
                             "10 forward passes per image)")
    parser.add_argument("--ensemble", nargs="+", default=[], metavar="RUN",
                        help="also average probabilities with these runs (same classes)")
    parser.add_argument("--split", choices=("test", "val"),
                        help="the run's split to use (default test, else val; val chose the "
                             "best epoch, so its accuracy is optimistic)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def run(args) -> int:
    report = evaluate(args.run_dir, args.data_dir, multicrop=args.multicrop,
                      ensemble=args.ensemble, split=args.split,
                      log=lambda line: print(line, file=sys.stderr))
    print(json.dumps(report) if args.json else render(report))
    return 0


def _interval(ci) -> str:
    return f"{ci[0]:.1%}–{ci[1]:.1%}"


def _points(ci) -> str:
    return f"{100 * ci[0]:+.1f} to {100 * ci[1]:+.1f} pts"


def render(report: dict) -> str:
    """The human report: the accuracy table, per-class metrics, confusion and mistakes."""
    source = report["source"]
    where = (f"{source['subset']} split" if source["kind"] == "split"
             else f"folder {source['path']}")
    single = report["single"]
    lines = [f"Run {report['run_dir']} on the {where}: {single['images']} images, "
             f"{len(report['class_names'])} classes, "
             f"{report['image_size'][0]}×{report['image_size'][1]} input", ""]
    lines.append(f"{'':<22} {'accuracy':>9} {'95% interval':>15} {'gain':>10} "
                 f"{'gain 95% interval':>20} {'model time':>11} {'slowdown':>9}")
    lines.append(f"{'single crop':<22} {single['accuracy']:>9.1%} "
                 f"{_interval(single['accuracy_ci']):>15} {'—':>10} {'':>20} "
                 f"{single['seconds']:>10.3f}s {'1.0×':>9}")
    for key, label in (("multicrop", "10-crop"), ("ensemble", "ensemble")):
        if key in report:
            v = report[key]
            if key == "ensemble":
                label = f"ensemble of {len(v['members'])}"
            gain = v["gain_ci"]
            lines.append(f"{label:<22} {v['accuracy']:>9.1%} {_interval(v['accuracy_ci']):>15} "
                         f"{100 * v['accuracy_gain']:>+6.1f} pts "
                         f"{_points(gain):>20} {v['seconds']:>10.3f}s {v['slowdown']:>8.1f}×")
            if not excludes_zero(gain):
                lines.append(f"  the {label} gain is not distinguishable from noise on "
                             f"{single['images']} images (its interval includes 0)")
    if "ensemble" in report:
        for member in report["ensemble"]["members"]:
            lines.append(f"  member {member['run_dir']}: {member['accuracy']:.1%}, "
                         f"{member['seconds']:.3f}s")
    lines += ["", "Per class (single crop):",
              f"  {'class':<20} {'precision':>9} {'recall':>7} {'f1':>6} {'images':>7}"]
    for row in single["per_class"]:
        lines.append(f"  {row['class'][:20]:<20} {row['precision']:>9.1%} {row['recall']:>7.1%} "
                     f"{row['f1']:>6.2f} {row['support']:>7}")
    names = [name[:10] for name in report["class_names"]]
    lines += ["", "Confusion matrix (rows = true class, columns = predicted):",
              "  " + " " * 11 + "".join(f"{name:>11}" for name in names)]
    for name, row in zip(names, single["confusion_matrix"], strict=True):
        lines.append(f"  {name:<11}" + "".join(f"{count:>11}" for count in row))
    wrong = single["misclassified"]
    lines += ["", f"Misclassified ({len(wrong)}), most confident first:"]
    lines += [f"  {m['path']}: {m['true']} → {m['predicted']} ({m['confidence']:.1%})"
              for m in wrong] or ["  none"]
    if report["unreadable"]:
        lines += ["", f"Left out ({len(report['unreadable'])}):"]
        lines += [f"  {u['path']}: {u['reason']}" for u in report["unreadable"]]
    lines += ["", "Model time excludes image decoding and model loading. "
              f"Full report: {report['run_dir']}/metrics.json"]
    return "\n".join(lines)
