"""The Explorer in real Chromium: upload a small .keras file, see its table and charts."""

import pytest

from tests.browser import (
    assert_no_exception,
    open_page,
    screenshot,
    wait_for_charts,
    wait_until_idle,
)
from tests.model_files import small_model_file

pytestmark = [pytest.mark.browser, pytest.mark.slow]
MAIN = '[data-testid="stMain"]'


def test_explorer_opens_an_uploaded_model_file(page, app_url, tmp_path):
    path = small_model_file(tmp_path / "tiny_net.keras")
    open_page(page, f"{app_url}/architecture_explorer")
    page.get_by_text("Your model file").first.click()
    wait_until_idle(page, after_action=True)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(path))
    page.get_by_text("Keras' own count").wait_for(timeout=180_000)
    wait_until_idle(page)
    assert_no_exception(page)
    assert wait_for_charts(page, 2) >= 2
    main = page.inner_text(MAIN)
    assert "equal, as always" in main and "Layer by layer" in main
    assert page.locator('[data-testid="stDataFrame"]').count() >= 1
    screenshot(page, "explorer-model-file")
