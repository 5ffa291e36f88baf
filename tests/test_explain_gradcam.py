"""Grad-CAM on a real trained run: the heat lands on the evidence; the explain command."""

from __future__ import annotations

import json

import numpy as np
import pytest
from explain_data import write_evidence
from PIL import Image

from cvlab import cli
from cvlab.explain import RunLens

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def evidence_run(tmp_path_factory):
    """A frozen-MobileNetV2 run trained by the trainer on textured squares, and their boxes."""
    from cvlab.train import TrainConfig, train

    root = tmp_path_factory.mktemp("evidence")
    boxes = write_evidence(root / "data")
    train(TrainConfig(str(root / "data"), mode="frozen", epochs=30, image_size=224,
                      batch_size=16, learning_rate=1e-2, test_fraction=0.4),
          run_dir=root / "run")
    return root / "run", boxes


def test_heat_peaks_inside_the_evidence_box(evidence_run):
    run_dir, boxes = evidence_run
    lens = RunLens(run_dir)
    assert lens.layer == "mobilenet_v2/out_relu"
    test = lens.run.split["test"]
    assert len(test) >= 10
    images = np.stack([lens.load(path) for path, _ in test])
    explanations = lens.explain(images)
    inside = 0
    for (path, _), explanation in zip(test, explanations, strict=True):
        assert explanation.heatmap.shape == (224, 224)
        assert explanation.coarse.max() == 1.0 and 0.95 < explanation.heatmap.max() <= 1.0
        assert explanation.class_index == explanation.predicted  # default: the predicted one
        row, column = np.unravel_index(np.argmax(explanation.heatmap), (224, 224))
        left, top, right, bottom = boxes[path]
        inside += left <= column < right and top <= row < bottom
    assert inside / len(test) >= 0.8, f"{inside} of {len(test)} peaks inside the box"

    first = explanations[0]
    other = next(name for name in lens.class_names if name != first.class_name)
    (again,) = lens.explain(images[:1], [other.upper()])  # a chosen class, any case
    assert again.class_name == other and again.predicted == first.predicted
    assert again.probability < first.probability
    assert not np.array_equal(again.coarse, first.coarse)


def test_explain_command_json_for_a_run(evidence_run, tmp_path, capsys):
    run_dir, boxes = evidence_run
    image = next(path for path in boxes if path.parent.name == "red")
    out = tmp_path / "overlay.png"
    assert cli.main(["explain", str(run_dir), str(image), "--json", "--out", str(out)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"model", "layer", "class", "probability", "heatmap"}
    assert result["model"] == str(run_dir.resolve()) and result["class"] == "red"
    assert result["layer"] == "mobilenet_v2/out_relu" and 0.5 < result["probability"] <= 1
    heat = np.array(result["heatmap"])
    assert heat.shape == (224, 224) and heat.min() >= 0 and 0.95 < heat.max() <= 1.0
    assert Image.open(out).size == (224, 224)


@pytest.mark.parametrize(("argv", "message"), [
    (["explain"], "no model or no IMAGE"),
    (["explain", "imagenet"], "no model or no IMAGE"),
    (["explain", "imagenet", "skimage:chelsea", "--class", "tabby cat"],
     "Received: class 'tabby cat'; allowed: one of the 1000 class names"),
    (["explain", "imagenet", "skimage:dog"], "Received: skimage:dog; allowed: skimage:astronaut"),
    (["explain", "imagenet", "{tmp}/missing.png"], "Received: image"),
    (["explain", "imagenet", "skimage:chelsea", "--out", "{tmp}/heat.gif"], "--out"),
    (["explain", "imagenet", "skimage:chelsea", "--out", "{tmp}/no/heat.png"], "does not exist"),
    (["explain", "{tmp}", "skimage:chelsea"], "without config.json"),
    (["explain", "{run}", "skimage:chelsea", "--class", "purple"],
     "Received: class 'purple'; allowed: blue, green, red"),
])
def test_bad_arguments_exit_2_with_one_line(evidence_run, tmp_path, capsys, argv, message):
    names = {"tmp": tmp_path, "run": evidence_run[0]}
    assert cli.main([a.format(**names) for a in argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: ") and message in captured.err
    assert len(captured.err.strip().splitlines()) == 1


def test_unknown_option_is_one_line_too(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["explain", "imagenet", "skimage:chelsea", "--bogus"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: unrecognized arguments: --bogus")
    assert len(err.strip().splitlines()) == 1
