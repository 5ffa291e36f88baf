"""`python -m cvlab worker JOB_DIR`: the job process the queue starts (not for people).
`python -m cvlab worker --standby ROOT`: a warm one that waits for the queue to hand it a
job (:mod:`cvlab.jobs.standby`), then runs it the same way.

It derives the job's command from its record's spec (:func:`cvlab.jobs.queue.command`,
which checks the spec again first), runs ``python -m cvlab <argv>`` in this same process
(one interpreter per job), records the exit status in the job folder and lets the queue
start the next job. A process killed outright records nothing; the next look at the
queue finds its pid gone (on Ray: Ray's job failed) and marks the job ``interrupted``.
On a Ray cluster the same command is Ray's job; it first records itself in the job's
record (:func:`cvlab.jobs.queue.begin`).
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

from cvlab.errors import CvlabError
from cvlab.jobs import queue, standby
from cvlab.jobs.record import read_job


def register(sub) -> None:
    parser = sub.add_parser("worker", help=argparse.SUPPRESS,
                            description="Run a queued job (started by the job queue).")
    parser.add_argument("job_dir", metavar="JOB_DIR", nargs="?")
    parser.add_argument("--standby", metavar="ROOT",
                        help="wait, warm, for the queue of ROOT to hand over a job")
    parser.set_defaults(func=lambda args: standby_main(args.standby) if args.standby
                        else main(args.job_dir))


def main(job_dir: str | None) -> int:
    folder = Path(job_dir or "").resolve()
    job = read_job(folder) if job_dir else None
    if job is None:
        print(f"error: no job record in {folder}", file=sys.stderr)
        return 2
    if job.executor == "ray" and not queue.begin(folder):
        print(f"not run: the job in {folder} no longer waits for this submission",
              file=sys.stderr)
        return 0
    try:
        argv = queue.command(job)
    except CvlabError as exc:
        print(f"error: not run: {exc}", file=sys.stderr, flush=True)
        queue.finish(folder, 2)
        return 2
    print(f"[{_now()}] python -m cvlab {' '.join(argv)}", file=sys.stderr, flush=True)
    try:
        from cvlab.cli import main as cli_main

        code = cli_main(argv)
    except SystemExit as exc:  # argparse rejects an argument
        code = exc.code if isinstance(exc.code, int) else 2
    except BaseException:
        traceback.print_exc()
        code = 1
    print(f"[{_now()}] exit {code}", file=sys.stderr, flush=True)
    queue.finish(folder, code)
    return code


def standby_main(root: str) -> int:
    handed = standby.serve(Path(root).resolve(), queue.locked)
    return 0 if handed is None else main(handed["job_dir"])


def _now() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S")
