"""A class on one server: K sessions through Streamlit's agent API, each opening the pages
in turn and moving one control on each page that has one.

Starts ``streamlit run app.py`` with ``--server.enableAgentApi=true`` on a free port and a
fresh data folder, then prints per page the median, p95 and max answer time, and the
server process's own CPU seconds per rerun (from /proc, so the inference worker's work is
not counted) and its resident memory. Usage::

    python bench/bench_class.py [SESSIONS] [--pages home,inception_lab,...] [--app ROOT]

``--app`` serves another checkout (to compare before and after a change in one run).
Not measured yet: the same while a training job runs (issue 20's second pass).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TICKS = os.sysconf("SC_CLK_TCK")
CHOICE_TYPES = {"selectbox", "select_slider", "radio"}
RANGE_TYPES = {"slider", "number_input"}


def cpu_seconds(pid: int) -> float:
    """The process's own user + system CPU time (children not included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Server:
    """``streamlit run app.py`` of ``app`` with the agent API, on a free port."""

    def __init__(self, app: Path, data: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        env = {**os.environ, "CVLAB_DATA_DIR": str(data), "CVLAB_DATA_ROOTS": str(data),
               "CVLAB_STANDBY": "0"}
        self.log = open(data / "server.log", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port",
             str(self.port), "--server.address", "127.0.0.1", "--server.headless", "true",
             "--server.enableAgentApi", "true", "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false"],
            cwd=app, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2)
                return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"the server did not start; see {data / 'server.log'}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def interact(self, body: dict) -> dict:
        request = urllib.request.Request(f"{self.url}/_stcore/agent/interact",
                                         data=json.dumps(body).encode(), method="POST",
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=600) as answer:
            return json.load(answer)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)
        self.log.close()


def _nodes(tree):
    if isinstance(tree, dict):
        yield tree
        for value in tree.values():
            yield from _nodes(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _nodes(value)


def one_move(snapshot: dict) -> dict | None:
    """``{key: value}`` that moves the page's first slider, number or choice to another
    legal value, or ``None`` when the page has no such control."""
    keys = {a["key"]: a["type"] for a in snapshot["actions"] if a.get("kind") == "value"}
    for node in _nodes(snapshot["tree"]):
        kind, props = keys.get(node.get("key")), node.get("props", {})
        if kind in RANGE_TYPES and "min_value" in props and "max_value" in props:
            low, high = props["min_value"], props["max_value"]
            return {node["key"]: low if node.get("value") != low else high}
        if kind in CHOICE_TYPES and len(props.get("options") or []) > 1:
            options = props["options"]
            return {node["key"]: options[1] if node.get("value") == options[0] else options[0]}
    return None


def session(server: Server, pages: list[str], times: dict, lock: threading.Lock) -> None:
    sid = server.interact({})["session_id"]
    for page in pages:
        start = time.perf_counter()
        snapshot = server.interact({"session_id": sid, "page": page})
        opened = time.perf_counter() - start
        move = one_move(snapshot)
        moved = None
        if move:
            start = time.perf_counter()
            server.interact({"session_id": sid, "widget_state": move})
            moved = time.perf_counter() - start
        with lock:
            times.setdefault(page or "home", []).append(opened)
            if moved is not None:
                times.setdefault(f"{page or 'home'} (control)", []).append(moved)


def measure(sessions: int, pages: list[str], app: Path = ROOT) -> dict:
    """Answer times per page, and the server's CPU seconds per rerun and memory."""
    with tempfile.TemporaryDirectory(prefix="cvlab-bench-class-") as folder:
        server = Server(app, Path(folder))
        try:
            session(server, pages, {}, threading.Lock())  # warm: a first open of each page
            cpu, times, lock = cpu_seconds(server.process.pid), {}, threading.Lock()
            threads = [threading.Thread(target=session, args=(server, pages, times, lock))
                       for _ in range(sessions)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            reruns = sessions + sum(len(v) for v in times.values())  # + each session's start
            return {"times": times, "reruns": reruns,
                    "cpu_per_rerun": (cpu_seconds(server.process.pid) - cpu) / reruns,
                    "rss_mib": rss_mib(server.process.pid)}
        finally:
            server.stop()


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sessions", type=int, nargs="?", default=10)
    parser.add_argument("--pages", default="")
    parser.add_argument("--app", type=Path, default=ROOT)
    args = parser.parse_args()
    if args.pages:
        pages = ["" if p == "home" else p for p in args.pages.split(",")]
    else:
        sys.path.insert(0, str(ROOT))
        from ui.navigation import PAGES

        pages = [e.url_path for e in PAGES]
    result = measure(args.sessions, pages, args.app.resolve())
    print(f"{args.sessions} sessions on {args.app.resolve()}, warm server "
          "(every page opened once before)")
    print(f"{'page':<34}{'median':>9}{'p95':>9}{'max':>9}  (seconds per answer)")
    for page, values in result["times"].items():
        print(f"{page:<34}{statistics.median(values):>9.2f}{_p95(values):>9.2f}"
              f"{max(values):>9.2f}")
    print(f"server CPU per rerun: {result['cpu_per_rerun'] * 1000:.0f} ms over "
          f"{result['reruns']} reruns; server memory {result['rss_mib']:.0f} MiB")


if __name__ == "__main__":
    main()
