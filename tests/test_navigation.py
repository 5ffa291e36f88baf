"""The sidebar: every page file declared once, in a section, with the home page first."""

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from ui.navigation import HOME, PAGES, PAGES_DIR, SECTIONS, entry_for


def test_every_page_file_is_declared_once():
    files = sorted(p.name for p in PAGES_DIR.glob("*.py"))
    declared = [e.file for e in PAGES]
    assert sorted(declared) == files
    assert len(set(declared)) == len(declared)
    assert all(f == f.lower() and f.isascii() for f in files), "plain snake_case names"


def test_sections_and_home():
    assert PAGES[0] is HOME and HOME.title == "Home" and HOME.url_path == ""
    assert {e.section for e in PAGES[1:]} <= set(SECTIONS[1:])
    assert entry_for(str(ROOT / "pages" / "datasets.py")).section == "Data"


def test_undeclared_page_names_itself():
    try:
        entry_for("nope.py")
    except KeyError as exc:
        assert "Received: nope.py" in str(exc)
    else:
        raise AssertionError("an undeclared page must fail")


def test_app_routes_to_home_and_switches_page():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    assert at.title[0].value.startswith(HOME.icon)
    at.switch_page("pages/compare_models.py").run()
    assert not at.exception, at.exception
    assert "Compare Models" in at.title[0].value
