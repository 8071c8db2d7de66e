"""On-disk cache of built networks, keyed by a SHA-256 of inputs, parameters and version.

Each entry is a folder ``<kind>-<digest>/`` holding ``arrays.npz`` (read with
``allow_pickle=False``) and ``meta.json``; nothing is pickled. Entries are
written to a temporary sibling folder and renamed into place, so a crash never
leaves a half-written entry.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import tempfile
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from routes.errors import CacheError

__all__ = ["CacheEntryInfo", "NetworkCache", "default_cache_dir", "hash_inputs"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

_CHUNK = 1 << 20


def default_cache_dir() -> Path:
    """Return the cache folder: ``$ROUTES_CACHE_DIR``, else ``$XDG_CACHE_HOME/community-routes``."""
    if env := os.environ.get("ROUTES_CACHE_DIR"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "community-routes"


def _hash_file(path: Path, digest: Any) -> None:
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)


def hash_inputs(paths: Iterable[Path], params: Mapping[str, Any]) -> str:
    """SHA-256 of the bytes of input files (folders: every file in them), parameters and version.

    Parameters
    ----------
    paths
        Input files or folders, in a meaningful order.
    params
        JSON-serialisable parameters that change the built result.

    Returns
    -------
    str
        Hex digest.
    """
    from routes import __version__

    digest = hashlib.sha256()
    digest.update(f"community-routes {__version__}\n".encode())
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(f"\n{file.name}\n".encode())
            _hash_file(file, digest)
    digest.update(json.dumps(params, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    """SHA-256 hex digest of one file's bytes."""
    digest = hashlib.sha256()
    _hash_file(path, digest)
    return digest.hexdigest()


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


@dataclass(frozen=True, slots=True)
class CacheEntryInfo:
    """One cache entry.

    Attributes
    ----------
    kind
        What is stored (``streets``, ``timetable``, ``transit``).
    digest
        The SHA-256 key.
    size_bytes
        Size on disk.
    created
        When it was written (UTC).
    description
        What it was built from.
    """

    kind: str
    digest: str
    size_bytes: int
    created: str
    description: str


class NetworkCache:
    """A folder of built networks.

    Parameters
    ----------
    root
        The cache folder (created on first write); ``None`` for the default.
    enabled
        When false, nothing is read or written.
    """

    def __init__(self, root: Path | None = None, *, enabled: bool = True) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()
        self.enabled = enabled

    def get_or_build(
        self, kind: str, digest: str, cls: type[T], build: Callable[[], T], description: str
    ) -> T:
        """Load an entry, or build it and store it.

        Parameters
        ----------
        kind
            Entry kind, part of the folder name.
        digest
            Key from :func:`hash_inputs`.
        cls
            The dataclass stored.
        build
            Builds the value on a miss.
        description
            Human-readable origin, kept in ``meta.json``.

        Returns
        -------
        object
            The loaded or built value.
        """
        if not self.enabled:
            return build()
        folder = self.root / f"{kind}-{digest[:32]}"
        if folder.is_dir():
            try:
                value = self._read(folder, cls)
            except (OSError, ValueError, KeyError, CacheError) as exc:
                logger.warning("cache entry %s is unreadable (%s); rebuilding", folder, exc)
            else:
                logger.info("%s: loaded from cache %s", kind, folder)
                return value
        value = build()
        self._write(folder, value, description)
        return value

    def _read(self, folder: Path, cls: type[T]) -> T:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        with np.load(folder / "arrays.npz", allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        return dataclass_from_storage(cls, arrays, meta["fields"])

    def _write(self, folder: Path, value: Any, description: str) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        arrays, fields = dataclass_to_storage(value)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=self.root))
        try:
            np.savez(tmp / "arrays.npz", **arrays)  # type: ignore[arg-type]
            meta = {
                "kind": folder.name.split("-")[0],
                "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "description": description,
                "fields": fields,
            }
            (tmp / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
            if folder.exists():
                shutil.rmtree(folder)
            tmp.rename(folder)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def entries(self) -> list[CacheEntryInfo]:
        """List the cache entries, newest first."""
        if not self.root.is_dir():
            return []
        out = []
        for folder in self.root.iterdir():
            meta_path = folder / "meta.json"
            if folder.name.startswith(".") or not meta_path.is_file():
                continue
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
            kind, _, digest = folder.name.partition("-")
            out.append(CacheEntryInfo(kind, digest, size, meta.get("created", ""),
                                      meta.get("description", "")))
        return sorted(out, key=lambda e: e.created, reverse=True)

    def clear(self) -> int:
        """Delete every entry; return how many were deleted."""
        entries = self.entries()
        for entry in entries:
            shutil.rmtree(self.root / f"{entry.kind}-{entry.digest}", ignore_errors=True)
        for leftover in self.root.glob(".*-*") if self.root.is_dir() else []:
            shutil.rmtree(leftover, ignore_errors=True)
        return len(entries)

