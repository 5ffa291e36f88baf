"""Read a PyTorch ``state_dict`` checkpoint without PyTorch, and without running its pickle.

A ``.pth`` file is a pickle, and unpickling runs whatever callables the file
names. :class:`_StateDictUnpickler` therefore resolves only the few globals a
tensor state dict needs (``collections.OrderedDict``,
``torch._utils._rebuild_tensor_v2`` and the ``torch.*Storage`` types), each
mapped to a stub defined here; any other global is refused with
:class:`~cvlab.errors.CvlabError`.

Two container formats exist:

* legacy (``torch.save`` before 1.6, e.g. torchvision's MobileNetV2
  ``mobilenet_v2-b0353104.pth``): five pickles in a row (magic number,
  protocol 1001, system info, the state dict, the list of storage keys), then
  each storage as a little-endian int64 element count followed by its raw
  bytes, in the order of that list;
* zip (``torch.save`` since 1.6): ``<root>/data.pkl`` plus one raw file per
  storage at ``<root>/data/<key>``.

Tensors come back as C-contiguous NumPy arrays in torch's own layout
(conv weights ``[out, in, kh, kw]``).

Sizes are bounded before anything is allocated, so a crafted file cannot exhaust memory:
at most :data:`MAX_TENSOR_ELEMENTS` elements and :data:`MAX_DIMENSIONS` dimensions per
tensor; a tensor may not have more elements than :data:`MAX_INFLATION` times its storage
(zero strides would otherwise let one stored number become gigabytes); every storage
must fit in what the file actually holds (a legacy element count is checked against the
bytes left, a zip entry's size against :data:`MAX_STORAGE_BYTES`), and the pickle itself
is at most :data:`MAX_PICKLE_BYTES`. Each violation is a :class:`~cvlab.errors.CvlabError`.
"""

from __future__ import annotations

import collections
import io
import pickle
import struct
import zipfile
from pathlib import Path
from typing import NamedTuple

import numpy as np

from cvlab.errors import CvlabError

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001
MAX_TENSOR_ELEMENTS = 2**28  # 1 GiB of float32; MobileNetV2's largest tensor has 1.3 M
MAX_DIMENSIONS = 8
MAX_INFLATION = 1  # a saved tensor never has more elements than the storage it views
MAX_STORAGE_BYTES = 2**31
MAX_PICKLE_BYTES = 64 * 1024**2

_STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


# NamedTuples, not dataclasses: a pickle's BUILD opcode cannot rewrite a tuple's fields.
class _StorageType(NamedTuple):
    """Stands in for ``torch.FloatStorage`` and friends: only the dtype matters."""

    dtype: type


class _StorageRef(NamedTuple):
    key: str
    dtype: type
    numel: int


class _TensorRef(NamedTuple):
    storage: _StorageRef
    offset: int
    shape: tuple[int, ...]
    stride: tuple[int, ...]


def _rebuild_tensor_v2(storage, storage_offset, size, stride, *_ignored):
    """Stub for ``torch._utils._rebuild_tensor_v2``: records where the tensor lives."""
    if not isinstance(storage, _StorageRef):
        raise CvlabError(f"Received: a tensor built from {type(storage).__name__}; "
                         "allowed: a tensor over a storage record")
    try:
        shape, strides = tuple(map(int, size)), tuple(map(int, stride))
        offset = int(storage_offset)
    except (TypeError, ValueError):
        raise CvlabError("Received: a tensor whose shape, strides or offset are not integers; "
                         "allowed: integer ones") from None
    elements = 1
    for n in shape:
        elements *= n
    if len(shape) > MAX_DIMENSIONS or len(strides) != len(shape):
        raise CvlabError(f"Received: a tensor of {len(shape)} dimensions with {len(strides)} "
                         f"strides; allowed: at most {MAX_DIMENSIONS}, one stride each")
    if elements > MAX_TENSOR_ELEMENTS:
        raise CvlabError(f"Received: a tensor of {elements:,} elements; allowed: at most "
                         f"{MAX_TENSOR_ELEMENTS:,}")
    if elements > MAX_INFLATION * max(storage.numel, 0):
        raise CvlabError(f"Received: a tensor of {elements:,} elements over a storage of "
                         f"{storage.numel:,}; allowed: at most {MAX_INFLATION}× its storage")
    return _TensorRef(storage, offset, shape, strides)


class _StateDictUnpickler(pickle.Unpickler):
    """Unpickler that can build a tensor state dict and nothing else."""

    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor_v2
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(_STORAGE_DTYPES[name])
        raise CvlabError(
            f"Received: a checkpoint whose pickle calls {module}.{name}; allowed: only "
            "collections.OrderedDict, torch._utils._rebuild_tensor_v2 and torch.*Storage "
            "(refusing to run anything else from a weights file)"
        )

    def persistent_load(self, pid):
        # legacy: ('storage', type, key, location, numel, view_metadata); zip: the first five.
        if (not isinstance(pid, tuple) or len(pid) not in (5, 6) or pid[0] != "storage"
                or not isinstance(pid[1], _StorageType)
                or pid[1].dtype not in _STORAGE_DTYPES.values() or not isinstance(pid[2], str)
                or not isinstance(pid[4], int) or (len(pid) == 6 and pid[5] is not None)):
            raise CvlabError(f"Received: persistent id {pid!r:.80}; "
                             "allowed: ('storage', torch.*Storage, key, location, numel)")
        if not 0 <= pid[4] * np.dtype(pid[1].dtype).itemsize <= MAX_STORAGE_BYTES:
            raise CvlabError(f"Received: a storage of {pid[4]:,} elements; allowed: at most "
                             f"{MAX_STORAGE_BYTES:,} bytes")
        return _StorageRef(pid[2], pid[1].dtype, pid[4])


def _unpickle(data: bytes | io.BufferedIOBase):
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        return _StateDictUnpickler(stream).load()
    except CvlabError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError,
            AttributeError) as exc:
        raise CvlabError(f"Received: a corrupt checkpoint pickle ({exc}); "
                         "allowed: a torch.save'd state dict") from exc


def load_state_dict(path: str | Path) -> dict[str, np.ndarray]:
    """The tensors of a torch ``state_dict`` file, by key, as NumPy arrays."""
    path = Path(path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return _load_zip(archive)
    with open(path, "rb") as stream:
        return _load_legacy(stream)


def _load_legacy(stream) -> dict[str, np.ndarray]:
    if _unpickle(stream) != LEGACY_MAGIC:
        raise CvlabError("Received: a file that is neither a zip nor a legacy torch.save "
                         "checkpoint; allowed: either of those")
    protocol = _unpickle(stream)
    info = _unpickle(stream)
    if protocol != LEGACY_PROTOCOL or not (isinstance(info, dict) and info.get("little_endian")):
        raise CvlabError(f"Received: legacy checkpoint protocol {protocol!r}, info {info!r}; "
                         f"allowed: protocol {LEGACY_PROTOCOL}, little-endian")
    refs = _unpickle(stream)
    keys = _unpickle(stream)
    if not (isinstance(keys, list) and all(isinstance(k, str) for k in keys)):
        raise CvlabError("Received: a storage key list that is not a list of strings; "
                         "allowed: torch's legacy layout")
    dtypes = _storage_dtypes(refs)
    storages = {}
    start = stream.tell()
    end = stream.seek(0, 2)
    stream.seek(start)
    for key in keys:
        dtype = np.dtype(dtypes.get(key, np.uint8))
        (numel,) = struct.unpack("<q", _read_exactly(stream, 8))
        if numel < 0 or numel * dtype.itemsize > end - stream.tell():
            raise CvlabError(f"Received: a checkpoint truncated: storage {key} declares {numel:,} "
                             "elements, more than the file holds; allowed: a complete file")
        storages[key] = np.frombuffer(_read_exactly(stream, numel * dtype.itemsize), dtype)
    return _materialise(refs, storages)


def _load_zip(archive: zipfile.ZipFile) -> dict[str, np.ndarray]:
    pickles = [n for n in archive.namelist() if n.endswith("/data.pkl") and n.count("/") == 1]
    if len(pickles) != 1:
        raise CvlabError(f"Received: zip checkpoint with {len(pickles)} data.pkl files; "
                         "allowed: exactly one <root>/data.pkl")
    root = pickles[0].split("/")[0]
    byteorder = f"{root}/byteorder"
    if byteorder in archive.namelist() and archive.read(byteorder) != b"little":
        raise CvlabError("Received: a big-endian checkpoint; allowed: little-endian")
    refs = _unpickle(_read_entry(archive, pickles[0], MAX_PICKLE_BYTES))
    storages = {key: np.frombuffer(_read_entry(archive, f"{root}/data/{key}",
                                               MAX_STORAGE_BYTES), dtype)
                for key, dtype in _storage_dtypes(refs).items()}
    return _materialise(refs, storages)


def _read_entry(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """One zip entry, refused when it declares more than ``limit`` bytes (zipfile never
    yields more than an entry declares)."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise CvlabError(f"Received: a zip checkpoint without {name}; allowed: one file per "
                         "storage its tensors use") from None
    if info.file_size > limit:
        raise CvlabError(f"Received: {name} of {info.file_size:,} bytes; allowed: at most "
                         f"{limit:,}")
    return archive.read(info)


def _storage_dtypes(refs) -> dict[str, type]:
    if not isinstance(refs, dict):
        raise CvlabError(f"Received: a checkpoint holding {type(refs).__name__}; "
                         "allowed: a state dict (a mapping of names to tensors)")
    bad = [k for k, v in refs.items() if not isinstance(v, _TensorRef)]
    if bad:
        raise CvlabError(f"Received: non-tensor entries {bad[:3]}; allowed: tensors only")
    return {t.storage.key: t.storage.dtype for t in refs.values()}


def _materialise(refs: dict, storages: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    out = {}
    for name, ref in refs.items():
        flat = storages[ref.storage.key]
        if flat.size != ref.storage.numel:
            raise CvlabError(f"Received: storage {ref.storage.key} with {flat.size} elements; "
                             f"allowed: the {ref.storage.numel} its tensors declare")
        last = ref.offset + sum((n - 1) * s for n, s in zip(ref.shape, ref.stride, strict=True))
        if ref.offset < 0 or min(ref.stride + ref.shape, default=0) < 0 or (
                0 not in ref.shape and last >= flat.size):
            raise CvlabError(f"Received: tensor {name} reaching past its storage; "
                             "allowed: views inside the storage")
        view = np.lib.stride_tricks.as_strided(
            flat[ref.offset:], shape=ref.shape,
            strides=tuple(s * flat.itemsize for s in ref.stride), writeable=False)
        out[name] = np.ascontiguousarray(view)
    return out


def _read_exactly(stream, n: int) -> bytes:
    data = stream.read(n)
    if len(data) != n:
        raise CvlabError(f"Received: a checkpoint truncated after {stream.tell()} bytes; "
                         "allowed: a complete file")
    return data
