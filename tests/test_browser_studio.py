"""Click-throughs in headless Chromium: the Augmentation Studio and the Datasets page."""

import pytest

from tests.browser import assert_no_exception, open_page, screenshot, wait_until_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def grid_images(page) -> list[str]:
    return page.locator('[data-testid="stMain"] [data-testid="stImage"] img').evaluate_all(
        "imgs => imgs.map(i => i.src)")


def test_studio_grid_redraws_when_an_augmentation_is_switched_on(page, app_url):
    open_page(page, f"{app_url}/augmentation_studio")
    before = grid_images(page)
    assert len(before) == 10  # the original and nine draws
    page.get_by_text("RGB channel shift", exact=True).click()
    wait_until_idle(page, after_action=True)
    assert_no_exception(page)
    after = grid_images(page)
    assert len(after) == 10 and after[1:] != before[1:]
    assert "RGBShift" in page.inner_text('[data-testid="stMain"]')
    screenshot(page, "studio-rgb-shift")


def test_datasets_page_lists_what_the_messy_sample_skips(page, app_url):
    open_page(page, f"{app_url}/datasets")
    page.locator('[data-testid="stSelectbox"]').first.click()
    page.get_by_text("Messy:", exact=False).first.click()
    wait_until_idle(page, after_action=True)
    assert_no_exception(page)
    main = page.inner_text('[data-testid="stMain"]')
    assert "Skipped (0)" not in main and "Converted (0)" not in main
    screenshot(page, "datasets-messy")
