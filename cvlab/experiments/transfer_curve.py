"""The data-size experiment: "freeze more with less data", measured on a folder of classes.

For every amount of training data (images per class, a seeded sample of the training
split, nested: the 10-image sample starts with the 5-image one) and every mode, one
ordinary training run is made and evaluated on the test split. Every run shares the one
split that the folder and seed give, so every point is measured on the same test
images, which no run trains or selects its best epoch on.

Output folder (``out``)::

    out/runs/<mode>-<per_class>/   a complete run folder (cvlab.train.runs), evaluated
    out/progress.json, STOP        the job protocol (cvlab.jobfolder)
    out/result.json                the result below, rewritten after every point

Result (what ``--json`` prints)::

    {"dataset", "classes", "test_images",
     "points": [{"mode", "per_class", "test_accuracy", "ci": [lo, hi], "seconds"}]}

``per_class`` is an integer or ``"all"``; ``ci`` is the test accuracy's 95% Wilson
interval; ``seconds`` is the run's training time. A stop request ends the current run
at its next batch (its best epoch is still evaluated) and skips the rest.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from cvlab import jobfolder
from cvlab.errors import CvlabError
from cvlab.train.config import TrainConfig
from cvlab.train.modes import MODES, mode

ALL = "all"
RESULT_KEYS = ("dataset", "classes", "test_images", "points")
POINT_KEYS = ("mode", "per_class", "test_accuracy", "ci", "seconds")


@dataclass(frozen=True)
class CurvePlan:
    """What to run: ``per_class`` amounts (ints, or ``"all"`` last) × ``modes``."""

    data_dir: str
    per_class: tuple[int | str, ...]
    modes: tuple[str, ...]
    epochs: int = 2
    image_size: int = 96
    seed: int = 0
    batch_size: int = 32

    def configs(self) -> list[tuple[str, int | str, TrainConfig]]:
        """``(mode, per_class, resolved config)`` for every point; raises on a bad one."""
        if not self.modes or not self.per_class:
            raise CvlabError("Received: no modes or no amounts; allowed: at least one of "
                             f"each (modes {', '.join(MODES)}; amounts like 5,10,{ALL})")
        out = []
        for amount in self.per_class:
            for name in self.modes:
                mode(name)
                config = TrainConfig(self.data_dir, mode=name, epochs=self.epochs,
                                     image_size=self.image_size, batch_size=self.batch_size,
                                     seed=self.seed,
                                     train_per_class=None if amount == ALL else amount)
                out.append((name, amount, config.resolved()))
        return out


def parse_per_class(text: str) -> tuple[int | str, ...]:
    """``"5,10,all"`` → ``(5, 10, "all")``, sorted, duplicates dropped."""
    amounts: set[int] = set()
    everything = False
    for part in (p.strip() for p in str(text).split(",") if p.strip()):
        if part.lower() == ALL:
            everything = True
        elif part.isdigit() and int(part) >= 1:
            amounts.add(int(part))
        else:
            raise CvlabError(f"Received: images per class {part!r}; allowed: integers ≥ 1 "
                             f"or '{ALL}', separated by commas (e.g. 5,10,25,{ALL})")
    if not amounts and not everything:
        raise CvlabError(f"Received: images per class {text!r}; allowed: e.g. 5,10,25,{ALL}")
    return (*sorted(amounts), *((ALL,) if everything else ()))


def parse_modes(text: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(p.strip() for p in str(text).split(",") if p.strip()))
    for name in names:
        mode(name)
    if not names:
        raise CvlabError(f"Received: modes {text!r}; allowed: some of {', '.join(MODES)}")
    return names


def run_curve(plan: CurvePlan, out: str | Path,
              log: Callable[[str], None] = lambda line: None) -> dict:
    """Train and test every point of ``plan`` into ``out``; returns the result object."""
    from cvlab.evaluate import evaluate
    from cvlab.train import train

    points = plan.configs()  # every setting checked before anything trains
    out = Path(out)
    runs = out / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    stop = jobfolder.StopRequest(out)
    result = {"dataset": str(Path(plan.data_dir).expanduser().resolve()), "classes": [],
              "test_images": 0, "points": []}
    last_write = [0.0]

    def report(done: float, text: str, **detail) -> None:
        now = time.monotonic()
        if now - last_write[0] > 0.5 or done in (0, 1):
            jobfolder.report_progress(out, done / len(points), text, **detail)
            last_write[0] = now

    report(0, f"starting {len(points)} runs")
    for index, (name, amount, config) in enumerate(points):
        if stop.is_set():
            break
        label = f"{name}, {amount} per class"
        log(f"[{index + 1}/{len(points)}] {label}")

        def progress(event, index=index, label=label):
            report(index + event.fraction, f"run {index + 1}/{len(points)} ({label}): "
                   f"{event.text}", run=index + 1, runs=len(points))

        trained = train(config, progress=progress, stop_event=stop,
                        run_dir=runs / f"{name}-{amount}")
        if trained.best_epoch is None:  # stopped before its first epoch ended
            break
        report(index + 1, f"testing {label}")
        tested = evaluate(trained.run_dir)
        single = tested["single"]
        if tested["source"].get("subset") != "test":
            raise CvlabError(f"Received: a split without test images in {plan.data_dir}; "
                             "allowed: a folder with enough images per class to keep a test "
                             "split (at least 3 per class)")
        result["classes"] = tested["class_names"]
        result["test_images"] = single["images"]
        result["points"].append({"mode": name, "per_class": amount,
                                 "test_accuracy": single["accuracy"],
                                 "ci": single["accuracy_ci"],
                                 "seconds": round(trained.seconds, 3)})
        jobfolder.write_result(out, result)
    done = len(result["points"])
    stopped = done < len(points)
    jobfolder.report_progress(out, done / len(points),
                             f"stopped after {done} of {len(points)} runs" if stopped
                             else f"finished {done} runs")
    jobfolder.write_result(out, result)
    return result


def default_plan(data_dir: str, **overrides) -> CurvePlan:
    return replace(CurvePlan(data_dir, (5, 10, 25), ("frozen", "full", "scratch")),
                   **overrides)
