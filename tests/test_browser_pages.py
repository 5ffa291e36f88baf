"""Every page in real headless Chromium: it draws, its charts have data, no exception box."""

import re

import pytest

from tests.browser import (
    assert_no_exception,
    open_page,
    screenshot,
    wait_for_charts,
    wait_until_idle,
)
from tests.conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = sorted((ROOT / "pages").glob("*.py"))


def url_path(page_file) -> str:
    """Streamlit's URL for a pages/ file: number prefix and emoji dropped."""
    stem = re.sub(r"^\d+_", "", page_file.stem)
    return re.sub(r"[^\w]", "", stem, flags=re.ASCII).strip("_")


def test_home_page_draws_the_comparison(page, app_url):
    open_page(page, app_url)
    assert wait_for_charts(page, 1) >= 1
    assert "Architecture Explorer" in page.inner_text("body")
    screenshot(page, "home")


@pytest.mark.parametrize("page_file", PAGES, ids=lambda p: url_path(p))
def test_every_page_renders_without_exception(page, app_url, page_file):
    open_page(page, f"{app_url}/{url_path(page_file)}")
    body = page.inner_text("body")
    assert "Traceback" not in body
    screenshot(page, url_path(page_file))


def test_explorer_charts_and_model_switch(page, app_url):
    open_page(page, f"{app_url}/Architecture_Explorer")
    assert wait_for_charts(page, 2) >= 2
    assert "About MobileNet" in page.inner_text('[data-testid="stMain"]')
    page.get_by_text("Your own stack").first.click()
    wait_until_idle(page, after_action=True)
    page.wait_for_selector("textarea")
    assert_no_exception(page)
    assert "34.09K" in page.inner_text('[data-testid="stMain"]')
    screenshot(page, "explorer-own-stack")


def test_explorer_verify_button_shows_keras_counts(page, app_url):
    open_page(page, f"{app_url}/Architecture_Explorer")
    page.get_by_role("button", name="Build in Keras and verify").click()
    page.get_by_text("Every count agrees").wait_for(timeout=120_000)
    page.get_by_text("keras.applications.MobileNetV2").wait_for()
    main = page.inner_text('[data-testid="stMain"]')
    assert "3,538,984" in main
    screenshot(page, "explorer-verified")
