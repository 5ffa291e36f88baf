"""The Streamlit server never imports TensorFlow (its model work runs in the inference
worker), and the worker gives every concurrent caller its own, right answer."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from cvlab import inference, zoo
from cvlab.errors import CvlabError
from cvlab.profile import profile
from tests.conftest import ROOT
from ui.inference import Worker


def test_no_page_imports_tensorflow_into_the_server(data_dir):
    """Every page and tab, the Keras check and Feature Maps' forward pass, in a fresh
    interpreter (other tests in this process may have imported TensorFlow)."""
    out = subprocess.run([sys.executable, str(ROOT / "tests" / "server_pages_probe.py")],
                         capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["failed"] == []
    assert report["shown"]["keras_check"] == ["Every count agrees with the analytic profile."]
    assert report["shown"]["feature_maps_images"] > 0  # the worker's pictures reached the page
    assert report["tensorflow"] is False


@pytest.fixture(scope="module")
def worker():
    return Worker()


NETWORKS = ["lenet5", "cifar_plain", "cifar_resnet", "mobilenet_v1", "mobilenet_v2",
            "googlenet", "efficientnet_b0", "resnet18"]


def test_eight_concurrent_keras_checks_all_get_their_own_right_counts(worker):
    with ThreadPoolExecutor(len(NETWORKS)) as pool:
        results = list(pool.map(lambda name: worker.call(inference.keras_check, name, ()),
                                NETWORKS))
    for name, result in zip(NETWORKS, results, strict=True):
        expected = profile(zoo.get(name)).total_params
        assert {row["total_params"] for row in result["rows"]} == {expected}, name
        assert result["match"], name


def test_a_bad_request_comes_back_as_its_own_error_and_the_worker_goes_on(worker):
    with pytest.raises(CvlabError, match="Received"):
        worker.call(inference.keras_check, "no_such_net", ())
    assert worker.call(inference.keras_check, "lenet5", ())["match"]


def test_a_worker_that_died_is_started_again(worker):
    worker._process.kill()
    worker._process.wait()
    assert worker.call(inference.keras_check, "lenet5", ())["match"]
