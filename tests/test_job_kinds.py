"""Every job kind's spec survives the whole trip a job makes, field by field: the page's
spec → the queue's record on disk → the job process's decoded, checked spec → the command
it derives → that command's own parser → the spec the command runs. Each field is set to a
value other than its default, one field at a time, so a field that the command line drops
or mistypes fails here."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from train_folders import write_shapes

from cvlab.cli import build_parser
from cvlab.errors import CvlabError
from cvlab.experiments.degradation import Settings
from cvlab.experiments.identity import IdentitySpec
from cvlab.experiments.transfer_curve import CurvePlan
from cvlab.jobs import kinds, queue
from cvlab.jobs.record import read_job
from cvlab.latency import LatencySpec
from cvlab.practice.job import ExerciseCheck
from cvlab.profile import ProfileSpec
from cvlab.train.config import TrainConfig

AUGMENT = {"format": "cvlab.augment", "version": 1,
           "steps": [{"op": "flip", "mode": "horizontal"}]}


def variants(data: Path) -> dict[str, tuple[object, dict[str, object]]]:
    """Per kind: a base spec, and for each field a value other than the base's (or the
    value and the other fields it needs, e.g. a zoo network needs scratch mode)."""
    folder = str(data)
    return {
        "train": (TrainConfig(folder, mode="fine-tune"), {
            "data_dir": str(data / "other"), "mode": "full", "epochs": 7, "image_size": 64,
            "batch_size": 8, "learning_rate": 0.0123, "weights": str(data / "weights.h5"),
            "fine_tune_at": 42,
            "head_epochs": 2, "seed": 9, "val_fraction": 0.3, "test_fraction": 0.1,
            "augment": AUGMENT, "cache_features": False,
            "cached_views": (3, {"augment": AUGMENT}), "dropout": 0.4,
            "train_per_class": 5, "model": ("lenet5", {"mode": "scratch"}),
            "model_file": (str(data / "mine.keras"), {"mode": "scratch"})}),
        "degradation": (Settings(), {
            "depths": (8, 14), "epochs": 3, "seed": 4, "train_per_class": 30,
            "val_per_class": 7, "image_size": 16, "batch_size": 32, "learning_rate": 0.05,
            "optimizer": "sgd", "families": ("residual",), "schedule": "step"}),
        "identity": (IdentitySpec(), {"epochs": 2, "weight_decay": 0.1, "seed": 5}),
        "transfer-curve": (CurvePlan(folder, (5, 10), ("frozen",)), {
            "data_dir": str(data / "other"), "per_class": (3, "all"),
            "modes": ("full", "scratch"), "epochs": 3, "image_size": 64, "seed": 2,
            "batch_size": 16}),
        "latency": (LatencySpec(), {
            "models": ("lenet5", "vgg16"), "resolution": 96, "batches": (4,),
            "separable": "8x8x4,4,3,same", "force": True}),
        "profile": (ProfileSpec("mobilenet_v2"), {"network": "mobilenet_v1", "alpha": 0.5,
                                                  "resolution": 160}),
        "exercise": (ExerciseCheck("identity_block", str(data / "weights.h5")), {
            "exercise": "skip_block", "file": str(data / "other")}),
    }


def cases():
    for name, (_, changes) in variants(Path("/data")).items():
        for field in changes:
            yield name, field


def settled(spec):
    """The spec as its kind runs it: a training config resolved, a plan's points checked."""
    if isinstance(spec, TrainConfig):
        return spec.resolved()
    if isinstance(spec, Settings):
        return spec.checked()
    return spec


def test_every_field_of_every_kind_is_covered():
    for name, (base, changes) in variants(Path("/data")).items():
        assert set(changes) == {f.name for f in dataclasses.fields(base)}, name
    assert set(variants(Path("/data"))) == set(kinds.KINDS)


@pytest.mark.parametrize(("name", "field"), list(cases()))
def test_a_field_survives_record_worker_and_command_line(name, field, tmp_path, monkeypatch):
    monkeypatch.setenv("CVLAB_DATA_ROOTS", str(tmp_path))
    monkeypatch.setenv("CVLAB_STANDBY", "0")
    data = tmp_path / "data"
    for folder in (data, data / "other"):
        write_shapes(folder, per_class=4, size=16)
    (data / "weights.h5").write_bytes(b"")  # checked for existence only, never read here
    (data / "mine.keras").write_bytes(b"")
    base, changes = variants(data)[name]
    value, needs = changes[field] if isinstance(changes[field], tuple) and len(
        changes[field]) == 2 and isinstance(changes[field][1], dict) else (changes[field], {})
    spec = settled(dataclasses.replace(base, **{field: value}, **needs))
    kind = kinds.kind_of(spec)
    assert kind.name == name

    # 1. Queued with no free slot (none to start it), the record read as the job reads it.
    root = tmp_path / "runs"
    monkeypatch.setattr(queue, "max_jobs", lambda: 0)
    job = queue.submit(spec, root)
    record = read_job(job.dir)
    received = kinds.checked(record.kind, record.spec)
    assert received == spec
    assert getattr(received, field) == getattr(spec, field)

    # 2. The command the job process derives parses back into the same spec.
    argv = queue.command(record)
    args = build_parser().parse_args(argv)
    assert settled(args.spec(args)) == spec, argv
    assert job.title == kind.title(spec)


def test_a_spec_of_the_wrong_type_or_field_is_refused(tmp_path):
    with pytest.raises(CvlabError, match="TrainConfig.epochs = '3'"):
        kinds.checked("train", {"data_dir": str(tmp_path), "epochs": "3"})
    with pytest.raises(CvlabError, match="field 'argv'"):
        kinds.checked("identity", {"argv": ["scan", "/etc"]})
    with pytest.raises(CvlabError, match="a JSON object"):
        kinds.checked("profile", ["lenet5"])
    with pytest.raises(CvlabError, match="job kind 'shell'"):
        kinds.checked("shell", {})
