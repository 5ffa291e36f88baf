"""The ResNet Lab in headless Chromium: run a small degradation experiment with clicks,
watch it finish as a job, and find it again after a reload."""

import pytest

from tests.browser import (
    assert_no_exception,
    open_page,
    screenshot,
    wait_for_charts,
    wait_until_idle,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_run_a_one_depth_experiment_with_clicks_then_reload(page, app_url):
    open_page(page, f"{app_url}/resnet_lab")
    main = page.locator('[data-testid="stMain"]')
    assert "zero padding" in main.inner_text()
    screenshot(page, "resnet-lab-start")

    depths = page.get_by_label("Depths (6n + 2 layers)")  # 8, 20, 56 chosen: keep only 8
    depths.click()
    depths.press("Backspace")
    depths.press("Backspace")
    page.keyboard.press("Escape")
    wait_until_idle(page, after_action=True)
    epochs = page.get_by_role("spinbutton", name="Epochs")
    epochs.fill("1")
    epochs.press("Enter")
    wait_until_idle(page, after_action=True)
    page.get_by_role("button", name="▶ Run the experiment").click()
    page.get_by_text("Degradation: depths 8 · 1 epoch · seed 0").first.wait_for(
        timeout=30_000)
    page.get_by_text("load average at the start", exact=False).first.wait_for(timeout=300_000)
    wait_until_idle(page)
    assert_no_exception(page)
    assert wait_for_charts(page, 2) >= 2
    text = main.inner_text()
    assert "finished" in text and "Animal-MNIST" in text and "load average" in text
    screenshot(page, "resnet-lab-finished")

    page.reload(wait_until="domcontentloaded")  # the job id is in the URL; disk has the rest
    wait_until_idle(page)
    assert_no_exception(page)
    assert wait_for_charts(page, 2) >= 2
    assert "Degradation: depths 8 · 1 epoch · seed 0" in main.inner_text()
