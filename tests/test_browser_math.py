"""The typeset formulas in real Chromium: KaTeX draws them, and none shows as raw source."""

import pytest

from tests.browser import open_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize(("path", "formulas"), [
    ("", 1),                         # home: the MobileNet line's 1/N + 1/K²
    ("resnet_lab", 8),               # a^[l+2] = g(z^[l+2] + a^[l]) and its parts
    ("mobilenet_lab", 2),            # the intro's and section 1's ratio
    ("scaling_lab", 6),              # d = α^φ, w, r, the product, the released table's
    ("compare_models", 1),           # 1/N + 1/9
])
def test_formulas_render_as_math(page, app_url, path, formulas):
    open_page(page, f"{app_url}/{path}")
    main = page.locator('[data-testid="stMain"]')
    assert main.locator(".katex").count() >= formulas
    assert main.locator(".katex-error").count() == 0
    text = main.inner_text()
    assert "\\frac" not in text and "^{[l" not in text and "\\alpha" not in text
