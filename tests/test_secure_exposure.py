"""Exposure is a choice: the app listens on this machine only unless told to serve a class.

Promise 6 of issue 15.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _make_run(*args: str) -> str:
    """The command ``make run`` would run (make is one of the two things the README needs)."""
    out = subprocess.run(["make", "-n", "run", *args], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    (line,) = [line for line in out.splitlines() if "streamlit run" in line]
    return line


def test_make_run_listens_on_localhost_by_default():
    assert "--server.address 127.0.0.1" in _make_run()


def test_serving_a_class_is_an_explicit_host():
    line = _make_run("HOST=0.0.0.0", "PORT=9000")
    assert "--server.address 0.0.0.0" in line and "--server.port 9000" in line


def test_plain_streamlit_run_also_defaults_to_localhost():
    # Our own attack: `streamlit run app.py` without make must not listen everywhere either.
    code = ("from streamlit import config; config.get_config_options(force_reparse=True); "
            "print(config.get_option('server.address'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "127.0.0.1"


def test_readme_says_what_serving_exposes_and_how_to_add_a_login():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Serving a class", 1)[1].split("\n## ", 1)[0]
    assert "make run HOST=0.0.0.0" in section
    assert "no login" in section and "no authentication" in section
    assert "reverse proxy" in section.lower() and "st.login" in section
