"""What a newcomer tripped over, in headless Chromium, each with the input that failed:
no traceback for bad input, settings that survive a page switch, a 16-bit PNG that keeps
its grey, readable charts, a Keras check that stays, one-line thumbnail captions."""

from __future__ import annotations

import contextlib
import io
import math
import re
from itertools import combinations

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests import bad_inputs
from tests.browser import assert_no_exception, open_page, screenshot, wait_until_idle
from tests.conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]
MAIN = '[data-testid="stMain"]'


def act(page) -> None:
    wait_until_idle(page, after_action=True)
    assert_no_exception(page)


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the selectbox labelled ``label``."""
    page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first.click()
    page.get_by_role("option", name=option, exact=True).click()
    act(page)


def test_datasets_bad_folders_are_messages(page, app_url):
    open_page(page, f"{app_url}/datasets")
    page.get_by_text("Folder on disk", exact=True).click()
    act(page)
    caption = page.inner_text(MAIN)
    assert "A relative path here starts at" in caption and "python -m cvlab scan" in caption
    folder = page.get_by_label("Folder", exact=True)
    missing = ROOT / "no-such-folder"
    folder.fill(str(missing))
    folder.press("Enter")
    act(page)
    alert = page.locator('[data-testid="stAlert"]').filter(has_text="does not exist")
    assert str(missing) in alert.locator("code").first.inner_text()
    assert page.locator('[data-testid="stProgress"]').count() == 0  # no stale bar above it
    screenshot(page, "first-use-missing-folder")
    folder.fill(str(ROOT / "assets"))  # files but no class folders
    folder.press("Enter")
    act(page)
    codes = page.locator('[data-testid="stAlert"] code').all_inner_texts()
    assert any(code.endswith("cat/*.jpg") for code in codes), codes  # code, not italics
    assert page.locator('[data-testid="stAlert"] em').count() == 0


def _red_offset(sidebar):
    """The RGB shift's "Offsets: R" slider (its settings expander opened first)."""
    sidebar.get_by_text("RGB channel shift settings").click()
    slider = sidebar.locator('[data-testid="stSlider"]').filter(has_text="Offsets: R")
    slider.wait_for()
    return slider


def test_rgb_shift_survives_a_trip_to_home(page, app_url):
    open_page(page, f"{app_url}/augmentation_studio")
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("RGB channel shift", exact=True).click()
    # The settings expander and the grid's "RGBShift(" only come with the toggle's rerun;
    # wait for them and for that rerun to end, or key presses land on a slider being redrawn.
    sidebar.get_by_text("RGB channel shift settings").wait_for(timeout=60_000)
    page.locator(MAIN).get_by_text("RGBShift(").first.wait_for(timeout=60_000)
    act(page)
    slider = _red_offset(sidebar)
    thumb = slider.get_by_role("slider")
    value = slider.locator('[data-testid="stSliderThumbValue"]')
    assert value.inner_text() == "20.00"
    # One step at a time, each checked once the rerun it may start is over: on a busy
    # server a step the slider has sent reruns the script, and a press during that rerun
    # is undone when the rerun ends and redraws the slider with the value it ran with.
    for step in range(21, 23):
        for _ in range(3):
            if value.inner_text() == f"{step}.00":
                break
            thumb.focus()
            thumb.press("ArrowRight")
            with contextlib.suppress(PlaywrightTimeout):
                value.get_by_text(f"{step}.00", exact=True).wait_for(timeout=5_000)
            wait_until_idle(page, after_action=True)
        assert value.inner_text() == f"{step}.00"
    thumb.press("Tab")  # the slider sends its value when it loses focus
    shifted = page.locator(MAIN).get_by_text("RGBShift(offsets=(22.0, 10.0, -5.0)")
    shifted.first.wait_for(timeout=60_000)
    act(page)
    assert "22.00" in slider.inner_text()
    sidebar.get_by_role("link", name="Home").click()
    act(page)
    sidebar.get_by_role("link", name="Augmentation Studio").click()
    act(page)
    assert "22.00" in _red_offset(sidebar).inner_text()
    assert "RGBShift(offsets=(22.0, 10.0, -5.0)" in page.inner_text(MAIN)


def test_uploads_in_the_studio(page, app_url, tmp_path):
    open_page(page, f"{app_url}/augmentation_studio")
    choose(page, "Photo", "Upload…")
    upload = page.locator('[data-testid="stFileUploaderDropzoneInput"]').first
    files = bad_inputs.image_files()
    for kind in ("huge", "not_image"):
        name, data = files[kind]
        (tmp_path / name).write_bytes(data)
        upload.set_input_files(str(tmp_path / name))
        page.get_by_text(f"{name} cannot be used").wait_for(timeout=30_000)
        assert_no_exception(page)
    name, data = files["deep"]
    (tmp_path / name).write_bytes(data)
    upload.set_input_files(str(tmp_path / name))
    original = page.locator('[data-testid="stImage"]').filter(has_text="Original").locator("img")
    original.wait_for(timeout=30_000)
    wait_until_idle(page)
    pixels = np.asarray(Image.open(io.BytesIO(page.request.get(
        original.get_attribute("src")).body())).convert("RGB"))
    assert abs(float(pixels.mean()) - bad_inputs.DEEP_VALUE // 257) < 3  # not near white
    screenshot(page, "first-use-studio-16-bit")


def _boxes(page, selector: str) -> list[dict]:
    return page.locator(selector).evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return {x0: r.left, y0: r.top, x1: r.right, y1: r.bottom, text: e.textContent}; })")


def _texts(page, selector: str) -> list[str]:
    """Text of SVG elements (which have no innerText)."""
    return page.locator(selector).evaluate_all("els => els.map(e => e.textContent)")


def _assert_compare_chart_reads(page) -> None:
    """Every chart's network names: none overlaps another, none is cut off at its chart's
    edges; the size chart's ticks are numbers with their unit."""
    page.wait_for_selector(".js-plotly-plot g.annotation", timeout=30_000)
    page.wait_for_timeout(500)
    charts = page.locator(".js-plotly-plot").count()
    named = 0
    for index in range(charts):
        chart = f".js-plotly-plot >> nth={index} >> "
        names = _boxes(page, chart + "g.annotation text")
        named += len(names)
        for a, b in combinations(names, 2):
            overlap = (min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > 1
                       and min(a["y1"], b["y1"]) - max(a["y0"], b["y0"]) > 1)
            assert not overlap, (a["text"], b["text"])
        (frame,) = _boxes(page, chart + ".main-svg >> nth=0")
        for name in names:  # nothing cut off at the chart's edges
            assert frame["x0"] <= name["x0"] and name["x1"] <= frame["x1"], name["text"]
            assert frame["y0"] <= name["y0"] and name["y1"] <= frame["y1"], name["text"]
    assert named >= 19
    size_chart = ".js-plotly-plot >> nth=0 >> "  # Compare Models adds an accuracy chart below
    ticks = _texts(page, size_chart + ".xtick text") + _texts(page, size_chart + ".ytick text")
    assert ticks
    for text in ticks:
        assert re.fullmatch(r"\d+(\.\d+)? [KMG]", text), text  # a number and its unit


def test_home_and_compare_charts_read_cleanly(page, app_url):
    open_page(page, app_url)
    _assert_compare_chart_reads(page)
    assert "LeNet-5 (" in page.inner_text(MAIN)
    open_page(page, f"{app_url}/compare_models")
    _assert_compare_chart_reads(page)
    screenshot(page, "first-use-compare")


def test_explorer_titles_stages_aux_and_a_lasting_keras_check(page, app_url):
    open_page(page, f"{app_url}/architecture_explorer")
    assert "Shape flow of MobileNet v2" in page.inner_text(MAIN)
    sidebar = page.locator('[data-testid="stSidebar"]')
    choose(page, "Model", "GoogLeNet (Inception v1)")
    assert sidebar.get_by_text("Auxiliary classifiers (training only)").count() == 1
    sidebar.get_by_text("Include the classifier head").click()
    act(page)
    assert sidebar.get_by_text("Auxiliary classifiers (training only)").count() == 0
    assert "switch the head on" in sidebar.inner_text()

    choose(page, "Model", "LeNet-5")
    page.get_by_role("button", name="Build in Keras and verify").click()
    page.get_by_text("Every count agrees").wait_for(timeout=120_000)
    page.get_by_role("tab", name="Heaviest layers").click()
    page.get_by_text("parameters", exact=True).click()  # the next widget change
    act(page)
    assert page.get_by_text("Every count agrees").count() == 1

    page.get_by_text("Your own stack").first.click()
    act(page)
    page.get_by_role("tab", name="By branch").click()
    page.wait_for_timeout(500)
    stages = _texts(page, ".js-plotly-plot .ytick text")
    assert {"32×32", "16×16", "head"} <= set(stages), stages
    screenshot(page, "first-use-own-stack")


def test_thumbnail_captions_stay_on_one_line(page, app_url):
    open_page(page, f"{app_url}/datasets")
    captions = page.locator('[data-testid="stImageCaption"]')
    captions.first.wait_for(timeout=30_000)
    heights = captions.evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().height"
        " / parseFloat(getComputedStyle(e).lineHeight))")
    assert heights and max(heights) < 1.5, heights
    assert math.isfinite(max(heights))
