"""Is a model file one of the zoo's networks? Its totals compared with the zoo's entries.

Two profiles match when they agree on every total that the architecture fixes: parameters,
MACs per image, input shape and depth in weight layers (not the trainable count, which
freezing changes). Candidates
are each zoo entry at the file's resolution, with and without its classifier (with it:
as many classes as the file's output has), at every width α the entry offers. A nested
model (the MobileNetV2 base inside the course's alpaca model) is compared too, as a
network without its top, over the layers of its stage.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

from cvlab import zoo
from cvlab.errors import CvlabError
from cvlab.profile import WEIGHT_LAYERS, LayerRecord, Profile, profile
from cvlab.zoo.registry import ALPHAS

TOTALS = ("total_params", "macs", "input_shape", "weight_depth")


def totals(records: Sequence[LayerRecord], input_shape) -> dict:
    """The totals :data:`TOTALS` of ``records`` (a whole network or one nested model's
    layers: inputs from outside them start at depth 0)."""
    depth: dict[str, int] = {}
    for r in records:
        before = max((depth.get(i, 0) for i in r.inputs), default=0)
        depth[r.name] = before + (r.kind in WEIGHT_LAYERS) + (r.kind == "sepconv")
    return {"total_params": sum(r.params for r in records),
            "trainable_params": sum(r.trainable_params for r in records),
            "macs": sum(r.macs for r in records), "input_shape": list(input_shape),
            "weight_depth": max(depth.values(), default=0)}


def zoo_matches(p: Profile, nested: Iterable[tuple[str, Sequence[int]]] = ()) -> list[dict]:
    """Every zoo network that ``p`` (scope ``"model"``), or one of its ``nested`` models
    (``(name, input shape)``, scope: that name), equals: ``{"scope", "name", "title",
    "options", "ours", "zoo"}`` with the two sides' totals."""
    found = []
    scopes = [("model", list(p.layers), p.input_shape, p.output_shape)]
    for name, shape in nested:
        records = [r for r in p.layers if r.stage == name or r.stage.startswith(f"{name}/")]
        if records:
            scopes.append((name, records, tuple(shape), None))
    for scope, records, input_shape, output_shape in scopes:
        ours = totals(records, input_shape)
        for name, options in _candidates(input_shape, output_shape):
            theirs = _zoo_totals(name, options)
            if theirs is not None and all(theirs[k] == ours[k] for k in TOTALS):
                found.append({"scope": scope, "name": name, "title": zoo.info(name).title,
                              "options": dict(options), "ours": ours, "zoo": theirs})
    return found


def _candidates(input_shape, output_shape) -> list[tuple[str, tuple]]:
    if len(input_shape) != 3 or input_shape[0] != input_shape[1] or input_shape[2] != 3:
        return []
    tops = [(("include_top", False),)]
    if output_shape is not None and len(output_shape) == 1:
        tops.append((("classes", output_shape[0]), ("include_top", True)))
    out = []
    for name in zoo.names():
        for alpha in ALPHAS.get(name, (None,)):
            width = (("alpha", alpha),) if alpha is not None else ()
            for top in tops:
                out.append((name, tuple(sorted((*width, *top, ("resolution", input_shape[0]))))))
    return out


@functools.lru_cache(maxsize=1024)
def _zoo_totals(name: str, options: tuple) -> dict | None:
    """The zoo entry's totals with ``options``; ``None`` where it cannot take them."""
    try:
        zp = profile(zoo.get(name, **dict(options)))
    except CvlabError:
        return None
    return totals(zp.layers, zp.input_shape)
