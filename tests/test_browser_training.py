"""Click-to-train in headless Chromium: the bundled faces sample, frozen mode, then evaluate."""

import pytest

from tests.browser import (
    assert_no_exception,
    open_page,
    screenshot,
    wait_for_charts,
    wait_until_idle,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_train_the_faces_sample_with_clicks_then_evaluate(page, app_url):
    open_page(page, f"{app_url}/training_studio")
    main = page.locator('[data-testid="stMain"]')
    assert "Training runs on: CPU" in main.inner_text()
    page.get_by_role("button", name="▶ Train").click()
    page.get_by_text("Training finished").wait_for(timeout=240_000)
    page.get_by_text("Best val accuracy").wait_for(timeout=30_000)  # the page's full rerun
    wait_until_idle(page)
    assert_no_exception(page)
    assert wait_for_charts(page, 1) >= 1
    text = main.inner_text()
    assert "Best val accuracy" in text and "130 / 40" in text  # 30 images kept for test
    screenshot(page, "training-finished")

    page.get_by_role("button", name="Evaluate on held-out images").click()
    page.get_by_text("Most confident mistakes").or_(page.get_by_text("Misclassified")).first \
        .wait_for(timeout=120_000)
    wait_until_idle(page)
    assert_no_exception(page)
    assert "precision" in main.inner_text()
    assert wait_for_charts(page, 2) >= 2
    screenshot(page, "training-evaluated")

    page.get_by_role("tab", name="🔍 Try it").click()
    page.get_by_text("Held-out image", exact=True).wait_for(timeout=30_000)
    wait_until_idle(page)
    assert_no_exception(page)
    assert "probability" in main.inner_text()
    screenshot(page, "training-try-it")
