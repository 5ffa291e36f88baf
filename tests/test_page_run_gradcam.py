"""Grad-CAM in the Training Studio's helpers: Try it and the most-confident-mistakes gallery."""

from __future__ import annotations

import pytest
from evaluate_fakerun import fake_run
from streamlit.testing.v1 import AppTest

pytestmark = pytest.mark.slow


def _page(run_dir: str, part: str) -> None:
    from cvlab.train import read_run
    from ui.explain import mistakes_gallery, try_it_heat

    record = read_run(run_dir)
    held_out = record.split["val"]
    if part == "try":
        files = tuple((p.name, p.read_bytes()) for p, _ in held_out[:3])
        try_it_heat(record, files + (("broken.png", b"not an image"),))
    else:
        names = record.class_names
        wrong = [{"path": str(p), "true": names[label], "predicted": names[(label + 1) % 3],
                  "confidence": 0.9} for p, label in held_out[:4]]
        mistakes_gallery(record, wrong)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return str(fake_run(tmp_path_factory))


def test_try_it_shows_where_the_model_looked(run_dir):
    at = AppTest.from_function(_page, args=(run_dir, "try"), default_timeout=120)
    at.run()
    assert not at.exception and not at.error
    assert any("Where the model looked" in m.value for m in at.markdown)
    captions = [c for image in at.image for c in image.captions]
    assert len(captions) == 3  # the unreadable file is left out (its warning is the caller's)
    assert all(": " in c and c.endswith("%") for c in captions)
    assert any("layer `" in c.value for c in at.caption)


def test_mistakes_gallery_switches_between_photos_and_heat(run_dir):
    at = AppTest.from_function(_page, args=(run_dir, "gallery"), default_timeout=120)
    at.run()
    assert not at.exception and not at.error
    photos = [c for image in at.image for c in image.captions]
    assert len(photos) == 4 and all(" → " in c for c in photos)
    for choice in ("Where it looked (predicted class)", "Where it found the true class"):
        at.radio(key="mistakes_heat").set_value(choice).run()
        assert not at.exception and not at.error
        assert [c for image in at.image for c in image.captions] == photos
