"""Try it's novelty rule: nearest-training-image distance in the head's feature space,
thresholded at the 95th percentile of the held-out images."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from evaluate_fakerun import build_run, write_shapes
from PIL import Image

from cvlab.evaluate.novelty import fit


def test_the_threshold_is_the_held_out_95th_percentile_and_a_stranger_is_flagged():
    rng = np.random.default_rng(0)
    centre = np.ones(16)
    train = centre + 0.1 * rng.standard_normal((200, 16))
    held = centre + 0.1 * rng.standard_normal((100, 16))
    rule = fit(train, held)
    assert rule.held_out == 100 and rule.held_out_flagged == pytest.approx(0.05, abs=0.011)
    stranger = -centre + 0.1 * rng.standard_normal((1, 16))
    assert rule.distances(stranger)[0] > 1.0 > rule.threshold
    assert "5% of the run's 100 held-out images" in rule.describe()


@pytest.mark.slow
def test_a_run_flags_a_photo_unlike_its_training_images(tmp_path):
    from cvlab import inference

    shapes = write_shapes(tmp_path / "shapes", per_class=12)
    run = build_run(tmp_path / "run", shapes, test_fraction=0.3)
    held_out = Path(json.loads((run / "split.json").read_text())["test"][0][0])
    stripes = np.zeros((48, 48, 3), np.uint8)
    stripes[:, ::4] = 255  # black and white stripes: no grey noise, no filled shape
    Image.fromarray(stripes).save(tmp_path / "stripes.png")
    files = (("stripes.png", (tmp_path / "stripes.png").read_bytes()),
             ("shape.png", held_out.read_bytes()))
    result = inference.novelty(str(run), files)
    stripes_distance, stripes_flagged = result["images"]["stripes.png"]
    shape_distance, _ = result["images"]["shape.png"]
    assert stripes_flagged and stripes_distance > result["threshold"] > shape_distance
    assert "held-out images are that far" in result["rule"]
