"""A confusion matrix you can click: choosing a cell shows exactly that cell's images.

Clicking a cell of the chart picks it (a Plotly selection event); the two boxes below
the chart pick a cell too, and always show which one is shown.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from cvlab.data.images import load_resized
from cvlab.evaluate.metrics import cell_images
from cvlab.figures import clickable_confusion
from ui.text import count as counted
from ui.text import md

TRUE_KEY, PREDICTED_KEY, APPLIED_KEY = "cell_true", "cell_predicted", "cell_applied"
SHOWN = 48
THUMB = 96


def picked_from_chart(event, names: list[str]) -> tuple[str, str] | None:
    """The ``(true, predicted)`` class names of the cell a chart selection names, if any."""
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    for point in points:
        data = point.get("customdata")
        if data and len(data) == 2 and all(
                isinstance(i, int | float) and i == int(i) and 0 <= i < len(names) for i in data):
            return names[int(data[0])], names[int(data[1])]
    return None


def confusion_explorer(report: dict, run_key: str) -> None:
    """``report``: an evaluation report (its ``single`` part is shown)."""
    single, names = report["single"], report["class_names"]
    for key in (TRUE_KEY, PREDICTED_KEY):
        if st.session_state.get(key) not in names:
            st.session_state[key] = names[0]
    picked = (names.index(st.session_state[TRUE_KEY]),
              names.index(st.session_state[PREDICTED_KEY]))
    event = st.plotly_chart(clickable_confusion(single["confusion_matrix"], names, picked),
                            width="stretch", on_select="rerun", selection_mode="points",
                            key=f"confusion:{run_key}")
    clicked = picked_from_chart(event, names)
    if clicked and clicked != st.session_state.get(APPLIED_KEY):
        st.session_state[APPLIED_KEY] = clicked
        st.session_state[TRUE_KEY], st.session_state[PREDICTED_KEY] = clicked
        st.rerun()  # once more, so the frame marks the clicked cell
    left, right = st.columns(2)
    true = left.selectbox("True class", names, key=TRUE_KEY)
    predicted = right.selectbox("Predicted class", names, key=PREDICTED_KEY)
    shown = cell_images(single, true, predicted)
    row = names.index(true)
    count = single["confusion_matrix"][row][names.index(predicted)]
    verdict = "correct" if true == predicted else "mistaken"
    st.markdown(f"**{counted(count, 'image')}** of class *{md(true)}* predicted as "
                f"*{md(predicted)}* ({verdict}), most confident first:")
    if not shown:
        st.caption("This cell is empty.")
        return
    st.image([load_resized(Path(p["path"]), (THUMB, THUMB)) for p in shown[:SHOWN]],
             width=THUMB, caption=[md(f"{Path(p['path']).name} · {p['confidence']:.0%}")
                                   for p in shown[:SHOWN]])
    if len(shown) > SHOWN:
        st.caption(f"…and {len(shown) - SHOWN} more.")
