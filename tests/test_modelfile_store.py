"""Uploaded model files are checked before anything reads them, and never overwrite."""

import io
import zipfile

import pytest

from cvlab.errors import CvlabError
from cvlab.modelfile.store import HDF5_SIGNATURE, save_upload, stored


def keras_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("config.json", "{}")
        archive.writestr("metadata.json", "{}")
    return buffer.getvalue()


def test_same_name_uploads_are_kept_apart(tmp_path):
    first = save_upload("model.keras", keras_archive(), tmp_path)
    second = save_upload("model.keras", keras_archive(), tmp_path)
    assert first != second and first.read_bytes() == second.read_bytes()
    assert {f.path for f in stored(tmp_path)} == {first, second}
    assert all(f.label == "model.keras (uploaded)" for f in stored(tmp_path))


@pytest.mark.parametrize(("name", "data", "says"), [
    ("weights.pkl", b"\x80\x04", "ending in .keras or .h5"),
    ("model.keras", b"not a zip at all", "not a .keras archive"),
    ("model.h5", b"PK\x03\x04", "not an HDF5 file"),
])
def test_what_is_not_a_model_file_is_refused_and_not_stored(tmp_path, name, data, says):
    with pytest.raises(CvlabError, match=says):
        save_upload(name, data, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_zip_without_a_keras_config_is_refused_and_removed(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photo.jpg", b"\xff\xd8")
    with pytest.raises(CvlabError, match="without the config.json"):
        save_upload("model.keras", buffer.getvalue(), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_an_upload_name_cannot_leave_the_models_folder(tmp_path):
    path = save_upload("../../etc/passwd.h5", HDF5_SIGNATURE + b"rest", tmp_path / "models")
    assert path.parent == tmp_path / "models" and path.name.startswith("passwd-")
