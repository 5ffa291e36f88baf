"""Fail-fast checks for zoo options, with Keras-style "Received: …" messages."""

from __future__ import annotations

from collections.abc import Sequence

from cvlab.errors import CvlabError


def check_choice(name: str, value, allowed: Sequence, model: str):
    if value not in allowed:
        shown = ", ".join(str(a) for a in allowed)
        raise CvlabError(f"{model}: unsupported {name}. Received: {name}={value!r}; "
                         f"allowed: {shown}.")
    return value


def check_int(name: str, value, low: int, high: int, model: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise CvlabError(f"{model}: {name} must be an integer from {low} to {high}. "
                         f"Received: {name}={value!r}.")
    return value
