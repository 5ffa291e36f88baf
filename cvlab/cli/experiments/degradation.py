"""`python -m cvlab experiment degradation`: plain against residual nets as depth grows
(He et al. 2015), trained for the same budget; also the gradient norm per layer at
initialisation. A progress bar goes to stderr; with ``--out DIR`` progress, a ``STOP`` file
and ``result.json`` go through that folder (the job protocol)."""

from __future__ import annotations

import json
import sys

from cvlab.cli.experiments import add_common
from cvlab.errors import CvlabError
from cvlab.progress_bar import Bar


def register(sub) -> None:
    _degradation_parser(sub)


def _degradation_parser(sub) -> None:
    from cvlab.experiments.degradation import OPTIMIZERS, SCHEDULES, Settings

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
    p.add_argument("--schedule", default=d.schedule,
                   help=f"{' | '.join(SCHEDULES)} (default {d.schedule}; step divides the rate by "
                   "10 after half the steps and again after three quarters, as He et al. did)")
    p.add_argument("--families", default="plain,residual", help="plain,residual (default both)")
    add_common(p)
    p.set_defaults(func=_run_degradation, spec=spec_from_args)


def _depths(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise CvlabError(f"Received: --depths {text}; allowed: comma-separated integers "
                         "6n + 2, e.g. 8,20,56.") from None


def spec_from_args(args):
    """The experiment's checked :class:`Settings` (the spec of a ``degradation`` job)."""
    from cvlab.experiments.degradation import Settings

    return Settings(_depths(args.depths), args.epochs, args.seed, args.per_class,
                    args.val_per_class, args.image_size, args.batch_size, args.learning_rate,
                    args.optimizer,
                    tuple(f.strip() for f in args.families.split(",") if f.strip()),
                    args.schedule).checked()


def _run_degradation(args) -> int:
    from cvlab.experiments.degradation import run

    settings = spec_from_args(args)
    bar = Bar(sys.stderr)
    result = run(settings, job_dir=args.out, progress=bar)
    bar.close()
    print(json.dumps(result) if args.json else render_degradation(result))
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
