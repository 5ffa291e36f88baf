"""With Streamlit's post-run full GC off (.streamlit/config.toml), memory stays bounded
over many reruns of every page in one process."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib

from tests.conftest import ROOT

RERUNS = 25  # per page: 12 pages, 300 reruns, about two minutes on the 2-core machine
GROWTH_MIB = 80  # a leak of 0.3 MiB per rerun would show; caches fill during the warm-up


def test_the_config_turns_the_post_run_gc_off():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False


def test_memory_stays_bounded_over_many_reruns_of_every_page(data_dir):
    out = subprocess.run([sys.executable, str(ROOT / "tests" / "server_memory_probe.py"),
                          str(RERUNS)], capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["failed"] == []
    assert report["after"] - report["warm"] < GROWTH_MIB, report
