"""Helpers for driving Streamlit pages in a real browser."""

from __future__ import annotations

import contextlib
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout

SHOTS = Path(__file__).resolve().parents[1] / "out" / "screenshots"


def wait_until_idle(page, timeout_ms: int = 60_000, *, after_action: bool = False) -> None:
    """Wait until Streamlit is connected and its script has run to the end.

    ``after_action``: a click or a keystroke starts a rerun a moment later, so first
    give the script up to two seconds to start before waiting for it to finish.
    """
    if after_action:
        with contextlib.suppress(PlaywrightTimeout):  # a fast rerun may already be over
            page.wait_for_selector('[data-test-script-state="running"]', timeout=2_000)
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.dataset.testConnectionState === 'CONNECTED'
                && app.dataset.testScriptState === 'notRunning'
                && !document.querySelector('[data-testid="stSkeleton"]');
        }""",
        timeout=timeout_ms,
    )


def open_page(page, url: str, timeout_ms: int = 90_000) -> None:
    """Open ``url``, wait for the script to finish, and fail on any Streamlit exception box."""
    page.goto(url, wait_until="domcontentloaded")
    wait_until_idle(page, timeout_ms)
    assert_no_exception(page)


def assert_no_exception(page) -> None:
    boxes = page.locator('[data-testid="stException"]')
    if boxes.count():
        raise AssertionError(f"Streamlit exception on {page.url}:\n{boxes.first.inner_text()}")


def wait_for_charts(page, minimum: int = 1, timeout_ms: int = 30_000) -> int:
    """Wait until at least ``minimum`` plotly charts have drawn data; returns how many."""
    page.wait_for_function(
        "n => document.querySelectorAll('.js-plotly-plot .plot .trace, "
        ".js-plotly-plot .plot .bars, .js-plotly-plot .scatterlayer .trace, "
        ".js-plotly-plot .barlayer .trace').length >= n",
        arg=minimum, timeout=timeout_ms)
    return page.locator(".js-plotly-plot").count()


def screenshot(page, name: str) -> Path:
    """Full-page PNG under out/screenshots, for people to look at, once the script is idle."""
    wait_until_idle(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    height = page.evaluate(
        "() => document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight ?? 1000")
    viewport = page.viewport_size
    page.set_viewport_size({"width": viewport["width"], "height": min(max(height, 600), 6000)})
    page.wait_for_timeout(400)  # let plotly redraw at the new size
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(viewport)
    return path
