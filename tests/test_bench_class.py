"""A small class through the agent API (bench/bench_class.py): the server's own CPU seconds
per rerun stay low, measured from the server process's CPU time, not from wall-clock."""

from __future__ import annotations

import importlib.util

import pytest

from tests.conftest import ROOT

SESSIONS = 6
PAGES = ["", "architecture_explorer", "inception_lab", "mobilenet_lab"]
CPU_PER_RERUN = 0.3  # seconds; generous: 0.4-1.8 s before the worker and the GC change
pytestmark = pytest.mark.slow


def _bench():
    spec = importlib.util.spec_from_file_location("bench_class",
                                                  ROOT / "bench" / "bench_class.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_small_class_costs_the_server_little_cpu_per_rerun():
    result = _bench().measure(SESSIONS, PAGES)
    assert set(result["times"]) >= {"home", "architecture_explorer", "inception_lab (control)"}
    assert all(len(v) == SESSIONS for v in result["times"].values())  # every answer came
    assert result["cpu_per_rerun"] < CPU_PER_RERUN, result
