"""AppTest for the cost labs, the Explorer's graph examples, Compare's latency chart and the
sidebar: every page opens in its section, with no exception and no TensorFlow."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cvlab import latency
from tests.rendered import rendered
from ui.navigation import PAGES, entry_for

ROOT = Path(__file__).resolve().parents[1]
LABS = {"inception_lab.py": "1×1 & Inception", "mobilenet_lab.py": "Depthwise & MobileNet",
        "scaling_lab.py": "Compound scaling"}


def run(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def text(at) -> str:
    return " ".join(m.value for m in at.markdown)


def test_labs_are_declared_in_the_cost_labs_section():
    for file, title in LABS.items():
        entry = entry_for(file)
        assert (entry.section, entry.title) == ("Cost labs", title)


def test_each_lab_opens_from_the_app():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    for entry in (e for e in PAGES if e.file in LABS):
        at.switch_page(f"pages/{entry.file}").run()
        assert not at.exception, (entry.file, at.exception)
        assert at.title[0].value == f"{entry.icon} {entry.title}"
    at.switch_page("pages/inception_lab.py").run()
    at.button(key="inc_to_explorer").click().run()          # the link to GoogLeNet
    assert not at.exception, at.exception
    assert "Architecture Explorer" in at.title[0].value
    assert metrics(at)["Depth (weight layers)"] == "22" and at.sidebar.selectbox[0].value == \
        "googlenet"


def test_inception_lab_numbers_and_sliders():
    at = run("inception_lab.py")
    m = metrics(at)
    assert (m["Without the bottleneck"], m["With it"], m["Saving"]) == (
        "120,422,400", "12,443,648", "9.7×")
    assert m["Largest difference"] == "0" and m["MACs, 1×1 conv"] == m["MACs, dense per pixel"]
    assert "**2,408,448 + 10,035,200 = 12,443,648**" in text(at)
    assert "64 + 128 + 32 + 32 = **256 channels**" in text(at)
    assert len(at.get("plotly_chart")) == 2
    at.select_slider(key="inc_kernel").set_value(3).run()
    assert metrics(at)["Without the bottleneck"] == f"{28 * 28 * 9 * 192 * 32:,}"
    at.number_input(key="inc_module_0").set_value(128).run()
    assert "128 + 128 + 32 + 32 = **320 channels**" in text(at)
    at.slider(key="inc_shrink_filters").set_value(64).run()
    assert "28×28×64" in at.dataframe[2].value.to_string()


def test_mobilenet_lab_numbers_and_controls():
    at = run("mobilenet_lab.py")
    m = metrics(at)
    assert (m["Standard conv"], m["Depthwise + pointwise"], m["Ratio"]) == ("2,160", "672",
                                                                            "0.311")
    assert r"\frac{1}{N} + \frac{1}{K^2} = \frac{1}{5} + \frac{1}{3^2} = 0.311$" in text(at)
    assert m["v2 block: MACs"] == "25,740,288" and at.success           # skip shown
    at.radio(key="mob_stride").set_value(2).run()
    assert not at.success and "No skip" in at.info[0].value
    at.slider(key="mob_n").set_value(512).run()
    assert metrics(at)["Ratio"] == f"{1 / 512 + 1 / 9:.3f}"
    at.toggle(key="mob_linear").set_value(False).run()
    assert "You switched the projection's ReLU on" in text(at)
    assert at.button(key="mob_latency_run")                    # nothing stored: offer to measure


def test_scaling_lab_phi_and_tables():
    at = run("scaling_lab.py")
    m = metrics(at)
    assert (m[r"Depth $d = \alpha^\phi$"], m[r"Width $w = \beta^\phi$"],
            m[r"Resolution $r = \gamma^\phi$"]) == ("×1.200", "×1.100", "×1.150")
    assert len(at.dataframe[1].value) == 8                       # B0–B7
    at.slider(key="scale_phi").set_value(2.0).run()
    m = metrics(at)
    assert m[r"Depth $d = \alpha^\phi$"] == "×1.440"
    assert m[r"Predicted compute $d \cdot w^2 \cdot r^2$"] == "×3.69"
    grown = at.dataframe[0].value
    assert list(grown["grows"]) == ["all three (compound)", "depth only", "width only",
                                    "resolution only"]
    assert grown["input (px)"][0] == round(224 * 1.15**2)


def test_labs_never_import_tensorflow():
    probe = (
        "import sys; from streamlit.testing.v1 import AppTest\n"
        "for page in ('inception_lab', 'mobilenet_lab', 'scaling_lab'):\n"
        f"    at = AppTest.from_file({str(ROOT)!r} + f'/pages/{{page}}.py', "
        "default_timeout=60).run()\n"
        "    assert not at.exception, at.exception\n"
        "print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    assert out.strip().endswith("False")


def test_explorer_examples_load_with_one_click():
    at = run("architecture_explorer.py")
    at.sidebar.radio[0].set_value("Your own stack").run()
    at.button(key="explorer_example_Inception module").click().run()
    assert not at.exception, at.exception
    assert "out: concat b1 b3 b5 pool_proj" in at.text_area[0].value
    assert metrics(at)["MACs per image"] == "128.05M"
    at.button(key="explorer_example_Standard against depthwise-separable").click().run()
    assert metrics(at)["MACs per image"] == "2.83K"       # 2,160 + 672
    at.text_area[0].set_value("input 8x8x3\nconv 4 3x3 from nowhere").run()
    assert "line 2: 'from nowhere' names no earlier layer" in rendered(at.error[0].value)
    # The rest of the page stays, on the last stack that parsed.
    assert metrics(at)["MACs per image"] == "2.83K"
    assert any("last version of your stack that parsed" in c.value for c in at.caption)
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    titles = [c["layout"]["title"]["text"] for c in charts if "title" in c["layout"]]
    assert "Where the cost of your stack goes, by branch" in titles


@pytest.fixture
def stored_latency(tmp_path, monkeypatch):
    monkeypatch.setenv("CVLAB_CACHE_DIR", str(tmp_path))
    rows = [{"key": key, "title": title, "family": family, "batch": batch,
             "ms_per_image": ms / batch ** 0.5, "macs": macs, "params": 1, "device": "CPU",
             "input_shape": [224, 224, 3], "measured": 0.0}
            for key, title, family, macs, ms in (
                ("vgg16@224", "VGG-16", "VGG", 15_470_264_320, 90.0),
                ("mobilenet_v2@224", "MobileNet v2", "MobileNet", 300_774_272, 9.0))
            for batch in (1, 32)]
    latency.save(rows)
    return rows


def test_compare_charts_stored_latency_against_macs(stored_latency):
    at = run("compare_models.py")
    assert len(at.get("plotly_chart")) == 3  # size, accuracy frontier, latency
    table = at.dataframe[1].value
    assert list(table["model"]) == ["VGG-16", "MobileNet v2"]
    per_gmac = dict(zip(table["model"], table["ms per G MACs"], strict=True))
    assert per_gmac["MobileNet v2"] > per_gmac["VGG-16"]
    at.radio(key="compare_latency_batch").set_value(32).run()
    assert at.dataframe[1].value["ms / image"][0] == round(90 / 32 ** 0.5, 3)
    assert at.button(key="compare_latency_run").label == "Measure again"


def test_mobilenet_lab_says_why_k_and_output_sizes_change():
    at = run("mobilenet_lab.py")
    at.slider(key="mob_h").set_value(3).run()
    at.select_slider(key="mob_k").set_value(5).run()
    note = " ".join(i.value for i in at.info)
    assert "A 5×5 filter does not fit a 3×6 input" in note and "K = 3, the largest" in note
    assert metrics(at)["Ratio"] == f"{1 / 5 + 1 / 9:.3f}"
    at.select_slider(key="mob_size").set_value(7).run()
    at.radio(key="mob_stride").set_value(2).run()
    note = " ".join(i.value for i in at.info)
    assert "v1 pads one pixel at the bottom and right only (8 px)" in note
    assert "fits 3 times" in note and "which fits 4" in note


@pytest.mark.parametrize(("separable_ms", "verdict"), [
    (0.9, "faster than its MACs promise"),   # 0.9 / 10 = 0.090 against MACs 0.311
    (3.1, "the time follows the MACs"),
    (6.0, "smaller than the MACs promise"),
])
def test_mobilenet_latency_caption_is_written_from_the_measurement(tmp_path, monkeypatch,
                                                                   separable_ms, verdict):
    monkeypatch.setenv("CVLAB_CACHE_DIR", str(tmp_path))
    shape = "6x6x3,5,3,valid"  # the lab's default sliders (the course's example)
    latency.save([{"key": f"{kind}@{shape}", "title": kind, "family": "lab", "batch": 1,
                   "ms_per_image": ms, "macs": 1, "params": 1, "device": "CPU",
                   "input_shape": [6, 6, 3], "measured": 0.0}
                  for kind, ms in (("standard", 10.0), ("separable", separable_ms))])
    at = run("mobilenet_lab.py")
    assert verdict in " ".join(c.value for c in at.caption)
    assert "rarely runs as fast" not in text(at)


def test_one_filter_is_one_filter():
    at = run("inception_lab.py")
    at.slider(key="inc_demo_filters").set_value(1).run()
    assert "with 1 filter, computed" in text(at) and "1 unit, the same weights" in text(at)
    assert "1 filters" not in text(at)
