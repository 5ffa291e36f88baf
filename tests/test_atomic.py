"""The one atomic writer: the target is replaced whole or not at all."""

import json

import pytest

from cvlab import atomic


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = atomic.write_json(tmp_path / "sub" / "state.json", {"epoch": 1})
    with pytest.raises(RuntimeError), atomic.replacing(target) as temporary:
        assert temporary.suffix == ".json" and temporary.parent == target.parent
        temporary.write_text("{half")
        raise RuntimeError("killed mid-write")
    assert json.loads(target.read_text()) == {"epoch": 1}
    assert [p.name for p in target.parent.iterdir()] == ["state.json"]


def test_json_keeps_non_ascii_names_readable(tmp_path):
    path = atomic.write_json(tmp_path / "classes.json", ["café", "naïve"])
    assert "café" in path.read_text(encoding="utf-8")
    assert json.loads(path.read_text(encoding="utf-8")) == ["café", "naïve"]
