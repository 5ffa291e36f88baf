"""Where model files live: uploads kept under the app's data folder, and trained runs'
``model.keras``.

An upload is checked before anything else reads it: its suffix (``.keras``, or a legacy
``.h5``), its size (:data:`MAX_BYTES`) and its container (a ``.keras`` file is a zip with a
``config.json``; an ``.h5`` file starts with HDF5's signature). It is written under a new,
unique name (two learners uploading ``model.keras`` never overwrite each other) and
renamed into place only when complete. Nothing here imports TensorFlow: the file is
loaded in a job process, with ``safe_mode``, never in the server.
"""

from __future__ import annotations

import itertools
import os
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

from cvlab.data.roots import app_data_dir
from cvlab.data.uploads import safe_name
from cvlab.errors import CvlabError

SUFFIXES = (".keras", ".h5")
MAX_BYTES = 600 * 1024**2  # VGG-16 with its head is ~530 MiB as .keras
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


@dataclass(frozen=True)
class ModelFile:
    """A model file the learner can pick: its ``path`` and how it is shown (``label``)."""

    path: Path
    label: str


def models_dir(base: str | os.PathLike | None = None) -> Path:
    """The folder of uploaded model files (created if missing)."""
    folder = Path(base) if base is not None else app_data_dir() / "models"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def check_container(name: str, head: bytes, size: int) -> str:
    """The file's suffix if ``name``, its first bytes ``head`` and its ``size`` in bytes look
    like a model file; else :class:`CvlabError` saying what is wrong."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise CvlabError(f"Received: {name!r}; allowed: a Keras model file ending in "
                         f"{' or '.join(SUFFIXES)}.")
    if size > MAX_BYTES:
        raise CvlabError(f"Received: {name!r} of {size / 1024**2:,.0f} MiB; allowed: at most "
                         f"{MAX_BYTES // 1024**2} MiB.")
    if suffix == ".h5" and not head.startswith(HDF5_SIGNATURE):
        raise CvlabError(f"Received: {name!r}, which is not an HDF5 file; allowed: a model "
                         "saved by Keras as .h5.")
    if suffix == ".keras" and not head.startswith(b"PK"):
        raise CvlabError(f"Received: {name!r}, which is not a .keras archive (a zip); allowed: "
                         "a model saved by `model.save('name.keras')`.")
    return suffix


def save_upload(name: str, data: bytes, folder: str | os.PathLike | None = None) -> Path:
    """Store the uploaded bytes ``data`` of file ``name``; the new file's path.
    :class:`CvlabError` (and nothing stored) when it is not a model file."""
    suffix = check_container(name, data[:16], len(data))
    folder = models_dir(folder)
    stem = safe_name(Path(name).stem)
    for _ in itertools.count():
        target = folder / f"{stem}-{secrets.token_hex(4)}{suffix}"
        partial = target.with_name(target.name + ".partial")
        try:
            with open(partial, "xb") as out:
                out.write(data)
        except FileExistsError:
            continue
        break
    if suffix == ".keras" and not _is_keras_archive(partial):
        partial.unlink()
        raise CvlabError(f"Received: {name!r}, a zip without the config.json of a Keras "
                         "model; allowed: a model saved by `model.save('name.keras')`.")
    os.replace(partial, target)
    return target


def _is_keras_archive(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return "config.json" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def stored(folder: str | os.PathLike | None = None) -> list[ModelFile]:
    """The uploaded model files, newest first, shown by their name as uploaded."""
    files = [p for p in models_dir(folder).iterdir()
             if p.suffix in SUFFIXES and p.is_file() and not p.is_symlink()]
    files.sort(key=lambda p: -p.stat().st_mtime)
    return [ModelFile(p, f"{p.stem.rsplit('-', 1)[0]}{p.suffix} (uploaded)") for p in files]
