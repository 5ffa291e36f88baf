"""AppTest: the Explorer opens a Keras model file (an earlier upload) like a zoo network,
read by the inference worker."""

import pytest
from streamlit.testing.v1 import AppTest

from cvlab.modelfile.store import save_upload
from tests.model_files import small_model_file
from tests.test_page_explorer import EXPLORER

pytestmark = pytest.mark.slow


def test_explorer_shows_an_uploaded_model_file(data_dir, tmp_path):
    path = small_model_file(tmp_path / "tiny_net.keras")
    save_upload(path.name, path.read_bytes())
    at = AppTest.from_file(str(EXPLORER), default_timeout=180).run()
    at.sidebar.radio[0].set_value("Your model file").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="model_file_pick:explorer_file").value.endswith(".keras")
    table = at.dataframe[0].value
    assert list(table["layer"]) == ["input", "augmentation/random_flip", "conv_a", "dw_b",
                                    "pw_b", "pool", "head"]
    assert table["MACs"].sum() == 16 * 16 * 8 * 27 + 16 * 16 * 8 * 9 + 16 * 16 * 16 * 8 + 16 * 3
    assert len(at.get("plotly_chart")) == 4
    assert any("Keras' own count" in c.value and "equal, as always" in c.value
               for c in at.caption)
