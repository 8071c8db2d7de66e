"""On-disk cache of networks and travel times, keyed by a SHA-256 of all they depend on.

Each entry is a folder ``<kind>-<digest[:32]>/`` holding ``arrays.npz`` (read
with ``allow_pickle=False``) and ``meta.json``; nothing is pickled.

- **Keys** (:func:`hash_inputs`) cover the bytes and relative paths of the input
  files, the parameters, and the code: the package version and a SHA-256 of
  the package's own source files, so an edited or upgraded ``routes`` never
  reads what an older one wrote.
- **Entries are verified when read.** ``meta.json`` holds the SHA-256 of
  ``arrays.npz`` and of its own fields; an entry that is truncated, empty,
  altered or unparseable is discarded and rebuilt, with one
  :class:`~routes.errors.RoutesWarning`.
- **Writes are atomic.** An entry is written to a hidden temporary sibling
  folder and renamed into place, so a crash never leaves a half-written
  entry; when two runs build the same key at once, the first rename wins and
  the other run uses its own copy and drops it.
- **Warnings replay.** The :class:`~routes.errors.RoutesWarning` s given
  while a value was built are stored with it and given again when it is
  loaded, so a warm run warns as a cold one does.
"""

from __future__ import annotations

import datetime as dt
import errno
import functools
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from routes._cache_codec import dataclass_from_storage, dataclass_to_storage
from routes.errors import CacheError, RoutesWarning

__all__ = [
    "CacheEntryInfo",
    "NetworkCache",
    "code_digest",
    "default_cache_dir",
    "hash_inputs",
    "sha256_file",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")

_CHUNK = 1 << 20
FORMAT = 2
"""Layout of an entry; entries of another format are rebuilt."""
_ENTRY_NAME = re.compile(r"^([a-z0-9_]+)-([0-9a-f]{32})$")
_LEFTOVER_NAME = re.compile(r"^\.([a-z0-9_]+-[0-9a-f]{32}|trash)-")
_WRITE_FAILED: set[Path] = set()  # cache folders already warned about, once per process


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


@functools.cache
def code_digest() -> str:
    """SHA-256 of the package's version and of every ``.py`` file of ``routes``.

    Part of every cache key: a change to the code that builds a value (even
    without a new version number, as in a development checkout) is a new key.
    """
    from routes import __version__

    package = Path(__file__).resolve().parent
    digest = hashlib.sha256(f"community-routes {__version__}\n".encode())
    for path in sorted(package.rglob("*.py")):
        digest.update(f"\n{path.relative_to(package).as_posix()}\n".encode())
        _hash_file(path, digest)
    return digest.hexdigest()


def hash_inputs(paths: Iterable[Path], params: Mapping[str, Any]) -> str:
    """SHA-256 of input files (folders: every file in them), parameters and code.

    Parameters
    ----------
    paths
        Input files or folders, in a meaningful order. A file counts with its
        name and bytes, a folder with every file's path inside it and bytes.
    params
        JSON-serialisable parameters that change the built result.

    Returns
    -------
    str
        Hex digest.
    """
    digest = hashlib.sha256(f"code {code_digest()}\n".encode())
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file())
            names = [p.relative_to(path).as_posix() for p in files]
            digest.update(f"\nfolder {path.name}\n".encode())
        else:
            files, names = [path], [path.name]
        for file, name in zip(files, names, strict=True):
            digest.update(f"\n{name}\n{file.stat().st_size}\n".encode())
            _hash_file(file, digest)
    digest.update(json.dumps(params, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    """SHA-256 hex digest of one file's bytes."""
    digest = hashlib.sha256()
    _hash_file(path, digest)
    return digest.hexdigest()


def _fields_digest(meta: Mapping[str, Any]) -> str:
    """SHA-256 of every item of ``meta.json`` but the content hash itself."""
    body = {k: v for k, v in meta.items() if k != "sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class CacheEntryInfo:
    """One cache entry.

    Attributes
    ----------
    kind
        What is stored (``streets``, ``timetable``, ``links``, ``times``).
    digest
        The first 32 hex digits of its key.
    size_bytes
        Size on disk.
    created
        When it was written (UTC, ISO 8601); ``""`` if unknown.
    description
        What it was built from.
    problem
        Why the entry cannot be used (it is rebuilt when next needed, or
        removed by ``routes cache clear``); ``""`` for a sound entry. Only
        what is cheap to see is checked here: ``meta.json`` and the size of
        ``arrays.npz``; the content hash is checked when an entry is read.
    """

    kind: str
    digest: str
    size_bytes: int
    created: str
    description: str
    problem: str = ""


class _DamagedError(Exception):
    """An entry that exists but cannot be used (the message says why)."""


class NetworkCache:
    """A folder of built networks and travel times.

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
            Entry kind, part of the folder name (lower-case letters, digits, ``_``).
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

        Warns
        -----
        RoutesWarning
            When an entry is damaged (it is rebuilt), when the cache folder
            cannot be written (once per folder; the run goes on uncached), and
            again every warning ``build`` gave when the entry was written.
        """
        if not self.enabled:
            return build()
        folder = self.root / f"{kind}-{digest[:32]}"
        loaded = self._load(folder, kind, digest, cls)
        if loaded is not None:
            value, messages = loaded
            logger.info("%s: loaded from cache %s", kind, folder)
            for message in messages:
                warnings.warn(message, RoutesWarning, stacklevel=3)
            return value
        caught: list[warnings.WarningMessage] = []
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", RoutesWarning)  # others keep the caller's filters
                value = build()
        except BaseException:
            _give_again(caught)  # what was found before the failure is not lost
            raise
        messages = [str(w.message) for w in caught if issubclass(w.category, RoutesWarning)]
        self._store(folder, kind, digest, value, description, messages)
        _give_again(caught)
        return value

    # ------------------------------------------------------------------ reading

    def _load(self, folder: Path, kind: str, digest: str,
              cls: type[T]) -> tuple[T, list[str]] | None:
        """Return the entry's value and warnings; ``None`` on a miss or a damaged entry."""
        if not folder.is_dir():
            return None
        try:
            return self._read(folder, kind, digest, cls)
        except FileNotFoundError:
            if not folder.exists():  # removed meanwhile by another run or 'cache clear'
                return None
            reason = "a file of it is missing"
        except _DamagedError as exc:
            reason = str(exc)
        except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile,
                CacheError) as exc:
            reason = f"{type(exc).__name__}: {exc}"
        msg = f"cache entry {folder} was damaged ({reason}); it was discarded and is rebuilt"
        warnings.warn(msg, RoutesWarning, stacklevel=4)
        _discard(folder)
        return None

    def _read(self, folder: Path, kind: str, digest: str,
              cls: type[T]) -> tuple[T, list[str]]:
        meta = _read_meta(folder / "meta.json")
        if meta.get("format") != FORMAT or meta.get("kind") != kind:
            raise _DamagedError(f"format {meta.get('format')!r} of kind {meta.get('kind')!r}, "
                           f"expected format {FORMAT} of kind {kind!r}")
        if meta.get("key") != digest:
            raise _DamagedError("its key is another one")
        with (folder / "arrays.npz").open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size != meta.get("arrays_bytes"):
                raise _DamagedError(f"arrays.npz is {size:,} bytes, expected "
                               f"{meta.get('arrays_bytes')!r}")
            content = hashlib.sha256()
            while chunk := fh.read(_CHUNK):
                content.update(chunk)
            if meta.get("sha256") != [content.hexdigest(), _fields_digest(meta)]:
                raise _DamagedError("its content does not match the SHA-256 in meta.json")
            fh.seek(0)
            with np.load(fh, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
        value = dataclass_from_storage(cls, arrays, meta["fields"])
        return value, [str(m) for m in meta.get("warnings", [])]

    # ------------------------------------------------------------------ writing

    def _store(self, folder: Path, kind: str, digest: str, value: Any, description: str,
               messages: list[str]) -> None:
        try:
            self._write(folder, kind, digest, value, description, messages)
        except OSError as exc:
            if self.root not in _WRITE_FAILED:
                _WRITE_FAILED.add(self.root)
                msg = (
                    f"cannot write to the cache folder {self.root} ({exc.strerror or exc}); "
                    "the run goes on without caching; free space or set ROUTES_CACHE_DIR to "
                    "a writable folder"
                )
                warnings.warn(msg, RoutesWarning, stacklevel=4)

    def _write(self, folder: Path, kind: str, digest: str, value: Any, description: str,
               messages: list[str]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        arrays, fields = dataclass_to_storage(value)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=self.root))
        try:
            np.savez(tmp / "arrays.npz", **arrays)  # type: ignore[arg-type]
            meta: dict[str, Any] = {
                "format": FORMAT,
                "kind": kind,
                "key": digest,
                "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "description": description,
                "warnings": messages,
                "fields": fields,
                "arrays_bytes": (tmp / "arrays.npz").stat().st_size,
            }
            meta = json.loads(json.dumps(meta, default=str))  # as it will read back
            meta["sha256"] = [sha256_file(tmp / "arrays.npz"), _fields_digest(meta)]
            (tmp / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
            self._publish(tmp, folder, kind, digest)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)

    def _publish(self, tmp: Path, folder: Path, kind: str, digest: str) -> None:
        """Rename ``tmp`` to ``folder``; if another run got there first, keep its entry."""
        for _ in range(3):
            try:
                tmp.rename(folder)
                return
            except OSError as exc:
                if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST, errno.EISDIR):
                    raise
            try:  # the folder exists: another run wrote the same key meanwhile
                meta = _read_meta(folder / "meta.json")
                if meta.get("format") == FORMAT and meta.get("key") == digest:
                    return  # same key, same content: theirs is as good as ours
            except (OSError, ValueError, _DamagedError):
                pass
            _discard(folder)
        msg = f"cannot replace the cache entry {folder}; run 'routes cache clear' and try again"
        raise CacheError(msg)

    # ------------------------------------------------------------------ housekeeping

    def entries(self) -> list[CacheEntryInfo]:
        """List the cache entries, newest first; damaged ones say what is wrong.

        Raises
        ------
        CacheError
            If the cache folder cannot be listed (a file, or no permission).
        """
        out = []
        for folder in self._folders():
            match = _ENTRY_NAME.match(folder.name)
            if match is None:
                continue
            kind, digest = match.groups()
            size = _size_bytes(folder)
            created = description = problem = ""
            try:
                meta = _read_meta(folder / "meta.json")
                created = str(meta.get("created", ""))
                description = str(meta.get("description", ""))
                npz = folder / "arrays.npz"
                if meta.get("format") != FORMAT:
                    problem = f"written by an older version (format {meta.get('format')!r})"
                elif not npz.is_file():
                    problem = "arrays.npz is missing"
                elif npz.stat().st_size != meta.get("arrays_bytes"):
                    problem = (f"arrays.npz is {npz.stat().st_size:,} bytes, expected "
                               f"{meta.get('arrays_bytes')!r}")
            except FileNotFoundError:
                problem = "meta.json is missing"
            except (OSError, ValueError, _DamagedError) as exc:
                problem = str(exc)
            out.append(CacheEntryInfo(kind, digest, size, created, description, problem))
        return sorted(out, key=lambda e: e.created, reverse=True)

    def leftovers(self) -> list[Path]:
        """Temporary folders of interrupted writes (removed by :meth:`clear`)."""
        return [f for f in self._folders() if _LEFTOVER_NAME.match(f.name)]

    def clear(self) -> int:
        """Delete every entry, damaged ones included, and leftovers of interrupted writes.

        Only folders named as entries are touched, so other files in the folder
        (downloads, R5 inputs) stay.

        Returns
        -------
        int
            How many entries were deleted.

        Raises
        ------
        CacheError
            If the cache folder cannot be listed or an entry cannot be deleted.
        """
        removed = 0
        for folder in self._folders():
            entry = _ENTRY_NAME.match(folder.name) is not None
            if not entry and not _LEFTOVER_NAME.match(folder.name):
                continue
            try:
                shutil.rmtree(folder)
            except FileNotFoundError:
                continue
            except OSError as exc:
                msg = (f"cannot delete the cache entry {folder} ({exc.strerror or exc}); "
                       "check its permissions, or delete the folder by hand")
                raise CacheError(msg) from exc
            removed += entry
        return removed

    def _folders(self) -> list[Path]:
        if not self.root.exists():
            return []
        try:
            return sorted(p for p in self.root.iterdir() if p.is_dir())
        except OSError as exc:
            msg = (f"cannot read the cache folder {self.root} ({exc.strerror or exc}); set "
                   "ROUTES_CACHE_DIR to a folder you can read and write")
            raise CacheError(msg) from exc


def _give_again(caught: list[warnings.WarningMessage]) -> None:
    """Warn again what was recorded, so the caller's filters apply as if nothing recorded it."""
    for w in caught:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)


def _read_meta(path: Path) -> dict[str, Any]:
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise _DamagedError("meta.json is not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        msg = f"meta.json is not valid JSON ({exc.msg} at line {exc.lineno})"
        raise _DamagedError(msg) from exc
    if not isinstance(meta, dict):
        raise _DamagedError("meta.json does not hold an object")
    return meta


def _size_bytes(folder: Path) -> int:
    size = 0
    try:
        for p in folder.iterdir():
            size += p.stat().st_size if p.is_file() else 0
    except OSError:
        pass
    return size


def _discard(folder: Path) -> None:
    """Remove an entry: renamed aside first (atomic), so readers never see half of it."""
    trash = folder.with_name(f".trash-{folder.name}-{os.getpid()}-{os.urandom(4).hex()}")
    try:
        folder.rename(trash)
    except FileNotFoundError:
        return
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        return
    shutil.rmtree(trash, ignore_errors=True)
