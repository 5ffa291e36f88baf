"""A model file's profile as one JSON object: what the CLI prints, the inference worker
returns and the Explorer draws.

The object has the form of a zoo profile (:func:`cvlab.report.to_json`: ``name``,
``input_shape``, ``total_params``, ``trainable_params``, ``macs``, one record per layer;
trainable counts as the file holds them: a frozen base's are 0) plus ``family``,
``weight_depth``, ``keras_params`` and ``keras_trainable_params`` (Keras' own count, equal
to ours), ``uncounted`` (``[{"name", "kind", "params", "reason"}]``, the
layers whose MACs are not counted) and ``uncounted_params``, ``nested`` (the models used
as layers, ``[{"name", "input_shape"}]``) and ``zoo_match`` (see
:func:`cvlab.modelfile.match.zoo_matches`). :func:`profile_from_json` rebuilds the
:class:`~cvlab.profile.Profile` from it.
"""

from __future__ import annotations

import os
from dataclasses import replace

from cvlab.modelfile.convert import Converted, convert, load_model_file
from cvlab.modelfile.match import zoo_matches
from cvlab.profile import LayerRecord, Profile, profile
from cvlab.report import to_json


def profile_model_file(path: str | os.PathLike) -> dict:
    """Load ``path`` (safe mode; see :func:`~cvlab.modelfile.convert.load_model_file`),
    convert and profile it: the JSON object above."""
    return summarize(convert(load_model_file(path)))


def summarize(converted: Converted) -> dict:
    """The JSON object of a converted model."""
    p = profile(converted.network)
    if converted.frozen:
        p = replace(p, layers=tuple(
            replace(r, trainable_params=converted.frozen.get(r.name, r.trainable_params))
            for r in p.layers))
    nested = [(n.name, n.input_shape) for n in converted.nested]
    return {
        **to_json(p),
        "family": p.family,
        "weight_depth": p.depth,
        "keras_params": converted.keras_params,
        "keras_trainable_params": converted.keras_trainable_params,
        "uncounted": [u.to_dict() for u in converted.uncounted],
        "uncounted_params": sum(u.params for u in converted.uncounted),
        "nested": [{"name": name, "input_shape": list(shape)} for name, shape in nested],
        "zoo_match": zoo_matches(p, nested),
    }


def profile_from_json(data: dict) -> Profile:
    """The :class:`~cvlab.profile.Profile` that :func:`summarize` (or
    :func:`cvlab.report.to_json`) wrote."""
    def pair(value):
        return tuple(value) if value is not None else None

    layers = tuple(LayerRecord(
        name=r["name"], kind=r["kind"], stage=r["stage"], inputs=tuple(r["inputs"]),
        kernel=pair(r["kernel"]), stride=pair(r["stride"]), padding=r["padding"],
        output_shape=tuple(r["output_shape"]), params=r["params"],
        trainable_params=r["trainable_params"], macs=r["macs"]) for r in data["layers"])
    return Profile(data["name"], data.get("family", "Model file"), data.get("options", {}),
                   tuple(data["input_shape"]), layers)
