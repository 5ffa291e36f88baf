"""Where to tap a zoo network for its feature maps: the last layer of each stage.

Read from the profiler's records (no TensorFlow), so the shapes promised on the page are
the ones the Architecture Explorer shows. The input and the classifier head are not
stages: their outputs are the photo and the class scores.
"""

from __future__ import annotations

from dataclasses import dataclass

from cvlab.profile import Profile

NOT_STAGES = ("input", "head")


@dataclass(frozen=True)
class Stage:
    """``name``: the zoo's stage label; ``layer``: its last layer; ``shape``: that layer's
    output (H, W, C) per the profiler; ``layers``: how many layers the stage holds."""

    name: str
    layer: str
    shape: tuple[int, ...]
    layers: int

    @property
    def shape_text(self) -> str:
        return "×".join(str(d) for d in self.shape)


def stages(profile: Profile) -> list[Stage]:
    """Every stage of ``profile`` in order, each tapped at its last layer."""
    found: dict[str, Stage] = {}
    for record in profile.layers:
        if record.stage in NOT_STAGES:
            continue
        previous = found.get(record.stage)
        count = previous.layers + 1 if previous else 1
        found[record.stage] = Stage(record.stage, record.name, record.output_shape, count)
    return list(found.values())
