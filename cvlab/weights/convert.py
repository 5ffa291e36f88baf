"""torchvision MobileNetV2 ``state_dict`` → Keras weights keyed by layer name.

The result maps each Keras Applications layer name (``Conv1``, ``bn_Conv1``,
``expanded_conv_depthwise``, ``block_1_expand``, …, ``Conv_1_bn``,
``predictions``) to that layer's weight list in Keras order, so it loads into
any builder that uses those names (:func:`assign_by_name`). Axis conventions:

* Conv2D kernel: torch ``[out, in, kh, kw]`` → Keras ``[kh, kw, in, out]``
  (transpose ``(2, 3, 1, 0)``);
* DepthwiseConv2D kernel: torch ``[C, 1, kh, kw]`` → Keras ``[kh, kw, C, 1]``
  (transpose ``(2, 3, 0, 1)``);
* Dense kernel: torch ``[out, in]`` → Keras ``[in, out]``;
* BatchNormalization: ``[gamma, beta, moving_mean, moving_variance]`` from
  torch's ``weight, bias, running_mean, running_var``; torch's
  ``num_batches_tracked`` counters are dropped. Torch normalises with
  epsilon 1e-5, so the receiving layers must use 1e-5 too (Keras defaults
  to 1e-3).

Converted weights are stored as an uncompressed ``.npz`` whose keys are
``"<layer>/<index>"``; it holds plain arrays only and is read with
``allow_pickle=False``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from cvlab import atomic
from cvlab.errors import CvlabError

BLOCKS = 16  # inverted-residual blocks after the first (Keras block_1 … block_16)


def layer_map() -> Iterator[tuple[str, str, str]]:
    """``(torch prefix, Keras layer name, kind)`` for every weighted MobileNetV2 layer."""
    yield "features.0.0", "Conv1", "conv"
    yield "features.0.1", "bn_Conv1", "bn"
    yield "features.1.conv.0.0", "expanded_conv_depthwise", "depthwise"
    yield "features.1.conv.0.1", "expanded_conv_depthwise_BN", "bn"
    yield "features.1.conv.1", "expanded_conv_project", "conv"
    yield "features.1.conv.2", "expanded_conv_project_BN", "bn"
    for block in range(1, BLOCKS + 1):
        torch_prefix, keras_prefix = f"features.{block + 1}.conv", f"block_{block}_"
        yield f"{torch_prefix}.0.0", f"{keras_prefix}expand", "conv"
        yield f"{torch_prefix}.0.1", f"{keras_prefix}expand_BN", "bn"
        yield f"{torch_prefix}.1.0", f"{keras_prefix}depthwise", "depthwise"
        yield f"{torch_prefix}.1.1", f"{keras_prefix}depthwise_BN", "bn"
        yield f"{torch_prefix}.2", f"{keras_prefix}project", "conv"
        yield f"{torch_prefix}.3", f"{keras_prefix}project_BN", "bn"
    yield "features.18.0", "Conv_1", "conv"
    yield "features.18.1", "Conv_1_bn", "bn"
    yield "classifier.1", "predictions", "dense"


_PARAMS = {
    "conv": ("weight",),
    "depthwise": ("weight",),
    "bn": ("weight", "bias", "running_mean", "running_var"),
    "dense": ("weight", "bias"),
}


def _to_keras(kind: str, tensors: list[np.ndarray]) -> list[np.ndarray]:
    if kind == "conv":
        return [tensors[0].transpose(2, 3, 1, 0)]
    if kind == "depthwise":
        return [tensors[0].transpose(2, 3, 0, 1)]
    if kind == "dense":
        return [tensors[0].T, tensors[1]]
    return tensors


def torch_to_keras(state: dict[str, np.ndarray]) -> dict[str, list[np.ndarray]]:
    """Keras weight lists by layer name; every torch tensor but BN counters must be used."""
    out: dict[str, list[np.ndarray]] = {}
    used = set()
    for prefix, layer, kind in layer_map():
        keys = [f"{prefix}.{param}" for param in _PARAMS[kind]]
        missing = [k for k in keys if k not in state]
        if missing:
            raise CvlabError(f"Received: a checkpoint without {missing[0]}; "
                             "allowed: a torchvision MobileNetV2 (width 1.0) state dict")
        out[layer] = [np.ascontiguousarray(a, dtype=np.float32)
                      for a in _to_keras(kind, [state[k] for k in keys])]
        used.update(keys)
    extra = sorted(k for k in state if k not in used and not k.endswith("num_batches_tracked"))
    if extra:
        raise CvlabError(f"Received: unexpected tensors {extra[:3]}; "
                         "allowed: exactly the torchvision MobileNetV2 state dict")
    return out


def save_npz(weights: dict[str, list[np.ndarray]], path: Path) -> None:
    """Write ``weights`` to ``path``, atomically."""
    with atomic.replacing(path) as temporary, open(temporary, "wb") as stream:
        np.savez(stream, **{f"{layer}/{i}": a for layer, arrays in weights.items()
                            for i, a in enumerate(arrays)})


def load_npz(path: Path) -> dict[str, list[np.ndarray]]:
    """Inverse of :func:`save_npz`."""
    out: dict[str, dict[int, np.ndarray]] = {}
    with np.load(path, allow_pickle=False) as data:
        for key in data.files:
            layer, index = key.rsplit("/", 1)
            out.setdefault(layer, {})[int(index)] = data[key]
    return {layer: [arrays[i] for i in sorted(arrays)] for layer, arrays in out.items()}


def digest(weights: dict[str, list[np.ndarray]]) -> str:
    """sha256 of the weights themselves (layer names, dtypes, shapes and bytes, in name
    order), so it does not depend on how the ``.npz`` was zipped."""
    hasher = hashlib.sha256()
    for layer in sorted(weights):
        for index, array in enumerate(weights[layer]):
            array = np.ascontiguousarray(array)
            hasher.update(f"{layer}/{index}:{array.dtype.str}:{array.shape};".encode())
            hasher.update(array.tobytes())
    return hasher.hexdigest()


def assign_by_name(model, weights: dict[str, list[np.ndarray]], skip=("predictions",)) -> None:
    """Set each weighted layer of ``model`` from ``weights[layer.name]``.

    Every layer of ``model`` that has weights must be covered, with matching
    shapes; entries for layers the model lacks are ignored only if named in
    ``skip`` (the classifier, for ``include_top=False``).
    """
    names = {layer.name for layer in model.layers}
    unknown = sorted(set(weights) - names - set(skip))
    if unknown:
        raise CvlabError(f"Received: weights for layers {unknown[:3]} the model lacks; "
                         "allowed: Keras Applications MobileNetV2 layer names")
    for layer in model.layers:
        if not layer.weights:
            continue
        if layer.name not in weights:
            raise CvlabError(f"Received: no weights for layer {layer.name}; "
                             "allowed: a model whose weighted layers all have converted weights")
        expected = [tuple(w.shape) for w in layer.weights]
        given = [a.shape for a in weights[layer.name]]
        if expected != given:
            raise CvlabError(f"Received: {layer.name} weights of shapes {given}; "
                             f"allowed: {expected}")
        layer.set_weights(weights[layer.name])
