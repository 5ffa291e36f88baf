"""A learner's model file on Feature Maps in headless Chromium (issue 22): uploaded, then
Grad-CAM at the last convolution and at one picked inside a nested model."""

from __future__ import annotations

import pytest

from tests.browser import assert_no_exception, open_page, screenshot, wait_until_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]
MAIN = '[data-testid="stMain"]'


def test_an_uploaded_model_file_shows_grad_cam_at_a_picked_layer(page, app_url, tmp_path):
    from cvlab.lazy_tf import keras

    k = keras()
    inner_in = k.Input((32, 32, 3))
    y = k.layers.Conv2D(8, 3, padding="same", activation="relu", name="c1")(inner_in)
    inner = k.Model(inner_in, k.layers.DepthwiseConv2D(3, padding="same", name="dw")(y),
                    name="base")
    inputs = k.Input((32, 32, 3))
    x = k.layers.Conv2D(4, 1, name="top_conv")(inner(k.layers.Rescaling(1 / 255)(inputs)))
    x = k.layers.GlobalAveragePooling2D()(x)
    k.Model(inputs, k.layers.Dense(3, activation="softmax")(x)).save(tmp_path / "mine.keras")

    open_page(page, f"{app_url}/feature_maps", timeout_ms=180_000)
    main = page.locator(MAIN)
    main.get_by_text("Your model file", exact=True).click()
    wait_until_idle(page, after_action=True)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(
        str(tmp_path / "mine.keras"))
    main.get_by_text("Grad-CAM at top_conv for “class").wait_for(timeout=120_000)
    assert_no_exception(page)
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Grad-CAM at layer").click()
    page.get_by_role("option", name="base/dw (DepthwiseConv2D · 32×32×8)").click()
    wait_until_idle(page, after_action=True)
    main.get_by_text("Grad-CAM at base/dw for “class").wait_for(timeout=60_000)
    assert_no_exception(page)
    loaded = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stImage"] img')]
        .map(img => img.complete && img.naturalWidth > 0)""")
    assert len(loaded) == 3 and all(loaded), loaded  # photo, overlay, the layer's maps
    assert "base/dw: output 32×32×8" in main.inner_text()
    screenshot(page, "feature-maps-model-file")
