"""Practice: write the week's blocks in Keras and have them checked on the spot."""

from __future__ import annotations

import streamlit as st

from cvlab import figures
from cvlab.practice import exercises
from cvlab.practice.access import SETTING, practice_allowed
from ui import jobs
from ui.layout import page_setup
from ui.practice import current_check, editor, hints, launch_check, show_verdict, verdict
from ui.text import md

page_setup(
    __file__,
    "Write the block yourself, press Check, and learn at once what is right and what is "
    "wrong, in the course's terms. Your code runs in a separate, limited process, never in "
    "this server.",
)

if not practice_allowed(st.get_option("server.address")):
    st.info(f"Practice is off: this app is served beyond this machine, and checking code "
            f"runs it on the server. The operator can switch it on with `{SETTING}=on` "
            "(see the README).", icon="🔒")
    st.stop()

# 1. Pick an exercise.
chosen = st.selectbox("Exercise", exercises.names(), key="practice_exercise",
                      format_func=lambda n: f"{exercises.get(n).title} · {n}")
exercise = exercises.get(chosen)

# 2. The task, and the block it asks for.
st.header(f"1 · The task: `{exercise.signature}`")
st.markdown(md(exercise.task))
first = exercise.cases[0]
st.plotly_chart(figures.block_paths(exercise.diagram, f"The course's {exercise.name}"),
                width="stretch", key=f"practice_diagram_{exercise.name}")
if first.input_shape is not None:
    st.caption("Checked on: " + "; ".join(
        f"{', '.join(f'{k}={v!r}' for k, v in c.args.items()) or 'its defaults'} on a "
        f"{'×'.join(map(str, c.input_shape))} input" for c in exercise.cases))

# 3. Write it.
st.header("2 · Your code")
code = editor(exercise)
with st.expander("Hints"):
    hints(exercise)
with st.expander("Reference solution (try first!)"):
    st.code(exercise.solution, language="python")

# 4. Check it: a job in a limited process; the verdict comes from its folder.
st.header("3 · Check")
jobs.warm_up()
if st.button("▶ Check", type="primary", key=f"practice_check_{exercise.name}"):
    launch_check(exercise, code)
job = current_check(exercise)
if job is not None:
    jobs.job_panel(job)
    result = verdict(job)
    if result is not None:
        show_verdict(result)
