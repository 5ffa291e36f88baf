"""`python -m cvlab experiment NAME`: reproduce a claim of the course with real training runs.

Experiments: ``degradation`` (plain against residual nets as depth grows, He et al.
2015) and ``identity`` (a residual block falls back to the identity; weight decay pulls
it there). A progress bar goes to stderr; with ``--out DIR`` progress, a ``STOP`` file
and ``result.json`` go through that folder (the job protocol), so a page can follow,
stop and show the run. ``--json`` prints the result as one object.
"""

from __future__ import annotations

import json
import sys

from cvlab.errors import CvlabError

BAR_WIDTH = 24


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "experiment", help="run an experiment (degradation, identity)",
        description=__doc__.splitlines()[0].split(": ", 1)[1])
    sub = parser.add_subparsers(dest="experiment", required=True, metavar="NAME")
    _degradation_parser(sub)
    _identity_parser(sub)


def _common(parser) -> None:
    parser.add_argument("--seed", type=int, default=0, help="data draw and weights (default 0)")
    parser.add_argument("--out", metavar="DIR",
                        help="job folder: progress.json, STOP and result.json go here")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _degradation_parser(sub) -> None:
    from cvlab.experiments.degradation import OPTIMIZERS, Settings

    d = Settings()
    p = sub.add_parser(
        "degradation", help="plain vs residual CIFAR-style nets at several depths",
        description="Train plain and residual nets of depth 6n+2 (16/32/64 channels) for "
        "the same budget on Animal-MNIST and compare their training error per epoch; also "
        "the gradient norm per layer at initialisation.")
    p.add_argument("--depths", default=",".join(map(str, d.depths)),
                   help=f"comma-separated depths 6n+2 (default {','.join(map(str, d.depths))})")
    p.add_argument("--epochs", type=int, default=d.epochs, help=f"default {d.epochs}")
    p.add_argument("--per-class", type=int, default=d.train_per_class,
                   help=f"training images per class (default {d.train_per_class} of 1000)")
    p.add_argument("--val-per-class", type=int, default=d.val_per_class,
                   help=f"validation images per class (default {d.val_per_class})")
    p.add_argument("--image-size", type=int, default=d.image_size,
                   help=f"resize the 28×28 images to S×S (default {d.image_size})")
    p.add_argument("--batch-size", type=int, default=d.batch_size,
                   help=f"default {d.batch_size}")
    p.add_argument("--learning-rate", type=float, default=d.learning_rate,
                   help=f"default {d.learning_rate}")
    p.add_argument("--optimizer", default=d.optimizer,
                   help=f"{' | '.join(OPTIMIZERS)} (default {d.optimizer}; SGD has momentum 0.9)")
    p.add_argument("--families", default="plain,residual", help="plain,residual (default both)")
    _common(p)
    p.set_defaults(func=_run_degradation)


def _identity_parser(sub) -> None:
    p = sub.add_parser(
        "identity", help="a residual block returns its input when its last layer is zero",
        description="Check the identity exactly on real activations, then train briefly with "
        "and without L2 weight decay and record the block's last-layer weight norm.")
    p.add_argument("--epochs", type=int, default=4, help="default 4")
    p.add_argument("--weight-decay", type=float, default=0.02, help="λ (default 0.02)")
    _common(p)
    p.set_defaults(func=_run_identity)


def _depths(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise CvlabError(f"Received: --depths {text}; allowed: comma-separated integers "
                         "6n + 2, e.g. 8,20,56.") from None


def _run_degradation(args) -> int:
    from cvlab.experiments.degradation import Settings, run

    settings = Settings(_depths(args.depths), args.epochs, args.seed, args.per_class,
                        args.val_per_class, args.image_size, args.batch_size,
                        args.learning_rate, args.optimizer,
                        tuple(f.strip() for f in args.families.split(",") if f.strip()))
    settings = settings.checked()
    bar = Bar(sys.stderr)
    result = run(settings, job_dir=args.out, progress=bar)
    bar.close()
    print(json.dumps(result) if args.json else render_degradation(result))
    return 0


def _run_identity(args) -> int:
    from cvlab.experiments.identity import weight_decay_run

    bar = Bar(sys.stderr)
    result = weight_decay_run(args.epochs, args.weight_decay, seed=args.seed,
                              job_dir=args.out, progress=bar)
    bar.close()
    print(json.dumps(result) if args.json else render_identity(result))
    return 0


def render_degradation(result: dict) -> str:
    from cvlab.experiments.degradation import verdict

    lines = [f"dataset      {result['dataset']}: {result['train_images']} training, "
             f"{result['val_images']} validation images",
             f"{'family':<9}{'depth':>6}{'params':>10}{'train error':>13}{'val error':>11}"]
    for r in result["runs"]:
        train = r["train_error"][-1] if r["train_error"] else float("nan")
        val = r["val_error"][-1] if r["val_error"] else float("nan")
        lines.append(f"{r['family']:<9}{r['depth']:>6}{r['params']:>10,}{train:>13.3f}"
                     f"{val:>11.3f}")
    lines += [f"  {line}" for line in verdict(result)["lines"]]
    m = result["machine"]
    lines.append(f"took         {result['seconds']:.0f} s ({result['cpu_seconds']:.0f} s of CPU) "
                 f"on {m['device']}, {m['cores']} cores, load average {m['load_average']}")
    if result["stopped"]:
        lines.append("stopped early: the runs above are partial")
    return "\n".join(lines)


def render_identity(result: dict) -> str:
    lines = []
    for case in ("course", "batch_norm"):
        c = result["identity"][case]
        lines.append(f"{case:<11} zeroed {', '.join(c['zeroed'])}: max |out − in| "
                     f"{c['max_abs_diff_before']:.4g} → {c['max_abs_diff_after']:.4g} "
                     f"({'exactly equal' if c['exact'] else 'NOT equal'})")
    for r in result["runs"]:
        lines.append(f"weight decay {r['weight_decay']:<6g} ‖W[l+2]‖ {r['kernel_norm'][0]:.3f} → "
                     f"{r['kernel_norm'][-1]:.3f}, distance from identity "
                     f"{r['distance_from_identity'][0]:.3f} → "
                     f"{r['distance_from_identity'][-1]:.3f}")
    return "\n".join(lines)


class Bar:
    """A one-line progress bar on a terminal; a line per change of text head elsewhere."""

    def __init__(self, stream):
        self.stream = stream
        self.live = stream.isatty()
        self.open = False
        self.last = ""

    def __call__(self, fraction: float, text: str) -> None:
        filled = round(fraction * BAR_WIDTH)
        line = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {text}"
        if self.live:
            print(f"\r\x1b[K{line}", end="", file=self.stream, flush=True)
            self.open = True
        elif text.split(":")[0] != self.last or "error" in text:
            print(line, file=self.stream, flush=True)
        self.last = text.split(":")[0]

    def close(self) -> None:
        if self.open:
            print(file=self.stream)
            self.open = False
