"""Crash-safe epoch records: one epoch's files land together or not at all.

An epoch end writes ``last.keras``, ``best.weights.h5`` (when the epoch is the best) and
``history.json`` under *staged* names in their own folders, ``.staged-e<N>.<name>``, then
``checkpoints/state.json`` atomically with a ``commit`` map of staged name → final name,
then renames each staged file into place. ``state.json`` is the commit point, written after
the files it names: a kill before it leaves the previous epoch's files and state untouched
(the staged files are stale); a kill after it is finished by :func:`recover`, which
``cvlab.train.run.resume`` calls when the run starts again. :func:`recover` also removes
every stale temporary file of the run (staged files and :mod:`cvlab.atomic`'s siblings).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from cvlab.atomic import write_json
from cvlab.train.runs import RunPaths

FINAL_NAMES = ("last.keras", "best.weights.h5", "history.json")
_STAGED = re.compile(r"\.staged-e\d+\.(?:" + "|".join(map(re.escape, FINAL_NAMES)) + r")")
_ATOMIC_TEMP = re.compile(r"\..+\.\d+-\d+\.tmp(\.[A-Za-z0-9]+)?")  # cvlab.atomic.replacing


def staged(final: Path, epoch: int) -> Path:
    """The staged sibling of ``final`` for ``epoch`` (keeps Keras' suffix rules); its
    folder is created."""
    final.parent.mkdir(parents=True, exist_ok=True)
    return final.with_name(f".staged-e{epoch}.{final.name}")


def commit(paths: RunPaths, state: dict, files: list[Path]) -> None:
    """Write ``state`` naming the staged ``files``, then move them into place."""
    moves = {f.name: f.name.split(".", 2)[2] for f in files}
    write_json(paths.state, {**state, "commit": moves})
    _apply(paths, moves)


def recover(paths: RunPaths) -> bool:
    """Finish a commit that a kill interrupted and delete stale temporary files; True when
    a staged file was moved into place. Names in ``state.json`` are checked against the
    staged pattern, so a crafted state file moves nothing else."""
    moves = _pending(paths)
    moved = _apply(paths, moves)
    for folder in (paths.root, paths.checkpoints):
        for entry in folder.iterdir() if folder.is_dir() else ():
            if (_STAGED.fullmatch(entry.name) or _ATOMIC_TEMP.fullmatch(entry.name)) \
                    and entry.is_file() and not entry.is_symlink():
                entry.unlink()
    return moved


def _pending(paths: RunPaths) -> dict[str, str]:
    try:
        moves = json.loads(paths.state.read_text()).get("commit") or {}
    except (OSError, ValueError, AttributeError):
        return {}
    if not isinstance(moves, dict):
        return {}
    return {src: dst for src, dst in moves.items()
            if isinstance(src, str) and isinstance(dst, str) and dst in FINAL_NAMES
            and _STAGED.fullmatch(src) and src.endswith("." + dst)}


def _apply(paths: RunPaths, moves: dict[str, str]) -> bool:
    moved = False
    for src, dst in moves.items():
        folder = paths.root if dst == "history.json" else paths.checkpoints
        source = folder / src
        if source.is_file() and not source.is_symlink():
            os.replace(source, folder / dst)
            moved = True
    return moved
