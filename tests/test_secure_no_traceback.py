"""Issue 21 item 6 (and issue 26 item 12's import message): no input gives a traceback.

The issue's attacks: a folder name with a non-UTF-8 byte (Datasets page, `cvlab train`),
and Augmentation Studio imports nested 100,000 deep or holding a 400- or 5,000-digit
number. Ours: non-UTF-8 file names inside the classes and `cvlab scan`, a strict UTF-8
terminal, an import that is not UTF-8, and brackets inside strings that are not nesting.
(The malformed weights cache is tests/test_secure_weights_cache.py.)
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from rendered import rendered
from streamlit.testing.v1 import AppTest

from cvlab.augment.spec import default_spec, spec_to_json
from tests.conftest import ROOT

pytestmark = pytest.mark.slow
SHOWN = "caf\ufffd"  # how b"caf\xe9" reads


@pytest.fixture
def latin1(tmp_path, monkeypatch) -> Path:
    """Two classes, one folder named by the bytes b"caf\\xe9", with file names that are
    not UTF-8 either; the temporary folder is the only data root."""
    monkeypatch.setenv("CVLAB_DATA_ROOTS", str(tmp_path))
    rng = np.random.default_rng(0)
    root = tmp_path / "ds"
    for name in (b"caf\xe9", b"dog"):
        folder = root / os.fsdecode(name)
        folder.mkdir(parents=True)
        for i in range(6):
            colour = 40 if name == b"dog" else 200
            pixels = np.clip(rng.normal(colour, 20, (32, 32, 3)), 0, 255).astype("uint8")
            Image.fromarray(pixels).save(folder / os.fsdecode(b"im%d\xff.png" % i))
    return root


def _cvlab(*args, cwd=ROOT):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict"}  # a UTF-8 terminal
    return subprocess.run([sys.executable, "-m", "cvlab", *args], capture_output=True,
                          text=True, env=env, cwd=cwd)


def test_scan_and_train_take_non_utf8_names(latin1, tmp_path):
    table = _cvlab("scan", str(latin1))
    assert table.returncode == 0 and "Traceback" not in table.stderr
    assert SHOWN in table.stdout
    report = json.loads(_cvlab("scan", str(latin1), "--json").stdout)
    assert report["classes"] == {SHOWN: 6, "dog": 6}
    run = tmp_path / "run"
    result = _cvlab("train", str(latin1), "--epochs", "1", "--image-size", "32",
                    "--batch-size", "4", "--out", str(run))
    assert result.returncode == 0, result.stderr[-1500:]
    assert json.loads((run / "classes.json").read_text()) == [SHOWN, "dog"]
    split = json.loads((run / "split.json").read_text())
    paths = [Path(p) for subset in split.values() for p, _ in subset]
    assert len(paths) == 12 and all(p.is_file() for p in paths)  # the real names, kept


def test_datasets_page_shows_non_utf8_names(latin1):
    at = AppTest.from_file(str(ROOT / "pages" / "datasets.py"), default_timeout=120).run()
    at.radio[0].set_value("Folder on disk").run()
    at.text_input(key="folder_text").set_value(str(latin1)).run()
    assert not at.exception, at.exception
    page = " ".join([rendered(m.value) for m in at.markdown] +
                    [f.value.to_csv() for f in at.dataframe] +
                    [c for i in at.image for c in i.captions])
    assert SHOWN in page


DEEP = "[" * 100_000 + "]" * 100_000
NESTED = '{"steps": [{"op": "rotation", "factor": ' + "[" * 30_000 + "]" * 30_000 + "}]}"


def _number(digits: int) -> str:
    return '{"steps": [{"op": "rotation", "factor": ' + "9" * digits + "}]}"


@pytest.mark.parametrize(("upload", "says"), [
    (DEEP, "at most 65,536 bytes"),
    (NESTED, "nested 30,003 levels deep; allowed: at most 8"),
    (_number(400), "a number of 400 characters"),
    (_number(5000), "a number of 5,000 characters"),
    ('{"steps": [{"op": "teleport"}]}', "Received op 'teleport'"),
    (b'{"steps": [{"op": "flip\xff"}]}', "not UTF-8 text"),
])
def test_a_bad_import_says_it_failed_and_changes_nothing(upload, says):
    at = AppTest.from_file(str(ROOT / "pages" / "augmentation_studio.py"),
                           default_timeout=60).run()
    before = at.session_state["augment_spec"]
    data = upload.encode() if isinstance(upload, str) else upload
    at.file_uploader(key="aug_import").set_value(("mine.json", data, "application/json"))
    at.run()
    assert not at.exception, at.exception
    message = rendered(at.error[0].value)
    assert message.startswith("Import of mine.json failed; the pipeline is unchanged.")
    assert says in message and "Traceback" not in message and "/" not in message[:60]
    assert at.session_state["augment_spec"] == before


def test_brackets_inside_strings_are_not_nesting():
    from cvlab.augment.spec import spec_from_json
    from cvlab.errors import CvlabError

    text = spec_to_json(default_spec())
    assert spec_from_json(text) == default_spec()
    with pytest.raises(CvlabError, match=r"Received op '\[\[\[\[\[\[\[\[\[\[\\\\\"'"):
        spec_from_json('{"steps": [{"op": "[[[[[[[[[[\\\\\\""}]}')
