"""The time a training run has left, over every phase still to come.

Within a phase, epochs take about the same time: the time left in the current phase is its
remaining epochs at the pace measured since the phase began. A later phase has no pace of
its own yet. A fine-tune or full-training epoch runs the base forward and backward, about
:data:`BACKWARD_FACTOR` times one forward pass over the same images; the forward pass is
measured by the frozen-feature cache when there is one, else by a head epoch (which runs
the base forward). Once a later phase starts, its own pace replaces the estimate.
"""

from __future__ import annotations

import time

from cvlab.jobfolder import ProgressEvent
from cvlab.train.modes import mode

BACKWARD_FACTOR = 3.0  # forward + backward ≈ 3 forward passes (backward ≈ 2× forward)


def plan_of(config: dict) -> list[tuple[str, int]]:
    """``[(phase, end epoch)]`` of a run's resolved ``config.json``."""
    names = mode(config["mode"]).phases
    ends = [config["head_epochs"], config["epochs"]] if len(names) == 2 else [config["epochs"]]
    return list(zip(names, ends, strict=True))


class TimeLeft:
    """Feed every progress event to :meth:`seconds`; it answers the seconds left, or
    ``None`` until a pace is known."""

    def __init__(self, plan: list[tuple[str, int]]):
        self.plan = plan
        self.features: tuple[float, float | None] | None = None  # (started, seconds)
        self.phase: tuple[str, float, float] | None = None  # (name, started, epochs done)

    def seconds(self, event: ProgressEvent, now: float | None = None) -> float | None:
        now = time.time() if now is None else now
        if event.kind == "features":
            if self.features is None:
                self.features = (now, None)
            if event.step == event.steps:
                self.features = (self.features[0], now - self.features[0])
            return None
        if event.kind not in ("batch", "epoch"):
            return None
        done = event.epoch - 1 + (event.step / max(event.steps, 1)
                                  if event.kind == "batch" else 1)
        if self.phase is None or self.phase[0] != event.phase:
            self.phase = (event.phase, now, done)
            return None
        name, started, at = self.phase
        if done <= at or now <= started:
            return None
        pace = (now - started) / (done - at)  # seconds per epoch in this phase
        ends = dict(self.plan)
        end = ends.get(name, event.epochs)
        later = self.plan[-1][1] - end if name in ends else 0  # epochs of the phases to come
        forward = self.features[1] if self.features and self.features[1] else pace
        return max(end - done, 0.0) * pace + later * BACKWARD_FACTOR * forward
