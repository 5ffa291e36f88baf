"""What a model file says about its input, read from its saved configuration without
Keras (for pages, which never import TensorFlow). Best effort: ``None`` when the file does
not say, and the job that loads the model decides."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

MAX_CONFIG_BYTES = 64 * 1024**2


def input_shape(path: str | os.PathLike) -> tuple[int | None, ...] | None:
    """The model's first input shape without the batch axis, e.g. ``(224, 224, 3)`` or
    ``(None, None, 3)``; ``None`` when the file holds no readable configuration."""
    try:
        config = _config(Path(path))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None
    for layer in (config or {}).get("config", {}).get("layers", []):
        options = layer.get("config", {}) if isinstance(layer, dict) else {}
        shape = options.get("batch_shape") or options.get("batch_input_shape")
        if isinstance(shape, list) and len(shape) >= 2:
            return tuple(d if isinstance(d, int) else None for d in shape[1:])
    return None


def _config(path: Path) -> dict | None:
    if path.suffix.lower() == ".keras":
        with zipfile.ZipFile(path) as archive:
            if archive.getinfo("config.json").file_size > MAX_CONFIG_BYTES:
                return None
            return json.loads(archive.read("config.json"))
    try:
        import h5py
    except ImportError:
        return None
    with h5py.File(path, "r") as file:
        text = file.attrs.get("model_config")
    return json.loads(text) if text else None
