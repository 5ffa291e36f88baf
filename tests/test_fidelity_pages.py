"""Every page rendered once: formulas are typeset, every taught number is in docs/fidelity.md,
and the home page lists every registered page (issue 25)."""

import re

import pytest
from streamlit.testing.v1 import AppTest

from cvlab.zoo.teaching import FAMILY_NOTES, NOTE_CORRECTIONS
from tests.conftest import ROOT
from ui.navigation import HOME, PAGES, PAGES_DIR

#: Pages whose numbers count the folder the learner picked, not a claim (see docs/fidelity.md).
DATA_PAGES = ("datasets.py", "training_studio.py", "transfer_lab.py")
MATH = re.compile(r"\$\$.+?\$\$|\$.+?\$", re.S)
PLAIN_FORMULA = re.compile(r"\b[az]\[l|\b[WbA]\[l|1/N|1/K|[αβγ]\^φ|K²")
NUMBER = re.compile(r"(?<![\w.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?!\d|,\d)")
LISTED = set(re.findall(r"`([\d.,]+)`", (ROOT / "docs" / "fidelity.md").read_text()))


@pytest.fixture(scope="module")
def shown() -> dict[str, str]:
    """Each page's Markdown, captions, callouts and metric labels in its default state."""
    texts = {}
    for entry in PAGES:
        at = AppTest.from_file(str(PAGES_DIR / entry.file), default_timeout=240).run()
        assert not at.exception, (entry.file, at.exception)
        texts[entry.file] = " ".join(
            [e.value for kind in ("markdown", "caption", "info", "warning", "success")
             for e in at.get(kind)] + [m.label for m in at.metric])
    return texts


def numbers(text: str) -> set[str]:
    """The numbers a claim could rest on: with a point or separator, or two digits or more."""
    return {n for n in NUMBER.findall(text) if "," in n or "." in n or int(n) >= 10}


def test_no_formula_is_left_in_plain_text(shown):
    notes = " ".join([*FAMILY_NOTES.values(), *(fix for _, fix in NOTE_CORRECTIONS)])
    for page, text in {**shown, "cvlab/zoo/teaching.py": notes}.items():
        plain = PLAIN_FORMULA.findall(MATH.sub(" ", text))
        assert not plain, (page, plain)


def test_every_taught_number_is_listed_in_docs_fidelity(shown):
    taught = {page: numbers(text) for page, text in shown.items() if page not in DATA_PAGES}
    taught["cvlab/zoo/teaching.py"] = numbers(" ".join(FAMILY_NOTES.values()))
    missing = {page: sorted(n - LISTED) for page, n in taught.items() if n - LISTED}
    assert not missing, f"not in docs/fidelity.md: {missing}"


def test_home_lists_every_registered_page(shown):
    for entry in PAGES:
        if entry is not HOME:
            assert entry.summary and f"**{entry.icon} {entry.title}**: {entry.summary}" \
                in shown["home.py"], entry.file
