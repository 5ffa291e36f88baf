"""AppTest for the home, Explorer and Compare pages: every model renders, no TensorFlow."""

import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cvlab import zoo

ROOT = Path(__file__).resolve().parents[1]
EXPLORER = ROOT / "pages" / "architecture_explorer.py"
COMPARE = ROOT / "pages" / "compare_models.py"


def run(path: Path) -> AppTest:
    at = AppTest.from_file(str(path), default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def test_home_page_shows_the_comparison_chart():
    at = run(ROOT / "app.py")
    assert len(at.get("plotly_chart")) == 1
    assert "bias excluded" in at.info[0].value


def test_explorer_renders_every_model():
    at = run(EXPLORER)
    for name in zoo.names():
        at.sidebar.selectbox[0].set_value(name).run()
        assert not at.exception, (name, at.exception)
        assert len(at.get("plotly_chart")) == 4, name
        params = at.metric[0].value
        assert params != "0", name


def test_explorer_does_not_import_tensorflow():
    """In a fresh interpreter, since other tests in this process may have imported it."""
    probe = (
        "import sys; from streamlit.testing.v1 import AppTest;"
        f"at = AppTest.from_file({str(EXPLORER)!r}, default_timeout=60).run();"
        "at.sidebar.selectbox[0].set_value('efficientnet_b7').run();"
        "assert not at.exception; print('tensorflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    assert out.strip() == "False"


def test_explorer_options_change_the_numbers():
    at = run(EXPLORER)
    full = at.metric[2].value  # MACs of MobileNet v2 1.0 at 224
    assert full == "300.77M"
    at.sidebar.select_slider[0].set_value(0.5).run()
    assert at.metric[2].value != full
    at.sidebar.selectbox[0].set_value("googlenet").run()
    plain = at.metric[0].value
    at.sidebar.toggle[1].set_value(True).run()  # auxiliary classifiers
    assert at.metric[0].value != plain and at.metric[0].value == "13.38M"


def test_explorer_own_stack_and_its_errors():
    at = run(EXPLORER)
    at.sidebar.radio[0].set_value("Your own stack").run()
    at.text_area[0].set_value("input 28x28x192\nconv 32 5x5 same").run()
    assert at.metric[2].value == "120.42M"
    at.text_area[0].set_value("input 28x28x192\nconv 32 five").run()
    assert "line 2" in at.error[0].value
    assert not at.exception


@pytest.mark.slow
def test_explorer_verify_button_compares_with_keras():
    at = run(EXPLORER)
    at.sidebar.selectbox[0].set_value("resnet50").run()
    at.button(key="explorer_verify").click().run(timeout=180)
    assert not at.exception, at.exception
    assert "agrees" in at.success[0].value
    table = at.table[0].value
    assert "keras.applications.ResNet50" in table.index
    assert set(table["total params"]) == {"25,636,712"}


def test_compare_page_filters_families():
    at = run(COMPARE)
    assert len(at.get("plotly_chart")) == 2  # size against compute, accuracy frontier
    assert len(at.dataframe[0].value) == len(zoo.names()) - 1  # LeNet-5 left out at first
    at.multiselect[0].set_value(["MobileNet", "EfficientNet"]).run()
    assert len(at.dataframe[0].value) == 10
    at.multiselect[0].set_value([]).run()
    assert "Pick at least one family" in at.warning[0].value


def test_the_layer_table_shows_counts_with_thousands_separators():
    import json

    at = run(EXPLORER)
    columns = json.loads(at.dataframe[-1].proto.columns)
    assert columns["MACs"]["type_config"]["format"] == "localized"
    assert columns["params"]["type_config"]["format"] == "localized"


def test_compare_table_says_dash_where_a_network_has_no_imagenet_figure():
    at = run(COMPARE)
    table = at.dataframe[0].value
    rows = dict(zip(table["model"], table["ImageNet top-1 %"], strict=True))
    assert rows["ResNet CIFAR (6n+2)"] == "—" and rows["ResNet-50"] == "74.9"
    assert "None" not in table.astype(str).to_numpy()
