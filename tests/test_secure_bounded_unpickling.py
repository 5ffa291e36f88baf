"""Bounded unpickling: a crafted checkpoint cannot make the reader allocate without limit.

Promise 5 of issue 15. Every refusal is the project's own CvlabError, raised before the
large array would be allocated.
"""

from __future__ import annotations

import struct
import tracemalloc

import numpy as np
import pytest
from test_weights_torch_pickle import _Storage, _Tensor, _write_legacy, _write_zip

from cvlab.errors import CvlabError
from cvlab.weights import torch_pickle
from cvlab.weights.torch_pickle import load_state_dict

WRITERS = [_write_legacy, _write_zip]


def _refused(path, words: str) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(CvlabError, match=words):
            load_state_dict(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 * 1024**2  # refused before anything large was allocated


@pytest.mark.parametrize("writer", WRITERS)
def test_zero_strides_cannot_turn_one_number_into_gigabytes(tmp_path, writer):
    storage = _Storage("0", np.ones(1, np.float32))
    writer(tmp_path / "w.pth", {"w": _Tensor(storage, 0, (100_000, 100_000), (0, 0))},
           [storage])
    _refused(tmp_path / "w.pth", "tensor of 10,000,000,000 elements")


@pytest.mark.parametrize("writer", WRITERS)
def test_a_view_larger_than_its_storage_is_refused(tmp_path, writer):
    storage = _Storage("0", np.ones(4, np.float32))
    writer(tmp_path / "w.pth", {"w": _Tensor(storage, 0, (1000,), (0,))}, [storage])
    _refused(tmp_path / "w.pth", "over a storage of 4; allowed: at most 1×")


def test_a_legacy_storage_cannot_declare_more_than_the_file_holds(tmp_path):
    storage = _Storage("0", np.ones(4, np.float32))
    path = tmp_path / "w.pth"
    _write_legacy(path, {"w": _Tensor(storage, 0, (4,), (1,))}, [storage])
    data = path.read_bytes()
    header = struct.pack("<q", 4) + np.ones(4, np.float32).tobytes()
    huge = struct.pack("<q", 10**15) + np.ones(4, np.float32).tobytes()
    path.write_bytes(data.replace(header, huge))
    _refused(path, "declares 1,000,000,000,000,000 elements, more than the file holds")


def test_a_zip_storage_over_the_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(torch_pickle, "MAX_STORAGE_BYTES", 1024)
    storage = _Storage("0", np.ones(1000, np.float32))
    _write_zip(tmp_path / "w.pth", {"w": _Tensor(storage, 0, (1000,), (1,))}, [storage])
    _refused(tmp_path / "w.pth", "of 4,000 bytes|storage of 1,000 elements")


@pytest.mark.parametrize("shape, stride, words", [
    ((1,) * 9, (1,) * 9, "9 dimensions"),  # our own: absurd rank
    ((2, 2), (1,), "one stride each"),  # our own: strides that do not match the shape
])
def test_malformed_tensor_records_are_refused(tmp_path, shape, stride, words):
    storage = _Storage("0", np.ones(4, np.float32))
    _write_legacy(tmp_path / "w.pth", {"w": _Tensor(storage, 0, shape, stride)}, [storage])
    _refused(tmp_path / "w.pth", words)
