"""Open one image file and normalise it to RGB uint8, saying what had to be done.

Conventions, shared by the scan and the loader so both see the same pixels:

* Every usable image becomes an ``(H, W, 3)`` ``uint8`` RGB array.
* EXIF orientation is applied (a phone photo tagged "rotate 90°" comes out upright).
* Grayscale, bilevel and palette images are expanded to RGB; CMYK is converted to RGB.
* Transparency (RGBA, LA, palette with a transparent colour) is composited onto white.
* 16-bit and 32-bit integer images are scaled to 8 bits (``value // 257`` for 16-bit data).
* Animated GIF/PNG/WebP files contribute their first frame only.
* Anything PIL cannot fully decode is rejected with a :class:`Rejected` reason, never
  half-loaded: truncation is caught by decoding the whole image, not just its header.

Memory: one pixel limit, :data:`MAX_PIXELS`, holds for every image the app decodes (scan,
uploads, Augmentation Studio, Try it, ``predict``), checked from the header before any pixel
is decoded, and :func:`pixel_limit_message` is the one message that says so. On top of it,
every decode in the process holds width × height "pixels in flight" from one shared
:data:`DECODE_BUDGET` while it runs, so eight 49 MP PNGs decode one after another instead
of all at once, whatever the number of worker threads.
"""

from __future__ import annotations

import io
import re
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

# Extensions that are tried as images; everything else is "not an image".
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".tif", ".tiff"})
# Image formats that exist in the wild but are not read here.
UNSUPPORTED_EXTENSIONS = frozenset(
    {".heic", ".heif", ".avif", ".svg", ".psd", ".raw", ".cr2", ".nef", ".arw", ".dng", ".ico"}
)
# PIL format names accepted after sniffing the bytes (the extension can lie).
SUPPORTED_FORMATS = frozenset({"JPEG", "MPO", "PNG", "GIF", "BMP", "WEBP", "TIFF"})

# The app's one cap on width × height, checked from the header before decoding.
MAX_PIXELS = 50_000_000

# Skip reasons, as the report names them.
CORRUPT = "corrupt"
TRUNCATED = "truncated"
ZERO_BYTE = "zero-byte"
NOT_AN_IMAGE = "not an image"
UNSUPPORTED = "unsupported"
OVER_PIXEL_LIMIT = "over the pixel limit"
NOT_A_FILE = "not a regular file"
NOT_FOUND = "not found"

_ORIENTATION_TAG = 0x0112
_ORIENTATION_TEXT = {
    2: "mirrored",
    3: "rotated 180°",
    4: "flipped vertically",
    5: "transposed",
    6: "rotated 90° clockwise",
    7: "transversed",
    8: "rotated 90° counter-clockwise",
}


def pixel_limit_message(pixels: int, size: tuple[int, int] | None = None,
                        limit: int = MAX_PIXELS) -> str:
    """The one sentence, app-wide, for an image over the pixel limit.

    ``size`` is (width, height) when the header gave it; ``limit`` is the limit in force
    (``MAX_PIXELS`` unless a caller chose a lower one).
    """
    what = f"{size[0]}×{size[1]} = {pixels:,} pixels" if size else f"{pixels:,} pixels"
    return (f"{what} is over the limit of {limit:,} pixels ({limit / 1e6:g} MP); "
            "resize the image below it (e.g. to 4000×3000) and try again")


class PixelBudget:
    """At most ``limit`` pixels being decoded at once, across every thread of the process.

    An image larger than the whole budget still decodes, alone.
    """

    def __init__(self, limit: int):
        self.limit = limit
        self.in_flight = 0
        self._changed = threading.Condition()

    @contextmanager
    def hold(self, pixels: int) -> Iterator[None]:
        pixels = min(pixels, self.limit)
        with self._changed:
            self._changed.wait_for(lambda: self.in_flight + pixels <= self.limit)
            self.in_flight += pixels
        try:
            yield
        finally:
            with self._changed:
                self.in_flight -= pixels
                self._changed.notify_all()


# Pixels decoded at once in this process; one MAX_PIXELS image, or many small ones.
DECODE_BUDGET = PixelBudget(MAX_PIXELS)

# PIL allocates image memory in blocks (16 MiB by default). glibc serves blocks that size
# from per-thread arenas and keeps them when freed, so the peak grew with every decoding
# thread; blocks above its largest mmap threshold (32 MiB) are returned to the OS on free.
Image.core.set_block_size(64 * 1024**2)


class Rejected(Exception):
    """A file that cannot be used; ``kind`` is one of the skip reasons above."""

    def __init__(self, kind: str, detail: str):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class Decoded:
    """A normalised image and the conversions applied to get it (empty when none)."""

    pixels: np.ndarray | None
    notes: tuple[str, ...]


def decode(
    path: Path,
    *,
    data: bytes | None = None,
    max_pixels: int = MAX_PIXELS,
    size_hint: tuple[int, int] | None = None,
    convert: bool = True,
) -> Decoded:
    """Fully decode ``path`` to RGB uint8 or raise :class:`Rejected`.

    ``convert=False`` decodes every pixel (so damage is still caught) but skips building
    the RGB array: ``pixels`` is then ``None`` and ``notes`` are the same.
    ``size_hint`` (width, height) lets JPEGs decode at a reduced DCT scale no smaller
    than the hint; the whole bit stream is still read, so truncation is still caught.
    ``data`` is the file's bytes when the caller holds them (an upload); otherwise the
    file is streamed, never read into memory whole. Only regular files are opened (a
    FIFO or a device under a class folder would block or never end).
    """
    suffix = path.suffix.lower()
    if suffix in UNSUPPORTED_EXTENSIONS:
        raise Rejected(UNSUPPORTED, f"{suffix} files are not read; convert them to JPEG or PNG")
    if suffix not in IMAGE_EXTENSIONS:
        raise Rejected(NOT_AN_IMAGE, f"extension {suffix or '(none)'} is not an image type")
    if data is not None and not data:
        raise Rejected(ZERO_BYTE, "the file is empty")
    source = io.BytesIO(data) if data is not None else _regular_file(path)
    try:
        with Image.open(source) as img:
            return _normalise(img, max_pixels, size_hint, convert)
    except Rejected:
        raise
    except Image.DecompressionBombError as exc:
        pixels = re.search(r"\((\d+) pixels\)", str(exc))
        raise Rejected(OVER_PIXEL_LIMIT, pixel_limit_message(
            int(pixels.group(1)) if pixels else max_pixels + 1, limit=max_pixels)) from exc
    except UnidentifiedImageError as exc:
        raise Rejected(CORRUPT, "the bytes are not a readable image") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        message = str(exc)
        if "truncated" in message or isinstance(exc, EOFError):
            detail = f"decoding stopped early: {message or 'end of file'}"
            raise Rejected(TRUNCATED, detail) from exc
        raise Rejected(CORRUPT, f"decoding failed: {message or type(exc).__name__}") from exc
    finally:
        source.close()


def _regular_file(path: Path):
    """``path`` opened for reading if it is a regular file (after links); else Rejected."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise Rejected(NOT_A_FILE, "it is a folder" if stat.S_ISDIR(info.st_mode) else
                           "it is a pipe, socket or device, not an image file")
        if info.st_size == 0:
            raise Rejected(ZERO_BYTE, "the file is empty")
        return open(path, "rb")
    except ValueError as exc:  # a NUL byte in the name
        raise Rejected(NOT_A_FILE, f"unusable file name ({exc})") from exc
    except FileNotFoundError as exc:
        raise Rejected(NOT_FOUND, "no such file") from exc
    except OSError as exc:
        raise Rejected(CORRUPT, f"cannot read the file ({exc.strerror or exc})") from exc


def _normalise(img: Image.Image, max_pixels: int, size_hint: tuple[int, int] | None,
               convert: bool) -> Decoded:
    if img.format not in SUPPORTED_FORMATS:
        raise Rejected(UNSUPPORTED, f"{img.format} images are not read; convert to JPEG or PNG")
    width, height = img.size
    if width * height > max_pixels:
        raise Rejected(OVER_PIXEL_LIMIT,
                       pixel_limit_message(width * height, (width, height), max_pixels))
    notes: list[str] = []
    frames = getattr(img, "n_frames", 1)
    if frames > 1:
        notes.append(f"animation with {frames} frames → first frame")
    if img.format == "JPEG" and size_hint is not None:
        side = max(size_hint)  # EXIF may swap axes, so ask for the larger side on both
        img.draft("RGB", (side, side))
    mode = img.mode
    opened = img
    with DECODE_BUDGET.hold(img.size[0] * img.size[1]):  # the size after any JPEG draft
        orientation = img.getexif().get(_ORIENTATION_TAG, 1)  # a PNG decodes to find it
        img.load()
        if orientation in _ORIENTATION_TEXT:
            img = ImageOps.exif_transpose(img)
            notes.append(
                f"EXIF orientation {orientation} applied ({_ORIENTATION_TEXT[orientation]})")
        if size_hint is not None:
            img = _reduced(img, max(size_hint))
        pixels = _rgb_pixels(img, mode) if convert else None
        note = _rgb_note(img, mode)
        # Free the decoded image before the budget lets the next one in; a thread that
        # waits for the CPU must not keep its pixels alive outside the budget.
        img.close()
        opened.close()
    if note:
        notes.append(note)
    return Decoded(pixels, tuple(notes))


def _reduced(img: Image.Image, side: int) -> Image.Image:
    """``img`` shrunk by a whole factor (``Image.reduce``, a box filter) while both sides
    stay at least ``side``, before any RGB conversion makes its per-pixel copies; as it
    is when the mode has no ``reduce`` (16-bit integer modes)."""
    factor = min(img.size) // max(side, 1)
    if factor < 2:
        return img
    try:
        return img.reduce(factor)
    except ValueError:
        return img


_INTEGER_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")


def _rgb_note(img: Image.Image, mode: str) -> str:
    """What turning ``mode`` into RGB does ("" when it is RGB already)."""
    if mode == "RGB":
        return ""
    if mode in _INTEGER_MODES:
        label = "16-bit" if mode.startswith("I;16") else "32-bit integer"
        return f"{label} grayscale ({mode}) → 8-bit RGB"
    if mode == "F":
        return "32-bit float grayscale (F) → 8-bit RGB"
    if _has_alpha(img, mode):
        return f"{_MODE_NAMES.get(mode, mode)} with transparency → RGB on white"
    return f"{_MODE_NAMES.get(mode, mode)} → RGB"


def _has_alpha(img: Image.Image, mode: str) -> bool:
    return mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info


def _rgb_pixels(img: Image.Image, mode: str) -> np.ndarray:
    """RGB uint8 pixels, converted as :func:`_rgb_note` says."""
    if mode in _INTEGER_MODES:
        data = np.asarray(img)  # uint16 or int32: no wider copy of a large image
        if data.max(initial=0) > 255:  # 16-bit range (PIL also opens some 16-bit files as "I")
            data = data // 257
        gray = np.clip(data, 0, 255).astype(np.uint8)
        return np.repeat(gray[..., None], 3, axis=2)
    if mode == "F":
        gray = np.clip(np.nan_to_num(np.asarray(img, dtype=np.float64)), 0, 255)
        return np.repeat(gray.astype(np.uint8)[..., None], 3, axis=2)
    if mode != "RGB" and _has_alpha(img, mode):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return np.asarray(Image.alpha_composite(white, rgba).convert("RGB"))
    return np.asarray(img.convert("RGB"))


_MODE_NAMES = {
    "1": "bilevel (1)",
    "L": "grayscale (L)",
    "LA": "grayscale+alpha (LA)",
    "P": "palette (P)",
    "PA": "palette+alpha (PA)",
    "RGBA": "RGBA",
    "CMYK": "CMYK",
    "YCbCr": "YCbCr",
    "LAB": "LAB",
    "HSV": "HSV",
}


def load_resized(path: Path, image_size: tuple[int, int],
                 max_pixels: int | None = None) -> np.ndarray:
    """Decode ``path`` and resize it to ``image_size`` = (height, width): uint8 RGB, or
    raise :class:`Rejected` saying why not.

    The one image reader of training, evaluation and prediction, so a model sees the
    same pixels in each. The aspect ratio is not kept (the image is stretched), as Keras'
    ``image_dataset_from_directory`` does by default. The app's pixel limit
    (:data:`MAX_PIXELS`) applies everywhere; ``max_pixels`` may only lower it, and a file
    a scan accepted is always under it.
    """
    if not path.exists():
        raise Rejected("not found", "no such file")
    if not path.is_file():
        raise Rejected("not a file", "it is a folder")
    height, width = image_size
    decoded = decode(path, max_pixels=min(max_pixels or MAX_PIXELS, MAX_PIXELS),
                     size_hint=(width, height))
    img = Image.fromarray(decoded.pixels)
    if img.size != (width, height):
        img = img.resize((width, height), Image.Resampling.BILINEAR)
    return np.asarray(img)
