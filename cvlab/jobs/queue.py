"""One first-in, first-out queue of ``python -m cvlab …`` jobs per runs folder, on disk.

::

    job = submit(TrainConfig("data/faces", epochs=3).resolved())
    jobs()            # every job, newest first, statuses refreshed
    get(job.id).progress()
    stop(job.id); cancel(job.id); resume(job.id, epochs=3)

A job belongs to whoever submitted it (``owner``, an owner hash of :mod:`cvlab.jobs.owners`):
stop, cancel, resume and delete take an ``actor`` and refuse anyone but that owner and
:data:`~cvlab.jobs.owners.TEACHER`. The default actor is the teacher: the server's own
account, as the CLI and Python callers are; the app always passes the session's.

A job is submitted as a typed spec (:mod:`cvlab.jobs.kinds`), never as a command line: the
record holds the kind and the spec as data, and the job process derives the command from
it after checking it again. State lives only in files under ``root`` (default: the app's
runs folder): ``<root>/<id>/job.json`` per job (see :mod:`cvlab.jobs.record`) and
``<root>/.queue.lock``, a file locked with ``fcntl.flock`` around every change, so two
sessions (or two server processes) can never both take the last slot.

Nobody runs a scheduler. Each call here *dispatches* under the lock: a job whose process
has died is marked ``interrupted``, a queued record whose spec fails its check is marked
``damaged`` (and never runs), and queued jobs start, in order, while fewer than
:func:`max_jobs` run. A job process dispatches again when it ends (:mod:`cvlab.cli.worker`),
so the queue moves on with no server at all, and a server restart loses nothing. Each job
is a detached process (its own session, its own log): a warm standby that has already
imported TensorFlow when one is ready (:mod:`cvlab.jobs.standby`), else a new one.

With ``CVLAB_RAY_ADDRESS`` set, new jobs go to a Ray cluster instead
(:mod:`cvlab.jobs.executors`): each is submitted to Ray when it is queued, as the same
``python -m cvlab worker JOB_DIR`` command, and Ray's scheduler decides when it runs; a
dispatch then reads their states from Ray (one request) instead of starting anything. The
functions here, and so the pages and the CLI, are the same on both executors.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from cvlab import jobfolder
from cvlab.errors import CvlabError
from cvlab.folders import new_folder
from cvlab.jobs import executors, kinds, owners, standby
from cvlab.jobs import spec as codec
from cvlab.jobs.owners import TEACHER
from cvlab.jobs.record import ACTIVE, LOG, Job, alive, process_start, read_job, write_job

LOCK = ".queue.lock"
SEQUENCE = ".queue.seq"
QUEUE_GPUS = "CVLAB_QUEUE_GPUS"
STOP_GRACE = "CVLAB_RAY_STOP_GRACE"  # seconds before a Ray job's Stop falls back to Ray's
REPO_ROOT = Path(__file__).resolve().parents[2]
WORKER = [sys.executable, "-m", "cvlab", "worker"]
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")

__all__ = ["Job", "cancel", "default_root", "delete", "get", "jobs", "locked", "max_jobs",
           "resume", "stop", "submit", "warm_up"]


def default_root() -> Path:
    """The app's runs folder: ``<app data dir>/runs``."""
    from cvlab.data.roots import app_data_dir

    return app_data_dir() / "runs"


def max_jobs() -> int:
    """How many jobs may run at once: ``CVLAB_MAX_JOBS``, else one per GPU, else 1."""
    raw = os.environ.get("CVLAB_MAX_JOBS", "").strip()
    if raw:
        if not raw.isdigit() or int(raw) < 1:
            raise CvlabError(f"Received: CVLAB_MAX_JOBS={raw!r}; allowed: an integer ≥ 1")
        return int(raw)
    return max(1, len(_gpus()))


def submit(spec, root: Path | None = None, owner: str | None = None) -> Job:
    """Queue the job ``spec`` describes (a spec of :mod:`cvlab.jobs.kinds`) in a new job
    folder, and start it if a slot is free. The spec is checked first (its own checks and
    the data roots): :class:`CvlabError` before anything is queued. ``owner`` is the hash
    of who may control it (:func:`owners.owner_hash`); ``None``: the teacher only."""
    if owner is not None and not owners.is_hash(owner):
        raise CvlabError(f"Received: owner {owner!r}; allowed: an owner hash (64 hex digits)")
    kind = kinds.kind_of(spec)
    data = codec.encode(spec)
    kinds.checked(kind.name, data)
    root = _root(root)
    executor = executors.chosen()
    if executor == "ray":
        executors.ensure_shared(root, ray_env())
    with locked(root):
        folder = new_folder(root, kind.title(spec) or kind.name)
        job = Job(folder.name, kind.name, kind.title(spec), data, folder, seq=_next_seq(root),
                  created=time.time(), owner=owner, executor=executor)
        write_job(job)
        if executor == "ray":
            try:
                _submit_ray(job)
            except CvlabError:
                shutil.rmtree(folder)
                raise
        listed = _dispatch(root)
        _keep_warm(root)
    return _find(listed, job.id)


def warm_up(root: Path | None = None) -> int:
    """Make sure a warm job process is waiting (:mod:`cvlab.jobs.standby`), so the next
    job skips TensorFlow's import. Pages call it when they open. Returns how many started."""
    root = _root(root)
    if executors.chosen() == "ray":
        return 0  # Ray's nodes start their own processes
    with locked(root):
        return _keep_warm(root)


def jobs(root: Path | None = None) -> list[Job]:
    """Every job under ``root``, newest first, after a dispatch (statuses refreshed)."""
    root = _root(root)
    with locked(root):
        listed = _dispatch(root)
    return sorted(listed, key=lambda j: (-j.created, -j.seq))


def get(job_id: str, root: Path | None = None) -> Job:
    """One job, refreshed; :class:`CvlabError` naming the id if there is none."""
    return _find(jobs(root), _checked_id(job_id), root)


def stop(job_id: str, root: Path | None = None, actor: str = TEACHER) -> Job:
    """Ask a running job to stop at its next check (a queued one is cancelled)."""
    root = _root(root)
    with locked(root):
        job = _find(_dispatch(root), _checked_id(job_id), root)
        owners.check(job, actor, "stop")
        if job.status == "queued":
            return _cancel(root, job)
        _require(job, ("running",), "stop")
        job.stop_requested = time.time()
        write_job(job)
        jobfolder.request_stop(job.dir)
    return job


def cancel(job_id: str, root: Path | None = None, actor: str = TEACHER) -> Job:
    """Take a queued job out of the queue (it never starts; on Ray, its submission is
    stopped)."""
    root = _root(root)
    with locked(root):
        job = _find(_dispatch(root), _checked_id(job_id), root)
        owners.check(job, actor, "cancel")
        _require(job, ("queued",), "cancel (stop a running job instead)")
        return _cancel(root, job)


def resume(job_id: str, epochs: int | None = None, root: Path | None = None,
           actor: str = TEACHER) -> Job:
    """Queue a stopped, failed or interrupted job again, to continue where it was; a kind
    that cannot resume (:attr:`Kind.resumable`) is refused.

    ``epochs`` (training) adds that many epochs to those already finished; without it the
    run continues to its planned total, and a run that reached it is refused.
    """
    if epochs is not None and (not isinstance(epochs, int) or epochs < 1):
        raise CvlabError(f"Received: epochs={epochs!r}; allowed: an integer ≥ 1")
    root = _root(root)
    with locked(root):
        job = _find(_dispatch(root), _checked_id(job_id), root)
        owners.check(job, actor, "resume")
        _require(job, ("stopped", "failed", "interrupted", "finished", "cancelled"), "resume")
        kind = kinds.get(job.kind)
        if not kind.resumable:
            raise CvlabError(f"Received: resume for job {job.id} of kind {job.kind!r}; "
                             "allowed: " + ", ".join(k.name for k in kinds.KINDS.values()
                                                     if k.resumable))
        spec = kind.continued(kinds.checked(job.kind, job.spec), job.dir, epochs)
        jobfolder.clear_stop(job.dir)
        job.spec, job.title = codec.encode(spec), kind.title(spec)
        job.status, job.seq, job.resumes = "queued", _next_seq(root), job.resumes + 1
        job.pid = job.pid_start = job.started = job.finished = job.exit_code = None
        job.stop_requested = job.ray_id = job.host = job.reason = None
        job.executor = executors.chosen()
        write_job(job)
        if job.executor == "ray":
            _submit_ray(job)  # a new submission; the old one has ended
        listed = _dispatch(root)
        _keep_warm(root)
    return _find(listed, job.id)


def command(job: Job) -> list[str]:
    """The argv after ``python -m cvlab`` that runs ``job`` now: its spec checked again
    (:func:`kinds.checked`), then its kind's command, or its resume command once it has
    been resumed. :class:`CvlabError` if the record does not hold a valid spec."""
    kind = kinds.get(job.kind)
    spec = kinds.checked(job.kind, job.spec)
    if job.resumes and kind.resumable:
        return kind.resume(spec, job.dir)
    return kind.argv(spec, job.dir)


def delete(job_id: str, root: Path | None = None, actor: str = TEACHER) -> None:
    """Remove a job's folder (its run included); not while it is queued or running."""
    root = _root(root)
    with locked(root):
        job = _find(_dispatch(root), _checked_id(job_id), root)
        owners.check(job, actor, "delete")
        _require(job, ("finished", "stopped", "failed", "interrupted", "cancelled"),
                 "delete (stop it first)")
        shutil.rmtree(job.dir)


def finish(job_dir: Path, exit_code: int) -> None:
    """Record how the job in ``job_dir`` ended, then start whatever may run next.

    Called by the job process itself (:mod:`cvlab.cli.worker`) as it ends. A Ray job
    starts nothing: Ray runs what comes next.
    """
    root = job_dir.parent
    with locked(root):
        job = read_job(job_dir)
        if job is not None and job.status == "running" and job.pid == os.getpid():
            asked = job.stop_requested is not None or jobfolder.stop_requested(job_dir)
            stopped = asked and jobfolder.cut_short(job_dir) is not False
            job.status = "failed" if exit_code else ("stopped" if stopped else "finished")
            job.exit_code, job.finished = exit_code, time.time()
            write_job(job)
        if job is not None and job.executor == "ray":
            return
        if any(j.status == "queued" for j in _dispatch(root)):
            _keep_warm(root)


def begin(job_dir: Path) -> bool:
    """In a Ray job's process, before it runs (:mod:`cvlab.cli.worker`): record this
    process (pid, start tick, host) as the job's, running, and send its output to the
    job's log. ``False`` (run nothing) when the record no longer waits for this
    submission: cancelled, or resumed since as another submission."""
    with locked(job_dir.parent):
        job = read_job(job_dir)
        if (job is None or job.status not in ACTIVE or job.pid is not None
                or job.ray_id != os.environ.get(executors.SUBMISSION)):
            return False
        job.status, job.host = "running", socket.gethostname()
        job.pid, job.pid_start = os.getpid(), process_start(os.getpid())
        job.started = job.started or time.time()
        write_job(job)
    log = os.open(job_dir / LOG, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    for stream in (1, 2):
        os.dup2(log, stream)
    os.close(log)
    return True


# --- under the lock -------------------------------------------------------------------

def _dispatch(root: Path) -> list[Job]:
    """Mark dead running jobs interrupted and bad queued records damaged, then start queued
    jobs while slots are free; Ray's jobs take their states from Ray."""
    listed = [job for job in map(read_job, _folders(root)) if job is not None]
    _refresh_ray([job for job in listed if job.executor == "ray"])
    local = [job for job in listed if job.executor == "local"]
    for job in local:
        if job.status == "running" and not alive(job):
            job.status = "interrupted"
            write_job(job)
        elif job.status == "queued":
            try:
                kinds.checked(job.kind, job.spec)
            except CvlabError as exc:
                job.status, job.reason = "damaged", str(exc)
                write_job(job)
    queued = sorted((j for j in local if j.status == "queued"), key=lambda j: j.seq)
    busy = {j.slot for j in local if j.status == "running"}
    free = [slot for slot in range(max_jobs()) if slot not in busy]
    while queued and free:
        _launch(queued.pop(0), free.pop(0))
    for position, job in enumerate(queued, start=1):
        job.position = position
    return listed


def _submit_ray(job: Job) -> None:
    """Hand ``job`` to the Ray cluster, as the command the local queue would run."""
    job.ray_id = executors.submit(job, [*WORKER, str(job.dir)], ray_env(),
                                  kinds.get(job.kind).trains)
    write_job(job)


def _refresh_ray(listed: list[Job]) -> None:
    """Ray jobs' statuses from Ray's (one request, :func:`executors.status`); Ray's stop
    for a job that has not stopped by itself ``CVLAB_RAY_STOP_GRACE`` seconds (default 60)
    after a Stop; queue positions of the pending ones, in submission order."""
    active = [job for job in listed if job.active and job.ray_id]
    details = executors.states() if active and executors.address() else None
    if details is None:
        return
    grace = _stop_grace()
    for job in active:
        status, reason = executors.status(job, details.get(job.ray_id))
        if status != job.status:
            job.status, job.reason = status, reason
            if status not in ACTIVE:
                job.finished = job.finished or time.time()
            write_job(job)
        if job.status == "running" and job.stop_requested and (
                time.time() - job.stop_requested > grace):
            executors.stop(job)
    pending = sorted((j for j in active if j.status == "queued"), key=lambda j: j.seq)
    for position, job in enumerate(pending, start=1):
        job.position = position


def _launch(job: Job, slot: int) -> None:
    """Start the job: hand it to a warm standby if one is ready, else start its own
    process, detached (its own session, output to its own log), in this server's folder."""
    job.status, job.slot, job.started = "running", slot, time.time()
    job.pid = job.pid_start = None
    write_job(job)  # a crash right here leaves "running" without a pid: interrupted
    gpus = _gpus()
    device = {"CUDA_VISIBLE_DEVICES": gpus[slot % len(gpus)]} if gpus else {}
    if not standby.hand_over(job.dir.parent, job, str(REPO_ROOT), device):
        with open(job.dir / LOG, "ab") as log:
            process = subprocess.Popen(
                [*WORKER, str(job.dir)], cwd=REPO_ROOT,
                env={**_job_env(), **device}, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)
        # Reap it when it ends, so it never lingers as a zombie of this process.
        threading.Thread(target=process.wait, name=f"reap-{job.id}", daemon=True).start()
        job.pid, job.pid_start = process.pid, process_start(process.pid)
    write_job(job)


def _keep_warm(root: Path) -> int:
    return standby.keep_warm(root, _job_env(), str(REPO_ROOT))


def _job_env() -> dict[str, str]:
    """The environment of a job process, before its slot's GPU is chosen."""
    return {**os.environ, "PYTHONUNBUFFERED": "1", QUEUE_GPUS: ",".join(_gpus()),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT),
                                                        os.environ.get("PYTHONPATH")]))}


def _cancel(root: Path, job: Job) -> Job:
    job.status, job.finished, job.position = "cancelled", time.time(), None
    write_job(job)
    if job.executor == "ray":
        executors.stop(job)
    return job


def _stop_grace() -> float:
    raw = os.environ.get(STOP_GRACE, "60").strip()
    try:
        return max(0.0, float(raw))
    except ValueError:
        raise CvlabError(f"Received: {STOP_GRACE}={raw!r}; allowed: a number of "
                         "seconds") from None


def ray_env() -> dict[str, str]:
    """What a Ray job's process adds to its node's environment: this server's ``CVLAB_*``
    settings (data roots, caches; not the cluster's address, so the job itself never
    submits), ``KERAS_HOME``, and cvlab on ``PYTHONPATH``."""
    env = {k: v for k, v in os.environ.items()
           if (k.startswith("CVLAB_") or k == "KERAS_HOME") and k != executors.ADDRESS}
    return {**env, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO_ROOT)}


def _folders(root: Path) -> list[Path]:
    try:
        return [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    except FileNotFoundError:
        return []


def _next_seq(root: Path) -> int:
    path = root / SEQUENCE
    try:
        value = int(path.read_text()) + 1
    except (OSError, ValueError):
        value = 1
    path.write_text(str(value))
    return value


@contextlib.contextmanager
def locked(root: Path):
    """Hold the queue's lock on ``root`` (created if missing) for the ``with`` block."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- helpers --------------------------------------------------------------------------

def _root(root: Path | None) -> Path:
    return Path(root).expanduser().resolve() if root is not None else default_root()


def _checked_id(job_id: str) -> str:
    if not isinstance(job_id, str) or not _ID.match(job_id):
        raise CvlabError(f"Received: job id {job_id!r}; allowed: an id that "
                         "`python -m cvlab jobs` lists")
    return job_id


def _find(listed: list[Job], job_id: str, root: Path | None = None) -> Job:
    for job in listed:
        if job.id == job_id:
            return job
    where = f" under {_root(root)}" if root is not None else ""
    raise CvlabError(f"Received: job id {job_id!r}{where}; allowed: an id that "
                     "`python -m cvlab jobs` lists")


def _require(job: Job, statuses: tuple[str, ...], action: str) -> None:
    if job.status not in statuses:
        raise CvlabError(f"Received: {action} for job {job.id} that is {job.status}; "
                         f"allowed: a job that is {' or '.join(statuses)}")


def _gpus() -> list[str]:
    """GPU indices the jobs may use, without importing TensorFlow. Inside a job process,
    which sees only its own GPU, the queue's full list (``CVLAB_QUEUE_GPUS``)."""
    visible = os.environ.get(QUEUE_GPUS, os.environ.get("CUDA_VISIBLE_DEVICES"))
    if visible is not None:
        return [g.strip() for g in visible.split(",") if g.strip() and g.strip() != "-1"]
    try:
        count = len(list(Path("/proc/driver/nvidia/gpus").iterdir()))
    except OSError:
        count = 0
    return [str(index) for index in range(count)]

