"""Extract an uploaded zip of images safely.

Refused outright, before anything is written: entries that would land outside the
target (``../`` components, absolute paths, drive letters), symlink entries, names the
file system cannot take (empty, ``.``, NUL, over 255 bytes, deeper than
:data:`~cvlab.data.roots.MAX_DEPTH`), a file that another entry needs as a folder, more
than ``max_files`` files, more than ``max_bytes`` uncompressed in total or more than the
disk has free, and "zip bombs": any sizeable entry compressed more than ``max_ratio``
times, or the archive as a whole (many small entries add up). While extracting, the
bytes actually written are counted against ``max_bytes`` too (the on-disk budget of one
upload), whatever the entries declare. Extraction goes to a temporary folder that
replaces the target only when everything succeeded; any refusal is a
:class:`CvlabError` and leaves nothing behind.
"""

from __future__ import annotations

import itertools
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

from cvlab.data.roots import check_path_text
from cvlab.errors import CvlabError
from cvlab.folders import unique_folder

MAX_FILES = 20_000
MAX_BYTES = 2 * 1024**3  # 2 GiB uncompressed
MAX_RATIO = 100  # uncompressed / compressed, for entries over RATIO_MIN_BYTES
RATIO_MIN_BYTES = 1024**2
MAX_NAME_CHARS = 100  # folder names made from upload file names
_CHUNK = 1024**2


def safe_name(name: str) -> str:
    """A folder name made from an upload's file name: letters, digits, ``-``, ``_``, ``.``."""
    stem = PurePosixPath(name.replace("\\", "/")).name
    stem = stem[:-4] if stem.lower().endswith(".zip") else stem
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._")[:MAX_NAME_CHARS]
    return cleaned or "upload"


def upload_folder(parent: Path, name: str) -> Path:
    """A new, empty folder for one upload: ``<parent>/<safe name>-<random hex>``.

    Made with ``mkdir`` (atomic), so two sessions uploading ``flowers.zip`` at the same
    moment never extract into, or replace, each other's folder.
    """
    return unique_folder(parent, (f"{safe_name(name)}-{secrets.token_hex(4)}"
                                  for _ in itertools.count()))


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
        _check_free_space(target.parent, sum(info.file_size for info in members))
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
        try:
            budget = [max_bytes]
            for info in members:
                _extract_one(archive, info, staging, budget)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise CvlabError(f"The zip is damaged ({exc}); re-create it and upload again.") from exc
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise CvlabError(f"The zip could not be written out ({exc.strerror or exc}); "
                             "nothing was kept. Check the disk space and the entry names, "
                             "then upload again.") from exc
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
        _check_name(info.filename, info.is_dir())
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
    packed = sum(info.compress_size for info in members)
    for name, size, stored in [(i.filename, i.file_size, i.compress_size) for i in members] + [
            ("The zip as a whole", total, packed)]:
        ratio = size / max(stored, 1)
        if size >= RATIO_MIN_BYTES and ratio > max_ratio:
            raise CvlabError(
                f"{name} would expand {ratio:,.0f}× ({stored:,} → {size:,} bytes), over "
                f"the {max_ratio:,.0f}× limit: this looks like a zip bomb. Images hardly "
                "compress; upload the real images."
            )
    _check_tree(members)


def _check_tree(members) -> None:
    """No entry may be a file that another entry needs as a folder."""
    files = {_parts(info.filename) for info in members}
    for parts in files:
        for depth in range(1, len(parts)):
            if parts[:depth] in files:
                raise CvlabError(
                    f"The zip holds {'/'.join(parts[:depth])!r} as a file and also "
                    f"{'/'.join(parts)!r} inside it as if it were a folder; such archives "
                    "are refused. Re-create the zip from the dataset folder.")


def _check_free_space(folder: Path, needed: int) -> None:
    free = shutil.disk_usage(folder).free
    if needed > free:
        raise CvlabError(f"The zip unpacks to {needed:,} bytes but only {free:,} are free "
                         f"in {folder}; free some space or upload a smaller subset.")


def _parts(name: str) -> tuple[str, ...]:
    """An entry's path components, ``\\`` read as ``/``, empty and ``.`` parts dropped."""
    return tuple(p for p in PurePosixPath(name.replace("\\", "/")).parts if p not in ("", "."))


def _check_name(name: str, is_dir: bool = False) -> None:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or re.match(r"^[A-Za-z]:", name) or ".." in path.parts:
        raise CvlabError(
            f"The zip entry {name!r} would be written outside the upload folder "
            "(absolute path or '..'); such archives are refused. Re-create the zip from "
            "inside the dataset folder."
        )
    if not _parts(name) and not is_dir:
        raise CvlabError(f"The zip holds an entry named {name!r}, which names no file; such "
                         "archives are refused. Re-create the zip from the dataset folder.")
    try:
        check_path_text(name.replace("\\", "/"), "zip entry")
    except CvlabError as exc:
        raise CvlabError(f"{exc} Such archives are refused; re-create the zip.") from None


def _extract_one(archive: zipfile.ZipFile, info: zipfile.ZipInfo, staging: Path,
                 budget: list[int]) -> None:
    """Copy one entry, taking the bytes written from ``budget[0]`` (the on-disk budget)."""
    destination = staging.joinpath(*_parts(info.filename))
    if not destination.resolve().is_relative_to(staging.resolve()):
        raise CvlabError(f"The zip entry {info.filename!r} escapes the upload folder; refused.")
    destination.parent.mkdir(parents=True, exist_ok=True)
    with archive.open(info) as src, open(destination, "wb") as dst:
        while chunk := src.read(_CHUNK):
            budget[0] -= len(chunk)
            if budget[0] < 0:
                raise CvlabError("The zip writes more bytes than its entries declare, over "
                                 "the upload's disk budget; it was stopped and nothing was "
                                 "kept. Re-create the zip and upload again.")
            dst.write(chunk)
