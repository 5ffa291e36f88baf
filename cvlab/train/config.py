"""What a training run is asked to do: :class:`TrainConfig`, validated without TensorFlow.

Modes are records in :mod:`cvlab.train.modes` (phases, default learning rate, BatchNorm
policy, feature cache); this module only checks settings against them.

``model`` is MobileNetV2 (``mobilenet_v2``, the only network with pretrained weights
here) or, in scratch mode, any zoo network by name (``python -m cvlab models``), built
from the zoo's definition at ``image_size`` with its own classifier for the folder's
classes.

Defaults filled in by :meth:`TrainConfig.resolved` (and so recorded in config.json):
``weights`` the mode's (``imagenet``, ``none`` for scratch); ``learning_rate`` the mode's;
``fine_tune_at`` 100 (the TF tutorial's choice: blocks 11–16 and the last 1×1 conv train,
the same layers in both weights layouts; the base has 155 layers with torchvision
weights, 154 with Keras'); ``head_epochs`` half the epochs (at least 1);
``cached_views`` (modes with a cached head phase, cache on) 1 without augmentation,
``min(head epochs, 4)`` with it. ``test_fraction`` 0.15: a stratified test split that
no training or model-selection step sees (validation chooses the best epoch).
``train_per_class``: train on at most this many images per class, a seeded sample of the
training split (val and test stay as split), for data-size experiments. Resolving is idempotent.

``model_file``: a learner's own Keras model file (``.keras``, or a legacy ``.h5``) to train
instead of MobileNetV2 (:mod:`cvlab.train.from_file`): mode ``full`` goes on training its
layers and weights, mode ``scratch`` trains its architecture from fresh weights; no named
weights apply (``weights`` is ``none``) and the run's image size follows the model's input.
"""

from __future__ import annotations

import math
from dataclasses import MISSING, asdict, dataclass, fields, replace
from pathlib import Path
from types import MappingProxyType

from cvlab.errors import CvlabError
from cvlab.train.modes import FINE_TUNE_FACTOR, MODE_RECORDS, MODES, mode

__all__ = ["DEFAULTS", "DEFAULT_FINE_TUNE_AT", "DEFAULT_LEARNING_RATE",
           "DEFAULT_TEST_FRACTION", "FINE_TUNE_FACTOR", "MODES", "TrainConfig", "check"]

DEFAULT_MODEL = "mobilenet_v2"
NAMED_WEIGHTS = ("imagenet", "imagenet-keras", "none")
DEFAULT_FINE_TUNE_AT = 100
DEFAULT_TEST_FRACTION = 0.15
MIN_IMAGE_SIZE, MAX_IMAGE_SIZE = 32, 1024
MIN_FILE_IMAGE_SIZE = 8  # a model file's own input may be smaller (MNIST's 28×28)
MAX_BATCH_SIZE = 4096
MAX_VIEWS = 64
DEFAULT_LEARNING_RATE = {m.name: m.learning_rate for m in MODE_RECORDS}
#: The modes a model file trains in, and what each starts from.
FILE_MODES = MappingProxyType({"full": "go on training the file's weights",
                               "scratch": "its architecture with fresh weights"})


@dataclass(frozen=True)
class TrainConfig:
    """One run's settings. Images are resized to ``image_size``² RGB, values 0..255.

    ``augment`` is an augmentation spec as a dict (``cvlab.augment`` JSON form) or
    ``None``. ``cache_features`` (frozen and fine-tune): the head phase trains on base
    features computed once instead of every epoch; with augmentation, ``cached_views``
    augmented copies of the training set are embedded and head epoch ``e`` trains on
    view ``e mod cached_views``.
    """

    data_dir: str
    mode: str = "frozen"
    epochs: int = 5
    image_size: int = 128
    batch_size: int = 32
    learning_rate: float | None = None
    weights: str | None = None
    fine_tune_at: int | None = None
    head_epochs: int | None = None
    seed: int = 0
    val_fraction: float = 0.2
    test_fraction: float = DEFAULT_TEST_FRACTION
    augment: dict | None = None
    cache_features: bool = True
    cached_views: int | None = None
    dropout: float = 0.2
    train_per_class: int | None = None
    model: str = DEFAULT_MODEL
    model_file: str | None = None

    def resolved(self) -> TrainConfig:
        """This config checked, with every ``None`` default replaced by its value."""
        check(self)
        record = mode(self.mode)
        fine = "fine-tune" in record.phases
        head_epochs = (self.head_epochs or max(1, self.epochs // 2)) if fine else None
        return replace(
            self,
            data_dir=str(Path(self.data_dir).expanduser().resolve()),
            learning_rate=float(self.learning_rate or record.learning_rate),
            weights=self.weights or ("none" if self.model_file else record.weights),
            model_file=str(Path(self.model_file).expanduser().resolve())
            if self.model_file else None,
            fine_tune_at=(DEFAULT_FINE_TUNE_AT if self.fine_tune_at is None
                          else self.fine_tune_at) if fine else None,
            head_epochs=head_epochs,
            cached_views=(self.cached_views
                          or (min(head_epochs or self.epochs, 4) if self.augment else 1))
            if self.uses_feature_cache else None,
            augment=_normalised(self.augment),
        )

    @property
    def uses_feature_cache(self) -> bool:
        """Does the mode's head phase train on cached base features?"""
        return mode(self.mode).can_cache and self.cache_features

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        """The config stored in a run's config.json (extra keys such as class_names ignored)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


#: Every field's default, stated once here: the CLI's help and the page's widgets read it.
DEFAULTS = MappingProxyType({f.name: f.default for f in fields(TrainConfig)
                             if f.default is not MISSING})


def check(config: TrainConfig) -> None:
    """Raise :class:`CvlabError` naming the first bad setting ("Received: …; allowed: …")."""
    c = config
    mode(c.mode)
    _allow(_is_int(c.epochs) and c.epochs >= 1, f"epochs {c.epochs!r}", "an integer ≥ 1")
    low, why = ((MIN_FILE_IMAGE_SIZE, "with a model file") if c.model_file
                else (MIN_IMAGE_SIZE, "MobileNetV2's minimum"))
    _allow(_is_int(c.image_size) and low <= c.image_size <= MAX_IMAGE_SIZE,
           f"image size {c.image_size!r}", f"an integer from {low} ({why}) to {MAX_IMAGE_SIZE}")
    _allow(_is_int(c.batch_size) and 1 <= c.batch_size <= MAX_BATCH_SIZE,
           f"batch size {c.batch_size!r}", f"an integer from 1 to {MAX_BATCH_SIZE}")
    _allow(c.learning_rate is None or (isinstance(c.learning_rate, int | float)
                                       and math.isfinite(c.learning_rate)
                                       and 0 < c.learning_rate <= 1),
           f"learning rate {c.learning_rate!r}", "a number in (0, 1], e.g. 0.001")
    _allow(_is_int(c.seed) and c.seed >= 0, f"seed {c.seed!r}", "an integer ≥ 0")
    _allow(isinstance(c.val_fraction, int | float) and 0 < c.val_fraction < 1,
           f"val_fraction {c.val_fraction!r}",
           "a fraction in (0, 1): the best epoch is chosen on the validation split")
    _allow(isinstance(c.test_fraction, int | float) and 0 <= c.test_fraction < 1
           and c.val_fraction + c.test_fraction < 1, f"test_fraction {c.test_fraction!r}",
           f"a fraction in [0, 1) below 1 − val_fraction ({1 - c.val_fraction:g}); 0 keeps "
           "no test split")
    _allow(isinstance(c.dropout, int | float) and 0 <= c.dropout < 1,
           f"dropout {c.dropout!r}", "a fraction in [0, 1)")
    _allow(c.train_per_class is None or (_is_int(c.train_per_class) and c.train_per_class >= 1),
           f"train_per_class {c.train_per_class!r}", "an integer ≥ 1, or none for all")
    _check_model(c)
    _check_model_file(c)
    _check_weights(c)
    _check_fine_tune(c)
    _check_cache(c)
    if c.augment is not None:
        _check_augment(c)


def _check_model(c: TrainConfig) -> None:
    if c.model == DEFAULT_MODEL:
        return
    from cvlab import zoo
    from cvlab.profile import profile

    zoo.info(c.model)  # unknown names: CvlabError listing the zoo
    _allow(c.mode == "scratch", f"model {c.model!r} with mode {c.mode}",
           f"mode scratch (pretrained weights exist only for {DEFAULT_MODEL})")
    try:
        profile(zoo.get(c.model, resolution=c.image_size, classes=2))
    except CvlabError as exc:
        raise CvlabError(f"Received: image size {c.image_size} for {c.model}; allowed: a "
                         f"size the network's layers fit ({exc})") from None


def _check_model_file(c: TrainConfig) -> None:
    if c.model_file is None:
        return
    path = Path(c.model_file).expanduser()
    _allow(isinstance(c.model_file, str) and path.suffix.lower() in (".keras", ".h5")
           and path.is_file(), f"model file {c.model_file!r}",
           "an existing Keras model file (.keras, or a legacy .h5)")
    _allow(c.mode in FILE_MODES, f"mode {c.mode} with a model file",
           "; ".join(f"{name} ({what})" for name, what in FILE_MODES.items()))
    _allow(c.model == DEFAULT_MODEL, f"model {c.model!r} with a model file",
           "the model file alone (the network is the file's)")


def _check_weights(c: TrainConfig) -> None:
    if c.weights is None:
        return
    if c.model_file is not None:
        _allow(c.weights == "none", f"weights {c.weights!r} with a model file",
               "'none' (the file's own weights, or fresh ones, are the start)")
        return
    if c.mode == "scratch":
        _allow(c.weights == "none", f"weights {c.weights!r} with mode scratch",
               "'none' (scratch means random initialisation; use mode full to train "
               "every layer from pretrained weights)")
        return
    _allow(c.weights != "none", f"weights 'none' with mode {c.mode}",
           "imagenet, imagenet-keras or a weights file (.pth/.h5); mode scratch trains "
           "from random weights")
    if c.weights not in NAMED_WEIGHTS:
        path = Path(c.weights).expanduser()
        _allow(path.suffix in (".pth", ".h5") and path.is_file(), f"weights {c.weights!r}",
               "imagenet, imagenet-keras, or an existing .pth (torchvision) or .h5 "
               "(Keras Applications) MobileNetV2 weights file")


def _check_fine_tune(c: TrainConfig) -> None:
    if "fine-tune" not in mode(c.mode).phases:
        _allow(c.fine_tune_at is None, f"fine_tune_at {c.fine_tune_at} with mode {c.mode}",
               "fine_tune_at only with mode fine-tune")
        _allow(c.head_epochs is None, f"head_epochs {c.head_epochs} with mode {c.mode}",
               "head_epochs only with mode fine-tune")
        return
    if c.fine_tune_at is not None:
        from cvlab.train.base_layers import check_fine_tune_at, weights_layout

        check_fine_tune_at(weights_layout(c.weights or "imagenet", c.image_size),
                           c.fine_tune_at)
    _allow(c.epochs >= 2, f"epochs {c.epochs} with mode fine-tune",
           "at least 2 (head epochs, then fine-tune epochs)")
    if c.head_epochs is not None:
        _allow(_is_int(c.head_epochs) and 1 <= c.head_epochs < c.epochs,
               f"head_epochs {c.head_epochs!r} of {c.epochs} epochs",
               f"an integer from 1 to {c.epochs - 1} (some epochs must fine-tune)")


def _check_cache(c: TrainConfig) -> None:
    if c.cached_views is None:
        return
    _allow(_is_int(c.cached_views) and 1 <= c.cached_views <= MAX_VIEWS,
           f"cached views {c.cached_views!r}", f"an integer from 1 to {MAX_VIEWS}")
    _allow(c.uses_feature_cache,
           f"cached views with mode {c.mode}" + ("" if c.cache_features else " (cache off)"),
           "cached views only in a mode with a cached head phase ("
           + ", ".join(m.name for m in MODE_RECORDS if m.can_cache)
           + ") with the feature cache on")
    _allow(c.augment is not None or c.cached_views == 1,
           f"{c.cached_views} cached views without augmentation",
           "1 (every view of un-augmented images is the same); add an augmentation spec")


def _check_augment(c: TrainConfig) -> None:
    from cvlab.augment.spec import spec_from_dict

    spec = spec_from_dict(c.augment)
    crop = spec.get("crop")
    if crop is not None:
        height, width = crop.params["height"], crop.params["width"]
        _allow(height <= c.image_size and width <= c.image_size,
               f"crop {height}×{width} with image size {c.image_size}",
               f"a crop no larger than {c.image_size}×{c.image_size} (it is resized back "
               "to the image size)")


def _normalised(augment: dict | None) -> dict | None:
    """The spec in its full JSON form (every parameter spelled out), or ``None``."""
    if augment is None:
        return None
    from cvlab.augment.spec import spec_from_dict, spec_to_dict

    return spec_to_dict(spec_from_dict(augment))


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _allow(ok: bool, received: str, allowed: str) -> None:
    if not ok:
        raise CvlabError(f"Received: {received}; allowed: {allowed}.")
