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


@pytest.mark.parametrize(("path", "label", "chart", "before", "after"), [
    ("inception_lab", "Filter size K", 0, "9.7× fewer", "fewer multiply-adds"),
    ("mobilenet_lab", "Output channels N", 0, "= 0.311", "separable / standard"),
    ("scaling_lab", "Compound coefficient φ", 0, "φ = 1", "φ = 1.25"),
])
def test_a_slider_redraws_the_labs_figure(page, app_url, path, label, chart, before, after):
    open_page(page, f"{app_url}/{path}")
    wait_for_charts(page, 2)
    old = chart_text(page, chart)
    assert before in old
    nudge(page, label)
    page.wait_for_function(
        "([i, old]) => document.querySelectorAll('.js-plotly-plot')[i].textContent !== old",
        arg=[chart, old], timeout=20_000)
    new = chart_text(page, chart)
    assert after in new and new != old
    screenshot(page, f"lab-{path}")


def test_labs_open_from_the_sidebar_in_their_section(page, app_url):
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


def test_explorer_example_shows_the_cost_per_branch(page, app_url):
    open_page(page, f"{app_url}/architecture_explorer")
    page.get_by_text("Your own stack").first.click()
    wait_until_idle(page, after_action=True)
    page.get_by_role("button", name="Inception module").click()
    wait_until_idle(page, after_action=True)
    main = page.locator('[data-testid="stMain"]')
    assert "128.05M" in main.inner_text()
    wait_for_charts(page, 2)
    branches = chart_text(page, 1)
    assert all(b in branches for b in ("b1", "b3", "b5", "pool_proj"))
    screenshot(page, "explorer-inception-graph")
