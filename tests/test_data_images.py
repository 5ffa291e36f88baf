"""Converted files decode to the right RGB pixels, the same way for the scan and the loader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cvlab.data.images import Rejected, decode, load_resized
from cvlab.data.messy import BLUE, RED


@pytest.fixture(scope="module")
def blue(messy) -> Path:
    return messy / "blue"


def _close(pixel, color, tol=12) -> bool:
    return bool(np.all(np.abs(np.asarray(pixel, int) - np.asarray(color)) <= tol))


def test_exif_orientation_is_applied(blue):
    decoded = decode(blue / "rotated.jpg")
    assert decoded.pixels.shape == (40, 20, 3)  # stored 40 wide × 20 tall, shown upright
    assert _close(decoded.pixels[5, 10], RED) and _close(decoded.pixels[35, 10], BLUE)


def test_cmyk_comes_out_as_the_original_rgb(blue):
    pixels = decode(blue / "cmyk.jpg").pixels
    assert pixels.dtype == np.uint8 and pixels.shape == (48, 48, 3)
    assert _close(pixels.reshape(-1, 3).mean(axis=0), BLUE, tol=8)


def test_sixteen_bit_is_scaled_not_clipped(blue):
    pixels = decode(blue / "gray16.png").pixels
    ramp = np.linspace(0, 65535, 48 * 48).reshape(48, 48).astype(np.uint16)
    assert np.array_equal(pixels[..., 0], (ramp // 257).astype(np.uint8))
    assert np.array_equal(pixels[..., 0], pixels[..., 2])
    assert pixels.max() == 255 and pixels.min() == 0


def test_transparency_is_composited_on_white(blue):
    pixels = decode(blue / "rgba.png").pixels
    assert pixels[10, 5].tolist() == [255, 255, 255]
    assert pixels[10, 40].tolist() == list(BLUE)


def test_animation_uses_the_first_frame(blue):
    decoded = decode(blue / "animated.gif")
    assert _close(decoded.pixels[10, 10], BLUE, tol=2)
    assert decoded.notes[0] == "animation with 3 frames → first frame"


def test_plain_rgb_has_no_notes(blue):
    assert decode(blue / "good_00.png").notes == ()


def test_load_resized_stretches_to_height_width(blue):
    pixels = load_resized(blue / "rotated.jpg", (16, 24))
    assert pixels.shape == (16, 24, 3) and pixels.dtype == np.uint8
    assert _close(pixels[2, 12], RED) and _close(pixels[13, 12], BLUE)


def test_extension_lies_are_caught(tmp_path):
    path = tmp_path / "really_a_png.jpg"
    Image.new("RGB", (4, 4), (1, 2, 3)).save(path, format="PNG")
    assert decode(path).pixels[0, 0].tolist() == [1, 2, 3]
    pdf = tmp_path / "doc.tif"
    pdf.write_bytes(b"%PDF-1.4\n" + bytes(100))
    with pytest.raises(Rejected) as info:
        decode(pdf)
    assert info.value.kind == "corrupt"
