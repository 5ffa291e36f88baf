"""Issue 26 item 10: `profile … | head` exits quietly, and the CLI prints the depth in weight
layers that the Model Zoo page shows."""

import json
import subprocess
import sys

import pytest

from cvlab import zoo
from cvlab.profile import profile

CVLAB = [sys.executable, "-m", "cvlab"]


def test_profile_into_head_exits_quietly():
    # `head -n 0` leaves at once, so the table is always written into a closed pipe.
    command = " ".join(CVLAB) + " profile vgg16 | head -n 0"
    result = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True,
                            text=True)
    assert (result.returncode, result.stderr) == (0, "")


def test_json_into_a_reader_that_left_exits_quietly():
    child = subprocess.Popen([*CVLAB, "profile", "resnet152", "--json"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    child.stdout.close()  # before the child has imported anything, so every write fails
    stderr = child.stderr.read()
    assert (child.wait(timeout=120), stderr) == (0, "")


@pytest.mark.parametrize(("name", "depth"), [("vgg16", 16), ("resnet152", 152),
                                             ("googlenet", 22), ("lenet5", 5)])
def test_profile_prints_the_pages_depth(name, depth):
    assert profile(zoo.get(name)).depth == depth  # what ui/widgets.py shows
    table = subprocess.run([*CVLAB, "profile", name], capture_output=True, text=True,
                           check=True).stdout
    assert f"Depth: {depth} weight layers" in table
    data = json.loads(subprocess.run([*CVLAB, "profile", name, "--json"], capture_output=True,
                                     text=True, check=True).stdout)
    assert data["weight_depth"] == depth
