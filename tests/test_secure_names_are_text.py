"""Names are text: class, file and run names are shown literally on every page that shows them.

Promise 3 of issue 15. The attack: one learner's dataset whose class names are a Markdown
link, a Markdown image, an HTML anchor and a KaTeX block put a live link, and an image that
contacts another address, into every other learner's Training Studio. Every one of these
names is a valid folder name on Linux (no ``/``, no NUL).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from evaluate_fakerun import build_run
from PIL import Image
from rendered import rendered
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
EVIL = {
    "link": "[click me](https:evil.example)",
    "image": "![pixel](https:evil.example#x.png)",
    "anchor": '<a href="https:evil.example">anchor',
    "katex": "$$\\sum_{i} evil_i$$",
}
EVIL_FILE = "[f](evil.ex).png"  # our own: a file name is a name too (short: captions clip)
COLOURS = [(220, 40, 40), (40, 200, 60), (40, 60, 220), (230, 200, 40)]


def write_evil_dataset(root: Path, per_class: int = 8) -> Path:
    rng = np.random.default_rng(0)
    for colour, name in zip(COLOURS, EVIL.values(), strict=True):
        folder = root / name
        folder.mkdir(parents=True)
        for index in range(per_class):
            noise = rng.integers(-20, 21, (24, 24, 3))
            pixels = np.clip(np.array(colour) + noise, 0, 255).astype(np.uint8)
            file = EVIL_FILE if index == 0 else f"z{index}.png"  # "[" sorts first
            Image.fromarray(pixels).save(folder / file, format="PNG")
    return root


@pytest.fixture(scope="module")
def evil(tmp_path_factory):
    """The dataset, and a trained run over it in ``<root>/runs`` of a data root."""
    base = tmp_path_factory.getbasetemp()  # an allowed data root for the whole session
    data = write_evil_dataset(base / "evil-names")
    run = build_run(base / "runs" / "evil-names-run", data, image_size=24, test_fraction=0.25)
    config = json.loads((run / "config.json").read_text())
    (run / "config.json").write_text(json.dumps({**config, "mode": "frozen"}))
    return data, run


def assert_literal(element_values, plotly_specs) -> None:
    """Markdown sources hold each name only escaped; Plotly specs only HTML-escaped."""
    for value in element_values:
        for name in [*EVIL.values(), EVIL_FILE]:
            assert name not in value, value
    for spec in plotly_specs:
        assert "<a href" not in spec and "\\u003ca href" not in spec.lower()


def _markdown_values(at) -> list[str]:
    values = [e.value for kind in ("markdown", "caption", "warning", "success", "error",
                                   "info") for e in getattr(at, kind)]
    values += [img.caption for strip in at.get("image") for img in strip.proto.imgs]
    return values


@pytest.mark.slow
def test_datasets_page_shows_names_as_text(evil, tmp_path, monkeypatch):
    data, _ = evil
    monkeypatch.setenv("CVLAB_DATA_DIR", str(tmp_path / "appdata"))
    at = AppTest.from_file(str(ROOT / "pages" / "datasets.py"), default_timeout=60).run()
    at.radio[0].set_value("Folder on disk").run()
    at.text_input[0].set_value(str(data)).run()
    assert not at.exception and not at.error
    values = _markdown_values(at)
    assert_literal(values, [c.proto.spec for c in at.get("plotly_chart")])
    shown = " ".join(rendered(v) for v in values)
    assert all(name in shown for name in EVIL.values()) and EVIL_FILE in shown


@pytest.mark.slow
def test_training_studio_shows_names_as_text(evil, monkeypatch):
    _, run = evil
    monkeypatch.setenv("CVLAB_DATA_DIR", str(run.parents[1]))
    at = AppTest.from_file(str(ROOT / "pages" / "training_studio.py"), default_timeout=120)
    at.run()
    assert not at.exception
    at.button(key="eval_button").click().run()
    assert not at.exception and not at.error
    table = at.table[0].value
    assert sorted(rendered(name) for name in table.index) == sorted(EVIL.values())
    at.selectbox(key="try_image").set_value(at.selectbox(key="try_image").options[0]).run()
    values = _markdown_values(at) + list(table.index)
    assert_literal(values, [c.proto.spec for c in at.get("plotly_chart")])
    assert any(all(name in rendered(v) for name in EVIL.values()) for v in values)


@pytest.mark.slow
def test_transfer_lab_and_its_confusion_explorer_show_names_as_text(evil, monkeypatch):
    """The tested run's confusion explorer (chart, cell pickers, the cell's images), the
    run comparison and the tricks table, with the evil class and file names."""
    from cvlab.evaluate import evaluate

    _, run = evil
    monkeypatch.setenv("CVLAB_DATA_DIR", str(run.parents[1]))
    evaluate(run, split="test")
    at = AppTest.from_file(str(ROOT / "pages" / "transfer_lab.py"), default_timeout=120)
    at.run()
    assert not at.exception
    names = list(EVIL.values())
    at.selectbox(key="cell_true").set_value(names[0])
    at.selectbox(key="cell_predicted").set_value(names[0]).run()
    assert not at.exception and not at.error
    values = _markdown_values(at)
    assert_literal(values, [c.proto.spec for c in at.get("plotly_chart")])
    shown = " ".join(rendered(v) for v in values)
    assert names[0] in shown  # the picked cell names its class, as text
    chart = json.loads(next(c.proto.spec for c in at.get("plotly_chart")
                            if "Click a cell" in c.proto.spec))
    cells = chart["data"][1]["customdata"]
    assert all(isinstance(i, int) for cell in cells for i in cell)  # indices, never names


@pytest.mark.slow
def test_the_job_panel_shows_a_title_made_of_a_folder_name_as_text(evil, tmp_path,
                                                                    monkeypatch):
    """A queued job on a folder named like a Markdown link: every session's job panel shows
    its title literally."""
    from job_helpers import holder

    from cvlab.jobs import queue
    from cvlab.train import TrainConfig

    data, _ = evil
    monkeypatch.setenv("CVLAB_DATA_DIR", str(tmp_path / "appdata"))
    monkeypatch.setenv("CVLAB_MAX_JOBS", "1")
    monkeypatch.setenv("CVLAB_STANDBY", "0")
    runs = tmp_path / "appdata" / "runs"
    folder = tmp_path / EVIL["link"]  # a dataset folder named like a Markdown link
    shutil.copytree(data, folder)
    _, process = holder(runs)  # the slot is taken, so the job stays queued
    try:
        job = queue.submit(TrainConfig(str(folder)).resolved(), runs)
        assert job.status == "queued" and EVIL["link"] in job.title
        at = AppTest.from_file(str(ROOT / "pages" / "training_studio.py"),
                               default_timeout=120)
        at.query_params["train"] = job.id
        at.run()
        assert not at.exception
        values = _markdown_values(at)
        assert_literal(values, [c.proto.spec for c in at.get("plotly_chart")])
        assert any(EVIL["link"] in rendered(v) for v in values)
        queue.cancel(job.id, runs)
    finally:
        process.kill()


MARKUP = """() => {
    const bad = [];
    for (const el of document.querySelectorAll('a, img, image, [src], [href], [srcset]')) {
        for (const attr of ['href', 'src', 'srcset', 'xlink:href']) {
            const value = el.getAttribute(attr) || '';
            if (value.includes('evil.ex')) bad.push(el.outerHTML.slice(0, 200));
        }
    }
    for (const el of document.querySelectorAll('.katex, .katex-display, math')) {
        bad.push('katex: ' + el.outerHTML.slice(0, 200));
    }
    return bad;
}"""


def wait_for_ticks(page, minimum: int) -> None:
    """Until Plotly has drawn at least ``minimum`` category tick labels (where names go)."""
    page.wait_for_function(
        "n => document.querySelectorAll('.js-plotly-plot .xtick, .js-plotly-plot .ytick')"
        ".length >= n", arg=minimum, timeout=60_000)


@pytest.mark.browser
@pytest.mark.slow
def test_no_page_turns_the_names_into_markup(evil, page, app_url):
    from tests.browser import open_page, screenshot, wait_until_idle

    data, run = evil
    os.utime(run / "config.json")  # the newest run, so the studio opens it
    open_page(page, f"{app_url}/datasets")
    page.get_by_text("Folder on disk").click()
    wait_until_idle(page, after_action=True)
    box = page.get_by_label("Folder", exact=True)
    box.fill(str(data))
    box.press("Enter")
    page.get_by_text(EVIL["link"]).first.wait_for(timeout=60_000)  # the new folder's report
    page.get_by_text(EVIL_FILE).first.wait_for(timeout=60_000)
    wait_until_idle(page)
    wait_for_ticks(page, 4)
    main = page.locator('[data-testid="stMain"]')
    text = main.inner_text()
    assert all(name in text for name in EVIL.values()) and EVIL_FILE in text
    assert page.evaluate(MARKUP) == []
    screenshot(page, "names-are-text-datasets")

    open_page(page, f"{app_url}/training_studio")
    page.get_by_role("button", name="Evaluate on held-out images").click()
    page.get_by_text("precision").first.wait_for(timeout=120_000)
    wait_until_idle(page)
    wait_for_ticks(page, 8)  # the confusion matrix labels both axes
    page.get_by_role("tab", name="🔍 Try it").click()
    page.get_by_text("probability").first.wait_for(timeout=60_000)
    wait_until_idle(page)
    wait_for_ticks(page, 8 + 2)  # and the top-k chart its classes
    text = main.inner_text()
    assert all(name in text for name in EVIL.values())
    assert page.evaluate(MARKUP) == []
    screenshot(page, "names-are-text-training")

    from cvlab.evaluate import evaluate

    evaluate(run, split="test")  # the Transfer Lab's confusion explorer needs a tested run
    open_page(page, f"{app_url}/transfer_lab")
    page.get_by_text("Click a cell to see its images").first.wait_for(timeout=120_000)
    wait_until_idle(page)
    wait_for_ticks(page, 8)
    text = main.inner_text()
    assert all(name in text for name in EVIL.values())
    assert page.evaluate(MARKUP) == []
    screenshot(page, "names-are-text-transfer-lab")
