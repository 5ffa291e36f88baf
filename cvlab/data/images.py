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
"""

from __future__ import annotations

import io
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

# Default cap on width × height, checked from the header before decoding.
DEFAULT_MAX_PIXELS = 50_000_000

# Skip reasons, as the report names them.
CORRUPT = "corrupt"
TRUNCATED = "truncated"
ZERO_BYTE = "zero-byte"
NOT_AN_IMAGE = "not an image"
UNSUPPORTED = "unsupported"
OVER_PIXEL_LIMIT = "over the pixel limit"

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


class Rejected(Exception):
    """A file that cannot be used; ``kind`` is one of the skip reasons above."""

    def __init__(self, kind: str, detail: str):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class Decoded:
    """A normalised image and the conversions applied to get it (empty when none)."""

    pixels: np.ndarray
    notes: tuple[str, ...]


def decode(
    path: Path,
    *,
    data: bytes | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    size_hint: tuple[int, int] | None = None,
) -> Decoded:
    """Fully decode ``path`` to RGB uint8 or raise :class:`Rejected`.

    ``size_hint`` (width, height) lets JPEGs decode at a reduced DCT scale no smaller
    than the hint; the whole bit stream is still read, so truncation is still caught.
    ``data`` is the file's bytes when the caller has already read them (to hash them).
    """
    suffix = path.suffix.lower()
    if suffix in UNSUPPORTED_EXTENSIONS:
        raise Rejected(UNSUPPORTED, f"{suffix} files are not read; convert them to JPEG or PNG")
    if suffix not in IMAGE_EXTENSIONS:
        raise Rejected(NOT_AN_IMAGE, f"extension {suffix or '(none)'} is not an image type")
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise Rejected(CORRUPT, f"cannot read the file ({exc.strerror})") from exc
    if not data:
        raise Rejected(ZERO_BYTE, "the file is empty")
    try:
        with Image.open(io.BytesIO(data)) as img:
            return _normalise(img, max_pixels, size_hint)
    except Rejected:
        raise
    except Image.DecompressionBombError as exc:
        raise Rejected(OVER_PIXEL_LIMIT, str(exc)) from exc
    except UnidentifiedImageError as exc:
        raise Rejected(CORRUPT, "the bytes are not a readable image") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        message = str(exc)
        if "truncated" in message or isinstance(exc, EOFError):
            detail = f"decoding stopped early: {message or 'end of file'}"
            raise Rejected(TRUNCATED, detail) from exc
        raise Rejected(CORRUPT, f"decoding failed: {message or type(exc).__name__}") from exc


def _normalise(img: Image.Image, max_pixels: int, size_hint: tuple[int, int] | None) -> Decoded:
    if img.format not in SUPPORTED_FORMATS:
        raise Rejected(UNSUPPORTED, f"{img.format} images are not read; convert to JPEG or PNG")
    width, height = img.size
    if width * height > max_pixels:
        raise Rejected(
            OVER_PIXEL_LIMIT,
            f"{width}×{height} = {width * height:,} pixels is over the limit of {max_pixels:,}",
        )
    notes: list[str] = []
    frames = getattr(img, "n_frames", 1)
    if frames > 1:
        notes.append(f"animation with {frames} frames → first frame")
    orientation = img.getexif().get(_ORIENTATION_TAG, 1)
    if img.format == "JPEG" and size_hint is not None:
        side = max(size_hint)  # orientation may swap axes, so ask for the larger side on both
        img.draft("RGB", (side, side))
    mode = img.mode
    img.load()
    if orientation in _ORIENTATION_TEXT:
        img = ImageOps.exif_transpose(img)
        notes.append(f"EXIF orientation {orientation} applied ({_ORIENTATION_TEXT[orientation]})")
    pixels, note = _to_rgb(img, mode)
    if note:
        notes.append(note)
    return Decoded(pixels, tuple(notes))


def _to_rgb(img: Image.Image, mode: str) -> tuple[np.ndarray, str]:
    """RGB uint8 pixels and a note naming the conversion ("" when already RGB)."""
    if mode == "RGB":
        return np.asarray(img.convert("RGB")), ""
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        data = np.asarray(img, dtype=np.int64)
        if data.max(initial=0) > 255:  # 16-bit range (PIL also opens some 16-bit files as "I")
            data = data // 257
        gray = np.clip(data, 0, 255).astype(np.uint8)
        label = "16-bit" if mode.startswith("I;16") else "32-bit integer"
        return np.repeat(gray[..., None], 3, axis=2), f"{label} grayscale ({mode}) → 8-bit RGB"
    if mode == "F":
        data = np.nan_to_num(np.asarray(img, dtype=np.float64))
        gray = np.clip(data, 0, 255).astype(np.uint8)
        return np.repeat(gray[..., None], 3, axis=2), "32-bit float grayscale (F) → 8-bit RGB"
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info
    if has_alpha:
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        rgb = Image.alpha_composite(white, rgba).convert("RGB")
        return np.asarray(rgb), f"{_MODE_NAMES.get(mode, mode)} with transparency → RGB on white"
    return np.asarray(img.convert("RGB")), f"{_MODE_NAMES.get(mode, mode)} → RGB"


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
    ``image_dataset_from_directory`` does by default. ``max_pixels`` ``None`` applies no
    limit, for files a scan has already validated; files straight from a user should
    pass :data:`DEFAULT_MAX_PIXELS`.
    """
    if not path.exists():
        raise Rejected("not found", "no such file")
    if not path.is_file():
        raise Rejected("not a file", "it is a folder")
    height, width = image_size
    decoded = decode(path, max_pixels=2**62 if max_pixels is None else max_pixels,
                     size_hint=(width, height))
    img = Image.fromarray(decoded.pixels)
    if img.size != (width, height):
        img = img.resize((width, height), Image.Resampling.BILINEAR)
    return np.asarray(img)
