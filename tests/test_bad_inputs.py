"""Every path and upload widget on every page, driven with the four bad inputs of
:mod:`tests.bad_inputs`: each gives a clear message or a correct picture, never an
exception box."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from rendered import rendered
from streamlit.testing.v1 import AppTest

from tests import bad_inputs
from tests.conftest import ROOT
from tests.evaluate_fakerun import fake_run

pytestmark = pytest.mark.slow
MIME = {"png": "image/png", "zip": "application/zip"}


def page(name: str, **state) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / name), default_timeout=120)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def shown(at: AppTest) -> str:
    """Every alert and caption on the page, as one text."""
    parts = [rendered(e.value) for kind in ("error", "warning", "info", "success")
             for e in at.get(kind)]
    return "\n".join(parts)


def upload(at: AppTest, key: str, file: tuple[str, bytes], multiple: bool = False) -> None:
    name, data = file
    value = (name, data, MIME[name.rsplit(".", 1)[1]])
    at.file_uploader(key=key).set_value([value] if multiple else value)
    at.run()
    assert not at.exception, f"{name}: {at.exception}"


@pytest.fixture()
def data_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("CVLAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CVLAB_DATA_ROOTS", str(tmp_path))
    return tmp_path


def test_datasets_folder_and_zip(data_dir):
    paths = bad_inputs.write_datasets(data_dir)
    at = page("datasets.py")
    at.radio[0].set_value("Folder on disk").run()
    expect = {"missing": "does not exist", "not_image": "is a file, not a folder",
              "deep": "16-bit grayscale (I;16) → 8-bit RGB", "huge": "over the pixel limit"}
    for kind, path in paths.items():
        at.text_input(key="folder_text").set_value(str(path)).run()
        assert not at.exception, f"{kind}: {at.exception}"
        text = shown(at) + "".join(f.value.to_csv() for f in at.dataframe)
        assert expect[kind] in text, (kind, text)

    at.radio[0].set_value("Upload a zip").run()
    expect.update(missing="not a valid zip", not_image="not a valid zip")
    for kind, file in bad_inputs.zip_files().items():
        at.get("file_uploader")[0].set_value((file[0], file[1], MIME["zip"]))
        at.run()
        assert not at.exception, f"{kind}: {at.exception}"
        text = shown(at) + "".join(f.value.to_csv() for f in at.dataframe)
        assert expect[kind] in text, (kind, text)


def test_augmentation_photo_and_pipeline_uploads():
    at = page("augmentation_studio.py", augment_spec='{"steps": []}')  # cheap grids
    at.selectbox(key="aug_photo").set_value("Upload…").run()
    expect = {"missing": "zero-byte", "not_image": "corrupt", "huge": "over the pixel limit"}
    for kind, file in bad_inputs.image_files().items():
        upload(at, "aug_upload", file)
        if kind == "deep":  # a correct picture: nine draws, no message
            assert not at.error and len([c for i in at.image for c in i.captions]) == 10
        else:
            assert f"{file[0]} cannot be used: {expect[kind]}" in rendered(at.error[0].value)
    at.selectbox(key="aug_photo").set_value(at.selectbox(key="aug_photo").options[0]).run()
    for kind in ("missing", "not_image"):
        name, data = bad_inputs.image_files()[kind]
        at.file_uploader(key="aug_import").set_value((f"{kind}.json", data, "application/json"))
        at.run()
        assert not at.exception and "not valid JSON" in shown(at)


def test_feature_maps_upload():
    at = page("feature_maps.py", fm_source="Upload")  # no model run for a bundled photo
    expect = {"missing": "zero-byte", "not_image": "corrupt", "huge": "over the pixel limit"}
    for kind, reason in expect.items():  # a 16-bit upload decodes as in the studio (above)
        upload(at, "fm_upload", bad_inputs.image_files()[kind])
        name = bad_inputs.image_files()[kind][0]
        assert f"Cannot read {name}: {reason}" in rendered(at.error[0].value)


def test_training_try_it_uploads_and_a_vanished_held_out_image(data_dir, tmp_path_factory,
                                                               monkeypatch):
    run = fake_run(tmp_path_factory)  # the session's tiny run, shared with the export tests
    # A private copy of the run and of its images: this test deletes a held-out image,
    # which must not vanish from the session's shared dataset.
    monkeypatch.setenv("CVLAB_DATA_ROOTS", f"{data_dir}:{tmp_path_factory.getbasetemp()}")
    shared = json.loads((run / "config.json").read_text())["data_dir"]
    images = shutil.copytree(shared, data_dir / "images")
    copy = shutil.copytree(run, data_dir / "data" / "runs" / run.name)
    for name in ("config.json", "split.json"):
        text = (copy / name).read_text()
        (copy / name).write_text(text.replace(json.dumps(shared)[1:-1],
                                              json.dumps(str(images))[1:-1]))
    at = page("training_studio.py")
    at.radio(key="try_source").set_value("My own photos").run()
    for kind, file in bad_inputs.image_files().items():
        upload(at, "try_uploads", file, multiple=True)
        if kind == "deep":  # a correct picture and its top-3 chart
            assert not at.error and "deep16.png" in [rendered(c) for i in at.image
                                                     for c in i.captions]
        else:
            assert "Received: no readable image" in rendered(at.error[0].value), kind
    at.radio(key="try_source").set_value("A held-out image").run()
    held_out = Path(at.selectbox(key="try_image").value)
    assert held_out.is_relative_to(images)  # the private copy, never the shared dataset
    held_out.unlink()
    at.run()
    assert not at.exception and "is no longer at" in shown(at)


def test_uploaded_16_bit_png_keeps_its_grey():
    from ui.augment import uploaded_image

    class Upload:
        name, data = bad_inputs.image_files()["deep"]

        def getvalue(self):
            return self.data

    pixels = uploaded_image(Upload())
    assert pixels.dtype == np.uint8 and pixels.shape == (16, 24, 3)
    assert np.all(pixels == bad_inputs.DEEP_VALUE // 257)
