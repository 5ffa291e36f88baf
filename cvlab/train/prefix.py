"""The fine-tune phase without re-running the frozen bottom of the base.

Below ``fine_tune_at`` nothing trains and BatchNorm runs in inference mode, so the
bottom of the base is a fixed function, as the whole base is in the head phase. The
trainer therefore cuts the base at a block boundary at or below ``fine_tune_at`` —
a layer whose output is the only tensor crossing the cut (MobileNetV2's residual
additions never skip over it) — computes the bottom's output once for the training
and validation images, and trains :attr:`Split.top`: the base's own layers from the cut
up, then the head, sharing every weight with the complete model. Training the top
therefore trains ``classifier.model``.

The cache holds one spatial map per image (at 160 px and the default cut, 10×10×96
floats); it is used only without augmentation (every epoch sees the same images) and
when it fits :data:`MAX_CACHE_BYTES`.
"""

from __future__ import annotations

from dataclasses import dataclass

from cvlab.lazy_tf import keras
from cvlab.train.base_layers import base_profile

MAX_CACHE_BYTES = 1 << 30


@dataclass
class Split:
    """``bottom``: image → the cut's output; ``top``: that output → probabilities."""

    cut: str
    bottom: object
    top: object


def cut_index(layout: str, fine_tune_at: int) -> int | None:
    """The highest layer index below ``fine_tune_at`` whose output is the only tensor
    that later layers read from it or anything before it; None if there is none."""
    records = base_profile(layout)
    position = {r.name: i for i, r in enumerate(records)}
    last_use: dict[int, int] = {}
    for index, record in enumerate(records):
        for name in record.inputs:
            last_use[position[name]] = max(last_use.get(position[name], 0), index)
    reach, furthest = [], 0
    for index in range(len(records)):
        furthest = max(furthest, last_use.get(index, 0))
        reach.append(furthest)
    for index in range(min(fine_tune_at, len(records)) - 1, 0, -1):
        if reach[index - 1] <= index:
            return index
    return None


def split_model(classifier, layout: str, fine_tune_at: int) -> Split | None:
    """The bottom and top of ``classifier`` cut below ``fine_tune_at``, or None."""
    index = cut_index(layout, fine_tune_at)
    if index is None:
        return None
    k = keras()
    base, model = classifier.base, classifier.model
    records = base_profile(layout)
    cut = records[index].name
    inner = k.Model(base.inputs, base.get_layer(cut).output, name="base_bottom")
    image = model.inputs[0]
    bottom = k.Model(image, inner(model.get_layer("preprocess")(image)), name="bottom")
    start = k.Input(tuple(base.get_layer(cut).output.shape[1:]), name="cut")
    tensors = {cut: start}
    for record in records[index + 1:]:
        args = [tensors[name] for name in record.inputs]
        tensors[record.name] = base.get_layer(record.name)(args if len(args) > 1 else args[0])
    x = model.get_layer("pool")(tensors[records[-1].name])
    out = model.get_layer("classifier")(model.get_layer("dropout")(x))
    return Split(cut, bottom, k.Model(start, out, name="top"))


def cache_bytes(images: int, bottom) -> int:
    shape = bottom.output.shape[1:]
    size = 4
    for dim in shape:
        size *= int(dim)
    return images * size
