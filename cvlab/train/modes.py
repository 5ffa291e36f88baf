"""The four training modes, each defined once: the trainer, the CLI help and the pages read
this table and nothing else.

A mode is a sequence of phases; a phase says what trains:

* ``head`` — the ImageNet base is frozen, only the new head (Dropout → Dense) trains;
* ``fine-tune`` — base layers from ``fine_tune_at`` upward train too, BatchNorm excepted,
  at ``FINE_TUNE_FACTOR`` × the learning rate;
* ``train`` — every layer trains.

``batch_norm``: ``frozen`` keeps ImageNet's running statistics (BatchNorm runs in
inference mode) in every phase; ``trains`` lets BatchNorm re-estimate them from the
batches. ``cached_phase``: the phase that may train on pooled base features computed
once (the base is a fixed function while it is frozen), or ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass

from cvlab.errors import CvlabError

FINE_TUNE_FACTOR = 0.1  # fine-tune phase learning rate = learning_rate × this


@dataclass(frozen=True)
class Mode:
    name: str
    label: str
    learning_rate: float
    phases: tuple[str, ...]
    batch_norm: str
    cached_phase: str | None
    weights: str
    data: str  # when the course's rule recommends it

    @property
    def can_cache(self) -> bool:
        return self.cached_phase is not None

    @property
    def frozen_bn(self) -> bool:
        return self.batch_norm == "frozen"

    def help(self) -> str:
        """One line for the CLI: name, phases, learning rate, cache."""
        cache = ", head on cached features" if self.can_cache else ""
        return (f"{self.name} ({' then '.join(self.phases)}; lr {self.learning_rate:g}; "
                f"BatchNorm {self.batch_norm}{cache})")


MODE_RECORDS: tuple[Mode, ...] = (
    Mode("frozen", "frozen: train only a new head on ImageNet features (fastest)",
         1e-3, ("head",), "frozen", "head", "imagenet", "little data"),
    Mode("fine-tune", "fine-tune: head first, then unfreeze the top of the base",
         1e-3, ("head", "fine-tune"), "frozen", "head", "imagenet", "more data"),
    # Pretrained weights are easily wrecked by large steps: full starts 10× lower.
    Mode("full", "full: start from ImageNet, train every layer",
         1e-4, ("train",), "trains", None, "imagenet", "lots of data"),
    Mode("scratch", "scratch: random start, train every layer (slowest to learn)",
         1e-3, ("train",), "trains", None, "none", "a very large dataset"),
)
MODES = tuple(m.name for m in MODE_RECORDS)
_BY_NAME = {m.name: m for m in MODE_RECORDS}


def mode(name: str) -> Mode:
    """The record of mode ``name``; :class:`CvlabError` naming the modes otherwise."""
    try:
        return _BY_NAME[name]
    except (KeyError, TypeError):
        raise CvlabError(f"Received: mode {name!r}; allowed: {', '.join(MODES)}.") from None


def cli_help() -> str:
    return "; ".join(m.help() for m in MODE_RECORDS)
