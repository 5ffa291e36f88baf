"""The job folder's files: progress is clamped and atomic, stop and result round-trip."""

from cvlab import jobfolder
from cvlab.atomic import write_bytes


def test_progress_round_trip_and_clamp(tmp_path):
    assert jobfolder.read_progress(tmp_path) is None
    jobfolder.report_progress(tmp_path, 1.7, "epoch 3/3", epoch=3)
    got = jobfolder.read_progress(tmp_path)
    assert got["fraction"] == 1.0 and got["text"] == "epoch 3/3"
    assert got["detail"] == {"epoch": 3} and got["updated"] > 0
    assert [p.name for p in tmp_path.iterdir()] == ["progress.json"], "no temporary left"


def test_stop_and_result(tmp_path):
    assert not jobfolder.stop_requested(tmp_path)
    jobfolder.request_stop(tmp_path)
    assert jobfolder.stop_requested(tmp_path)
    jobfolder.write_result(tmp_path, {"runs": [1, 2]})
    assert jobfolder.read_result(tmp_path) == {"runs": [1, 2]}


def test_damaged_files_read_as_missing(tmp_path):
    write_bytes(tmp_path / "progress.json", b"{half")
    assert jobfolder.read_progress(tmp_path) is None
    write_bytes(tmp_path / "result.json", b"[1]")
    assert jobfolder.read_result(tmp_path) is None


def test_reporter_throttles_and_estimates_the_time_left(tmp_path, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(jobfolder.time, "time", lambda: clock[0])
    report = jobfolder.Reporter(tmp_path, interval=1.0)
    report(0.0, "epoch 1", stage="epoch")
    clock[0] += 0.5
    report(0.1, "too soon", stage="epoch")
    assert jobfolder.read_progress(tmp_path)["text"] == "epoch 1"
    clock[0] += 1.5
    report(0.2, "epoch 1 batch 2", stage="epoch", step=2)
    got = jobfolder.read_progress(tmp_path)
    assert got["detail"]["eta_seconds"] == 8.0  # 0.2 done in 2 s: 0.8 left takes 8 s
    assert got["detail"] == {"step": 2, "stage": "epoch", "elapsed_seconds": 2.0,
                             "eta_seconds": 8.0}
    jobfolder.request_stop(tmp_path)
    jobfolder.clear_stop(tmp_path)
    assert not jobfolder.stop_requested(tmp_path)
