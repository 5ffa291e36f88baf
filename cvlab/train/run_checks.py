"""A run folder is untrusted input: the checks every read of one goes through.

Anyone who can write under ``runs/`` can hand the app a folder, so before anything in it is
used:

* the folder itself must resolve (symlinks followed) under an allowed data root
  (:func:`cvlab.data.roots.resolve_allowed`) or the app's own data folder, where the app
  itself writes samples, uploads and runs (:func:`allowed_roots`);
* its JSON files are read only when they are regular files inside that real folder (a
  link to a file elsewhere, a FIFO or a device is refused) and at most
  :data:`MAX_JSON_BYTES` long;
* every image path in ``split.json`` and the dataset folder in ``config.json`` must resolve
  under an allowed root as well, so Evaluate, Try it and Export never read outside them;
* exports are written only into an ``exports`` folder whose real path lies inside the
  run's real folder, itself under an allowed root (:func:`export_folder`).

A failed check is a :class:`DamagedRun` error that says which file and why;
:func:`cvlab.train.runs.list_runs` lists such a run as damaged and reads nothing more
from it.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from cvlab.data.roots import app_data_dir, data_roots, resolve_allowed
from cvlab.errors import CvlabError

MAX_JSON_BYTES = 32 * 1024**2  # a split.json of 100,000 images is about 15 MB


class DamagedRun(CvlabError):
    """A run folder that failed a check; the message is the reason shown to users."""


def allowed_roots() -> list[Path]:
    """The data roots, plus the app's own data folder (its samples, uploads and runs)."""
    return list(dict.fromkeys([*data_roots(), app_data_dir()]))


def checked_run_dir(run_dir: str | os.PathLike) -> Path:
    """The real path of ``run_dir`` if it is a folder under an allowed data root.

    A relative path is taken from the current folder, as a shell user means it.
    """
    path = Path(run_dir).expanduser()
    try:
        real = resolve_allowed(path.absolute(), allowed_roots())
    except CvlabError as exc:
        raise DamagedRun(f"Received: run folder {path}: {exc}") from None
    if not real.is_dir():
        what = "is a file" if real.exists() else "does not exist"
        raise CvlabError(f"Received: run folder {path} ({what}); allowed: a folder made by "
                         "`python -m cvlab train`.")
    return real


def read_json(run_root: Path, path: Path, default=None):
    """``path`` (a file of the run at ``run_root``) as JSON; ``default`` when it is missing."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return default
    except OSError as exc:
        raise DamagedRun(f"{path.name} cannot be read ({exc.strerror}).") from None
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISREG(info.st_mode):
        raise DamagedRun(f"{path.name} is not a regular file (a link, folder, pipe or "
                         "device); a run's files are plain files the trainer wrote.")
    if not path.parent.resolve().is_relative_to(run_root):
        raise DamagedRun(f"{path.name} lies in a folder that links outside the run.")
    if info.st_size > MAX_JSON_BYTES:
        raise DamagedRun(f"{path.name} is {info.st_size:,} bytes; allowed: at most "
                         f"{MAX_JSON_BYTES:,}.")
    try:
        with open(path, "rb") as stream:
            return json.loads(stream.read(MAX_JSON_BYTES + 1))
    except (OSError, ValueError) as exc:
        raise DamagedRun(f"{path.name} is not readable JSON ({exc}).") from None


def checked_split(raw, subsets: tuple[str, ...], classes: int,
                  roots: list[Path]) -> dict[str, list]:
    """``split.json`` as ``{subset: [(real path, label), …]}``, every path under ``roots``."""
    if not isinstance(raw, dict):
        raise DamagedRun("split.json is not an object of subsets.")
    split = {}
    for name in subsets:
        entries = raw.get(name, [])
        if not isinstance(entries, list):
            raise DamagedRun(f"split.json's {name!r} is not a list.")
        split[name] = [_checked_entry(entry, name, classes, roots) for entry in entries]
    return split


def _checked_entry(entry, subset: str, classes: int, roots) -> tuple[Path, int]:
    if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)
            and type(entry[1]) is int):
        raise DamagedRun(f"split.json's {subset!r} holds {entry!r:.80}; allowed: "
                         "[path, label] pairs.")
    path, label = entry
    if classes and not 0 <= label < classes:
        raise DamagedRun(f"split.json's {subset!r} labels {path!r} as {label}; allowed: "
                         f"0 to {classes - 1}.")
    try:
        return resolve_allowed(path, roots), label
    except CvlabError as exc:
        raise DamagedRun(f"split.json lists an image the app may not read: {exc}") from None


def checked_config(config) -> dict:
    """``config.json`` if it is an object whose dataset folder lies under a root."""
    if not isinstance(config, dict):
        raise DamagedRun("config.json is missing or is not an object.")
    data_dir = config.get("data_dir")
    if data_dir is not None:
        if not isinstance(data_dir, str):
            raise DamagedRun(f"config.json's data_dir is {data_dir!r:.80}; allowed: a path.")
        try:
            resolve_allowed(data_dir, allowed_roots())
        except CvlabError as exc:
            raise DamagedRun(f"config.json names a dataset the app may not read: {exc}") \
                from None
    return config


def is_plain_file(path: Path) -> bool:
    """True for a regular file that is not a link (a run's model, a checkpoint)."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def export_folder(run_root: Path) -> Path:
    """``run_root/exports``, created if missing, refused unless it really lies in the run.

    ``run_root`` is re-checked against the data roots at write time, and a pre-existing
    ``exports`` that is a link (or holds one where an export will go) is refused.
    """
    real_root = checked_run_dir(run_root)
    folder = real_root / "exports"
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise DamagedRun(f"{folder} is a link or a file, not the run's own exports folder; "
                         "nothing was written. Remove it and export again.")
    folder.mkdir(exist_ok=True)
    if folder.resolve() != folder:
        raise DamagedRun(f"{folder} resolves elsewhere; nothing was written.")
    return folder


def export_target(folder: Path, name: str) -> Path:
    """``folder/name`` for writing: an existing link there is removed, never followed."""
    target = folder / name
    if target.is_symlink():
        target.unlink()
    elif target.exists() and not target.is_file():
        raise DamagedRun(f"{target} is not a regular file; nothing was written.")
    return target
