"""Atomic file writes: a reader sees the old file or the new one, never half of either.

Every writer in cvlab that replaces a file others may be reading goes through
:func:`replacing`: write to a temporary sibling, then ``os.replace`` it onto the target.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def replacing(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary sibling of ``path`` to write; it replaces ``path`` when the block
    ends without an exception, and is removed either way. The temporary name keeps the
    suffix (Keras picks the format of ``model.save`` by it) and is unique per thread."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(
        f".{path.stem}.{os.getpid()}-{threading.get_ident()}.tmp{path.suffix}")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    with replacing(path) as temporary:
        temporary.write_bytes(data)
    return Path(path)


def write_json(path: str | os.PathLike, data) -> Path:
    """Write ``data`` as indented UTF-8 JSON, atomically. Text holding a file name's
    undecodable bytes (surrogate escapes) is written with ``\\u`` escapes instead, which
    read back to the same string, so such a path survives the round trip."""
    text = json.dumps(data, indent=1, ensure_ascii=False)
    try:
        encoded = text.encode()
    except UnicodeEncodeError:
        encoded = json.dumps(data, indent=1).encode()
    return write_bytes(path, encoded)


def read_json(path: str | os.PathLike) -> dict | None:
    """The JSON object in ``path``, or ``None`` if the file is missing, unreadable, not JSON
    or not an object: the reader paired with :func:`write_json` for files that may not exist
    yet or may come from elsewhere (a run folder is untrusted)."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
