"""The inference worker's loop: ``python -m cvlab.inference_worker`` (started by
``ui/inference.py``) imports TensorFlow once, then answers calls of
:mod:`cvlab.inference` functions until its stdin closes.

Protocol: a request is one pickle of ``(function, args, settings)`` on stdin, where
``settings`` are the server's ``CVLAB_*`` environment variables at the time of the call
(they replace the worker's own before the function runs); the answer is one
pickle of ``(True, result)`` or ``(False, exception)`` on the stdout the process was given.
Only the server that started it writes to its stdin. Anything else that prints goes to
stderr, so stray output never corrupts an answer.
"""

from __future__ import annotations

import os
import pickle
import sys
from typing import BinaryIO

from cvlab import inference
from cvlab.errors import CvlabError


def serve(requests: BinaryIO, answers: BinaryIO) -> None:
    """Answer requests one at a time until ``requests`` ends."""
    while True:
        try:
            function, args, settings = pickle.load(requests)
        except EOFError:
            return
        apply(settings)
        if getattr(function, "__module__", None) != inference.__name__:
            answer = (False, CvlabError(f"Received: {function!r}; allowed: a function of "
                                        "cvlab.inference."))
        else:
            try:
                answer = (True, function(*args))
            except Exception as exc:  # noqa: BLE001 - every failure goes back to the page
                answer = (False, exc)
        try:
            data = pickle.dumps(answer)
        except Exception as exc:  # noqa: BLE001 - an exception that cannot be pickled
            data = pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {answer[1]}")))
        answers.write(data)
        answers.flush()


def apply(settings: dict[str, str]) -> None:
    """Make the worker's ``CVLAB_*`` environment exactly ``settings``."""
    for key in [k for k in os.environ if k.startswith("CVLAB_") and k not in settings]:
        del os.environ[key]
    os.environ.update(settings)


def main() -> None:
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # prints go to stderr from now on
    inference.ready()
    serve(sys.stdin.buffer, answers)


if __name__ == "__main__":
    main()
