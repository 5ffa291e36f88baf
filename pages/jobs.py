"""Jobs: the server's queue, as every learner sees it, and the controls of your own jobs."""

from __future__ import annotations

import streamlit as st

from cvlab.jobs import queue
from ui.job_list import show_table, your_jobs
from ui.jobs import POLL_SECONDS, is_teacher
from ui.layout import page_setup
from ui.text import count

page_setup(
    __file__,
    "Every training run and experiment this server runs or has run, in the queue's order. "
    "You control the jobs you started; the teacher controls every job.",
)

listed = queue.jobs()


@st.fragment(run_every=2 * POLL_SECONDS if any(job.active for job in listed) else None)
def queue_view() -> None:
    now = queue.jobs()
    st.caption(f"{count(queue.max_jobs(), 'job')} at once on this server; the others wait in "
               "the queue and start by themselves.")
    show_table(now)
    st.subheader("Every job (you are the teacher)" if is_teacher() else "Your jobs")
    your_jobs(now)


queue_view()
