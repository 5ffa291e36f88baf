"""Run as a script (by tests/test_server_memory.py): reruns every page ``RERUNS`` times in
one process with the config's ``runner.postScriptGC`` (off), and prints one JSON object
with the process's resident memory after a warm-up and after all the reruns, in MiB."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from streamlit import config
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ui.navigation import PAGES  # noqa: E402 - after the path is set

WARM_UP = 3


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def main(reruns: int) -> None:
    config.set_option("runner.postScriptGC", False)  # as .streamlit/config.toml sets it
    tests = [AppTest.from_file(str(ROOT / "pages" / e.file), default_timeout=300)
             for e in PAGES]
    for _ in range(WARM_UP):
        for at in tests:
            at.run()
    warm = rss_mib()
    for _ in range(reruns):
        for at in tests:
            at.run()
    failed = [e.file for e, at in zip(PAGES, tests, strict=True) if at.exception]
    print(json.dumps({"warm": warm, "after": rss_mib(), "reruns": reruns * len(tests),
                      "failed": failed}))


if __name__ == "__main__":
    main(int(sys.argv[1]))
