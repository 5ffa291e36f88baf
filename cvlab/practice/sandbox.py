"""The limited process a learner's code runs in: never the server, never the job itself.

:func:`run` imports TensorFlow here (a warm standby job process has already done so), then
forks one child per check. The fork copies the warm interpreter, so a check starts in
milliseconds instead of seconds; no TensorFlow op has run in the parent, so no thread pool
is half-way through anything when it forks. The child, before it runs a line of the
learner's code:

* starts its own session (process group), so the parent can end it and anything it
  forked at once;
* moves into an empty temporary folder, and replaces its environment with a minimal one
  (``PATH``, ``HOME`` = that folder, ``PYTHONPATH`` = this repository, TensorFlow's log
  level): no secrets, no data roots;
* sets its limits (:class:`Limits`): CPU seconds (``RLIMIT_CPU``); address space
  (``RLIMIT_AS``, set to what the warm interpreter already maps plus the allowance, since
  TensorFlow alone maps about 2 GB); file size (``RLIMIT_FSIZE``); processes
  (``RLIMIT_NPROC``: the user's tasks now plus the allowance); running as root, which
  ``RLIMIT_NPROC`` does not bind, it first becomes ``nobody``;
* writes its verdict as one JSON line to a pipe, its standard output going to standard
  error so that a learner's ``print`` never mixes with it.

The parent waits at most the wall-clock limit, then kills the child's process group, and
turns a child that died into a clear verdict: the limit it ran into.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import resource
import select
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
GB = 1024 ** 3


@dataclass(frozen=True)
class Limits:
    """What one check may use: CPU and wall-clock seconds, bytes of address space beyond
    the warm interpreter's, bytes per file written, processes beyond the user's own."""

    cpu_seconds: int = 60
    wall_seconds: float = 90.0
    memory_bytes: int = 4 * GB
    file_bytes: int = 256 * 1024 ** 2
    processes: int = 64


def run(cases: list[tuple[str, str]], limits: Limits = Limits(),
        keep: Path | None = None) -> list[dict]:
    """The verdict of each ``(exercise, source)`` pair, each checked in its own limited
    child. With ``keep``, a passing block is saved as ``keep/<exercise>.keras``."""
    from cvlab.lazy_tf import keras
    from cvlab.practice import check  # noqa: F401 - imported before the fork, for speed

    keras()
    return [_one(name, source, limits, keep) for name, source in cases]


def _one(name: str, source: str, limits: Limits, keep: Path | None) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="cvlab-practice-"))
    read, write = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read)
        _child(name, source, limits, folder, write)
    os.close(write)
    try:
        text, timed_out = _read(read, started + limits.wall_seconds)
        if timed_out:
            _kill(pid)
        _, status = os.waitpid(pid, 0)
        _kill(pid)  # whatever it left running in its group
        verdict = _parse(text)
        if verdict is None:
            verdict = _stopped(name, status, timed_out, limits)
        saved = folder / "block.keras"
        if keep is not None and verdict.get("passed") and saved.is_file():
            keep.mkdir(parents=True, exist_ok=True)
            shutil.move(saved, keep / f"{name}.keras")
        verdict["seconds"] = round(time.monotonic() - started, 3)
        return verdict
    finally:
        os.close(read)
        shutil.rmtree(folder, ignore_errors=True)


def _child(name: str, source: str, limits: Limits, folder: Path, write: int) -> None:
    code = 1
    try:
        os.setsid()
        os.dup2(2, 1)
        _confine(folder, limits)
        from cvlab.practice.check import check

        verdict = check(name, source, save_to=str(folder / "block.keras"))
        os.write(write, (json.dumps(verdict) + "\n").encode())
        code = 0
    except MemoryError:
        os.write(write, (json.dumps(_memory_verdict(name, limits)) + "\n").encode())
    except BaseException as exc:  # noqa: BLE001 - the child must end here, whatever happened
        message = f"the check stopped: {type(exc).__name__}: {exc}"[:400]
        os.write(write, (json.dumps(_verdict(name, message)) + "\n").encode())
    finally:
        os._exit(code)


def _confine(folder: Path, limits: Limits) -> None:
    if os.getuid() == 0:  # root is not bound by RLIMIT_NPROC: run as nobody
        nobody = pwd.getpwnam("nobody")
        os.chown(folder, nobody.pw_uid, nobody.pw_gid)
        os.setgroups([])
        os.setgid(nobody.pw_gid)
        os.setuid(nobody.pw_uid)
    os.chdir(folder)
    os.environ.clear()
    os.environ.update({"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(folder),
                       "PYTHONPATH": str(REPO_ROOT), "TF_CPP_MIN_LOG_LEVEL": "3",
                       "KERAS_BACKEND": "tensorflow", "KERAS_HOME": str(folder / ".keras")})
    mapped = _mapped_bytes()
    for limit, value in ((resource.RLIMIT_CPU, limits.cpu_seconds),
                         (resource.RLIMIT_AS, mapped + limits.memory_bytes),
                         (resource.RLIMIT_FSIZE, limits.file_bytes),
                         (resource.RLIMIT_NPROC, _tasks(os.getuid()) + limits.processes),
                         (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(limit, (value, value))


def _read(fd: int, deadline: float) -> tuple[str, bool]:
    """What the child wrote until it closed the pipe, and whether the deadline came
    first."""
    chunks = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return b"".join(chunks).decode(errors="replace"), True
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                return b"".join(chunks).decode(errors="replace"), False
            chunks.append(chunk)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _parse(text: str) -> dict | None:
    for line in text.splitlines():
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict) and "checks" in data:
            return data
    return None


def _stopped(name: str, status: int, timed_out: bool, limits: Limits) -> dict:
    """The verdict of a child that died before it said anything: which limit it hit."""
    if timed_out:
        return _verdict(name, f"your code ran longer than {limits.wall_seconds:g} s and was "
                        "stopped (an endless loop?)")
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    if sig in (signal.SIGXCPU, signal.SIGKILL):
        return _verdict(name, f"your code used more than {limits.cpu_seconds} s of CPU time "
                        "and was stopped (an endless loop?)")
    if sig == signal.SIGXFSZ:
        return _verdict(name, f"your code wrote a file larger than "
                        f"{limits.file_bytes // 1024 ** 2} MB and was stopped")
    if sig in (signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS):
        return _memory_verdict(name, limits, crashed=signal.Signals(sig).name)
    return _verdict(name, f"the check process ended without a verdict (status {status})")


def _memory_verdict(name: str, limits: Limits, crashed: str | None = None) -> dict:
    how = f" (it crashed with {crashed})" if crashed else ""
    return _verdict(name, f"your code asked for more memory than the check allows "
                    f"({limits.memory_bytes / GB:g} GB) and was stopped{how}")


def _verdict(name: str, message: str) -> dict:
    return {"exercise": name, "passed": False, "layers": [],
            "checks": [{"name": "runs", "passed": False, "message": message}]}


def _mapped_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _tasks(uid: int) -> int:
    """Threads of every process of ``uid``: what ``RLIMIT_NPROC`` counts."""
    count = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = dict(line.split(":", 1) for line in (entry / "status").read_text()
                          .splitlines() if ":" in line)
            if int(fields["Uid"].split()[0]) == uid:
                count += int(fields["Threads"])
        except (OSError, KeyError, ValueError):
            continue
    return count
