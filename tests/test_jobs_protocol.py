"""The job folder's files: progress is clamped and atomic, stop and result round-trip."""

from cvlab.atomic import write_bytes
from cvlab.jobs import protocol


def test_progress_round_trip_and_clamp(tmp_path):
    assert protocol.read_progress(tmp_path) is None
    protocol.report_progress(tmp_path, 1.7, "epoch 3/3", epoch=3)
    got = protocol.read_progress(tmp_path)
    assert got["fraction"] == 1.0 and got["text"] == "epoch 3/3"
    assert got["detail"] == {"epoch": 3} and got["updated"] > 0
    assert [p.name for p in tmp_path.iterdir()] == ["progress.json"], "no temporary left"


def test_stop_and_result(tmp_path):
    assert not protocol.stop_requested(tmp_path)
    protocol.request_stop(tmp_path)
    assert protocol.stop_requested(tmp_path)
    protocol.write_result(tmp_path, {"runs": [1, 2]})
    assert protocol.read_result(tmp_path) == {"runs": [1, 2]}


def test_damaged_files_read_as_missing(tmp_path):
    write_bytes(tmp_path / "progress.json", b"{half")
    assert protocol.read_progress(tmp_path) is None
    write_bytes(tmp_path / "result.json", b"[1]")
    assert protocol.read_result(tmp_path) is None
