"""A check as a job: the spec the page submits, and what the job writes in its folder.

The page saves the learner's code as a file under the data roots
(:func:`save_source`) and submits ``ExerciseCheck(exercise, file)``; the job process
(``python -m cvlab exercise check NAME FILE --out JOB_DIR --json``) checks it in a limited
child (:mod:`cvlab.practice.sandbox`) and writes, in the job folder: ``solution.py`` (the
code it checked), ``result.json`` (the verdict, with the passing block's layer table) and,
for a passing block, ``<exercise>.keras`` (built on the exercise's first call).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from cvlab import jobfolder
from cvlab.errors import CvlabError
from cvlab.practice import exercises

MAX_SOURCE_BYTES = 200_000


@dataclass(frozen=True)
class ExerciseCheck:
    """A check job: the learner's code in ``file`` against the exercise ``exercise``."""

    exercise: str
    file: str

    def __post_init__(self):
        exercises.get(self.exercise)


def save_source(source: str, folder: Path) -> Path:
    """``source`` as ``folder/<its hash>.py`` (the same code, the same file), for a job."""
    data = source.encode()
    if len(data) > MAX_SOURCE_BYTES:
        raise CvlabError(f"Received: {len(data):,} bytes of code; allowed: at most "
                         f"{MAX_SOURCE_BYTES:,}")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{hashlib.sha256(data).hexdigest()[:16]}.py"
    if not path.is_file():
        path.write_bytes(data)
    return path


def read_source(file: str | Path) -> str:
    path = Path(file)
    if not path.is_file():
        raise CvlabError(f"Received: {str(file)!r}; allowed: a Python file that defines the "
                         "exercise's function")
    if path.stat().st_size > MAX_SOURCE_BYTES:
        raise CvlabError(f"Received: a file of {path.stat().st_size:,} bytes; allowed: at most "
                         f"{MAX_SOURCE_BYTES:,}")
    try:
        return path.read_text()
    except UnicodeDecodeError:
        raise CvlabError(f"Received: {str(file)!r}, which is not text; allowed: a Python "
                         "file") from None


def run_check(name: str, source: str, out: Path | None = None) -> dict:
    """Check ``source`` against exercise ``name`` in a limited child; with ``out`` (a job
    folder), write the code, the verdict and a passing block's model there."""
    from cvlab.practice import sandbox

    exercises.get(name)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "solution.py").write_text(source)
        jobfolder.report_progress(out, 0.1, "checking your code in a limited process")
    verdict = sandbox.run([(name, source)], keep=out)[0]
    if out is not None:
        saved = out / f"{name}.keras"
        verdict["model_file"] = saved.name if saved.is_file() else None
        jobfolder.write_result(out, verdict)
        jobfolder.report_progress(out, 1.0, "passed" if verdict["passed"] else "checked")
    return verdict
