"""Start and stop the Streamlit server the browser tests talk to."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(port: int, env: dict, log: Path) -> subprocess.Popen:
    """``streamlit run app.py`` on 127.0.0.1:``port``, once its health check answers; an
    AssertionError with the server's log if it does not within a minute."""
    with open(log, "a") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health",
                                        timeout=2) as response:
                if response.read() == b"ok":
                    return server
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise AssertionError(f"streamlit did not start:\n{log.read_text()}") from None
            time.sleep(0.25)


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=20)
