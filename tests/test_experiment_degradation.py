"""The ResNet lab's experiments through their CLI: a tiny real degradation run and its JSON,
the job-folder protocol, stopping, bad arguments, and the weight-decay demo."""

import json

import pytest

from cvlab import jobfolder
from cvlab.cli import main
from cvlab.experiments.degradation import verdict
from cvlab.profile import profile
from cvlab.zoo.residual import cifar_net

TINY = ["--depths", "14,8", "--epochs", "2", "--per-class", "3", "--val-per-class", "2",
        "--image-size", "8", "--batch-size", "16"]
RUN_KEYS = {"family", "depth", "params", "train_error", "val_error"}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """One real tiny run: two depths, both families, two epochs, with a job folder."""
    out = tmp_path_factory.mktemp("degradation")
    return out, _cli(["experiment", "degradation", *TINY, "--out", str(out), "--json"])


def _cli(argv):
    import contextlib
    import io

    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(argv)
    return code, stdout.getvalue(), stderr.getvalue()


@pytest.mark.slow
def test_tiny_run_prints_the_stated_json(tiny):
    _, (code, stdout, stderr) = tiny
    assert code == 0
    result = json.loads(stdout)
    assert isinstance(result["dataset"], str) and "Animal-MNIST" in result["dataset"]
    runs = result["runs"]
    assert [(r["family"], r["depth"]) for r in runs] == [
        ("plain", 8), ("residual", 8), ("plain", 14), ("residual", 14)]
    for run in runs:
        assert set(run) == RUN_KEYS
        assert isinstance(run["depth"], int) and isinstance(run["params"], int)
        assert len(run["train_error"]) == len(run["val_error"]) == 2
        assert all(0.0 <= e <= 1.0 for e in run["train_error"] + run["val_error"])
        net = cifar_net(run["depth"], run["family"] == "residual", input_shape=(8, 8, 1))
        assert run["params"] == profile(net).total_params
    assert result["train_images"] == 30 and result["val_images"] == 20
    assert result["settings"]["depths"] == [8, 14] and result["stopped"] is False
    assert result["machine"]["cores"] >= 1 and result["machine"]["device"]
    assert "residual-14" in stderr  # the progress bar names each run


@pytest.mark.slow
def test_tiny_run_reports_through_its_job_folder(tiny):
    out, (_, stdout, _) = tiny
    assert jobfolder.read_result(out) == json.loads(stdout)
    progress = jobfolder.read_progress(out)
    assert progress["fraction"] == 1.0 and progress["text"] == "finished"
    assert len(progress["detail"]["runs"]) == 4
    gradients = progress["detail"]["init_gradients"]
    assert {(g["family"], g["depth"]) for g in gradients} == {
        (f, d) for f in ("plain", "residual") for d in (8, 14)}
    for g in gradients:
        assert len(g["norms"]) == len(g["layers"]) == g["depth"] - 1  # every conv
        assert all(n > 0 for n in g["norms"])


@pytest.mark.slow
def test_a_stop_file_ends_the_run_and_keeps_what_finished(tmp_path):
    jobfolder.request_stop(tmp_path)
    code, stdout, _ = _cli(["experiment", "degradation", *TINY, "--out", str(tmp_path),
                            "--json"])
    assert code == 0
    result = json.loads(stdout)
    assert result["stopped"] is True
    assert len(result["runs"]) == 1 and result["runs"][0]["train_error"] == []
    assert jobfolder.read_result(tmp_path)["stopped"] is True


@pytest.mark.parametrize(("argv", "message"), [
    (["--depths", "8,21"], "depth=21"),
    (["--depths", "8,x"], "--depths 8,x"),
    (["--epochs", "0"], "epochs=0"),
    (["--optimizer", "rmsprop"], "optimizer='rmsprop'"),
    (["--schedule", "linear"], "schedule='linear'"),
    (["--per-class", "990"], "990 train + 50 validation"),
])
def test_bad_arguments_exit_2_with_one_line(argv, message):
    code, stdout, stderr = _cli(["experiment", "degradation", *argv])
    assert code == 2 and stdout == ""
    assert len(stderr.strip().splitlines()) == 1
    assert message in stderr and "allowed" in stderr


@pytest.mark.slow
def test_schedules_follow_their_stated_steps():
    from cvlab.experiments.degradation import Settings, learning_rate

    def rates(schedule, steps=(0, 49, 50, 74, 75, 99)):
        rate = learning_rate(Settings(learning_rate=0.1, schedule=schedule), 100)
        return [round(float(rate(step) if callable(rate) else rate), 6) for step in steps]

    assert rates("step") == [0.1, 0.1, 0.01, 0.01, 0.001, 0.001]  # ÷10 at ½ and at ¾
    assert rates("constant") == [0.1] * 6
    cosine = rates("cosine", steps=(0, 50, 100))
    assert cosine == [0.1, 0.05, 0.0]


def test_verdict_compares_each_depth_with_the_next_deeper():
    def runs(plain, residual):
        return {"runs": [{"family": f, "depth": d, "train_error": [0.9, e]}
                         for f, errors in (("plain", plain), ("residual", residual))
                         for d, e in zip((8, 20, 56), errors, strict=True)]}

    shown = verdict(runs(plain=(0.30, 0.20, 0.35), residual=(0.30, 0.15, 0.10)))
    assert shown["shape_shown"] is True
    assert "plain 56 vs 20: training error 0.200 → 0.350 (+0.150)" in shown["lines"]
    flat = verdict(runs(plain=(0.30, 0.20, 0.18), residual=(0.30, 0.15, 0.155)))
    assert flat["plain_degrades"] is False and flat["residual_holds"] is True
    assert flat["shape_shown"] is False


@pytest.mark.slow
def test_weight_decay_shrinks_the_branch_and_the_identity_is_exact():
    from cvlab.experiments.identity import weight_decay_run

    result = weight_decay_run(epochs=1, weight_decay=0.2, per_class=4, seed=1)
    assert result["identity"]["course"]["exact"] and result["identity"]["batch_norm"]["exact"]
    free, decayed = result["runs"]
    assert free["weight_decay"] == 0.0 and decayed["weight_decay"] == 0.2
    assert free["kernel_norm"][0] == decayed["kernel_norm"][0]  # same seed, same start
    assert decayed["kernel_norm"][-1] < decayed["kernel_norm"][0]
    assert decayed["kernel_norm"][-1] < free["kernel_norm"][-1]


def _decay_runs(w_free, w_decayed, d_free, d_decayed):
    return ({"weight_decay": 0.0, "kernel_norm": [4.0, w_free],
             "distance_from_identity": [0.6, d_free]},
            {"weight_decay": 0.3, "kernel_norm": [4.0, w_decayed],
             "distance_from_identity": [0.6, d_decayed]})


def test_the_decay_summary_says_what_the_two_runs_show():
    from cvlab.experiments.identity import decay_summary

    # the default run on seed 0 (4 epochs, λ 0.3): W 4.14 against 0.90, distances 2.58 and 2.73
    text = decay_summary(*_decay_runs(4.14, 0.90, 2.58, 2.73))
    assert "from 4.00 to 0.90, 4.6× smaller than without decay (4.14)" in text
    assert "did not end nearer the identity (a distance of 2.73 against 2.58)" in text
    assert "ended nearer the identity: a distance of 0.40 against 2.58" in decay_summary(
        *_decay_runs(4.14, 0.90, 2.58, 0.40))


def test_the_time_estimate_grows_with_depths_epochs_and_images():
    from cvlab.experiments.degradation import MEASURED_DEFAULT_SECONDS, Settings

    assert Settings().estimated_seconds() == MEASURED_DEFAULT_SECONDS
    assert Settings(epochs=24).estimated_seconds() == 3 * MEASURED_DEFAULT_SECONDS
    shallow = Settings(depths=(8, 20)).estimated_seconds()
    assert shallow == pytest.approx(MEASURED_DEFAULT_SECONDS * 28 / 84)
    larger = Settings(image_size=24).estimated_seconds()
    assert larger == pytest.approx(4 * MEASURED_DEFAULT_SECONDS)
