"""The Practice page's parts: the editor that keeps the learner's code, the check job, and
the verdict read back from the job folder."""

from __future__ import annotations

import streamlit as st

from cvlab import figures
from cvlab.atomic import read_json
from cvlab.data.roots import app_data_dir
from cvlab.errors import CvlabError
from cvlab.jobfolder import RESULT
from cvlab.modelfile.summary import profile_from_json
from cvlab.practice.exercises import Exercise
from cvlab.practice.job import ExerciseCheck, save_source
from cvlab.report import CONVENTION
from ui import jobs
from ui.messages import error
from ui.text import md
from ui.widgets import LAYER_COLUMNS, layer_table, totals


def editor(exercise: Exercise) -> str:
    """The code editor, starting from the skeleton; its text stays in the session (and
    across page moves: ``practice_`` keys are kept settings)."""
    key = f"practice_code_{exercise.name}"
    if key not in st.session_state:
        st.session_state[key] = exercise.skeleton
    code = st.text_area("Your code", key=f"practice_code_{exercise.name}", height=420,
                        help="Python with Keras. Press Ctrl+Enter (or click outside) to "
                        "apply your edits, then Check.")
    left, right = st.columns(2)
    left.download_button("⬇ Download your code", code, file_name=f"{exercise.name}.py",
                         mime="text/x-python", key=f"practice_download_{exercise.name}")
    if right.button("↺ Start again from the skeleton", key=f"practice_reset_{exercise.name}"):
        del st.session_state[key]
        st.rerun()
    return code


def hints(exercise: Exercise) -> None:
    """Hints revealed one at a time."""
    key = f"practice_hints_shown_{exercise.name}"
    shown = st.session_state.get(key, 0)
    for i, hint in enumerate(exercise.hints[:shown], 1):
        st.markdown(f"**Hint {i}.** {hint}")
    if shown < len(exercise.hints) and st.button(
            f"💡 Show hint {shown + 1} of {len(exercise.hints)}",
            key=f"practice_hint_button_{exercise.name}"):
        st.session_state[key] = shown + 1
        st.rerun()


def launch_check(exercise: Exercise, code: str) -> None:
    try:
        file = save_source(code, app_data_dir() / "practice")
        jobs.launch(ExerciseCheck(exercise.name, str(file)), key=_job_key(exercise))
    except (CvlabError, OSError) as exc:  # a refused spec or an unwritable folder
        error(exc)


def current_check(exercise: Exercise):
    return jobs.current("exercise", key=_job_key(exercise))


def verdict(job) -> dict | None:
    return read_json(job.dir / RESULT) if job is not None else None


def show_verdict(result: dict) -> None:
    """Each check with pass/fail and its message; a passing block's layers and shape
    flow."""
    if result["passed"]:
        st.success("Every check passed: your block computes what the course's does.", icon="✅")
    else:
        st.warning("Not yet: the first failing check says what differs.", icon="✏️")
    for check in result["checks"]:
        icon = "✅" if check["passed"] else "❌"
        st.markdown(f"{icon} **{md(check['name'])}**: {md(check['message'])}")
    if result["passed"] and result.get("profile"):
        profile = profile_from_json(result["profile"])
        st.subheader("Your block, profiled like any network")
        totals(profile)
        st.plotly_chart(figures.shape_flow(profile, f"your {result['exercise']}"),
                        width="stretch", key=f"practice_flow_{result['exercise']}")
        st.dataframe(layer_table(profile), hide_index=True, width="stretch",
                     column_config=LAYER_COLUMNS)
        st.caption(f"{CONVENTION} The block is saved as "
                   f"{md(result.get('model_file') or 'a .keras file')} in the check's job "
                   "folder; the Training Studio can train a passing model (*Your model "
                   "file*).")


def _job_key(exercise: Exercise) -> str:
    return f"exercise_{exercise.name}"
