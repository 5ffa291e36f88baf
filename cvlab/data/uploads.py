"""Extract an uploaded zip of images safely.

Refused outright, before anything is written: entries that would land outside the
target (``../`` components, absolute paths, drive letters), symlink entries, more
than ``max_files`` files, more than ``max_bytes`` uncompressed in total, and
"zip bombs": any sizeable entry compressed more than ``max_ratio`` times. The
checks trust the declared sizes because :mod:`zipfile` never yields more than an
entry declares (and a lying entry then fails its CRC, which is refused too).
Extraction goes to a temporary folder that replaces the target only when everything
succeeded.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import stat
import tempfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from cvlab.errors import CvlabError

MAX_FILES = 20_000
MAX_BYTES = 2 * 1024**3  # 2 GiB uncompressed
MAX_RATIO = 100  # uncompressed / compressed, for entries over RATIO_MIN_BYTES
RATIO_MIN_BYTES = 1024**2
_CHUNK = 1024**2


def safe_name(name: str) -> str:
    """A folder name made from an upload's file name: letters, digits, ``-``, ``_``, ``.``."""
    stem = PurePosixPath(name.replace("\\", "/")).name
    stem = stem[:-4] if stem.lower().endswith(".zip") else stem
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._")
    return cleaned or "upload"


def upload_folder(parent: Path, name: str) -> Path:
    """A new, empty folder for one upload: ``<parent>/<safe name>-<random hex>``.

    Made with ``mkdir`` (atomic), so two sessions uploading ``flowers.zip`` at the same
    moment never extract into, or replace, each other's folder.
    """
    parent.mkdir(parents=True, exist_ok=True)
    while True:
        folder = parent / f"{safe_name(name)}-{secrets.token_hex(4)}"
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return folder


def extract_zip(
    source: str | os.PathLike | BinaryIO,
    target: Path,
    *,
    max_files: int = MAX_FILES,
    max_bytes: int = MAX_BYTES,
    max_ratio: float = MAX_RATIO,
) -> Path:
    """Extract ``source`` into ``target`` (replacing it) and return the dataset folder.

    The dataset folder is ``target`` itself, or the single folder inside it when the
    zip wraps everything in one top-level folder (``flowers.zip`` → ``flowers/…``).
    """
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile as exc:
        raise CvlabError(f"The upload is not a valid zip file ({exc}). Upload a .zip.") from exc
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        _check_members(archive.infolist(), members, max_files, max_bytes, max_ratio)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
        try:
            for info in members:
                _extract_one(archive, info, staging)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise CvlabError(f"The zip is damaged ({exc}); re-create it and upload again.") from exc
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    return dataset_folder(target)


def dataset_folder(folder: Path) -> Path:
    """Descend through wrapper folders: while ``folder`` holds one sub-folder and no files."""
    while True:
        entries = [e for e in folder.iterdir() if not e.name.startswith(".")]
        entries = [e for e in entries if e.name != "__MACOSX"]
        if len(entries) != 1 or not entries[0].is_dir():
            return folder
        folder = entries[0]


def _check_members(infos, members, max_files, max_bytes, max_ratio) -> None:
    for info in infos:
        _check_name(info.filename)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise CvlabError(
                f"The zip holds a symbolic link ({info.filename}); links are refused because "
                "they can point outside the upload. Zip the real files instead."
            )
    if len(members) > max_files:
        raise CvlabError(
            f"The zip holds {len(members):,} files; the limit is {max_files:,}. "
            "Upload a smaller subset."
        )
    total = sum(info.file_size for info in members)
    if total > max_bytes:
        raise CvlabError(
            f"The zip unpacks to {total:,} bytes; the limit is {max_bytes:,}. "
            "Upload a smaller subset or resize the images first."
        )
    for info in members:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= RATIO_MIN_BYTES and ratio > max_ratio:
            raise CvlabError(
                f"{info.filename} would expand {ratio:,.0f}× ({info.compress_size:,} → "
                f"{info.file_size:,} bytes), over the {max_ratio:,.0f}× limit: this looks "
                "like a zip bomb. Images hardly compress; upload the real images."
            )


def _check_name(name: str) -> None:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or re.match(r"^[A-Za-z]:", name) or ".." in path.parts:
        raise CvlabError(
            f"The zip entry {name!r} would be written outside the upload folder "
            "(absolute path or '..'); such archives are refused. Re-create the zip from "
            "inside the dataset folder."
        )


def _extract_one(archive: zipfile.ZipFile, info: zipfile.ZipInfo, staging: Path) -> None:
    destination = staging.joinpath(*PurePosixPath(info.filename.replace("\\", "/")).parts)
    if not destination.resolve().is_relative_to(staging.resolve()):
        raise CvlabError(f"The zip entry {info.filename!r} escapes the upload folder; refused.")
    destination.parent.mkdir(parents=True, exist_ok=True)
    with archive.open(info) as src, open(destination, "wb") as dst:
        shutil.copyfileobj(src, dst, _CHUNK)
