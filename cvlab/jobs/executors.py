"""Where jobs run: this machine's queue (``local``, the default) or a Ray cluster (``ray``).

The choice is made here and nowhere else (:func:`chosen`): with ``CVLAB_RAY_ADDRESS``
unset, jobs run on the local queue of :mod:`cvlab.jobs.queue`, embedded, with nothing to set
up. With it naming a Ray cluster's job address (``http://HEAD:8265``, the dashboard's
port), every new job is submitted to that cluster through Ray's Job Submission API
(``ray.job_submission.JobSubmissionClient``, from ``ray[default]``) as the same command the
local queue runs, ``python -m cvlab worker JOB_DIR``. The job record keeps its executor and
Ray's submission id (:mod:`cvlab.jobs.record`).

On Ray, cvlab keeps no scheduler of its own: a job is submitted as soon as it is queued,
asking for ``CVLAB_RAY_JOB_CPUS`` CPUs (default 1) and, for a kind that trains
(:attr:`cvlab.jobs.kinds.Kind.trains`) when the cluster has GPUs, one GPU; Ray decides
where and when it runs. Ray's states map onto the record's (:func:`status`)::

    PENDING                      queued (position: among the folder's pending jobs,
                                 in submission order)
    RUNNING                      running
    SUCCEEDED, FAILED, STOPPED   the job process's own end, when it wrote one (finished,
                                 stopped, failed); else interrupted if its process had
                                 started (it was killed), failed (Ray's message) if not

The data folder must be one file system that the app servers and every node share, at
the same path (:func:`check`). Nothing here imports Ray until a Ray job needs it.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shlex
import socket
import sys
import time
from pathlib import Path

from cvlab.errors import CvlabError
from cvlab.jobs.record import Job

ADDRESS = "CVLAB_RAY_ADDRESS"
JOB_CPUS = "CVLAB_RAY_JOB_CPUS"
SUBMISSION = "CVLAB_RAY_SUBMISSION"  # set in a Ray job's environment: its own submission id
GPU_CACHE_SECONDS = 60.0
CHECK_SECONDS = 180.0
_TERMINAL = ("SUCCEEDED", "FAILED", "STOPPED")
_clients: dict[str, object] = {}
_gpus: dict[str, tuple[float, float]] = {}
_checked: set[tuple[str, str]] = set()


def chosen() -> str:
    """The executor of a job submitted now: ``ray`` when ``CVLAB_RAY_ADDRESS`` is set."""
    return "ray" if address() else "local"


def address() -> str | None:
    """The Ray cluster's job address (``CVLAB_RAY_ADDRESS``), ``None`` when unset."""
    value = os.environ.get(ADDRESS, "").strip()
    return value or None


def job_cpus() -> float:
    raw = os.environ.get(JOB_CPUS, "1").strip()
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value < 0:
        raise CvlabError(f"Received: {JOB_CPUS}={raw!r}; allowed: a number of CPUs ≥ 0")
    return value


def submit(job: Job, command: list[str], env: dict[str, str], trains: bool) -> str:
    """Submit ``job``'s process (``command``, run with ``env`` added) to the cluster and
    return Ray's submission id. :class:`CvlabError` if the cluster cannot be reached."""
    submission = f"cvlab-{job.id}-{secrets.token_hex(4)}"
    gpus = 1 if trains and cluster_gpus() > 0 else None
    try:
        return _client().submit_job(
            entrypoint=shlex.join(command), submission_id=submission,
            runtime_env={"env_vars": {**env, SUBMISSION: submission}},
            entrypoint_num_cpus=job_cpus() or None, entrypoint_num_gpus=gpus,
            metadata={"cvlab_job": str(job.dir)})
    except (ConnectionError, RuntimeError) as exc:
        raise CvlabError(f"Received: a job for the Ray cluster at {address()} that could "
                         f"not be submitted ({exc}); allowed: a reachable cluster "
                         f"({ADDRESS})") from exc


def states() -> dict[str, object] | None:
    """Ray's details of every job on the cluster by submission id (one request), or
    ``None`` when the cluster cannot be reached (records then stay as they are)."""
    try:
        return {d.submission_id: d for d in _client().list_jobs() if d.submission_id}
    except Exception:  # noqa: BLE001 - an unreachable cluster must not break a page
        return None


def status(job: Job, details) -> tuple[str, str | None]:
    """The record's status for a Ray job ``details`` describes (``None``: Ray does not
    know it, say after the cluster restarted), and the reason when it failed in Ray."""
    state = getattr(getattr(details, "status", None), "value", None)
    if job.status not in ("queued", "running"):
        return job.status, job.reason  # the job process (or cvlab) recorded its end
    if state == "PENDING":
        return "queued", None
    if state == "RUNNING":
        return "running", None
    if state is None or job.pid is not None:
        return "interrupted", None  # its process was killed, or the cluster lost it
    if state == "STOPPED":
        return ("stopped" if job.stop_requested else "cancelled"), None
    return "failed", f"Ray: {getattr(details, 'message', '') or state}"


def stop(job: Job) -> None:
    """Ask Ray to stop ``job``'s submission (a pending job never starts); best effort."""
    if job.ray_id:
        with contextlib.suppress(Exception):  # it may have ended already
            _client().stop_job(job.ray_id)


def ray_log(job: Job) -> str:
    """Ray's log of ``job``'s submission ('' when there is none or no cluster)."""
    try:
        return _client().get_job_logs(job.ray_id) if address() and job.ray_id else ""
    except Exception:  # noqa: BLE001 - only a log tail
        return ""


def cluster_gpus() -> float:
    """GPUs in the cluster (all alive nodes), asked at most once a minute."""
    key = address() or ""
    now = time.monotonic()
    if key in _gpus and now - _gpus[key][0] < GPU_CACHE_SECONDS:
        return _gpus[key][1]
    gpus = sum(node["gpus"] for node in nodes())
    _gpus[key] = (now, gpus)
    return gpus


def nodes() -> list[dict]:
    """The cluster's alive nodes: ``{"id", "ip", "head", "cpus", "gpus"}`` each."""
    from ray.util.state import list_nodes

    try:
        listed = list_nodes(address=address(), detail=True, raise_on_missing_output=False)
    except Exception as exc:  # noqa: BLE001 - ray raises several kinds here
        raise CvlabError(f"Received: {ADDRESS}={address()!r}, where no Ray cluster "
                         f"answers ({exc}); allowed: a Ray cluster's job address, such "
                         "as http://HEAD:8265") from exc
    return [{"id": n.node_id, "ip": n.node_ip, "head": bool(n.is_head_node),
             "cpus": float(n.resources_total.get("CPU", 0)),
             "gpus": float(n.resources_total.get("GPU", 0))}
            for n in listed if str(getattr(n.state, "value", n.state)) == "ALIVE"]


def ensure_shared(root: Path, env: dict[str, str]) -> None:
    """Run :func:`check` once per process for ``root`` and this cluster, before the first
    job goes to it; :class:`CvlabError` with what to do when the folder is not shared."""
    key = (address() or "", str(root))
    if key not in _checked:
        check(root, env)
        _checked.add(key)


def check(root: Path, env: dict[str, str]) -> dict:
    """The shared-folder check: write a file in ``root``, then have one Ray task on every
    alive node read it (a small Ray job, ``python -m cvlab cluster probe``). Returns
    ``{"address", "folder", "nodes": [{"ip", "host", "cpus", "gpus", "shared"}]}``;
    :class:`CvlabError` naming the nodes that do not see the file."""
    root.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(8)
    probe = root / f".cluster-check-{token}"
    probe.write_text(token)
    try:
        submission = _client().submit_job(
            entrypoint=shlex.join([sys.executable, "-m", "cvlab", "cluster", "probe",
                                   str(probe), token]),
            submission_id=f"cvlab-check-{token}", runtime_env={"env_vars": env})
        details = _wait(submission, CHECK_SECONDS)
        log = _client().get_job_logs(submission)
    finally:
        probe.unlink(missing_ok=True)
    found = [line for line in log.splitlines() if line.startswith("[{")]
    if details.status.value != "SUCCEEDED" or not found:
        raise CvlabError(f"Received: a Ray cluster at {address()} whose check job "
                         f"{submission} ended {details.status.value}; allowed: a cluster "
                         f"whose nodes run {sys.executable} with cvlab at "
                         f"{env.get('PYTHONPATH')}. Its log:\n" + "\n".join(log.splitlines()[-8:]))
    report = {"address": address(), "folder": str(root), "nodes": json.loads(found[-1])}
    unshared = [n for n in report["nodes"] if not n["shared"]]
    if unshared:
        raise CvlabError(f"Received: a data folder {root} that node(s) "
                         + ", ".join(f"{n['host']} ({n['ip']})" for n in unshared)
                         + " of the Ray cluster cannot read; allowed: one file system "
                         "shared by the app server and every node, mounted at the same "
                         "path (NFS, say; README, 'Serving a class')")
    return report


def probe(path: str, token: str) -> list[dict]:
    """Inside the cluster (the check job's process): one task per alive node, pinned to
    it, reads ``path``; each node's address, host name, CPUs, GPUs and whether it read
    ``token`` there."""
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    ray.init(address="auto", log_to_driver=False)

    @ray.remote(num_cpus=0)
    def read(file: str) -> tuple[str, bool]:
        try:
            return socket.gethostname(), Path(file).read_text() == token
        except OSError:
            return socket.gethostname(), False

    alive = [n for n in ray.nodes() if n["Alive"]]
    answers = ray.get([read.options(scheduling_strategy=NodeAffinitySchedulingStrategy(
        n["NodeID"], soft=False)).remote(path) for n in alive])
    return [{"ip": n["NodeManagerAddress"], "host": host, "shared": shared,
             "cpus": n["Resources"].get("CPU", 0), "gpus": n["Resources"].get("GPU", 0)}
            for n, (host, shared) in zip(alive, answers, strict=True)]


def _wait(submission: str, limit: float):
    deadline = time.monotonic() + limit
    while True:
        details = _client().get_job_info(submission)
        if details.status.value in _TERMINAL:
            return details
        if time.monotonic() > deadline:
            _client().stop_job(submission)
            raise CvlabError(f"Received: a Ray cluster at {address()} that did not run the "
                             f"check job {submission} within {limit:.0f} s; allowed: a "
                             "cluster with a free CPU")
        time.sleep(0.5)


def _client():
    """One JobSubmissionClient per address, per process."""
    key = address()
    if key is None:
        raise CvlabError(f"Received: a Ray job without {ADDRESS}; allowed: {ADDRESS} set "
                         "to a Ray cluster's job address")
    if key not in _clients:
        from ray.job_submission import JobSubmissionClient

        try:
            _clients[key] = JobSubmissionClient(key)
        except (ConnectionError, ValueError, RuntimeError) as exc:
            raise CvlabError(f"Received: {ADDRESS}={key!r}, where no Ray cluster answers "
                             f"({exc}); allowed: a Ray cluster's job address, such as "
                             "http://HEAD:8265") from exc
    return _clients[key]
