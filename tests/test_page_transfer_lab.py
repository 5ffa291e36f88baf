"""The Transfer Lab in AppTest: every control, on fake-but-contract-shaped runs."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from evaluate_fakerun import build_run, write_shapes
from job_helpers import wait_done
from rendered import rendered
from streamlit.testing.v1 import AppTest

from cvlab.evaluate.metrics import cell_images
from cvlab.experiments.transfer_curve import CurvePlan
from cvlab.jobs import queue
from cvlab.jobs.record import Job, write_job
from cvlab.jobs.spec import encode
from cvlab.train.base_layers import trainable_params
from cvlab.train.runs import read_run
from ui.run_compare import stored_test_report

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "transfer_lab.py")


def open_page(dataset: Path | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    if dataset:
        at.session_state["dataset_dir"] = str(dataset)
    at.run()
    assert not at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_rule_modes_and_fine_tune_picture_follow_the_layout(data_dir):
    at = open_page()
    assert "little data" in at.markdown[0].value or "handful" in at.markdown[0].value
    table = at.dataframe[0].value
    assert list(table["mode"]) == ["frozen", "fine-tune", "full", "scratch"]
    assert at.slider(key="ft_at").max == 154  # torchvision layout: 155 layers
    at.radio(key="ft_layout").set_value("keras").run()
    at.slider(key="ft_at").set_value(120).run()
    at.number_input(key="ft_classes").set_value(5).run()
    assert at.slider(key="ft_at").max == 153  # Keras layout: 154 layers
    shown = metrics(at)["Trainable in the fine-tune phase"]
    assert shown == f"{trainable_params('keras', 'fine-tune', 120, 5):,}"
    assert any("No trained runs yet" in c.value for c in at.caption)


def test_the_fine_tune_picture_starts_at_the_folders_classes(data_dir, tmp_path):
    at = open_page(write_shapes(tmp_path / "shapes"))  # circles, squares, triangles
    assert at.number_input(key="ft_classes").value == 3
    head = metrics(at)["Trainable in the head phase"]
    assert head == f"{trainable_params('torch', 'head', None, 3):,}"


def test_the_picked_confusion_cell_is_framed():
    from cvlab.figures import clickable_confusion

    fig = clickable_confusion([[3, 1], [0, 4]], ["cat", "dog"], picked=(0, 1))
    (frame,) = fig.layout.shapes
    assert (frame.x0, frame.x1, frame.y0, frame.y1) == (0.5, 1.5, -0.5, 0.5)


def test_the_modes_intervals_sit_side_by_side():
    from cvlab.figures import transfer_curve

    points = [{"mode": m, "per_class": n, "test_accuracy": 0.5, "ci": [0.3, 0.7],
               "seconds": 1.0} for m in ("frozen", "full") for n in (5, 10)]
    fig = transfer_curve({"points": points, "test_images": 30})
    assert fig.layout.scattermode == "group"
    assert [t.offsetgroup for t in fig.data] == ["frozen", "full"]


def test_a_bad_plan_says_why_and_starts_nothing(data_dir, tmp_path):
    at = open_page(write_shapes(tmp_path / "shapes"))
    at.multiselect(key="curve_modes").set_value(["fine-tune"])
    at.number_input(key="curve_epochs").set_value(1)
    at.button(key="curve_start").click().run()
    assert "epochs 1 with mode fine-tune" in rendered(at.error[0].value)
    assert not (data_dir / "experiments").exists() or not any(
        (data_dir / "experiments" / "runs").glob("*"))


def test_a_stored_experiment_shows_its_curve_after_a_reload(data_dir):
    folder = data_dir / "runs" / "20260101-000000-transfer-curve"
    folder.mkdir(parents=True)
    plan = CurvePlan("/x/faces", (5, 10), ("frozen",))
    write_job(Job(folder.name, "transfer-curve", "transfer curve on faces", encode(plan),
                  folder, status="finished", created=1.0, exit_code=0))
    points = [{"mode": "frozen", "per_class": n, "test_accuracy": a, "ci": [a - .2, a + .1],
               "seconds": 3.0} for n, a in ((5, 0.6), (10, 0.8))]
    (folder / "result.json").write_text(json.dumps(
        {"dataset": "/x/faces", "classes": ["a", "b"], "test_images": 30, "points": points}))
    at = open_page()
    assert at.selectbox(key="curve_pick:None").value == folder.name
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert [t["y"] for t in chart["data"]][0] == [60.0, 80.0]
    assert at.dataframe[1].value["95% interval"].tolist() == ["40%–70%", "60%–90%"]


@pytest.mark.slow
def test_runs_compared_tricks_and_confusion_cells(data_dir):
    # Under the data folder, the only allowed data root: runs on images outside it are
    # damaged, their splits unread, and every one would look like an ensemble partner.
    shapes = write_shapes(data_dir / "shapes", per_class=10)
    for name, seed in (("other-split", 1), ("a", 0), ("b", 0)):  # a and b: one split
        build_run(data_dir / "runs" / name, shapes, seed=seed, test_fraction=0.3)
    at = open_page()
    assert at.multiselect(key="tricks_members").options == ["a"]
    assert len(at.multiselect(key="compare_runs").value) == 2
    at.button(key="compare_test").click().run()
    rows = at.dataframe[1].value
    assert all(v.endswith("%") for v in rows["test accuracy"])
    assert set(rows["test images"]) == {9}

    at.button(key="tricks_go").click().run()
    assert not at.exception
    tricks = at.dataframe[2].value
    assert list(tricks["what"]) == ["single crop, one model", "10-crop", "ensemble of 2"]
    assert all(" to " in v for v in tricks["gain 95% interval"][1:])

    # The confusion explorer opens on the best tested run, although an untested one is newer.
    tested = {n for n in ("other-split", "a", "b")
              if stored_test_report(read_run(data_dir / "runs" / n))}
    assert len(tested) == 2
    (untested,) = {"other-split", "a", "b"} - tested
    config = read_run(data_dir / "runs" / untested).paths.config
    os.utime(config, (time.time() + 60, time.time() + 60))  # now the newest run
    at.run()
    assert set(cells_run(at).options[:2]) == tested
    run = cells_run(at).value
    assert Path(run).name in tested
    report = json.loads((Path(run) / "metrics.json").read_text())
    names = report["class_names"]
    matrix = report["single"]["confusion_matrix"]
    for true, predicted in ((names[0], names[0]), (names[0], names[1])):
        at.selectbox(key="cell_true").set_value(true)
        at.selectbox(key="cell_predicted").set_value(predicted).run()
        expected = cell_images(report["single"], true, predicted)
        assert len(expected) == matrix[names.index(true)][names.index(predicted)]
        captions = [rendered(img.caption) for strip in at.get("image") for img in strip.proto.imgs]
        assert captions == [f"{Path(p['path']).name} · {p['confidence']:.0%}"
                            for p in expected]

    # A run tested meanwhile (as an experiment's runs are when it ends) joins the tested
    # runs; the page opens on the most accurate of them, whichever was tested last.
    from cvlab.evaluate import evaluate

    evaluate(data_dir / "runs" / untested, split="test")
    at.run()
    assert not at.exception
    names = ("other-split", "a", "b")
    accuracy = {n: stored_test_report(read_run(data_dir / "runs" / n))["single"]["accuracy"]
                for n in names}
    tested_at = {n: (data_dir / "runs" / n / "metrics.json").stat().st_mtime for n in names}
    assert [Path(p).name for p in cells_run(at).options] == sorted(
        names, key=lambda n: (-accuracy[n], -tested_at[n]))
    assert accuracy[Path(cells_run(at).value).name] == max(accuracy.values())


def cells_run(at):
    """The confusion explorer's run picker (its key names the latest tested run)."""
    (box,) = [b for b in at.selectbox if (b.key or "").startswith("cells_run:")]
    return box


@pytest.mark.slow
def test_launch_then_stop_an_experiment_job(data_dir, tmp_path):
    at = open_page(write_shapes(data_dir / "shapes", per_class=10))
    at.multiselect(key="curve_modes").set_value(["frozen"])
    at.multiselect(key="curve_amounts").set_value([5])
    at.select_slider(key="curve_image_size").set_value(32)
    at.number_input(key="curve_seed").set_value(3)
    at.number_input(key="curve_epochs").set_value(1).run()
    assert any("1 training runs" in c.value for c in at.caption)
    at.button(key="curve_start").click().run()
    assert not at.exception and not at.error
    job = queue.get(at.session_state["curve_shown"])
    assert job.kind == "transfer-curve" and job.dir.parent == (data_dir / "runs").resolve()
    assert (job.spec["per_class"], job.spec["seed"], job.spec["image_size"]) == ([5], 3, 32)
    assert at.selectbox(key=f"curve_pick:{job.id}").value == job.id
    wait_done(job.id, until=lambda j: j.status != "queued")
    at.run()
    at.button(key=f"stop:{job.id}").click().run()
    assert (job.dir / "STOP").exists()
    assert wait_done(job.id).status == "stopped"
    at.run()
    assert any(c.value.startswith("stopped after 0 of 1 runs") for c in at.caption), \
        [c.value for c in at.caption]
    assert f"resume:{job.id}" not in [b.key for b in at.button]  # no resume command
