"""The Transfer Lab in headless Chromium: a small data-size experiment run with clicks."""

import pytest

from tests.browser import assert_no_exception, open_page, screenshot, wait_until_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _drop_last(page, label: str, count: int) -> None:
    """Remove the last ``count`` chosen options of the multiselect labelled ``label``."""
    box = page.locator('[data-testid="stMultiSelect"]', has_text=label)
    box.locator("input").click()
    for _ in range(count):
        page.keyboard.press("Backspace")
    page.keyboard.press("Escape")
    wait_until_idle(page, after_action=True)


def test_run_a_small_data_size_experiment_and_see_its_plot(page, app_url):
    open_page(page, f"{app_url}/transfer_lab")
    main = page.locator('[data-testid="stMain"]')
    assert "rule of thumb" in main.inner_text()
    _drop_last(page, "Modes to compare", 2)  # frozen, full, scratch → frozen
    _drop_last(page, "Training images per class", 1)  # 5, 10, 25 → 5, 10
    page.get_by_role("spinbutton", name="Epochs per run").fill("1")
    page.keyboard.press("Enter")
    wait_until_idle(page, after_action=True)
    assert "2 training runs" in main.inner_text()  # frozen at 5 and at 10 per class
    page.get_by_role("button", name="▶ Run the experiment").click()
    page.get_by_text("every point is tested on the same").wait_for(timeout=400_000)
    # The curve is drawn as soon as its first point is done; the job has ended (and the
    # page has rerun to show all of it) once its Stop button and progress bar are gone.
    stop = page.get_by_role("button", name="⏹ Stop after this batch")
    stop.wait_for(state="detached", timeout=400_000)
    main.locator('[data-testid="stProgress"]').first.wait_for(state="detached",
                                                               timeout=60_000)
    wait_until_idle(page, after_action=True)
    # the experiment's runs
    page.get_by_text("Click a cell to see its images").wait_for(timeout=120_000)
    wait_until_idle(page)
    assert_no_exception(page)
    curve = page.locator(".js-plotly-plot", has_text="training images per class")
    assert curve.locator(".scatterlayer .trace").count() == 1  # one line: frozen
    assert curve.locator(".scatterlayer .point").count() == 2  # at 5 and 10 per class
    screenshot(page, "transfer-lab-curve")

    # The experiment's runs were tested: click a confusion cell (true face, predicted
    # not_face) and see exactly that cell's images.
    chart = page.locator(".js-plotly-plot", has_text="Click a cell")
    chart.scroll_into_view_if_needed()
    chart.locator(".scatterlayer .point").nth(1).click(force=True)
    wait_until_idle(page, after_action=True)
    assert_no_exception(page)
    page.get_by_text("of class face predicted as not_face").wait_for(timeout=30_000)
    screenshot(page, "transfer-lab-confusion-cell")

    page.reload()  # stored on disk: a reload shows the same plot
    open_page(page, page.url)
    page.get_by_text("every point is tested on the same").wait_for(timeout=60_000)
    screenshot(page, "transfer-lab-reloaded")
