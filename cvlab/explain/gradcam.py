"""Grad-CAM: where in the image the evidence for one class lies, for any chain-headed CNN.

For a target class ``c`` and the feature map ``A`` (``h × w × K``) of the chosen layer:

* the class score ``y_c`` is the pre-softmax logit (a final softmax is left out, because
  its gradient vanishes as the probability nears 1);
* each channel's weight is ``α_k = mean over positions of ∂y_c / ∂A_k``;
* the map is ``ReLU(Σ_k α_k A_k)``, scaled so its maximum is 1.

The model is split at the layer into a *feature* part (image → ``A``) and a *head*
(``A`` → scores), a chain of single-input layers (pooling, dropout, dense). Only the head
is differentiated, so one Grad-CAM costs one forward pass. The layer defaults to the last
one with a spatial (rank-4) output: ``out_relu`` for the ImageNet MobileNetV2, the nested
base (``mobilenet_v2/out_relu``) for a trained run's ``model.keras``.

A map whose positive evidence sums to less than :data:`ZERO_EVIDENCE` (in units of the
class score) is returned as exact zeros: a model whose output ignores the image has no
evidence anywhere, and rescaling rounding noise to 0..1 would draw a false picture.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from cvlab import lazy_tf
from cvlab.errors import CvlabError
from cvlab.explain.render import resize_heatmap

ZERO_EVIDENCE = 1e-5
#: A class the model gives less than this probability has next to no evidence in the photo:
#: its map, scaled to its own maximum, shows where the score would rise, not a finding.
NIL_PROBABILITY = 0.01
SPLIT_TOLERANCE = 1e-3  # largest |Δ probability| allowed between the split and the model


@dataclass(frozen=True)
class Explanation:
    """One image's Grad-CAM for one class.

    ``heatmap``: ``(H, W)`` float32 in 0..1 at the model's input size; ``coarse``: the map
    at the layer's own resolution; ``probability``: the model's probability of
    ``class_index``; ``predicted``: the most probable class.
    """

    heatmap: np.ndarray
    coarse: np.ndarray
    class_index: int
    class_name: str
    probability: float
    predicted: int
    predicted_name: str
    probabilities: np.ndarray
    layer: str


class GradCam:
    """Grad-CAM for ``model`` (images in, class probabilities out).

    ``preprocess`` maps uint8 RGB to the model's input (``None`` when the model holds its
    own preprocessing, as a run's ``model.keras`` does); ``layer`` names the layer to
    explain (default: the last spatial one); ``class_names`` label the outputs.
    """

    def __init__(self, model, class_names: Sequence[str], preprocess: Callable | None = None,
                 layer: str | None = None):
        self.model = model
        self.class_names = list(class_names)
        self.preprocess = preprocess
        self.input_size = tuple(int(d) for d in model.input_shape[1:3])
        feature_layer, self.head = _split(model, layer)
        self.layer = _describe(feature_layer)
        self.features_model = _features_model(model, feature_layer)
        self.feature_shape = tuple(int(d) for d in self.features_model.output_shape[1:])
        self._softmax_stripped = _strip_softmax(self.head)
        tf = lazy_tf.tf()
        self._logits_fn = tf.function(self._logits, reduce_retracing=True)
        self._cams_fn = tf.function(self._cams, reduce_retracing=True)
        self._check_split()

    # -- the two halves ---------------------------------------------------------------
    def features(self, images: np.ndarray) -> np.ndarray:
        """The layer's ``(n, h, w, K)`` activations for ``(n, H, W, 3)`` uint8 RGB images."""
        return np.asarray(self.features_model.predict_on_batch(self.prepare(images)))

    def scores(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(logits, probabilities)``, each ``(n, classes)``, from the layer's activations."""
        logits = np.asarray(self._logits_fn(lazy_tf.tf().constant(features, "float32")))
        if not self._softmax_stripped:
            return logits, logits
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        return logits, shifted / shifted.sum(axis=1, keepdims=True)

    def coarse_maps(self, features: np.ndarray, targets: Sequence[int]) -> np.ndarray:
        """``(n, h, w)`` Grad-CAM maps in 0..1 for the target class of each image."""
        tf = lazy_tf.tf()
        picks = np.stack([np.arange(len(targets)), targets], axis=1).astype(np.int32)
        cams = self._cams_fn(tf.constant(features, tf.float32), tf.constant(picks)).numpy()
        return np.stack([scaled(cam) for cam in cams]) if len(cams) else cams

    def _cams(self, feats, picks):
        """Traced once: ``ReLU(Σ_k α_k A_k)`` with ``α_k`` the mean gradient of the score."""
        tf = lazy_tf.tf()
        with tf.GradientTape() as tape:
            tape.watch(feats)
            score = tf.reduce_sum(tf.gather_nd(self._logits(feats), picks))
        grads = tape.gradient(score, feats)
        weights = tf.reduce_mean(grads, axis=(1, 2), keepdims=True)
        return tf.nn.relu(tf.reduce_sum(weights * feats, axis=-1))

    # -- one call ---------------------------------------------------------------------
    def explain(self, images: np.ndarray, targets: Sequence[int | str | None] | None = None
                ) -> list[Explanation]:
        """Grad-CAM of each image for its target class (``None``: the predicted class)."""
        return self.explain_features(self.features(images), targets)

    def explain_features(self, features: np.ndarray,
                         targets: Sequence[int | str | None] | None = None
                         ) -> list[Explanation]:
        """:meth:`explain` from activations already computed (no new forward pass)."""
        _, probabilities = self.scores(features)
        predicted = probabilities.argmax(axis=1)
        targets = list(targets) if targets is not None else [None] * len(features)
        if len(targets) != len(features):
            raise CvlabError(f"Received: {len(targets)} target classes for {len(features)} "
                             "images; allowed: one per image")
        chosen = [int(p if t is None else self.class_index(t)) for p, t in
                  zip(predicted, targets, strict=True)]
        coarse = self.coarse_maps(features, chosen)
        names = self.class_names
        return [Explanation(resize_heatmap(c, self.input_size), c, t, names[t], float(probs[t]),
                            int(p), names[p], probs, self.layer)
                for c, t, p, probs in zip(coarse, chosen, predicted, probabilities, strict=True)]

    def class_index(self, target: int | str) -> int:
        """A class index from an index or a class name (case-insensitive)."""
        return class_index(target, self.class_names)

    # -- inputs and the head ------------------------------------------------------------
    def prepare(self, images: np.ndarray) -> np.ndarray:
        """``(n, H, W, 3)`` RGB 0..255 → the model's float32 input (preprocessed if needed)."""
        images = np.asarray(images)
        if images.ndim != 4 or images.shape[1:3] != self.input_size or images.shape[3] != 3:
            raise CvlabError(f"Received: images of shape {images.shape}; allowed: "
                             f"(n, {self.input_size[0]}, {self.input_size[1]}, 3) RGB")
        pixels = images.astype(np.float32)
        return np.asarray(self.preprocess(pixels)) if self.preprocess else pixels

    def _logits(self, x):
        for index, layer in enumerate(self.head):
            last = index == len(self.head) - 1
            if last and self._softmax_stripped:
                return _pre_softmax(layer, x)
            x = layer(x, training=False) if _takes_training(layer) else layer(x)
        return x

    def _check_split(self) -> None:
        probe = np.random.default_rng(0).integers(0, 256, (1, *self.input_size, 3), np.uint8)
        inputs = self.prepare(probe)  # eager calls: checking should not trace the graphs
        nested = isinstance(self.model.input, list)  # a loaded .keras model takes [image]
        expected = np.asarray(self.model([inputs] if nested else inputs, training=False))
        _, got = self.scores(np.asarray(self.features_model(inputs, training=False)))
        if got.shape != expected.shape or np.abs(got - expected).max() > SPLIT_TOLERANCE:
            raise CvlabError(f"Received: a model whose layers after {self.layer} are not a "
                             "simple chain; allowed: a CNN whose classifier (pooling, dropout, "
                             "dense) follows one spatial layer")


def scaled(cam: np.ndarray) -> np.ndarray:
    """A ``ReLU(Σ α_k A_k)`` map scaled so its maximum is 1; exact zeros when its evidence
    sums to less than :data:`ZERO_EVIDENCE` (or it is not finite)."""
    cam = np.asarray(cam, np.float32)
    if np.isfinite(cam).all() and cam.sum() >= ZERO_EVIDENCE:
        return cam / cam.max()
    return np.zeros_like(cam)


def class_index(target: int | str, class_names: Sequence[str]) -> int:
    """``target`` as an index into ``class_names``: an index, or a class name in any case
    (a string of digits that is no class name is read as an index)."""
    if isinstance(target, int | np.integer):
        if 0 <= int(target) < len(class_names):
            return int(target)
        raise CvlabError(f"Received: class {target}; allowed: 0..{len(class_names) - 1}")
    wanted = str(target).strip().casefold()
    for index, name in enumerate(class_names):
        if name.casefold() == wanted:
            return index
    if wanted.isdigit():
        return class_index(int(wanted), class_names)
    import difflib

    close = difflib.get_close_matches(wanted, [n.casefold() for n in class_names], n=3)
    hint = ", ".join(close) if close else ", ".join(class_names[:5])
    listing = (f"one of the {len(class_names)} class names, e.g. {hint}"
               if len(class_names) > 10 else ", ".join(class_names))
    raise CvlabError(f"Received: class {target!r}; allowed: {listing}")


def _split(model, layer: str | None):
    layers = [la for la in model.layers if type(la).__name__ != "InputLayer"]
    if layer is None:
        spatial = [i for i, la in enumerate(layers) if len(_output_shape(la)) == 4]
        if not spatial:
            raise CvlabError(f"Received: model {model.name} without a spatial layer; allowed: "
                             "a CNN (some layer outputs height × width × channels)")
        index = spatial[-1]
    else:
        names = [la.name for la in layers]
        if layer not in names:
            raise CvlabError(f"Received: layer {layer!r}; allowed: one of {model.name}'s "
                             f"layers, e.g. {', '.join(names[-5:])}")
        index = names.index(layer)
    return layers[index], layers[index + 1:]


def _output_shape(layer) -> tuple:
    try:
        return tuple(layer.output.shape)
    except (AttributeError, ValueError):
        return ()


def _describe(layer) -> str:
    """``out_relu``, or ``mobilenet_v2/out_relu`` for a nested model's last layer."""
    inner = getattr(layer, "layers", None)
    return f"{layer.name}/{inner[-1].name}" if inner else layer.name


def _features_model(model, layer):
    """``model``'s input → ``layer``'s output. A nested model's output is not a tensor of the
    outer graph, so then the chain of outer layers up to it is called again on a new input."""
    keras = lazy_tf.keras()
    try:
        return keras.Model(model.input, layer.output)
    except ValueError:
        inputs = keras.Input(model.input_shape[1:], dtype=model.inputs[0].dtype)
        x = inputs
        for outer in model.layers:
            if type(outer).__name__ == "InputLayer":
                continue
            x = outer(x)
            if outer is layer:
                return keras.Model(inputs, x)
    raise CvlabError(f"Received: layer {layer.name} that is not on {model.name}'s main path; "
                     "allowed: a layer every input passes through")


def _strip_softmax(head) -> bool:
    """Whether the head's last layer ends in a softmax that :meth:`GradCam._logits` skips."""
    return bool(head) and getattr(getattr(head[-1], "activation", None), "__name__",
                                  "") == "softmax"


def _pre_softmax(layer, x):
    """The last layer without its softmax: a Dense layer's ``x·W + b``, else its input."""
    if hasattr(layer, "kernel") and type(layer).__name__ == "Dense":
        ops = lazy_tf.keras().ops
        y = ops.matmul(x, layer.kernel)
        return y + layer.bias if layer.use_bias else y
    return x  # a bare Activation("softmax") layer


def _takes_training(layer) -> bool:
    return type(layer).__name__ in {"Dropout", "BatchNormalization", "SpatialDropout2D"}
