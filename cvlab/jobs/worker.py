"""``python -m cvlab.jobs.worker JOB_DIR``: the job process the queue starts.
``python -m cvlab.jobs.worker --standby ROOT``: a warm one that waits for the queue to
hand it a job (:mod:`cvlab.jobs.standby`), then runs it the same way.

It runs the job's ``python -m cvlab <argv>`` in this same process (one interpreter per
job), records the exit status in the job folder and lets the queue start the next job.
A process killed outright records nothing; the next look at the queue finds its pid
gone and marks the job ``interrupted``.
"""

from __future__ import annotations

import sys
import time
import traceback
from pathlib import Path

from cvlab.jobs import queue, standby
from cvlab.jobs.record import read_job


def main(job_dir: str) -> int:
    folder = Path(job_dir).resolve()
    job = read_job(folder)
    if job is None:
        print(f"error: no job record in {folder}", file=sys.stderr)
        return 2
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    print(f"[{stamp}] python -m cvlab {' '.join(job.argv)}", file=sys.stderr, flush=True)
    try:
        from cvlab.cli import main as cli_main

        code = cli_main(job.argv)
    except SystemExit as exc:  # argparse rejects an argument
        code = exc.code if isinstance(exc.code, int) else 2
    except BaseException:
        traceback.print_exc()
        code = 1
    print(f"[{time.strftime('%Y-%m-%d %H:%M:%S')}] exit {code}", file=sys.stderr, flush=True)
    queue.finish(folder, code)
    return code


def standby_main(root: str) -> int:
    handed = standby.serve(Path(root).resolve(), queue.locked)
    return 0 if handed is None else main(handed["job_dir"])


if __name__ == "__main__":
    sys.exit(standby_main(sys.argv[2]) if sys.argv[1] == "--standby" else main(sys.argv[1]))
