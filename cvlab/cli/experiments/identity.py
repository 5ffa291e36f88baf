"""`python -m cvlab experiment identity`: a residual block returns its input when its last
layer is zero, checked exactly; then a short run with and without L2 weight decay records
the block's last-layer weight norm. ``--out DIR`` makes the folder a job folder."""

from __future__ import annotations

import json
import sys

from cvlab.cli.experiments import add_common
from cvlab.experiments.identity import IdentitySpec
from cvlab.progress_bar import Bar


def register(sub) -> None:
    _identity_parser(sub)


def _identity_parser(sub) -> None:
    p = sub.add_parser(
        "identity", help="a residual block returns its input when its last layer is zero",
        description="Check the identity exactly on real activations, then train briefly with "
        "and without L2 weight decay and record the block's last-layer weight norm.")
    d = IdentitySpec()
    p.add_argument("--epochs", type=int, default=d.epochs, help=f"default {d.epochs}")
    p.add_argument("--weight-decay", type=float, default=d.weight_decay,
                   help=f"λ (default {d.weight_decay})")
    add_common(p)
    p.set_defaults(func=_run_identity, spec=spec_from_args)


def spec_from_args(args) -> IdentitySpec:
    """The spec of an ``identity`` job."""
    return IdentitySpec(args.epochs, args.weight_decay, args.seed)


def _run_identity(args) -> int:
    from cvlab.experiments.identity import weight_decay_run

    spec = spec_from_args(args)
    bar = Bar(sys.stderr)
    result = weight_decay_run(spec.epochs, spec.weight_decay, seed=spec.seed,
                              job_dir=args.out, progress=bar)
    bar.close()
    print(json.dumps(result) if args.json else render_identity(result))
    return 0


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
