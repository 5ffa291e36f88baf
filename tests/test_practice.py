"""Practice: every exercise's reference passes, a second correct solution in another style
passes, and typical mistakes fail with the course's words for what is wrong; a runaway
(endless loop, huge allocation, fork loop, a sleep) is stopped by its limit.

Every check runs as it does for a learner: in a limited child forked from a process that
imported TensorFlow once. One such process serves the whole module (``verdicts``), so the
module pays for one TensorFlow import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from practice_cases import CASES, RUNAWAYS

from cvlab.practice import exercises

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
CHEAP = [e for e in exercises.names() if e != "ResNet50"]  # mistakes are tried on these
REFERENCE_PATHS: dict[str, list] = {}  # filled by the checker process (``verdicts``)
CHECKER = """
import json, sys
from cvlab.practice import sandbox
work = json.load(sys.stdin)
out = sandbox.run([tuple(c) for c in work["cases"]])
out += [sandbox.run([tuple(c)], sandbox.Limits(**limits))[0]
        for c, limits in work["runaways"]]
from cvlab.lazy_tf import keras
from cvlab.practice import exercises, graph
drawn = {}
for e in exercises.EXERCISES:
    if e.kind == "block":
        space = {}
        exec(e.solution, space)
        case = e.cases[0]
        output = space[e.name](keras().Input(case.input_shape), **case.args)
        drawn[e.name] = [[name, [s.label for s in path]]
                         for name, path in graph.paths(graph.steps(output)).items()]
print(json.dumps({"verdicts": out, "paths": drawn}))
"""


@pytest.fixture(scope="module")
def verdicts():
    """Each case's verdict, keyed by (exercise, label): one checker process for all."""
    cases = [(e, exercises.get(e).solution) for e in exercises.names()]
    cases += [(name, source) for name, _, source, _ in CASES]
    runaways = [(("identity_block", source), limits) for _, source, limits, _ in RUNAWAYS]
    work = {"cases": cases, "runaways": runaways}
    done = subprocess.run([sys.executable, "-c", CHECKER], input=json.dumps(work), cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout)
    REFERENCE_PATHS.update(found["paths"])
    found = found["verdicts"]
    labels = [(e, "reference") for e in exercises.names()]
    labels += [(n, label) for n, label, _, _ in CASES]
    labels += [("runaway", label) for label, _, _, _ in RUNAWAYS]
    assert len(found) == len(labels)
    return dict(zip(labels, found, strict=True))


@pytest.mark.parametrize("name", [e.name for e in exercises.EXERCISES if e.kind == "block"])
def test_the_page_draws_the_reference_as_it_computes(verdicts, name):
    drawn = [[path, list(labels)] for path, labels in exercises.get(name).diagram]
    assert drawn == REFERENCE_PATHS[name]


def _failures(verdict: dict) -> list[str]:
    return [c["message"] for c in verdict["checks"] if not c["passed"]]


@pytest.mark.parametrize("name", exercises.names())
def test_the_reference_passes_and_its_layers_are_listed(verdicts, name):
    verdict = verdicts[(name, "reference")]
    assert verdict["passed"], _failures(verdict)
    assert {c["name"] for c in verdict["checks"]} >= {"runs", "output shape", "parameters",
                                                      "structure", "numbers"}
    assert verdict["layers"] and all({"name", "class", "output_shape", "params"} <= set(row)
                                     for row in verdict["layers"])
    # Profiled like any network: parameters exactly Keras', with MACs.
    profile = verdict["profile"]
    assert profile["total_params"] == profile["keras_params"] == sum(
        row["params"] for row in verdict["layers"])
    assert profile["macs"] > 0 or name == "data_augmenter"


@pytest.mark.parametrize(("name", "label", "expected"),
                         [(n, label, e) for n, label, _, e in CASES],
                         ids=[f"{n}-{label}" for n, label, _, _ in CASES])
def test_a_solution_gets_the_right_verdict(verdicts, name, label, expected):
    verdict = verdicts[(name, label)]
    if expected is None:
        assert verdict["passed"], _failures(verdict)
    else:
        assert not verdict["passed"]
        assert any(expected in message for message in _failures(verdict)), _failures(verdict)


def test_the_course_resnet50_has_its_parameter_count(verdicts):
    (params,) = [c for c in verdicts[("ResNet50", "reference")]["checks"]
                 if c["name"] == "parameters"]
    assert params["message"].startswith("23,600,006 parameters")


def test_every_exercise_has_a_second_style_and_three_mistakes():
    for name in CHEAP:
        labels = [e for n, _, _, e in CASES if n == name]
        assert labels.count(None) >= 1 and len(labels) - labels.count(None) >= 3, name


@pytest.mark.parametrize(("label", "expected"), [(label, e) for label, _, _, e in RUNAWAYS])
def test_a_runaway_is_stopped_by_its_limit(verdicts, label, expected):
    verdict = verdicts[("runaway", label)]
    assert not verdict["passed"]
    assert any(expected in message for message in _failures(verdict)), _failures(verdict)


def test_the_checked_code_sees_an_empty_folder_and_no_secrets(tmp_path):
    """The child's environment and folder, as the learner's code sees them."""
    source = ("import os\n\n\ndef skip_block(X, filters):\n    raise ValueError(repr("
              "(sorted(os.environ), os.listdir('.'), os.environ['HOME'] == os.getcwd())))\n")
    script = tmp_path / "peek.py"
    script.write_text(source)
    done = subprocess.run([sys.executable, "-m", "cvlab", "exercise", "check", "skip_block",
                           str(script), "--json"], cwd=ROOT, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "CVLAB_DATA_ROOTS": str(tmp_path),
                               "AWS_SECRET_ACCESS_KEY": "hunter2"}, timeout=300)
    assert done.returncode == 1, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert set(result) == {"exercise", "passed", "checks"} and not result["passed"]
    message = result["checks"][0]["message"]
    assert "hunter2" not in message and "AWS_SECRET_ACCESS_KEY" not in message
    assert "CVLAB_DATA_ROOTS" not in message and "[], True" in message


def _cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cvlab", "exercise", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, **kw)


def test_the_command_line_lists_prints_and_refuses_in_one_line(tmp_path):
    listed = json.loads(_cli("list", "--json").stdout)["exercises"]
    assert [row["name"] for row in listed] == exercises.names()
    assert _cli("solution", "identity_block").stdout == exercises.get("identity_block").solution
    for args in (("check", "no_such_block", "x.py"), ("check", "identity_block",
                                                         str(ROOT / "missing.py"))):
        done = _cli(*args)
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
