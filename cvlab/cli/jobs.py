"""`python -m cvlab jobs`: list the job queue; `jobs stop|cancel|resume ID` act on one job.

Jobs are the training runs and experiments the app (or ``cvlab.jobs.queue.submit``)
started as ``python -m cvlab …`` processes; their state is read from their folders under
the runs folder (``--root``, default the app's ``data/runs``), and, for jobs on a Ray
cluster (``CVLAB_RAY_ADDRESS``, :mod:`cvlab.jobs.executors`), from Ray. Each line names
the job's executor (``local`` or ``ray``) and Ray's submission id. Exit 2 on a bad id.
The CLI runs on the server's own account, so it acts as the teacher: on every job,
whoever owns it.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from cvlab.jobs import executors, queue
from cvlab.jobs.owners import TEACHER

ACTIONS = ("stop", "cancel", "resume")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "jobs", help="list queued, running and ended jobs; stop, cancel or resume one",
        description=__doc__.splitlines()[0].split(": ", 1)[1])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--root", metavar="DIR", help="runs folder (default: the app's)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    helps = {"stop": "ask a running job to stop after its current batch (keeps its best "
                     "epoch); a queued job is cancelled",
             "cancel": "take a queued job out of the queue",
             "resume": "queue a stopped, failed or interrupted job again, from its last "
                       "checkpoint"}
    for name in ACTIONS:
        action = actions.add_parser(name, help=helps[name], description=helps[name])
        action.add_argument("job_id", metavar="ID")
        action.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                            help="print one JSON object")
        if name == "resume":
            action.add_argument("--epochs", type=int, metavar="N",
                                help="train N epochs more than the run has recorded")
    parser.set_defaults(func=run)


def run(args) -> int:
    root = Path(args.root) if args.root else None
    if args.action is None:
        listed = queue.jobs(root)
        print(json.dumps({"root": str(root or queue.default_root()), "max_jobs":
                          queue.max_jobs(), "executor": executors.chosen(),
                          "ray_address": executors.address(), "jobs": [_json(j) for j in listed]})
              if args.json else render(listed))
        return 0
    if args.action == "resume":
        job = queue.resume(args.job_id, args.epochs, root, actor=TEACHER)
    else:
        job = getattr(queue, args.action)(args.job_id, root, actor=TEACHER)
    print(json.dumps(_json(job)) if args.json else f"{job.id}: {job.status}"
          + (f" (position {job.position} in the queue)" if job.position else "")
          + (" (stop requested; it stops after the current batch)"
             if args.action == "stop" and job.status == "running" else ""))
    return 0


def _json(job: queue.Job) -> dict:
    return {**job.to_json(), "progress": job.progress()}


def render(listed: list[queue.Job]) -> str:
    """One line per job: id, status (queue position), kind, executor and Ray id, progress
    text, start time."""
    if not listed:
        return "no jobs"
    rows = [("ID", "STATUS", "KIND", "EXECUTOR", "RAY ID", "PROGRESS", "STARTED")]
    for job in listed:
        status = job.status + (f" #{job.position}" if job.position else "")
        progress = (job.progress() or {}).get("text", "") if job.status != "queued" else ""
        started = time.strftime("%H:%M:%S", time.localtime(job.started)) if job.started else ""
        rows.append((job.id, status, job.kind, job.executor, job.ray_id or "", progress[:60],
                     started))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths,
                                                                       strict=True)).rstrip()
                     for row in rows)
