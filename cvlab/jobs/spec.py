"""A job's spec as data: a frozen dataclass written to ``job.json`` as plain JSON and read
back with every field's type checked against the dataclass, so a record is data, never a
command. ``decode(cls, encode(spec)) == spec`` for every spec.

Types understood: ``int``, ``float`` (an int is accepted), ``str``, ``bool``, ``dict``,
``X | None`` and ``tuple[X, ...]`` of those (JSON lists), ``int | str`` unions.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from functools import cache

from cvlab.errors import CvlabError


def encode(spec) -> dict:
    """The spec's fields as JSON-ready values (tuples become lists)."""
    return {f.name: _plain(getattr(spec, f.name)) for f in dataclasses.fields(spec)}


def decode(cls: type, data: object):
    """``cls`` built from ``data``; :class:`CvlabError` naming the first field that is
    missing, unknown or of the wrong type. Fields left out take their defaults."""
    if not isinstance(data, dict):
        raise CvlabError(f"Received: a {cls.__name__} spec of type {type(data).__name__}; "
                         "allowed: a JSON object")
    hints = _hints(cls)
    unknown = sorted(set(data) - set(hints))
    if unknown:
        raise CvlabError(f"Received: {cls.__name__} field {unknown[0]!r}; allowed: "
                         f"{', '.join(hints)}")
    values = {}
    for name, value in data.items():
        ok, converted = _convert(value, hints[name])
        if not ok:
            raise CvlabError(f"Received: {cls.__name__}.{name} = {value!r}; allowed: a value "
                             f"of type {_type_text(hints[name])}")
        values[name] = converted
    try:
        return cls(**values)
    except TypeError as exc:
        raise CvlabError(f"Received: an incomplete {cls.__name__} spec ({exc}); allowed: "
                         "every required field") from None


@cache
def _hints(cls: type) -> dict[str, object]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def _convert(value, hint) -> tuple[bool, object]:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        for option in args:
            ok, converted = _convert(value, option)
            if ok:
                return True, converted
        return False, None
    if origin is tuple:
        if not isinstance(value, list | tuple):
            return False, None
        items = [_convert(v, args[0]) for v in value]
        return all(ok for ok, _ in items), tuple(v for _, v in items)
    if hint is type(None):
        return value is None, None
    if hint is bool:
        return isinstance(value, bool), value
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool), value
    if hint is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return ok, float(value) if ok else None
    if hint is str:
        return isinstance(value, str), value
    if hint is dict or origin is dict:
        return isinstance(value, dict), value
    return False, None


def _type_text(hint) -> str:
    return str(hint).replace("typing.", "").replace("NoneType", "None")


def _plain(value):
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value
