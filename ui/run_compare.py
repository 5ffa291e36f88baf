"""Runs side by side, and the two benchmark tricks (10-crop, ensembles) with their costs.

Every accuracy here is on a run's test split (validation chose its best epoch, so it
flatters), with its 95% Wilson interval; every gain comes with its paired interval on
the same images. A run's test report is ``metrics.json`` in its folder, written by
``cvlab.evaluate`` (the page or ``python -m cvlab evaluate``).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cvlab import inference, jobfolder
from cvlab.errors import CvlabError
from cvlab.evaluate.evaluation import read_report
from cvlab.evaluate.metrics import excludes_zero
from cvlab.figures import runs_overlay
from cvlab.jobs.record import RECORD
from cvlab.report import short_count
from cvlab.train import RunRecord, list_runs
from ui.inference import call
from ui.messages import warning
from ui.run_results import logged
from ui.text import md
from ui.training import known_runs
from ui.transfer_curve import stored


def lab_runs() -> list[RunRecord]:
    """Runs of the Training Studio and of every stored data-size experiment, with a model."""
    records = known_runs() + [r for job in stored() for r in list_runs(job.dir / "runs")]
    return [r for r in records if r.model_path.is_file()]


def run_name(record: RunRecord) -> str:
    """The run folder's name, after its experiment's folder name for an experiment's run."""
    experiment = record.path.parent.parent
    inside = record.path.parent.name == "runs" and (experiment / RECORD).is_file()
    return f"{experiment.name}/{record.path.name}" if inside else record.path.name


def stored_test_report(record: RunRecord) -> dict | None:
    """The run's stored single-crop report on its test split, if one was made."""
    return read_report(record.path, subset="test")


def tested_first(records: list[RunRecord]) -> list[RunRecord]:
    """Runs with a stored test report, the most accurate on its test split first (ties:
    the most recently tested), then the rest in their given order. A confusion matrix of
    the best run is the one worth opening on: a scratch run that predicts one class for
    everything teaches little. Each report is read once."""
    tested, untested = [], []
    for record in records:
        report = stored_test_report(record)
        if report is None:
            untested.append(record)
        else:
            tested.append((-report["single"]["accuracy"], -_tested_at(record), record))
    return [record for *_, record in sorted(tested, key=lambda t: t[:2])] + untested


def _tested_at(record: RunRecord) -> float:
    try:
        return (record.path / jobfolder.METRICS).stat().st_mtime
    except OSError:  # removed since it was read
        return 0.0


def evaluate_missing(records: list[RunRecord]) -> None:
    """Test each run without a stored test report, in the inference worker (never in the
    server); each report lands in its run's ``metrics.json``."""
    todo = [r for r in records if stored_test_report(r) is None]
    if not todo:
        return
    bar = st.progress(0.0, text="Testing runs…")
    for index, record in enumerate(todo):
        bar.progress(index / len(todo), text=f"Testing {run_name(record)}")
        try:
            call(inference.evaluate_run, str(record.path), False, (), "test")
        except CvlabError as exc:
            warning(f"{run_name(record)}: {exc}")
    bar.empty()


def compare(records: list[RunRecord]) -> None:
    """Overlay of validation curves and a table of settings, test accuracy, time, size."""
    picked = st.multiselect("Runs to compare", [str(r.path) for r in records],
                            default=[str(r.path) for r in records[:2]], key="compare_runs",
                            format_func=lambda p: run_name(_by_path(records)[p]))
    chosen = [_by_path(records)[p] for p in picked]
    if not chosen:
        st.caption("Pick runs to compare.")
        return
    st.plotly_chart(runs_overlay([(run_name(r), r.history) for r in chosen]), width="stretch",
                    key="compare_chart")
    untested = [r for r in chosen if stored_test_report(r) is None]
    if untested and st.button(f"Test {len(untested)} run(s) on their test split",
                              key="compare_test"):
        evaluate_missing(untested)
    st.dataframe(pd.DataFrame([_row(r) for r in chosen]), hide_index=True, width="stretch")


def _row(record: RunRecord) -> dict:
    config, report = record.config, stored_test_report(record)
    single = (report or {}).get("single")
    sample = config.get("train_per_class")
    return {"run": run_name(record), "mode": config.get("mode"),
            "images per class": sample or "all", "epochs": len(record.history),
            "image size": config.get("image_size"),
            "test accuracy": f"{single['accuracy']:.0%}" if single else "not tested",
            "95% interval": (f"{single['accuracy_ci'][0]:.0%}–{single['accuracy_ci'][1]:.0%}"
                             if single else ""),
            "test images": single["images"] if single else len(record.split["test"]),
            "training time (s)": round(sum(h.get("seconds") or 0 for h in record.history), 1),
            "model size": short_count(record.model_path.stat().st_size) + "B"}


def tricks(records: list[RunRecord]) -> None:
    """One run alone, with 10-crop, and in an ensemble with runs on the same classes."""
    by_path = _by_path(records)
    base = st.selectbox("Run", list(by_path), key="tricks_run",
                        format_func=lambda p: run_name(by_path[p]))
    if base is None:
        return
    partners = [p for p, r in by_path.items()
                if p != base and r.class_names == by_path[base].class_names
                and r.split.get("test") == by_path[base].split.get("test")]
    members = st.multiselect("Ensemble with", partners, default=partners[:2],
                             key="tricks_members", format_func=lambda p: run_name(by_path[p]),
                             help="Runs on the same classes and the same test split; their "
                                  "probabilities are averaged.")
    if not partners:
        st.caption("An ensemble needs other runs on the same classes and the same test "
                   "split (same folder and seed), so that no member trained on a test image.")
    if st.button("Measure 10-crop and the ensemble on the test split", key="tricks_go"):
        logged("Measuring 10-crop and the ensemble", inference.evaluate_run, base, True,
               tuple(members), "test")
    report = stored_test_report(by_path[base])
    if report and "multicrop" in report:
        measured = [m["run_dir"] for m in report.get("ensemble", {}).get("members", [])
                    if m["run_dir"] != base]
        if sorted(measured) != sorted(members):
            st.caption("Stored result, measured with "
                       + (", ".join(md(run_name(by_path[m])) if m in by_path else md(m)
                                    for m in measured) or "no other run")
                       + " in the ensemble; press the button to measure the runs picked.")
        tricks_table(report)


def tricks_table(report: dict) -> None:
    single = report["single"]
    rows = [{"what": "single crop, one model", "test accuracy": f"{single['accuracy']:.1%}",
             "95% interval": _ci(single["accuracy_ci"]), "gain (points)": "—",
             "gain 95% interval": "", "model time": f"{single['seconds']:.2f} s",
             "cost": "1.0×"}]
    notes = []
    for key, name in (("multicrop", "10-crop"), ("ensemble", "ensemble")):
        if key not in report:
            continue
        v = report[key]
        if key == "ensemble":
            name = f"ensemble of {len(v['members'])}"
        rows.append({"what": name, "test accuracy": f"{v['accuracy']:.1%}",
                     "95% interval": _ci(v["accuracy_ci"]),
                     "gain (points)": f"{100 * v['accuracy_gain']:+.1f}",
                     "gain 95% interval": f"{100 * v['gain_ci'][0]:+.1f} to "
                                          f"{100 * v['gain_ci'][1]:+.1f}",
                     "model time": f"{v['seconds']:.2f} s", "cost": f"{v['slowdown']:.1f}×"})
        if not excludes_zero(v["gain_ci"]):
            notes.append(f"The {name} gain is not distinguishable from noise on these "
                         f"{single['images']} test images: its interval includes zero.")
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    for note in notes:
        st.info(note)
    st.caption("Both tricks win benchmarks and are rarely shipped: 10-crop runs the model ten "
               "times per image and an ensemble once per member, for every user, forever.")


def _ci(ci) -> str:
    return f"{ci[0]:.0%}–{ci[1]:.0%}"


def _by_path(records: list[RunRecord]) -> dict[str, RunRecord]:
    return {str(r.path): r for r in records}
