"""Class names inside a ``.tflite`` file, stored the way TFLite Metadata stores them.

A TFLite file may carry a ``TFLITE_METADATA`` entry: a ``ModelMetadata`` flatbuffer
(file identifier ``M001``, schema ``metadata_schema.fbs`` of tflite-support) whose
output tensor names an associated file of type ``TENSOR_AXIS_LABELS``. The associated
files themselves are a zip archive appended to the model. The TFLite interpreter
ignores both; metadata-aware tools (the TFLite Task Library, MediaPipe, Android
Studio's model binding, ``zipfile``) find the class names there.

Only the fields used here are written: model name and description, one subgraph with
an ``image`` input and a ``probability`` output whose labels file is ``labels.txt``.
The flatbuffers are built with the ``flatbuffers`` package TensorFlow depends on, and
the model is re-serialised with TensorFlow's own ``flatbuffer_utils``.
"""

from __future__ import annotations

import importlib
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path

import flatbuffers
import numpy as np
from flatbuffers.table import Table

from cvlab import lazy_tf
from cvlab.errors import CvlabError

METADATA_NAME = "TFLITE_METADATA"
LABELS_FILE = "labels.txt"
MIN_PARSER_VERSION = "1.0.0"  # every field written here exists since schema 1.0.0
_IDENTIFIER = b"M001"
_TENSOR_AXIS_LABELS = 2  # AssociatedFileType

# Field slots, in declaration order of metadata_schema.fbs.
_FILE = {"name": 0, "description": 1, "type": 2}
_TENSOR = {"name": 0, "description": 1, "associated_files": 6}
_SUBGRAPH = {"input_tensor_metadata": 2, "output_tensor_metadata": 3}
_MODEL = {"name": 0, "description": 1, "subgraph_metadata": 3, "min_parser_version": 7}


def labels_text(class_names: Sequence[str]) -> str:
    """``labels.txt``: one class name per line, in the model's output order."""
    return "".join(f"{name}\n" for name in class_names)


def with_labels(flat: bytes, class_names: Sequence[str], model_name: str) -> bytes:
    """``flat`` (a converted TFLite model) with its class names as TFLite Metadata."""
    utils = _utils()
    model = utils.read_model_from_bytearray(bytearray(flat))
    buffer = utils.schema_fb.BufferT()
    buffer.data = np.frombuffer(_metadata(class_names, model_name), np.uint8)
    model.buffers.append(buffer)
    entry = utils.schema_fb.MetadataT()
    entry.name, entry.buffer = METADATA_NAME, len(model.buffers) - 1
    kept = [m for m in model.metadata or [] if _name(m.name) != METADATA_NAME]
    model.metadata = [*kept, entry]
    out = io.BytesIO(utils.convert_object_to_bytearray(model))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_STORED) as archive:  # appended after the model
        archive.writestr(LABELS_FILE, labels_text(class_names))
    return out.getvalue()


def read_labels(path: str | Path) -> list[str]:
    """The class names a ``.tflite`` file carries (see the module docstring)."""
    data = Path(path).read_bytes()
    metadata = _metadata_bytes(data)
    if metadata is None:
        raise CvlabError(f"Received: {path} without {METADATA_NAME}; allowed: a TFLite file "
                         "exported by cvlab (or another with TFLite Metadata).")
    root = _root(metadata)
    subgraph = _tables(root, _MODEL["subgraph_metadata"])[0]
    output = _tables(subgraph, _SUBGRAPH["output_tensor_metadata"])[0]
    files = [f for f in _tables(output, _TENSOR["associated_files"])
             if _int8(f, _FILE["type"]) == _TENSOR_AXIS_LABELS]
    if not files:
        raise CvlabError(f"Received: {path} whose output names no labels file; allowed: a "
                         "TFLite file whose metadata has TENSOR_AXIS_LABELS.")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        text = archive.read(_string(files[0], _FILE["name"])).decode("utf-8")
    return text.splitlines()


def _metadata(class_names: Sequence[str], model_name: str) -> bytes:
    """A ``ModelMetadata`` flatbuffer naming ``labels.txt`` as the output's labels."""
    b = flatbuffers.Builder(512)

    def table(fields: dict[int, int], int8: dict[int, int] | None = None) -> int:
        b.StartObject(8)
        for slot, offset in fields.items():
            b.PrependUOffsetTRelativeSlot(slot, offset, 0)
        for slot, value in (int8 or {}).items():
            b.PrependInt8Slot(slot, value, 0)
        return b.EndObject()

    def vector(offsets: list[int]) -> int:
        b.StartVector(4, len(offsets), 4)
        for offset in reversed(offsets):
            b.PrependUOffsetTRelative(offset)
        return b.EndVector()

    text = {key: b.CreateString(value) for key, value in {
        "file": LABELS_FILE,
        "file_desc": f"The {len(class_names)} class names, one per line, in output order.",
        "in": "image", "in_desc": "RGB pixels in 0..255 (float32, height × width × 3); "
                                  "the model scales them itself.",
        "out": "probability", "out_desc": "Probability of each class; labels.txt names them.",
        "name": model_name, "desc": "Image classifier exported by cvlab.",
        "version": MIN_PARSER_VERSION}.items()}
    labels = table({_FILE["name"]: text["file"], _FILE["description"]: text["file_desc"]},
                   {_FILE["type"]: _TENSOR_AXIS_LABELS})
    files = vector([labels])
    image = table({_TENSOR["name"]: text["in"], _TENSOR["description"]: text["in_desc"]})
    scores = table({_TENSOR["name"]: text["out"], _TENSOR["description"]: text["out_desc"],
                    _TENSOR["associated_files"]: files})
    inputs, outputs = vector([image]), vector([scores])
    subgraph = table({_SUBGRAPH["input_tensor_metadata"]: inputs,
                      _SUBGRAPH["output_tensor_metadata"]: outputs})
    subgraphs = vector([subgraph])
    root = table({_MODEL["name"]: text["name"], _MODEL["description"]: text["desc"],
                  _MODEL["subgraph_metadata"]: subgraphs,
                  _MODEL["min_parser_version"]: text["version"]})
    b.Finish(root, file_identifier=_IDENTIFIER)
    return bytes(b.Output())


def _utils():
    """TensorFlow's TFLite flatbuffer helpers (TensorFlow imported quietly first)."""
    lazy_tf.tf()
    return importlib.import_module("tensorflow.lite.tools.flatbuffer_utils")


def _metadata_bytes(data: bytes) -> bytes | None:
    utils = _utils()
    model = utils.schema_fb.Model.GetRootAs(data, 0)
    for i in range(model.MetadataLength()):
        entry = model.Metadata(i)
        if _name(entry.Name()) == METADATA_NAME:
            return model.Buffers(entry.Buffer()).DataAsNumpy().tobytes()
    return None


def _name(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _root(buf: bytes) -> Table:
    if buf[4:8] != _IDENTIFIER:
        raise CvlabError(f"Received: metadata with identifier {buf[4:8]!r}; allowed: "
                         f"{_IDENTIFIER!r} (TFLite Metadata).")
    return Table(bytearray(buf), flatbuffers.encode.Get(flatbuffers.packer.uoffset, buf, 0))


def _slot(t: Table, slot: int) -> int:
    return t.Offset(4 + 2 * slot)


def _string(t: Table, slot: int) -> str:
    o = _slot(t, slot)
    return t.String(o + t.Pos).decode("utf-8") if o else ""


def _int8(t: Table, slot: int) -> int:
    o = _slot(t, slot)
    return t.Get(flatbuffers.number_types.Int8Flags, o + t.Pos) if o else 0


def _tables(t: Table, slot: int) -> list[Table]:
    o = _slot(t, slot)
    if not o:
        return []
    start = t.Vector(o)
    return [Table(t.Bytes, t.Indirect(start + 4 * i)) for i in range(t.VectorLen(o))]
