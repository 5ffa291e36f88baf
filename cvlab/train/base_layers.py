"""MobileNetV2's base as the trainer sees it: its layers, blocks and what trains in a phase.

Everything here is read from the zoo's one definition of the network for the weights
layout in use, without TensorFlow. The two layouts differ by one layer: torchvision
weights pad the stem's stride-2 convolution with an explicit ``Conv1_pad`` layer, so
the base has 155 layers (input layer included) with torchvision weights and 154 with
Keras' — ``fine_tune_at`` is an index into that list, as ``base.layers[i]`` in Keras.

Trainable parameters follow :func:`cvlab.train.model.set_phase`: in the ``fine-tune``
phase the kernels (and biases) of base layers from ``fine_tune_at`` up train but
BatchNorm does not; in ``train`` everything trainable trains (BatchNorm's γ and β, not
its moving statistics); in ``head`` only the classifier's Dense layer (1280 × classes
weights + classes biases).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from cvlab import zoo
from cvlab.errors import CvlabError
from cvlab.profile import LayerRecord, profile
from cvlab.weights.pretrained import LAYOUTS

WEIGHTED = ("conv", "dwconv", "dense")  # layers whose weights fine-tuning unfreezes


@dataclass(frozen=True)
class Block:
    """A run of consecutive base layers: ``first``..``last`` (inclusive) indices."""

    name: str
    first: int
    last: int
    params: int  # trainable scalars when every layer in it trains (BatchNorm γ/β included)


@lru_cache(maxsize=8)
def base_profile(layout: str, image_size: int = 224) -> tuple[LayerRecord, ...]:
    """The base's layer records (no top) in ``layout``, input layer first."""
    if layout not in LAYOUTS:
        raise CvlabError(f"Received: layout {layout!r}; allowed: {', '.join(LAYOUTS)}.")
    network = zoo.get("mobilenet_v2", resolution=image_size, include_top=False,
                      **LAYOUTS[layout])
    return profile(network).layers


def base_layers(layout: str) -> int:
    """How many layers ``base.layers`` has in ``layout`` (155 torch, 154 keras)."""
    return len(base_profile(layout))


def weights_layout(weights: str, image_size: int = 224) -> str:
    """The layout the trainer will build for a weights request (``imagenet``, a file…)."""
    from cvlab.weights.sources import resolve_weights

    return resolve_weights(weights, include_top=False, input_size=image_size).layout


def blocks(layout: str) -> list[Block]:
    """The stem, inverted-residual blocks 0–16 and the final 1×1 conv, in order."""
    found: list[Block] = []
    for index, record in enumerate(base_profile(layout)):
        if index == 0:
            continue
        name = _block_name(record.name)
        if found and found[-1].name == name:
            last = found[-1]
            found[-1] = Block(name, last.first, index, last.params + record.trainable_params)
        else:
            found.append(Block(name, index, index, record.trainable_params))
    return found


def trainable_params(layout: str, phase: str, fine_tune_at: int | None, classes: int) -> int:
    """Scalars the optimizer updates in ``phase`` for a head of ``classes`` outputs."""
    records = base_profile(layout)
    head = records[-1].output_shape[-1] * classes + classes
    if phase == "head":
        return head
    if phase == "train":
        return head + sum(r.trainable_params for r in records)
    if phase == "fine-tune":
        check_fine_tune_at(layout, fine_tune_at)
        return head + sum(r.params for r in records[fine_tune_at:] if r.kind in WEIGHTED)
    raise CvlabError(f"Received: phase {phase!r}; allowed: head, fine-tune, train.")


def layer_trains(layout: str, fine_tune_at: int) -> list[bool]:
    """Per base layer: does it train in the fine-tune phase (BatchNorm never does)?"""
    return [index >= fine_tune_at and record.kind in WEIGHTED
            for index, record in enumerate(base_profile(layout))]


def check_fine_tune_at(layout: str, fine_tune_at) -> None:
    count = base_layers(layout)
    ok = isinstance(fine_tune_at, int) and not isinstance(fine_tune_at, bool)
    if not (ok and 0 <= fine_tune_at < count):
        raise CvlabError(
            f"Received: fine_tune_at {fine_tune_at!r}; allowed: a layer index from 0 to "
            f"{count - 1} (MobileNetV2 has {count} base layers with {layout}-layout weights; "
            "layers from this index upward are unfrozen).")


def _block_name(layer: str) -> str:
    if layer.startswith("block_"):
        return "block " + layer.split("_")[1]
    if layer.startswith("expanded_conv"):
        return "block 0"
    if layer.startswith(("Conv1", "bn_Conv1")):
        return "stem"
    return "top"
