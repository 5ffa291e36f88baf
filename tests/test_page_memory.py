"""Settings survive a trip to another page: every value widget of every page is either kept
(ui.page_memory.KEPT) or deliberately left to reset (NOT_KEPT), and a real trip through
app.py finds the Training Studio's and a cost lab's controls as they were left."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from ui.page_memory import KEPT, NOT_KEPT, kept

VALUE_WIDGETS = {"slider", "select_slider", "number_input", "selectbox", "multiselect",
                 "radio", "toggle", "checkbox", "text_input", "text_area", "pills",
                 "segmented_control"}
HOME = str(ROOT / "pages" / "home.py")


def widget_keys() -> dict[str, str]:
    """Each value widget's key in pages/ and ui/ (an f-string's literal start), by place."""
    found = {}
    for path in sorted([*(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py")]):
        if path.name == "augment.py":  # its keys come from ui.augment.setting_keys
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in VALUE_WIDGETS):
                continue
            key = next((k.value for k in node.keywords if k.arg == "key"), None)
            where = f"{path.name}:{node.lineno} st.{node.func.attr}"
            if isinstance(key, ast.Constant):
                found[where] = key.value
            elif isinstance(key, ast.JoinedStr) and isinstance(key.values[0], ast.Constant):
                found[where] = key.values[0].value
            elif isinstance(key, ast.JoinedStr) and path.name == "widgets.py":
                # f"{key}_alpha" in model_options(name, key): resolved by its callers
                literal = "".join(v.value for v in key.values if isinstance(v, ast.Constant))
                for prefix in model_options_prefixes():
                    found[f"{where} ({prefix})"] = prefix + literal
            elif isinstance(key, ast.Name):  # a module constant, e.g. TRUE_KEY
                found[where] = _constant(path, key.id)
            else:
                found[where] = None
    return found


def model_options_prefixes() -> set[str]:
    """The ``key`` every page passes to ``ui.widgets.model_options``."""
    prefixes = set()
    for path in (ROOT / "pages").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "model_options"):
                prefixes |= {k.value.value for k in node.keywords if k.arg == "key"}
    assert prefixes
    return prefixes


def _constant(path: Path, name: str) -> str | None:
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign):
            for target, value in _pairs(node):
                if isinstance(target, ast.Name) and target.id == name:
                    return value.value if isinstance(value, ast.Constant) else None
    return None


def _pairs(node: ast.Assign):
    target, value = node.targets[0], node.value
    if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
        return zip(target.elts, value.elts, strict=True)
    return [(target, value)]


def test_every_value_widget_is_kept_or_left_to_reset_on_purpose():
    keys = widget_keys()
    assert len(keys) > 60
    unkeyed = [where for where, key in keys.items() if key is None]
    assert not unkeyed, f"a widget without a key cannot be kept: {unkeyed}"
    undecided = {where: key for where, key in keys.items()
                 if not kept(key) and not key.startswith(NOT_KEPT)}
    assert not undecided, f"add to KEPT or NOT_KEPT in ui/page_memory.py: {undecided}"
    both = {key for key in keys.values() if kept(key) and key.startswith(NOT_KEPT)}
    assert not both
    unused = [k for k in KEPT if not any(key == k or (k.endswith("_") and key.startswith(k))
                                         for key in keys.values())]
    assert not unused, f"KEPT names keys no widget has: {unused}"


@pytest.mark.slow
def test_training_and_lab_settings_survive_a_trip_home(data_dir):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page(str(ROOT / "pages" / "training_studio.py")).run()
    assert not at.exception, at.exception
    at.radio(key="train_mode").set_value("fine-tune").run()
    at.number_input(key="train_epochs").set_value(7)
    at.select_slider(key="train_image_size").set_value(64)
    at.number_input(key="train_lr_fine-tune").set_value(3e-4)
    at.toggle(key="train_augment").set_value(False).run()
    at.switch_page(str(ROOT / "pages" / "scaling_lab.py")).run()
    assert not at.exception, at.exception
    at.slider(key="scale_phi").set_value(2).run()

    at.switch_page(HOME).run()
    at.switch_page(str(ROOT / "pages" / "training_studio.py")).run()
    assert not at.exception, at.exception
    assert at.radio(key="train_mode").value == "fine-tune"
    assert at.number_input(key="train_epochs").value == 7
    assert at.select_slider(key="train_image_size").value == 64
    assert at.number_input(key="train_lr_fine-tune").value == pytest.approx(3e-4)
    assert at.toggle(key="train_augment").value is False
    at.switch_page(str(ROOT / "pages" / "scaling_lab.py")).run()
    assert at.slider(key="scale_phi").value == 2
