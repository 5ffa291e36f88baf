"""The page side of the inference worker: one long-lived process per server
(``python -m cvlab.inference_worker``) that runs :mod:`cvlab.inference`'s functions, so
TensorFlow is never imported by the Streamlit server.

Why a process: once TensorFlow is in the server, Streamlit calls
``keras.backend.clear_session()`` after every script run of every session, and sessions'
model calls race inside one Keras state. The worker imports TensorFlow once, keeps its
models loaded and answers one call at a time; one that dies is started again on the next
call. (Not ``multiprocessing``: its spawn re-runs ``__main__`` in the child, and in a
Streamlit server that is the page script of the latest run.)
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import streamlit as st

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]
SETTINGS_PREFIX = "CVLAB_"


class Worker:
    """The worker process and the lock that gives it one call at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._start()  # TensorFlow loads while the learner reads the page

    def _start(self) -> None:
        path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        self._process = subprocess.Popen(
            [sys.executable, "-m", "cvlab.inference_worker"], cwd=ROOT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": path})

    @property
    def pid(self) -> int:
        return self._process.pid

    def call(self, function: Callable[..., T], *args) -> T:
        with self._lock:
            try:
                ok, value = self._ask(function, args)
            except (EOFError, OSError):  # the worker died (out of memory, killed)
                self._start()
                ok, value = self._ask(function, args)
        if not ok:
            raise value
        return value

    def _ask(self, function, args) -> tuple[bool, object]:
        if self._process.poll() is not None:
            self._start()
        pickle.dump((function, args, settings()), self._process.stdin)
        self._process.stdin.flush()
        return pickle.load(self._process.stdout)


def settings() -> dict[str, str]:
    """The server's ``CVLAB_*`` settings now (data roots, data and cache folders, …), sent
    with every call so the worker checks paths exactly as the server would at that moment,
    whenever it was started."""
    return {k: v for k, v in os.environ.items() if k.startswith(SETTINGS_PREFIX)}


@st.cache_resource(show_spinner=False)
def _worker() -> Worker:
    return Worker()


def call(function: Callable[..., T], *args) -> T:
    """``function(*args)`` run in the worker (a :mod:`cvlab.inference` function with plain,
    picklable arguments); its exceptions, :class:`~cvlab.errors.CvlabError` included,
    re-raise here."""
    return _worker().call(function, *args)
