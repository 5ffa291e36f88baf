"""Where the app may read data: the allowed data roots, and path checks against them.

Roots come from ``CVLAB_DATA_ROOTS`` (``os.pathsep``-separated). Without it they are the
app's data folder and the current working directory. The app's data folder is
``<repo>/data`` unless ``CVLAB_DATA_DIR`` names another one; it is created on demand.

A path is allowed when its *real* path (symlinks and ``..`` resolved) lies inside the
real path of a root, so neither ``roots/../etc`` nor a symlink pointing out gets through.
"""

from __future__ import annotations

import os
from pathlib import Path

from cvlab.errors import CvlabError

REPO_ROOT = Path(__file__).resolve().parents[2]


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
