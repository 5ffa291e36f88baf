"""Write a small, deliberately messy folder-per-class dataset: one of every real-world problem.

It exists to show (and to test) what :func:`cvlab.data.scan.scan` catches. Layout::

    README.txt                   loose file in the root: not used
    .DS_Store, __MACOSX/…        system debris: ignored
    red/   good_00..07.jpg       usable, reddish noise
           corrupt.jpg           random bytes                      → skipped: corrupt
           truncated.jpg         a JPEG cut short                  → skipped: truncated
           empty.jpg             zero bytes                        → skipped: zero-byte
           notes.txt             text                              → skipped: not an image
           photo.heic            a format not read here            → skipped: unsupported
           panorama.jpg          6000×500 = 3 MP                   → skipped when max_pixels < 3 MP
           ._good_00.jpg         AppleDouble debris                → ignored
    blue/  good_00..07.png       usable, bluish noise
           cmyk.jpg, gray16.png, rgba.png, palette.png, animated.gif
                                 usable after conversion to RGB
           rotated.jpg           EXIF orientation 6: stored 40×20 with red left / blue right
                                 half, so upright it is 20×40 with red on top
           same_as_red.jpg       byte-identical to red/good_00.jpg → duplicate across classes
    tiny/  good_0..2.png         a class with 3 images             → tiny-class warning
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

RED = (220, 30, 30)
BLUE = (30, 40, 220)
GREEN = (30, 200, 60)


def write_messy_dataset(dest: Path, *, seed: int = 0) -> Path:
    """Create the messy dataset under ``dest`` (created) and return ``dest``."""
    rng = np.random.default_rng(seed)
    red, blue, tiny = (dest / name for name in ("red", "blue", "tiny"))
    for folder in (red, blue, tiny, dest / "__MACOSX" / "red"):
        folder.mkdir(parents=True, exist_ok=True)
    (dest / "README.txt").write_text("A deliberately messy dataset made by cvlab.\n")
    (dest / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1" + bytes(64))
    (dest / "__MACOSX" / "red" / "._good_00.jpg").write_bytes(b"\x00\x05\x16\x07" + bytes(60))
    (red / "._good_00.jpg").write_bytes(b"\x00\x05\x16\x07" + bytes(60))

    for i in range(8):
        _noisy(RED, rng).save(red / f"good_{i:02d}.jpg", quality=90)
        _noisy(BLUE, rng).save(blue / f"good_{i:02d}.png")
    for i in range(3):
        _noisy(GREEN, rng).save(tiny / f"good_{i}.png")

    (red / "corrupt.jpg").write_bytes(rng.integers(0, 256, 4096, dtype=np.uint8).tobytes())
    buffer = io.BytesIO()
    _noisy(RED, rng, size=(128, 128)).save(buffer, format="JPEG", quality=95)
    (red / "truncated.jpg").write_bytes(buffer.getvalue()[: len(buffer.getvalue()) * 6 // 10])
    (red / "empty.jpg").write_bytes(b"")
    (red / "notes.txt").write_text("not a picture\n")
    (red / "photo.heic").write_bytes(b"\x00\x00\x00\x18ftypheic" + bytes(64))
    Image.new("RGB", (6000, 500), RED).save(red / "panorama.jpg", quality=80)

    _noisy(BLUE, rng).convert("CMYK").save(blue / "cmyk.jpg", quality=95)
    ramp = np.linspace(0, 65535, 48 * 48).reshape(48, 48).astype(np.uint16)
    Image.fromarray(ramp).save(blue / "gray16.png")
    rgba = np.zeros((48, 48, 4), np.uint8)
    rgba[..., :3] = BLUE
    rgba[:, 24:, 3] = 255  # left half fully transparent → white once composited
    Image.fromarray(rgba, "RGBA").save(blue / "rgba.png")
    _noisy(BLUE, rng).quantize(16).save(blue / "palette.png")
    frames = [Image.new("RGB", (48, 48), color) for color in (BLUE, RED, GREEN)]
    frames[0].save(blue / "animated.gif", save_all=True, append_images=frames[1:], duration=100)
    _write_rotated(blue / "rotated.jpg")
    (blue / "same_as_red.jpg").write_bytes((red / "good_00.jpg").read_bytes())
    return dest


def _noisy(color: tuple[int, int, int], rng: np.random.Generator, size=(48, 48)) -> Image.Image:
    noise = rng.integers(-20, 21, (size[1], size[0], 3))
    pixels = np.clip(np.array(color) + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels, "RGB")


def _write_rotated(path: Path) -> None:
    """Stored 40 wide × 20 tall, left half red, right half blue; EXIF says rotate 90° CW."""
    pixels = np.zeros((20, 40, 3), np.uint8)
    pixels[:, :20] = RED
    pixels[:, 20:] = BLUE
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(pixels, "RGB").save(path, quality=95, exif=exif)
