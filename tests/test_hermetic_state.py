"""Issue 26 item 13: every test runs with its own HOME, CVLAB_CACHE_DIR and CVLAB_DATA_DIR
(tests/conftest.py), so state a machine keeps outside the data folder reaches no test."""

import json
import os
import subprocess
import sys
from pathlib import Path

from cvlab import latency
from cvlab.data.roots import app_data_dir
from cvlab.data.samples import ensure_sample

ROOT = Path(__file__).resolve().parents[1]
ROW = {"key": "mobilenet_v2@224", "title": "MobileNetV2", "family": "MobileNet", "batch": 1,
       "ms_per_image": 3.0, "macs": 300_000_000, "params": 3_500_000,
       "input_shape": [224, 224, 3], "device": "cpu", "measured": "2026-01-01T00:00:00"}
seen: dict[str, str] = {}


def _dirty_home(tmp_path) -> dict:
    """An environment whose HOME holds a latency measurement where the app stores it
    without CVLAB_CACHE_DIR (~/.cache/cvlab/latency/<machine>.json), as after one
    Compare Models measurement on a developer's machine."""
    env = {k: v for k, v in os.environ.items() if k not in ("CVLAB_CACHE_DIR",
                                                           "CVLAB_DATA_DIR")}
    env["HOME"] = str(tmp_path / "home")
    store = Path(env["HOME"]) / ".cache" / "cvlab" / "latency" / \
        f"{latency.machine()['key']}.json"
    store.parent.mkdir(parents=True)
    store.write_text(json.dumps({"machine": latency.machine(), "rows": [ROW]}))
    return env


def test_a_measurement_in_home_does_not_reach_the_compare_tests(tmp_path):
    env = _dirty_home(tmp_path)
    planted = subprocess.run(  # the app itself, outside pytest, finds the measurement
        [sys.executable, "-c", "from cvlab import latency; print(len(latency.stored()))"],
        env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    assert planted.stdout.strip() == "1"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/test_page_explorer.py::test_compare_page_filters_families"],
        env=env, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:]


def test_state_written_by_one_test_part_1(tmp_path_factory):
    base = tmp_path_factory.getbasetemp()
    where = [Path.home(), Path(os.environ["CVLAB_CACHE_DIR"]), app_data_dir()]
    assert all(p.is_relative_to(base) for p in where), where  # else this would write there
    latency.save([ROW])
    ensure_sample("shapes")
    seen.update(home=str(Path.home()), cache=os.environ["CVLAB_CACHE_DIR"],
                data=str(app_data_dir()))
    assert latency.stored() == [ROW]


def test_state_written_by_one_test_part_2_is_not_seen_by_the_next():
    assert seen, "part 1 runs first (file order)"
    assert latency.stored() == []
    assert not (app_data_dir() / "samples").exists()
    now = {"home": str(Path.home()), "cache": os.environ["CVLAB_CACHE_DIR"],
           "data": str(app_data_dir())}
    assert all(now[k] != seen[k] for k in now)
    assert not any(Path(p).is_relative_to(ROOT) for p in now.values())  # not the repo's data/
