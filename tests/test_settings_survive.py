"""Every control of every Augmentation Studio step survives a trip to another page,
whether it was set by hand or by a JSON import (``app.py`` runs on every page)."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from cvlab.augment.pca import IMAGENET_EIGVALS, IMAGENET_EIGVECS
from cvlab.augment.spec import OPS, make_step
from tests.conftest import ROOT
from ui.augment import SIZE, wkey

pytestmark = pytest.mark.slow
STUDIO = str(ROOT / "pages" / "augmentation_studio.py")
HOME = str(ROOT / "pages" / "home.py")


def app() -> AppTest:
    """The real entry point. With ``pages/`` beside it, AppTest starts every run in
    Streamlit's old pages-folder mode (the page file alone, as a fresh server does for a
    deep link); ``page_setup`` must bring the run back through ``app.py``."""
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)


def changed(name: str, p) -> object:
    """A value other than the default that the studio's widget for ``p`` can take."""
    if p.kind == "choice":
        return p.choices[(p.choices.index(p.default) + 1) % len(p.choices)]
    if p.kind == "bool":
        return not p.default
    if p.kind == "int":
        step = 2 if name == "kernel_size" else 1
        return p.default + 2 * step if p.default + 2 * step <= min(p.hi, SIZE) else p.lo
    if p.kind == "vec3":
        return tuple(v + 7.0 for v in p.default)
    if p.kind == "range":
        return (p.default[0] + 0.02, p.default[1] + 0.1)
    step = 0.01 if p.hi <= 1 else 0.05
    up = round(p.default + 2 * step, 2)
    return up if up <= p.hi else round(p.default - 2 * step, 2)


def every_op_changed() -> dict[str, dict]:
    """Every op with every widget-backed parameter off its default."""
    wanted = {}
    for op, info in OPS.items():
        wanted[op] = {name: changed(name, p) for name, p in info.params.items()
                      if p.kind != "mat3" and not (op == "pca_color" and name == "eigvals")}
    wanted["pca_color"].update(eigvals=IMAGENET_EIGVALS, eigvecs=IMAGENET_EIGVECS)
    return wanted


def steps(at: AppTest) -> dict[str, dict]:
    return {s.pop("op"): s for s in json.loads(at.session_state["augment_spec"])["steps"]}


def expected(wanted: dict[str, dict]) -> dict[str, dict]:
    return {op: {k: v for k, v in json.loads(json.dumps(make_step(op, **params).to_dict()))
                 .items() if k != "op"} for op, params in wanted.items()}


def leave_and_return(at: AppTest) -> None:
    at.switch_page(HOME).run()
    assert not at.exception and "cvlab" in at.title[0].value
    at.switch_page(STUDIO).run()
    assert not at.exception, at.exception


def assert_same(got: dict, want: dict) -> None:
    assert list(got) == list(want)
    for op in want:
        assert _close(got[op], want[op]), (op, got[op], want[op])


def _close(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) or isinstance(b, float):
        return abs(a - b) < 1e-9
    return a == b


def test_every_control_of_every_op_survives_leaving_the_page():
    at = app().run()
    at.switch_page(STUDIO).run()
    for op in OPS:
        at.sidebar.toggle(key=wkey(op, "on")).set_value(True)
    at.run()
    assert not at.exception, at.exception
    wanted = every_op_changed()
    for op, params in wanted.items():
        for name, value in params.items():
            if name in ("eigvals", "eigvecs"):
                continue
            p = OPS[op].params[name]
            if p.kind == "vec3":
                for c, v in zip("rgb", value, strict=True):
                    at.sidebar.slider(key=wkey(op, name + c)).set_value(v)
            elif p.kind == "choice":
                at.sidebar.selectbox(key=wkey(op, name)).set_value(value)
            elif p.kind == "bool":
                at.sidebar.checkbox(key=wkey(op, name)).set_value(value)
            else:
                at.sidebar.slider(key=wkey(op, name)).set_value(value)
    at.sidebar.radio(key=wkey("pca_color", "source")).set_value("ImageNet")
    at.run()
    assert not at.exception, at.exception
    want = expected(wanted)
    assert_same(steps(at), want)

    leave_and_return(at)
    assert_same(steps(at), want)
    assert at.sidebar.slider(key=wkey("rgb_shift", "offsetsg")).value == wanted["rgb_shift"][
        "offsets"][1]


def test_an_imported_pipeline_survives_leaving_the_page():
    eigvecs = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))
    imported = {"steps": [
        {"op": "flip", "mode": "vertical"},
        {"op": "rgb_shift", "offsets": [-30.0, 40.0, 5.0], "random": False},
        {"op": "pca_color", "sigma": 0.7, "eigvals": [0.3, 0.02, 0.001], "eigvecs": eigvecs},
        {"op": "erasing", "probability": 0.25, "scale": [0.05, 0.4]},
    ]}
    at = app().run()
    at.switch_page(STUDIO).run()
    at.file_uploader(key="aug_import").set_value(
        ("pipeline.json", json.dumps(imported).encode(), "application/json"))
    at.run()
    assert not at.exception, at.exception
    want = expected({s["op"]: {k: v for k, v in s.items() if k != "op"}
                     for s in imported["steps"]})
    assert_same(steps(at), want)
    assert at.sidebar.radio(key=wkey("pca_color", "source")).value == "Imported values"

    leave_and_return(at)
    assert_same(steps(at), want)
    assert at.sidebar.toggle(key=wkey("rgb_shift", "on")).value is True
