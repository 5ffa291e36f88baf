"""`python -m cvlab augment`: writes the grid, reports the draws, fails cleanly."""

import json

import pytest
from PIL import Image

from cvlab.cli import main

pytestmark = pytest.mark.slow


def test_augment_writes_a_grid_and_reports_each_draw(tmp_path, capsys):
    pipeline = tmp_path / "p.json"
    pipeline.write_text(json.dumps({"steps": [{"op": "rgb_shift", "random": False}]}))
    out = tmp_path / "grid.png"
    args = ["augment", "Cat", "--pipeline", str(pipeline), "--n", "4", "--size", "32"]
    assert main([*args, "--out", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [d["rgb_shift"]["rgb"] for d in report["draws"]] == [[20.0, 10.0, -5.0]] * 4
    assert Image.open(out).size == (3 * 32 + 2 * 4, 2 * 32 + 4)


def test_augment_rejects_bad_input_with_exit_status_2(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"steps": [{"op": "warp"}]}')
    assert main(["augment", "Cat", "--pipeline", str(bad), "--out", str(tmp_path / "g.png")]) == 2
    assert "Received op 'warp'" in capsys.readouterr().err
    assert main(["augment", str(tmp_path / "missing.png")]) == 2
