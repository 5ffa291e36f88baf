"""The Augmentation Studio page runs, reacts to its widgets and keeps its settings."""

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

pytestmark = pytest.mark.slow

PAGE = str(Path(__file__).parents[1] / "pages" / "augmentation_studio.py")


def grid_captions(at):
    return [c for image in at.image for c in image.captions if c != "Original"]


def test_studio_draws_a_grid_and_follows_the_widgets():
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert len(grid_captions(at)) == 9
    assert "flip" in json.loads(at.session_state["augment_spec"])["steps"][0]["op"]

    at.sidebar.toggle(key="aug_rgb_shift_on").set_value(True).run()
    assert not at.exception
    captions = grid_captions(at)
    assert len(captions) == 9 and all("more" in c or "rgb_shift rgb" in c for c in captions)
    draws = at.json[0].value if at.json else None  # every value: the expander's list
    assert draws is None or all("rgb_shift" in d for d in json.loads(draws))
    ops = [s["op"] for s in json.loads(at.session_state["augment_spec"])["steps"]]
    assert "rgb_shift" in ops
    assert "RGBShift(offsets=(20.0, 10.0, -5.0)" in at.code[0].value

    at.sidebar.toggle(key="aug_flip_on").set_value(False).run()
    assert not any("flip" in c for c in grid_captions(at))


def test_settings_are_restored_from_the_stored_spec():
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["augment_spec"] = json.dumps(
        {"steps": [{"op": "grayscale", "probability": 1.0}, {"op": "mixup", "alpha": 0.4}]}
    )
    at.run()
    assert not at.exception
    assert at.sidebar.toggle(key="aug_grayscale_on").value is True
    assert at.sidebar.toggle(key="aug_flip_on").value is False
    assert at.selectbox(key="aug_partner").value == "Coffee"
    captions = grid_captions(at)
    assert len(captions) == 9 and all("grayscale applied" in c for c in captions)
    assert all("mixup own_share" in c for c in captions)
