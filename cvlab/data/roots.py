"""Where the app may read data: the allowed data roots, and path checks against them.

Roots come from ``CVLAB_DATA_ROOTS`` (``os.pathsep``-separated). Without it they are the
app's data folder and the current working directory. The app's data folder is
``<repo>/data`` unless ``CVLAB_DATA_DIR`` names another one; it is created on demand.

A path is allowed when its *real* path (symlinks and ``..`` resolved) lies inside the
real path of a root, so neither ``roots/../etc`` nor a symlink pointing out gets through.

Path text is checked before the file system sees it (:func:`check_path_text`): a NUL byte,
a name over 255 bytes, more than :data:`MAX_DEPTH` levels or a path over 4,095 bytes is a
:class:`CvlabError` naming the problem, never an ``OSError`` from deep inside.
"""

from __future__ import annotations

import os
from pathlib import Path

from cvlab.errors import CvlabError

REPO_ROOT = Path(__file__).resolve().parents[2]
MAX_NAME_BYTES = 255  # one file or folder name (Linux NAME_MAX)
MAX_PATH_BYTES = 4095  # a whole path (Linux PATH_MAX, less the NUL)
MAX_DEPTH = 64  # folder levels; far beyond any real dataset


def check_path_text(text: str, what: str = "path") -> None:
    """:class:`CvlabError` unless ``text`` is a path the file system can take at all."""
    shown = text if len(text) <= 80 else text[:60] + "…" + text[-15:]
    if "\0" in text:
        raise CvlabError(f"Received: a {what} with a NUL byte ({shown!r}); allowed: a path "
                         "without control characters.")
    encoded = os.fsencode(text)
    parts = [part for part in text.split("/") if part]
    longest = max((len(os.fsencode(part)) for part in parts), default=0)
    if longest > MAX_NAME_BYTES:
        raise CvlabError(f"Received: a {what} with a name of {longest} bytes ({shown!r}); "
                         f"allowed: names of at most {MAX_NAME_BYTES} bytes.")
    if len(parts) > MAX_DEPTH or len(encoded) > MAX_PATH_BYTES:
        raise CvlabError(f"Received: a {what} {len(parts)} levels and {len(encoded):,} bytes "
                         f"long ({shown!r}); allowed: at most {MAX_DEPTH} levels and "
                         f"{MAX_PATH_BYTES:,} bytes.")


def app_data_dir() -> Path:
    """The app's own data folder (created if missing)."""
    folder = Path(os.environ.get("CVLAB_DATA_DIR") or REPO_ROOT / "data").expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    return folder.resolve()


def data_roots() -> list[Path]:
    """The allowed roots, as real paths, in the order configured."""
    configured = os.environ.get("CVLAB_DATA_ROOTS")
    if configured:
        entries = [Path(p).expanduser() for p in configured.split(os.pathsep) if p.strip()]
    else:
        entries = [app_data_dir(), Path.cwd()]
    roots: list[Path] = []
    for entry in entries:
        real = entry.resolve()
        if real not in roots:
            roots.append(real)
    return roots


def resolve_allowed(path: str | os.PathLike, roots: list[Path] | None = None) -> Path:
    """The real path of ``path`` if it lies under an allowed root; else :class:`CvlabError`.

    A relative ``path`` is taken relative to the first root (the app's data folder by
    default), not to wherever the process happens to run.
    """
    roots = data_roots() if roots is None else [Path(r).resolve() for r in roots]
    text = str(path).strip()
    if not text:
        raise CvlabError("No folder given. Type a path under one of: " + _listing(roots))
    check_path_text(text)
    candidate = Path(text).expanduser()
    if not candidate.is_absolute():
        candidate = roots[0] / candidate
    real = candidate.resolve()
    if any(real == root or real.is_relative_to(root) for root in roots):
        return real
    raise CvlabError(
        f"{text} resolves to {real}, which is outside the allowed data folders. "
        f"Use a folder under {_listing(roots)}, or add its parent to CVLAB_DATA_ROOTS."
    )


def _listing(roots: list[Path]) -> str:
    return ", ".join(str(r) for r in roots)
