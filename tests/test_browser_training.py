"""The Training Studio in headless Chromium: a training job outlives a reload; Train
pressed in a second browser while it runs queues with a position; the second browser sees
the job on the Jobs page but cannot stop it, and its owner can. The bundled faces sample,
frozen mode, 64 px."""

import contextlib
import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser import (
    SHOTS,
    assert_no_exception,
    open_page,
    screenshot,
    wait_for_charts,
    wait_until_idle,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def choose(page, *, epochs: int, full: bool = False) -> None:
    """64 px images (two steps left of 128), ``epochs`` epochs, the full mode if ``full``."""
    if full:
        page.get_by_text("full: start from ImageNet, train every layer").click()
        wait_until_idle(page, after_action=True)
    slider = page.locator('[data-testid="stSlider"]', has_text="Image size").get_by_role("slider")
    slider.focus()
    for _ in range(2):
        slider.press("ArrowLeft")
    wait_until_idle(page, after_action=True)
    epochs_box = page.get_by_label("Epochs", exact=True)
    epochs_box.fill(str(epochs))
    epochs_box.press("Enter")
    wait_until_idle(page, after_action=True)


def train(page) -> None:
    page.get_by_role("button", name="▶ Train").click()
    wait_until_idle(page, after_action=True)


def test_training_runs_on_through_a_reload_then_evaluates(page, app_url):
    open_page(page, f"{app_url}/training_studio")
    main = page.locator('[data-testid="stMain"]')
    page.get_by_text("Training runs on: CPU").wait_for(timeout=120_000)
    choose(page, epochs=3)
    train(page)
    page.get_by_text("frozen on faces, 3 epochs").first.wait_for(timeout=30_000)
    page.reload()  # a new session: the job is found again through the URL
    wait_until_idle(page, 90_000)
    assert_no_exception(page)
    assert "frozen on faces, 3 epochs" in main.inner_text()
    page.get_by_text(re.compile(r"epoch \d/3 \(head\)|computing base features|starting")) \
        .first.wait_for(timeout=120_000)
    screenshot(page, "training-live-after-reload")
    page.get_by_text("finished after 3 epochs").wait_for(timeout=240_000)
    # The page then reruns once and opens this job's run under Runs (a run of another test
    # may be newer): 130 training and 40 validation images, 30 kept for test.
    page.get_by_text("130 / 40").wait_for(timeout=60_000)
    wait_until_idle(page)
    assert_no_exception(page)
    assert wait_for_charts(page, 1) >= 1
    text = main.inner_text()
    assert "Best val accuracy" in text and "130 / 40" in text  # 30 images kept for test
    screenshot(page, "training-finished")

    page.get_by_role("button", name="Evaluate on held-out images").click()
    page.get_by_text("Misclassified").first.wait_for(timeout=120_000)
    wait_until_idle(page)
    assert_no_exception(page)
    assert "precision" in main.inner_text()
    screenshot(page, "training-evaluated")


def test_a_second_browser_queues_behind_the_job_and_only_its_owner_stops_it(browser, app_url):
    first = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    second = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    for tab in (first, second):
        tab.set_default_navigation_timeout(120_000)
    try:
        open_page(first, f"{app_url}/training_studio")
        # Every layer trains, so each epoch takes seconds: the job is still running when
        # its owner stops it (500 epochs of a cached head take only a minute or two).
        choose(first, epochs=500, full=True)
        train(first)
        first.get_by_text("full on faces, 500 epochs").first.wait_for(timeout=60_000)

        second.goto(f"{app_url}/training_studio", wait_until="domcontentloaded")
        second.get_by_role("button", name="▶ Train").click(force=True, timeout=120_000)  # waits
        second.get_by_text("queued · position 1 in the queue").wait_for(timeout=120_000)
        second.screenshot(path=str(SHOTS / "training-queued.png"), full_page=True)
        # A click inside a panel that reruns every second can be dropped by Streamlit
        # while the page's own run is still going (streamlit/streamlit#10928), as a
        # person's click would be: click again, while the job is still queued.
        cancel = second.get_by_role("button", name="✖ Cancel")
        cancelled = second.get_by_text("Cancelled before it started")
        for _ in range(6):
            with contextlib.suppress(PlaywrightTimeout):
                cancel.click(timeout=10_000)
            with contextlib.suppress(PlaywrightTimeout):
                cancelled.wait_for(timeout=20_000)
                break
        cancelled.wait_for(timeout=60_000)

        # The Jobs page lists the first browser's job, but its controls are the owner's.
        # While a job runs the page redraws every few seconds, so a busy server may never
        # look idle: wait for what the page shows.
        second.goto(f"{app_url}/jobs", wait_until="domcontentloaded")
        second.get_by_text("No job of yours to control").wait_for(timeout=180_000)
        assert second.get_by_role("button", name="⏹ Stop after this batch").count() == 0
        second.screenshot(path=str(SHOTS / "jobs-page-of-another-learner.png"), full_page=True)

        first.get_by_text(re.compile(r"epoch \d+/500")).first.wait_for(timeout=180_000)
        stop = first.get_by_role("button", name="⏹ Stop after this batch")
        stopping = first.get_by_text(re.compile(
            r"stop requested: it stops after the current batch|stopped after \d+ epochs?"))
        for _ in range(6):  # the same dropped-click retry as Cancel above
            with contextlib.suppress(PlaywrightTimeout):
                stop.click(timeout=10_000)
            with contextlib.suppress(PlaywrightTimeout):
                stopping.first.wait_for(timeout=20_000)
                break
        first.get_by_text(re.compile(r"stopped after \d+ epochs?")).wait_for(timeout=120_000)
        wait_until_idle(first)
        assert_no_exception(first)
        assert "🔁 Resume" in first.locator('[data-testid="stMain"]').inner_text()
        screenshot(first, "training-stopped-by-its-owner")
    finally:
        first.context.close()
        second.context.close()
