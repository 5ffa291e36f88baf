"""One module per ``python -m cvlab experiment NAME``, each with ``register``; and the
options the experiments share: --seed, --out (a job folder) and --json."""


def add_common(parser) -> None:
    parser.add_argument("--seed", type=int, default=0, help="data draw and weights (default 0)")
    parser.add_argument("--out", metavar="DIR",
                        help="job folder: progress.json, STOP and result.json go here")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
