"""Feature Maps & Grad-CAM in headless Chromium: the overlay for a bundled photo, a stage step."""

import pytest

from tests.browser import assert_no_exception, open_page, screenshot, wait_until_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_cat_photo_shows_gradcam_overlay_and_steps_a_stage(page, app_url):
    open_page(page, f"{app_url}/feature_maps", timeout_ms=180_000)
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text("Grad-CAM for “").first.wait_for(timeout=60_000)
    images = page.locator('[data-testid="stImage"] img')
    assert images.count() >= 4  # photo, overlay, one stage's grid, the filters
    loaded = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stImage"] img')]
        .map(img => img.complete && img.naturalWidth > 0)""")
    assert all(loaded), loaded
    text = main.inner_text()
    assert "Top-5 ImageNet classes" in text or page.locator(".js-plotly-plot").count() == 1
    assert "stem: output 112×112×32" in text and "layer out_relu" in text.replace("`", "")
    screenshot(page, "feature-maps-cat")

    page.get_by_role("slider").first.focus()
    page.keyboard.press("End")
    wait_until_idle(page, after_action=True)
    assert_no_exception(page)
    main.get_by_text("top: output 7×7×1280").wait_for(timeout=30_000)
    screenshot(page, "feature-maps-top-stage")
