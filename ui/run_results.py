"""Evaluate and export a finished run from the page; results are kept per run in the session."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from cvlab import plots
from cvlab.data.images import load_resized
from cvlab.errors import CvlabError
from cvlab.evaluate import FORMATS
from cvlab.report import human
from cvlab.train import RunRecord

MISCLASSIFIED_SHOWN = 12


def _logged(label: str, work):
    """Run ``work(log)`` inside an expanding status box that shows its log lines."""
    with st.status(label, expanded=False) as box:
        try:
            result = work(lambda line: box.write(line))
        except CvlabError as exc:
            box.update(label=f"{label} failed", state="error")
            st.error(str(exc))
            return None
        box.update(label=f"{label} done", state="complete")
    return result


def per_class_table(rows: list[dict]) -> pd.DataFrame:
    """Precision, recall and F1 as whole percentages, indexed by class."""
    table = pd.DataFrame(rows).set_index("class")
    for column in ("precision", "recall", "f1"):
        table[column] = [f"{value:.0%}" for value in table[column]]
    return table.rename(columns={"f1": "F1", "support": "images"})


def evaluation(record: RunRecord) -> None:
    from cvlab.evaluate import evaluate

    key = f"evaluation:{record.path}"
    multicrop = st.checkbox("Also 10-crop test-time augmentation", key="eval_multicrop",
                            help="Corners, centre and their mirrors, averaged: usually a "
                                 "little more accurate, about ten times the inference cost.")
    if st.button("Evaluate on held-out images", key="eval_button"):
        st.session_state[key] = _logged("Evaluating", lambda log: evaluate(
            record.path, multicrop=multicrop, log=log))
    report = st.session_state.get(key)
    if not report:
        return
    single = report["single"]
    cols = st.columns(3)
    cols[0].metric("Accuracy", f"{single['accuracy']:.1%}",
                   help=f"On the run's {report['source']['subset']} images.")
    cols[1].metric("Images", single["images"])
    cols[2].metric("Misclassified", len(single["misclassified"]))
    if "multicrop" in report:
        crop = report["multicrop"]
        st.info(f"10-crop: {crop['accuracy']:.1%} ({crop['accuracy_gain'] * 100:+.1f} points) at "
                f"{crop['slowdown']:.1f}× the inference time.")
    left, right = st.columns(2)
    left.plotly_chart(plots.confusion(single["confusion_matrix"], report["class_names"]),
                      width="stretch")
    right.table(per_class_table(single["per_class"]))
    wrong = single["misclassified"][:MISCLASSIFIED_SHOWN]
    if wrong:
        st.markdown(f"**Most confident mistakes** ({len(wrong)} of "
                    f"{len(single['misclassified'])})")
        st.image([load_resized(Path(w["path"]), (96, 96)) for w in wrong], width=96,
                 caption=[f"{w['true']} → {w['predicted']} {w['confidence']:.0%}"
                          for w in wrong])


def exports(record: RunRecord) -> None:
    from cvlab.evaluate import export

    key = f"exports:{record.path}"
    formats = st.multiselect("Formats", list(FORMATS), default=list(FORMATS), key="exp_formats",
                             help="tflite-int8 stores weights as 8-bit integers "
                                  "(dynamic-range quantisation).")
    if st.button("Export", key="exp_button", disabled=not formats):
        st.session_state[key] = _logged("Exporting", lambda log: export(
            record.path, formats, runs=20, log=log))
    report = st.session_state.get(key)
    if not report:
        return
    rows = [{"format": r["format"], "size": human(r["bytes"]) + "B",
             "latency (ms / image)": round(r["latency_ms"], 2),
             "top-1 agreement": f"{r['top1_agreement']:.0%}",
             "max Δ probability": f"{r['max_prob_diff']:.1e}"} for r in report["exports"]]
    st.dataframe(rows, hide_index=True, width="stretch")
    st.caption(f"Checked against the run's model on {report['check']['images']} images; "
               "latency is the median single-image call on this machine.")
    cols = st.columns(len(report["exports"]))
    for col, row in zip(cols, report["exports"], strict=True):
        path = Path(row["path"])
        col.download_button(f"⬇ {path.name}", path.read_bytes(), file_name=path.name,
                            key=f"download_{row['format']}")
