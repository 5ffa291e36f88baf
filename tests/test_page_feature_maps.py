"""Feature Maps & Grad-CAM in AppTest: the overlay for a bundled photo, instant stage steps."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rendered import rendered
from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "feature_maps.py")
pytestmark = pytest.mark.slow


def test_bundled_photo_shows_overlay_top5_and_steps_through_stages(monkeypatch):
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.run()
    assert not at.exception and not at.error
    captions = _captions(at)
    assert any(c.startswith("Grad-CAM for “") for c in captions), captions
    chart = at.get("plotly_chart")[0].proto.spec
    assert "Top-5 ImageNet classes" in chart and "cat" in chart
    assert any("layer `out_relu`" in c.value for c in at.caption)
    target = next(s for s in at.selectbox if s.label == "Explain the class")
    assert target.index == 0  # the predicted class
    assert "(" in target.options[0] and "(" not in target.options[10]

    # Stepping: every stage's picture comes from the photo's one forward pass, cached; the
    # inference worker is not asked again.
    calls = []
    monkeypatch.setattr("ui.explain.call",
                        lambda *args: calls.append(1) or pytest.fail("a worker call"))
    slider = at.select_slider(key="fm_stage")
    shapes = []
    for name in ("stage5", "top", "stem"):
        slider.set_value(name).run()
        assert not at.exception
        shapes.append(next(c for c in _captions(at) if c.startswith(f"{name}: output")))
    assert "14×14×96" in shapes[0] and "7×7×1280" in shapes[1] and "112×112×32" in shapes[2]
    assert not calls


def _captions(at: AppTest) -> list[str]:
    return [caption for image in at.image for caption in image.captions]


def test_a_runs_held_out_image_is_explained_by_the_runs_own_model(tmp_path, monkeypatch):
    from evaluate_fakerun import build_run, write_shapes

    data = tmp_path / "data"
    monkeypatch.setenv("CVLAB_DATA_DIR", str(data))
    monkeypatch.setenv("CVLAB_DATA_ROOTS", str(data))
    run = build_run(data / "runs" / "20260101-000000-frozen", write_shapes(data / "shapes"),
                    test_fraction=0.25)
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.run()
    at.radio(key="fm_source").set_value("Held-out image of a run").run()
    assert not at.exception and not at.error
    assert at.selectbox(key="fm_run").value.path == run.resolve()
    first, _ = at.selectbox(key="fm_held_out").value
    held_out = json.loads((run / "split.json").read_text())["test"]
    assert str(first) == held_out[0][0]
    captions = [rendered(c) for c in _captions(at)]
    assert f"{first.name}, as the model sees it (32×32)" in captions  # the run's input size
    assert any(c.startswith("Grad-CAM at ") for c in captions)
    assert any("explained by the model that run trained" in c.value for c in at.caption)
    classes = json.loads((run / "classes.json").read_text())
    target = next(s for s in at.selectbox if s.label == "Explain the class")
    assert target.options[1:] == classes
    # A class the run all but rules out: its map is no evidence, and the page says so.
    for index in range(len(classes)):
        target.set_value(index).run()
        caption = next(rendered(c) for c in _captions(at)
                       if rendered(c).startswith("Grad-CAM at "))
        probability = float(re.search(r"probability ([\d.]+)%", caption).group(1))
        nil = any("next to nil" in rendered(i.value) for i in at.info)
        assert nil == (probability < 1.0), (caption, nil)
