"""Background jobs that outlive a page rerun: one thread, its progress, a stop flag.

A job is kept in ``st.session_state`` so each browser session sees its own; the
page polls it from an ``st.fragment(run_every=…)`` while it runs.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Job:
    """What a running or finished job reports. ``progress`` is 0..1; ``status`` is text."""

    name: str
    progress: float = 0.0
    status: str = "starting"
    result: Any = None
    error: str | None = None
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    @property
    def seconds(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    def report(self, progress: float, status: str) -> None:
        """Called from the worker thread; plain attribute writes are thread-safe enough here."""
        self.progress = min(max(progress, 0.0), 1.0)
        self.status = status


def start(name: str, work: Callable[[Job], Any]) -> Job:
    """Run ``work(job)`` in a daemon thread; its return value or error lands on the job."""
    job = Job(name)

    def target() -> None:
        try:
            job.result = work(job)
            job.report(1.0, "stopped early" if job.stop.is_set() else "finished")
        except Exception as exc:  # shown to the user, with the run's checkpoint kept
            job.error = f"{exc}"
            job.status = "failed"
            traceback.print_exc()
        finally:
            job.finished = time.monotonic()

    job.thread = threading.Thread(target=target, name=f"cvlab-{name}", daemon=True)
    job.thread.start()
    return job
