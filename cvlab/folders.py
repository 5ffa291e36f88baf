"""New folders that no one else can be handed: the one atomic maker of a unique folder.

``mkdir`` either creates a folder or fails because it exists, so two sessions (or two
server processes) asking for a folder at the same moment always get different ones;
nothing checks first and creates later.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import os
import re
from collections.abc import Iterable
from pathlib import Path

from cvlab.errors import CvlabError

MAX_TRIES = 10_000


def unique_folder(parent: str | os.PathLike, names: Iterable[str]) -> Path:
    """The first of ``names`` that ``mkdir`` creates under ``parent`` (made if missing)."""
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    for name in itertools.islice(names, MAX_TRIES):
        folder = parent / name
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return folder
    raise CvlabError(f"Received: no free folder name under {parent}; allowed: fewer folders "
                     "of the same name and second")


def new_folder(parent: str | os.PathLike, title: str, now: _dt.datetime | None = None) -> Path:
    """``<parent>/<YYYYmmdd-HHMMSS>-<slug of title>``, ``-2``, ``-3``… if taken; created."""
    stamp = (now or _dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40] or "job"
    return unique_folder(parent, (f"{stamp}-{slug}" + (f"-{i}" if i > 1 else "")
                                  for i in itertools.count(1)))
