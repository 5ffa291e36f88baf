"""Every page in real headless Chromium: it draws, its charts have data, no exception box."""

import pytest

from tests.browser import (
    assert_no_exception,
    open_page,
    screenshot,
    wait_for_charts,
    wait_until_idle,
)
from ui.navigation import HOME, PAGES

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_home_page_draws_the_comparison(page, app_url):
    open_page(page, app_url)
    assert wait_for_charts(page, 1) >= 1
    assert "Architecture Explorer" in page.inner_text("body")
    screenshot(page, "home")


@pytest.mark.parametrize("entry", PAGES[1:], ids=lambda e: e.url_path)
def test_every_page_renders_in_its_section(page, app_url, entry):
    open_page(page, f"{app_url}/{entry.url_path}")
    body = page.inner_text("body")
    assert "Traceback" not in body
    assert entry.title in page.inner_text('[data-testid="stMain"] h1')
    nav = page.inner_text('[data-testid="stSidebarNav"]')
    assert entry.section in nav and HOME.title in nav
    screenshot(page, entry.url_path)


def test_explorer_charts_and_model_switch(page, app_url):
    open_page(page, f"{app_url}/architecture_explorer")
    assert wait_for_charts(page, 2) >= 2
    assert "About MobileNet" in page.inner_text('[data-testid="stMain"]')
    page.get_by_text("Your own stack").first.click()
    wait_until_idle(page, after_action=True)
    page.wait_for_selector("textarea")
    assert_no_exception(page)
    assert "34.09K" in page.inner_text('[data-testid="stMain"]')
    screenshot(page, "explorer-own-stack")


def test_explorer_verify_button_shows_keras_counts(page, app_url):
    open_page(page, f"{app_url}/architecture_explorer")
    page.get_by_role("button", name="Build in Keras and verify").click()
    page.get_by_text("Every count agrees").wait_for(timeout=120_000)
    page.get_by_text("keras.applications.MobileNetV2").wait_for()
    main = page.inner_text('[data-testid="stMain"]')
    assert "3,538,984" in main
    screenshot(page, "explorer-verified")
