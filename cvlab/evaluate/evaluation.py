"""Evaluate a run: accuracy, per-class precision/recall/F1, confusion matrix, mistakes.

``evaluate(run_dir)`` uses the run's own held-out images: its test split when it kept
one (the trainer keeps one by default, and no training or model-selection step reads
it), else its validation split, which chose the best epoch and so flatters the model;
``split="val"`` asks for the validation split. The report's ``source`` names the split.
``evaluate(run_dir, data_dir)`` scans a new folder-per-class tree instead and maps its
folder names onto the run's classes (a folder may hold a subset of them; an unknown class
name is an error naming it).

Two benchmark tricks can be compared with the plain single-crop, single-model result:

* ``multicrop=True``: 10-crop test-time augmentation (:mod:`cvlab.evaluate.tta`);
* ``ensemble=[run, …]``: average this run's probabilities with other runs' (single
  crop each; :mod:`cvlab.evaluate.ensemble`).

Each comes with ``accuracy_gain`` (its accuracy minus the single-crop accuracy, as a
fraction), ``gain_ci`` (its paired 95% interval over the same images) and its cost:
``seconds`` of model time and ``slowdown`` (its seconds over
the single-crop seconds). Model time starts after a warm-up batch and excludes image
decoding and model loading, so the ratio is the inference cost a deployment would pay.

The whole report is also written to ``run_dir/metrics.json``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from cvlab import atomic, jobfolder
from cvlab.data import scan
from cvlab.errors import CvlabError
from cvlab.evaluate.ensemble import average, check_members
from cvlab.evaluate.inference import Predictor, read_images, timed
from cvlab.evaluate.metrics import paired_difference, summarize
from cvlab.evaluate.rundir import eval_subset, input_size, load_model, open_run
from cvlab.evaluate.tta import enlarged, multicrop_probabilities
from cvlab.train.runs import RunRecord

METRICS_FILE = jobfolder.METRICS


def evaluate(
    run_dir: str | os.PathLike,
    data_dir: str | os.PathLike | None = None,
    *,
    multicrop: bool = False,
    ensemble: Sequence[str | os.PathLike] = (),
    split: str | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> dict:
    """The evaluation report (see the module docstring); ``log`` receives progress lines."""
    run = open_run(run_dir)
    members = [open_run(d) for d in ensemble]
    check_members([run, *members])
    paths, labels, source, unreadable = _labelled_images(run, data_dir, split)
    model = load_model(run)
    size = input_size(model, run)
    log(f"reading {len(paths)} images at {size[0]}×{size[1]}")
    images, kept, failed = read_images(paths, size)
    unreadable += failed
    if not kept:
        raise CvlabError(f"Received: {len(paths)} images, none readable (first: "
                         f"{failed[0]['path']}: {failed[0]['reason']}); allowed: readable images.")
    paths = [paths[i] for i in kept]
    labels = [labels[i] for i in kept]
    names = run.class_names

    log("single crop")
    predict = Predictor(model, size)
    probabilities, seconds = timed(predict, images)
    single = {**summarize(labels, probabilities, names, paths), "seconds": seconds}
    report = {"run_dir": str(run.path), "source": source, "class_names": names,
              "image_size": list(size), "unreadable": unreadable, "single": single}

    if multicrop:
        log(f"10-crop: reading at {enlarged(size)[0]}×{enlarged(size)[1]}")
        big = _read_all(paths, enlarged(size))
        crop_probabilities, crop_seconds = timed(multicrop_probabilities, predict, big, size)
        report["multicrop"] = _variant(summarize(labels, crop_probabilities, names, paths),
                                       crop_seconds, single, crop_probabilities,
                                       probabilities, labels)
        report["multicrop"]["crops"] = 10
    if members:
        report["ensemble"] = _ensemble(run, members, probabilities, images, size, paths,
                                       labels, single, log)
    _write(run.path / METRICS_FILE, report)
    return report


def _labelled_images(run: RunRecord, data_dir, split: str | None = None
                     ) -> tuple[list[Path], list[int], dict, list[dict]]:
    """Paths, labels in the run's class indices, a source description, scan rejects."""
    if split is not None and (data_dir is not None or split not in ("test", "val")
                              or not run.split.get(split)):
        kept = [name for name in ("test", "val") if run.split.get(name)]
        raise CvlabError(f"Received: split {split!r}" + (" with a folder" if data_dir else "")
                         + f"; allowed: one the run kept ({', '.join(kept) or 'none'}), "
                         "without a folder.")
    if data_dir is None:
        subset = split or eval_subset(run)
        paths, labels = zip(*run.split[subset], strict=True)
        return list(paths), list(labels), {"kind": "split", "subset": subset}, []
    found = scan(data_dir)
    unknown = [name for name in found.class_names if name not in run.class_names]
    if unknown:
        raise CvlabError(
            f"Received: class folders {', '.join(map(repr, unknown))} in {found.root} that "
            f"run {run.path.name} was not trained on; allowed: its classes "
            f"{', '.join(map(repr, run.class_names))} (folder names must match exactly)."
        )
    index = [run.class_names.index(name) for name in found.class_names]
    paths = [path for path, _ in found.files]
    labels = [index[label] for _, label in found.files]
    source = {"kind": "folder", "path": str(found.root), "classes": found.class_names}
    rejects = [{"path": str(s.path), "reason": f"{s.reason}: {s.detail}"} for s in found.skipped]
    return paths, labels, source, rejects


def _read_all(paths: list[Path], size: tuple[int, int]):
    images, kept, failed = read_images(paths, size)
    if failed:
        raise CvlabError(f"Received: {failed[0]['path']} that became unreadable during the "
                         f"evaluation ({failed[0]['reason']}); allowed: files left unchanged.")
    return images


def _variant(metrics: dict, seconds: float, single: dict, probabilities, single_probabilities,
             labels) -> dict:
    truth = np.asarray(labels)
    interval = paired_difference(np.argmax(probabilities, axis=1) == truth,
                                 np.argmax(single_probabilities, axis=1) == truth)
    return {**metrics, "seconds": seconds,
            "accuracy_gain": metrics["accuracy"] - single["accuracy"],
            "gain_ci": list(interval),
            "slowdown": seconds / single["seconds"] if single["seconds"] > 0 else float("inf")}


def _ensemble(run, members, probabilities, images, size, paths, labels, single, log) -> dict:
    all_probabilities = [probabilities]
    rows = [{"run_dir": str(run.path), "accuracy": single["accuracy"],
             "seconds": single["seconds"]}]
    for member in members:
        log(f"ensemble member {member.path.name}")
        model = load_model(member)
        member_size = input_size(model, member)
        pixels = images if member_size == size else _read_all(paths, member_size)
        member_probabilities, seconds = timed(Predictor(model, member_size), pixels)
        all_probabilities.append(member_probabilities)
        accuracy = float(np.mean(member_probabilities.argmax(axis=1) == np.asarray(labels)))
        rows.append({"run_dir": str(member.path), "accuracy": accuracy, "seconds": seconds})
    mean = average(all_probabilities)
    metrics = summarize(labels, mean, run.class_names, paths)
    result = _variant(metrics, sum(row["seconds"] for row in rows), single, mean,
                      probabilities, labels)
    result["members"] = rows
    return result


def read_report(run_dir: str | os.PathLike, subset: str | None = None) -> dict | None:
    """The last evaluation report written into the run folder (metrics.json), or ``None``;
    with ``subset`` (``"test"``), only a report on that split."""
    report = atomic.read_json(Path(run_dir) / METRICS_FILE)
    if report is None or subset is None:
        return report
    source = report.get("source")
    return report if isinstance(source, dict) and source.get("subset") == subset else None


def _write(path: Path, report: dict) -> None:
    try:
        atomic.write_json(path, report)
    except OSError as exc:
        raise CvlabError(f"Received: run folder {path.parent} where {path.name} cannot be "
                         f"written ({exc.strerror}); allowed: a writable run folder.") from None
