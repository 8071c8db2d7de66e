"""Dataclasses of numpy arrays to and from ``.npz`` arrays plus JSON metadata (no pickles).

The private half of :mod:`routes.cache`: how one value is split into arrays and
JSON-serialisable fields, and put back together.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

import numpy as np

from routes.errors import CacheError

T = TypeVar("T")


def _to_storable(
    name: str, value: Any, arrays: dict[str, np.ndarray], meta: dict[str, Any]
) -> None:
    if isinstance(value, np.ndarray):
        arrays[name] = value.astype(str) if value.dtype == object else value
        meta.setdefault("_object_arrays", [])
        if value.dtype == object:
            meta["_object_arrays"].append(name)
    elif isinstance(value, dt.date):
        meta[name] = {"date": value.isoformat()}
    elif dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            _to_storable(f"{name}.{f.name}", getattr(value, f.name), arrays, meta)
    elif isinstance(value, tuple) and value and all(dataclasses.is_dataclass(v) for v in value):
        meta[name] = {"dataclasses": len(value)}
        for i, item in enumerate(value):
            _to_storable(f"{name}.{i}", item, arrays, meta)
    elif isinstance(value, tuple):
        meta[name] = {"tuple": list(value)}
    else:
        meta[name] = value


def dataclass_to_storage(obj: Any) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Split a (nested) dataclass of arrays into npz arrays and JSON metadata."""
    arrays: dict[str, np.ndarray] = {}
    meta: dict[str, Any] = {"_object_arrays": []}
    for f in dataclasses.fields(obj):
        _to_storable(f.name, getattr(obj, f.name), arrays, meta)
    return arrays, meta


def _from_storable(
    cls: Any, prefix: str, arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any]
) -> Any:
    types = typing.get_type_hints(cls)
    objects = set(meta.get("_object_arrays", []))
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        key = f"{prefix}{f.name}"
        if key in arrays:
            value = arrays[key]
            kwargs[f.name] = value.astype(object) if key in objects else value
        elif key in meta:
            raw = meta[key]
            if isinstance(raw, dict) and "date" in raw:
                kwargs[f.name] = dt.date.fromisoformat(raw["date"])
            elif isinstance(raw, dict) and "tuple" in raw:
                kwargs[f.name] = tuple(raw["tuple"])
            elif isinstance(raw, dict) and "dataclasses" in raw:
                item_cls = typing.get_args(types[f.name])[0]
                kwargs[f.name] = tuple(
                    _from_storable(item_cls, f"{key}.{i}.", arrays, meta)
                    for i in range(raw["dataclasses"])
                )
            else:
                kwargs[f.name] = raw
        elif dataclasses.is_dataclass(types[f.name]):
            kwargs[f.name] = _from_storable(types[f.name], f"{key}.", arrays, meta)
        else:
            msg = f"cache entry lacks {key!r}; run 'routes cache clear' and try again"
            raise CacheError(msg)
    return cls(**kwargs)


def dataclass_from_storage(
    cls: type[T], arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any]
) -> T:
    """Rebuild a dataclass written by :func:`dataclass_to_storage`."""
    result: T = _from_storable(cls, "", arrays, meta)
    return result


