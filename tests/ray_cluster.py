"""A local Ray cluster on 127.0.0.1 for tests and benches: a head (and, if asked, worker
nodes) started with ``ray start --block`` in sessions of their own, with their own
temporary folder, and stopped by killing exactly those processes (never ``ray stop``, which
would stop every Ray cluster of the user on this machine)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RAY = str(Path(sys.executable).with_name("ray"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalCluster:
    """``LocalCluster(cpus=1, workers=[1, 1])``: a head with ``cpus`` CPUs and one worker
    node per entry of ``workers`` (its CPUs); :attr:`address` is the job address."""

    def __init__(self, cpus: float = 1, workers: tuple[float, ...] = (), env: dict | None = None):
        # A short folder: Ray's unix sockets live under it (a path of at most 107 bytes).
        self.temp = Path(tempfile.mkdtemp(prefix="cvray-", dir="/tmp"))
        self.port, dashboard = free_port(), free_port()
        self.address = f"http://127.0.0.1:{dashboard}"
        self.env = {**(env or os.environ), "RAY_USAGE_STATS_ENABLED": "0",
                    "RAY_enable_metrics_collection": "0"}
        self.processes: list[subprocess.Popen] = []
        self._start(["--head", "--port", str(self.port), "--dashboard-host", "127.0.0.1",
                     "--dashboard-port", str(dashboard), "--num-cpus", str(cpus),
                     "--include-dashboard", "true"], "head")
        try:
            self._wait_for_jobs_api()
            for index, worker_cpus in enumerate(workers):
                self._start(["--address", f"127.0.0.1:{self.port}",
                             "--num-cpus", str(worker_cpus)], f"worker{index}")
            self._wait_for_nodes(1 + len(workers))
        except BaseException:
            self.stop()
            raise

    def _start(self, args: list[str], name: str) -> None:
        log = open(self.temp / f"{name}.log", "wb")  # noqa: SIM115 - the process owns it
        self.processes.append(subprocess.Popen(
            [RAY, "start", "--block", "--node-ip-address", "127.0.0.1", "--temp-dir",
             str(self.temp), "--disable-usage-stats", *args],
            env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True))

    def _wait_for_jobs_api(self, limit: float = 120) -> None:
        from ray.job_submission import JobSubmissionClient

        deadline = time.monotonic() + limit
        while True:
            try:
                JobSubmissionClient(self.address).list_jobs()
                return
            except Exception:  # noqa: BLE001 - not up yet
                if time.monotonic() > deadline or self.processes[0].poll() is not None:
                    raise RuntimeError("the Ray head did not start: "
                                       + (self.temp / "head.log").read_text()[-2000:]) from None
                time.sleep(0.5)

    def _wait_for_nodes(self, count: int, limit: float = 120) -> None:
        from ray.util.state import list_nodes

        deadline = time.monotonic() + limit
        while True:
            try:
                alive = [n for n in list_nodes(address=self.address)
                         if str(getattr(n.state, "value", n.state)) == "ALIVE"]
            except Exception:  # noqa: BLE001 - the state API comes up after the jobs API
                alive = []
            if len(alive) >= count:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"fewer than {count} Ray nodes came up")
            time.sleep(0.5)

    def stop(self) -> list[int]:
        """Kill every process of this cluster (its ``ray start`` sessions, their children,
        and any process still holding its temporary folder); returns those still alive
        after that (none, normally)."""
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        for pid in self.leftovers():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while (left := self.leftovers()) and time.monotonic() < deadline:
            time.sleep(0.2)
        shutil.rmtree(self.temp, ignore_errors=True)
        return left

    def leftovers(self) -> list[int]:
        """Live processes whose command line or environment names this cluster's folder
        or GCS port (Ray's own processes, and job processes, which Ray starts in sessions
        of their own)."""
        # A job process's environment holds RAY_ADDRESS=<node ip>:<port>.
        marks = (str(self.temp).encode(), f":{self.port}\0".encode(),
                 f":{self.port} ".encode())
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                if (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] in "ZX":
                    continue
                text = (entry / "cmdline").read_bytes() + (entry / "environ").read_bytes()
            except OSError:
                continue
            if any(mark in text for mark in marks):
                found.append(int(entry.name))
        return found
