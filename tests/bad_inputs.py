"""The four bad inputs every path and upload widget is driven with.

``missing``: a path that does not exist (for an upload, an empty file);
``not_image``: text in a file named like an image; ``deep``: a 16-bit grayscale PNG;
``huge``: a PNG one pixel row over the app's pixel limit (tiny on disk: one bit per pixel).
"""

from __future__ import annotations

import io
import math
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

from cvlab.data.images import DEFAULT_MAX_PIXELS

DEEP_VALUE = 40_000  # a 16-bit grey: 40_000 // 257 = 155 in 8 bits, far from white
KINDS = ("missing", "not_image", "deep", "huge")


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def deep_png() -> bytes:
    """A 24×16 16-bit grayscale PNG (PIL mode I;16)."""
    return png_bytes(Image.fromarray(np.full((16, 24), DEEP_VALUE, np.uint16)))


def huge_png() -> bytes:
    """A square bilevel PNG with more pixels than the app's limit."""
    side = math.isqrt(DEFAULT_MAX_PIXELS) + 1
    return png_bytes(Image.new("1", (side, side)))


def image_files() -> dict[str, tuple[str, bytes]]:
    """One upload per kind: ``{kind: (file name, bytes)}``."""
    return {"missing": ("empty.png", b""), "not_image": ("notes.png", b"just some text\n"),
            "deep": ("deep16.png", deep_png()), "huge": ("huge.png", huge_png())}


def _ordinary(color) -> bytes:
    return png_bytes(Image.new("RGB", (16, 16), color))


def dataset_files(kind: str) -> dict[str, bytes]:
    """A two-class dataset (relative path → bytes) whose odd file is of ``kind``."""
    name, data = image_files()[kind]
    return {"a/ok.png": _ordinary((200, 30, 30)), f"a/{name}": data,
            "b/ok.png": _ordinary((30, 30, 200)), f"b/{name}": data}


def write_datasets(base: Path) -> dict[str, Path]:
    """One folder per kind under ``base``: a path that does not exist, a text file, and
    datasets holding 16-bit and over-the-limit images."""
    paths = {"missing": base / "no-such-folder", "not_image": base / "notes.txt"}
    paths["not_image"].write_text("not a folder of images\n")
    for kind in ("deep", "huge"):
        for rel, data in dataset_files(kind).items():
            (base / kind / rel).parent.mkdir(parents=True, exist_ok=True)
            (base / kind / rel).write_bytes(data)
        paths[kind] = base / kind
    return paths


def zip_files() -> dict[str, tuple[str, bytes]]:
    """One zip upload per kind; ``missing`` is an empty file, ``not_image`` is no zip."""
    files = {"missing": ("empty.zip", b""), "not_image": ("notes.zip", b"just some text\n")}
    for kind in ("deep", "huge"):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for rel, data in dataset_files(kind).items():
                archive.writestr(rel, data)
        files[kind] = (f"{kind}.zip", buffer.getvalue())
    return files
