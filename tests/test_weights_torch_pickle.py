"""The restricted torch-checkpoint reader: real file, both container formats, refusals."""

import collections
import io
import os
import pickle
import struct
import sys
import types
import zipfile
from unittest import mock

import numpy as np
import pytest

from cvlab.errors import CvlabError
from cvlab.weights import sources
from cvlab.weights.torch_pickle import LEGACY_MAGIC, load_state_dict


class _Storage:
    def __init__(self, key, array):
        self.key, self.array = key, array


def _fake_torch():
    """Modules named like torch's, so that pickle writes torch's global names."""
    torch, utils = types.ModuleType("torch"), types.ModuleType("torch._utils")

    class FloatStorage:
        pass

    FloatStorage.__module__, FloatStorage.__qualname__ = "torch", "FloatStorage"

    def _rebuild_tensor_v2(*args):
        raise AssertionError("only pickled, never called")

    _rebuild_tensor_v2.__module__ = "torch._utils"
    _rebuild_tensor_v2.__qualname__ = "_rebuild_tensor_v2"
    torch.FloatStorage, torch._utils, utils._rebuild_tensor_v2 = FloatStorage, utils, \
        _rebuild_tensor_v2
    return {"torch": torch, "torch._utils": utils}


class _Tensor:
    def __init__(self, storage, offset, shape, stride):
        self.args = (storage, offset, shape, stride, False, collections.OrderedDict())

    def __reduce__(self):
        return sys.modules["torch._utils"]._rebuild_tensor_v2, self.args


def _pickle_state(state, legacy: bool) -> bytes:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=2)
    tail = (None,) if legacy else ()
    pickler.persistent_id = lambda obj: (
        ("storage", sys.modules["torch"].FloatStorage, obj.key, "cpu", obj.array.size) + tail
        if isinstance(obj, _Storage) else None)
    pickler.dump(state)
    return buffer.getvalue()


def _example():
    """A 2×3 tensor, its transpose as a strided view of the same storage, and a slice."""
    flat = np.arange(10, dtype=np.float32) / 4
    storage = _Storage("7", flat)
    state = collections.OrderedDict(
        a=_Tensor(storage, 0, (2, 3), (3, 1)),
        a_t=_Tensor(storage, 0, (3, 2), (1, 3)),
        tail=_Tensor(storage, 6, (4,), (1,)))
    expected = {"a": flat[:6].reshape(2, 3), "a_t": flat[:6].reshape(2, 3).T, "tail": flat[6:]}
    return state, storage, expected


def _write_legacy(path, state, storages, main_pickle=None):
    with mock.patch.dict(sys.modules, _fake_torch()):
        main_pickle = main_pickle or _pickle_state(state, legacy=True)
    with open(path, "wb") as out:
        for obj in (LEGACY_MAGIC, 1001, {"protocol_version": 1001, "little_endian": True}):
            pickle.dump(obj, out, protocol=2)
        out.write(main_pickle)
        pickle.dump([s.key for s in storages], out, protocol=2)
        for s in storages:
            out.write(struct.pack("<q", s.array.size) + s.array.tobytes())


def _write_zip(path, state, storages, main_pickle=None):
    with mock.patch.dict(sys.modules, _fake_torch()):
        main_pickle = main_pickle or _pickle_state(state, legacy=False)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", main_pickle)
        archive.writestr("archive/byteorder", "little")
        for s in storages:
            archive.writestr(f"archive/data/{s.key}", s.array.tobytes())


class _Evil:
    def __reduce__(self):
        return os.system, ("touch pwned",)


def test_bundled_checkpoint_is_legacy_format_with_every_tensor():
    path = sources.bundled_source().path
    assert not zipfile.is_zipfile(path)
    state = load_state_dict(path)
    assert len(state) == 314
    assert state["features.0.0.weight"].shape == (32, 3, 3, 3)
    assert state["features.1.conv.0.0.weight"].shape == (32, 1, 3, 3)
    assert state["classifier.1.weight"].shape == (1000, 1280)
    assert state["features.0.1.num_batches_tracked"].dtype == np.int64
    assert all(np.isfinite(v).all() for v in state.values())


@pytest.mark.parametrize("writer", [_write_legacy, _write_zip])
def test_both_formats_read_views_and_offsets(tmp_path, writer):
    state, storage, expected = _example()
    writer(tmp_path / "w.pth", state, [storage])
    loaded = load_state_dict(tmp_path / "w.pth")
    assert list(loaded) == ["a", "a_t", "tail"]
    for name, array in expected.items():
        np.testing.assert_array_equal(loaded[name], array)
        assert loaded[name].flags.c_contiguous


@pytest.mark.parametrize("writer", [_write_legacy, _write_zip])
def test_malicious_reduce_is_refused_before_running(tmp_path, monkeypatch, writer):
    monkeypatch.chdir(tmp_path)
    evil = pickle.dumps(collections.OrderedDict(x=_Evil()), protocol=2)
    writer(tmp_path / "evil.pth", None, [], main_pickle=evil)
    with pytest.raises(CvlabError, match=r"calls posix\.system.*refusing"):
        load_state_dict(tmp_path / "evil.pth")
    assert not (tmp_path / "pwned").exists()


def test_builtins_eval_is_refused(tmp_path):
    payload = b"\x80\x02cbuiltins\neval\nX\x06\x00\x00\x001+1==2\x85R."
    assert pickle.loads(payload) is True  # a live payload: the plain unpickler runs it
    _write_legacy(tmp_path / "e.pth", None, [], main_pickle=payload)
    with pytest.raises(CvlabError, match=r"builtins\.eval"):
        load_state_dict(tmp_path / "e.pth")


def test_bad_persistent_id_and_truncation_are_refused(tmp_path):
    _write_legacy(tmp_path / "p.pth", None, [], main_pickle=b"\x80\x02X\x03\x00\x00\x00abcQ.")
    with pytest.raises(CvlabError, match="persistent id"):
        load_state_dict(tmp_path / "p.pth")
    state, storage, _ = _example()
    _write_legacy(tmp_path / "t.pth", state, [storage])
    data = (tmp_path / "t.pth").read_bytes()
    (tmp_path / "t.pth").write_bytes(data[:-5])
    with pytest.raises(CvlabError, match="truncated"):
        load_state_dict(tmp_path / "t.pth")


def test_stub_objects_cannot_be_rewritten_by_build(tmp_path):
    # GLOBAL torch.FloatStorage, then BUILD {'dtype': 'O'}: try to retarget the stub's dtype.
    payload = (b"\x80\x02ctorch\nFloatStorage\n}"
               b"X\x05\x00\x00\x00dtypeX\x01\x00\x00\x00Osb.")
    _write_legacy(tmp_path / "b.pth", None, [], main_pickle=payload)
    with pytest.raises(CvlabError, match="corrupt checkpoint pickle"):
        load_state_dict(tmp_path / "b.pth")


def test_a_plain_pickle_is_not_a_checkpoint(tmp_path):
    (tmp_path / "x.pth").write_bytes(pickle.dumps([1, 2, 3]))
    with pytest.raises(CvlabError, match="neither a zip nor a legacy"):
        load_state_dict(tmp_path / "x.pth")
