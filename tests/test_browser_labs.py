"""Each cost lab in Chromium: moving a slider redraws its figure with new numbers."""

import pytest

from tests.browser import open_page, screenshot, wait_for_charts, wait_until_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def chart_text(page, index: int) -> str:
    return page.locator(".js-plotly-plot").nth(index).evaluate("el => el.textContent")


def nudge(page, label: str, key: str = "ArrowRight") -> None:
    """Move the slider labelled ``label`` one step with the keyboard, as a user would."""
    thumb = page.locator('[data-testid="stSlider"]', has_text=label).get_by_role("slider")
    thumb.focus()
    page.keyboard.press(key)
    wait_until_idle(page, after_action=True)


def moves_figure(page, label: str, chart: int, before: str, after: str) -> None:
    """Nudge the slider ``label`` and check that figure ``chart`` redraws from ``before``."""
    wait_for_charts(page, 2)
    old = chart_text(page, chart)
    assert before in old
    nudge(page, label)
    page.wait_for_function(
        "([i, old]) => document.querySelectorAll('.js-plotly-plot')[i].textContent !== old",
        arg=[chart, old], timeout=20_000)
    new = chart_text(page, chart)
    assert after in new and new != old


@pytest.mark.parametrize(("path", "label", "before", "after"), [
    ("mobilenet_lab", "Output channels N", "= 0.311", "separable / standard"),
    ("scaling_lab", "Compound coefficient φ", "φ = 1", "φ = 1.25"),
])
def test_a_slider_redraws_the_labs_figure(page, app_url, path, label, before, after):
    open_page(page, f"{app_url}/{path}")
    moves_figure(page, label, 0, before, after)
    screenshot(page, f"lab-{path}")


def test_inception_lab_opens_from_its_section_and_its_slider_redraws(page, app_url):
    open_page(page, app_url)
    nav = page.locator('[data-testid="stSidebarNav"]')
    text = nav.inner_text()
    assert text.index("Cost labs") < text.index("1×1 & Inception") < text.index(
        "Depthwise & MobileNet") < text.index("Compound scaling") < text.index("Data")
    nav.get_by_text("1×1 & Inception").click()
    page.wait_for_url("**/inception_lab")
    wait_until_idle(page, after_action=True)
    main = page.inner_text('[data-testid="stMain"]')
    assert "120,422,400" in main and "2,408,448 + 10,035,200 = 12,443,648" in main
    assert "64 + 128 + 32 + 32 = 256 channels" in main
    moves_figure(page, "Filter size K", 0, "9.7× fewer", "fewer multiply-adds")
    screenshot(page, "lab-inception_lab")

