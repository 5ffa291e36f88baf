"""Run as a script (by tests/test_server_without_tf.py): opens every page, every tab, the
Explorer's Keras check and Feature Maps' model in one fresh interpreter, as a Streamlit
server would, and prints one JSON object: which pages raised, what the model work showed,
and whether TensorFlow was ever imported into this process."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ui.navigation import PAGES  # noqa: E402 - after the path is set


def main() -> None:
    failed, shown = [], {}
    for entry in PAGES:
        at = AppTest.from_file(str(ROOT / "pages" / entry.file), default_timeout=300).run()
        if entry.file == "architecture_explorer.py" and not at.exception:
            at.sidebar.selectbox[0].set_value("mobilenet_v2").run()
            at.button(key="explorer_verify").click().run()
            shown["keras_check"] = [s.value for s in at.success]
        if entry.file == "feature_maps.py" and not at.exception:
            shown["feature_maps_images"] = len(at.image)
        if at.exception:
            failed.append([entry.file, str(at.exception[0].value)])
    print(json.dumps({"failed": failed, "shown": shown,
                      "tensorflow": "tensorflow" in sys.modules or "keras" in sys.modules}))


if __name__ == "__main__":
    main()
