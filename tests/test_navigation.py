"""The sidebar: every page file declared once, in a section, with the home page first."""

import contextlib

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


def test_streamlits_pages_directory_flag_still_means_what_navigation_assumes(tmp_path,
                                                                             monkeypatch):
    """``ui.navigation`` relies on one private Streamlit flag: ``PagesManager.
    uses_pages_directory`` is decided once, True when the main script has a ``pages/``
    folder beside it (the v1 multipage mode that lists files in the sidebar), and
    ``st.navigation`` switches it off. This fails the day an upgrade changes either."""
    from streamlit.runtime.pages_manager import PagesManager

    main = tmp_path / "app.py"
    main.write_text("")
    monkeypatch.setattr(PagesManager, "uses_pages_directory", None)
    PagesManager(str(main))
    assert PagesManager.uses_pages_directory is False  # no pages/ beside it
    monkeypatch.setattr(PagesManager, "uses_pages_directory", None)
    (tmp_path / "pages").mkdir()
    PagesManager(str(main))
    assert PagesManager.uses_pages_directory is True
    PagesManager(str(main))  # decided once: a later manager keeps the first decision
    assert PagesManager.uses_pages_directory is True

    import streamlit as st
    with contextlib.suppress(Exception):  # outside a script run it may complain, after
        st.navigation([st.Page(str(main))])  # switching the flag off first
    assert PagesManager.uses_pages_directory is False
