"""The Datasets page: sample by default, messy report, folder input guarded by the data roots."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "datasets.py")


@pytest.fixture()
def app(data_dir) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_default_is_the_faces_sample(app, data_dir):
    assert app.title[0].value == "🗂️ Datasets"
    assert _metrics(app) == {
        "Usable images": "200", "Classes": "2", "Skipped": "0", "Converted": "0"
    }
    assert app.session_state["dataset_dir"] == str(data_dir / "samples" / "faces")
    chart = app.get("plotly_chart")[0].proto.spec
    assert '"Usable images"' in chart and '"Class"' in chart and '"not_face"' in chart
    assert "**face** · 100 images" in [m.value for m in app.markdown]
    strips = app.get("image")  # one thumbnail strip per class
    captions = [[img.caption for img in strip.proto.imgs] for strip in strips]
    assert captions[1] == [f"not_face_{i:03d}.jpg" for i in range(6)] and len(captions) == 2
    assert "Why messy data is dangerous" in [e.label for e in app.expander]


def test_messy_sample_shows_warnings_and_tables(app, data_dir):
    app.selectbox[0].set_value("messy").run()
    assert not app.exception
    assert _metrics(app)["Skipped"] == "5" and _metrics(app)["Converted"] == "6"
    warnings = " ".join(w.value for w in app.warning)
    assert "Class 'tiny' has only 3 image(s)" in warnings and "Duplicate across classes" in warnings
    skipped, kinds, converted, identical = (frame.value for frame in app.dataframe)
    assert set(skipped["reason"]) == {"corrupt", "truncated", "zero-byte", "not an image",
                                      "unsupported"}
    assert "blue/rotated.jpg" in set(converted["file"])
    assert sum(kinds["files"]) == len(converted) == 6
    assert list(kinds["files"]) == sorted(kinds["files"])  # the rarest kind first
    assert identical["classes"][0] == "blue, red" and identical["copies"][0] == 2
    assert app.session_state["dataset_dir"] == str(data_dir / "samples" / "messy")


def test_folder_input_is_confined_to_the_data_roots(app, data_dir):
    app.radio[0].set_value("Folder on disk").run()
    assert app.text_input[0].value == str(data_dir / "samples" / "faces")
    app.text_input[0].set_value("/etc").run()
    assert not app.exception
    assert "outside the allowed data folders" in app.error[0].value
    app.text_input[0].set_value("samples/../samples/faces").run()
    assert not app.error and _metrics(app)["Usable images"] == "200"


def test_folder_that_is_not_a_dataset_gets_advice(app, data_dir):
    (data_dir / "empty").mkdir()
    app.radio[0].set_value("Folder on disk").run()
    app.text_input[0].set_value("empty").run()
    assert "has no class folders" in app.error[0].value


def test_upload_mode_asks_for_a_zip(app):
    app.radio[0].set_value("Upload a zip").run()
    assert not app.exception
    assert "Upload a .zip" in app.info[0].value
