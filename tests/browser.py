"""Helpers for driving Streamlit pages in a real browser."""

from __future__ import annotations

from pathlib import Path

SHOTS = Path(__file__).resolve().parents[1] / "out" / "screenshots"


def wait_until_idle(page, timeout_ms: int = 60_000) -> None:
    """Wait until Streamlit has drawn the app and finished running its script."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            const running = document.querySelector('[data-testid="stStatusWidget"]');
            const skeleton = document.querySelector('[data-testid="stSkeleton"]');
            return app && app.dataset.teststate !== 'running' && !running && !skeleton;
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
        ".js-plotly-plot .plot .bars, .js-plotly-plot .scatterlayer .trace').length >= n",
        arg=minimum, timeout=timeout_ms)
    return page.locator(".js-plotly-plot").count()


def screenshot(page, name: str) -> Path:
    """Full-page PNG under out/screenshots, for people to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
