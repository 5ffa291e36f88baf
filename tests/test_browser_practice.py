"""Practice in headless Chromium: write a wrong identity block, check it, read what is
wrong, fix it, check again, and see it pass with its shape flow."""

import pytest

from cvlab.practice import exercises
from tests.browser import (
    assert_no_exception,
    open_page,
    screenshot,
    wait_for_charts,
    wait_until_idle,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
RIGHT = exercises.get("identity_block").solution
WRONG = RIGHT.replace('    X = layers.Add()([X, X_shortcut])\n    return layers.Activation('
                      '"relu")(X)', '    X = layers.Activation("relu")(X)\n    return '
                      'layers.Add()([X, X_shortcut])')


def check(page, code: str, expected: str) -> None:
    editor = page.get_by_role("textbox", name="Your code")
    editor.fill(code)
    editor.press("Control+Enter")
    wait_until_idle(page, after_action=True)
    page.get_by_role("button", name="▶ Check").click()
    page.get_by_text(expected, exact=False).first.wait_for(timeout=240_000)
    wait_until_idle(page)
    assert_no_exception(page)


def test_a_wrong_block_is_explained_then_the_fixed_one_passes(page, app_url):
    assert WRONG != RIGHT
    open_page(page, f"{app_url}/practice")
    main = page.locator('[data-testid="stMain"]')
    assert "identity_block(X, f, filters)" in main.inner_text()
    assert wait_for_charts(page, 1) == 1  # the task's block diagram

    check(page, WRONG, "the shortcut is added after the last ReLU; add it before")
    assert "Every check passed" not in main.inner_text()
    screenshot(page, "practice-wrong")

    check(page, RIGHT, "Every check passed")
    assert wait_for_charts(page, 2) == 2  # the diagram and the passing block's shape flow
    assert "Shape flow of your identity_block" in main.inner_text()
    screenshot(page, "practice-passed")
