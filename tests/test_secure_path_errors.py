"""Every path and archive error is a message, never a traceback.

Promise 7 of issue 15: a NUL byte, a name too long, a file where a folder is expected, an
empty or ``.`` entry and a 2,000-deep path, for the CLI, the Datasets page's folder input
and zip uploads.
"""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from rendered import rendered
from streamlit.testing.v1 import AppTest

from cvlab.data.roots import check_path_text, resolve_allowed
from cvlab.data.scan import scan
from cvlab.data.uploads import extract_zip
from cvlab.errors import CvlabError

ROOT = Path(__file__).resolve().parents[1]
DEEP = "a/" * 2000 + "x"
LONG = "n" * 300


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cvlab", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def _one_line_error(out: subprocess.CompletedProcess) -> str:
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr and out.stderr.count("\n") == 1, out.stderr
    return out.stderr


@pytest.mark.parametrize("text, words", [
    ("data\0/x", "NUL byte"),
    (LONG, "name of 300 bytes"),
    (DEEP, "2001 levels"),
])
def test_path_text_is_checked_before_the_file_system(text, words):
    with pytest.raises(CvlabError, match=words):
        check_path_text(text)
    with pytest.raises(CvlabError, match=words):
        resolve_allowed(text)
    with pytest.raises(CvlabError, match=words):
        scan(text)


def test_cli_path_errors_are_one_line(tmp_path):
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    assert "name of 300 bytes" in _one_line_error(_cli("scan", str(tmp_path / LONG)))
    assert "is a file, not a folder" in _one_line_error(_cli("scan", str(a_file / "sub")))
    # Our own: a too-long name handed to a command that opens it as a run folder.
    assert "Received" in _one_line_error(_cli("evaluate", str(tmp_path / LONG)))


def _zip(entries: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(zipfile.ZipInfo(name), data)
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize("entries, words", [
    ({"a/" + LONG + ".png": b"x", "b/1.png": b"y"}, "name of 304 bytes"),
    ({DEEP + ".png": b"x"}, "levels"),
    ({"a": b"file", "a/1.png": b"x"}, "as a file and also"),
    ({".": b"x", "b/1.png": b"y"}, "names no file"),
    ({"a/./": b"", "a/../../x.png": b"x"}, "outside the upload folder"),
])
def test_bad_zip_entries_are_a_message_and_leave_nothing(tmp_path, entries, words):
    (tmp_path / "uploads").mkdir()
    with pytest.raises(CvlabError, match=words):
        extract_zip(_zip(entries), tmp_path / "uploads" / "set")
    assert list((tmp_path / "uploads").iterdir()) == []


def test_zip_entry_with_a_nul_byte_cannot_smuggle_a_name(tmp_path):
    # zipfile cuts a name at its NUL; what remains must pass the same checks.
    folder = extract_zip(_zip({"a/ok.png\0../../evil": b"x", "b/1.png": b"y"}),
                         tmp_path / "set")
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.png")) == [
        "a/ok.png", "b/1.png"]
    assert not (tmp_path / "evil").exists()


@pytest.mark.slow
def test_the_folder_input_shows_a_message(tmp_path, monkeypatch):
    monkeypatch.setenv("CVLAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CVLAB_DATA_ROOTS", str(tmp_path / "data"))
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "notes.txt").write_text("x")
    at = AppTest.from_file(str(ROOT / "pages" / "datasets.py"), default_timeout=60).run()
    at.radio[0].set_value("Folder on disk").run()
    for typed, words in [("samples\0faces", "NUL byte"), (LONG, "name of 300 bytes"),
                         (DEEP, "levels"), ("notes.txt/cat", "is a file, not a folder"),
                         ("notes.txt", "is a file")]:
        at.text_input[0].set_value(typed).run()
        assert not at.exception, typed
        assert words in rendered(at.error[0].value), typed
