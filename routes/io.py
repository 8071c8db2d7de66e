"""Writing files atomically, never overwriting without being asked; deterministic zips.

Every file the package writes goes through :func:`atomic_path` (a temporary
sibling renamed into place), and every zip through :func:`zip_bytes`.
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import pandas as pd

from routes._os_faults import file_system_error
from routes.errors import InputError, OutputExistsError, RoutesError

__all__ = [
    "ZIP_DATE_TIME",
    "atomic_path",
    "write_bytes",
    "write_layer",
    "write_table",
    "write_zip",
    "zip_bytes",
]


@contextmanager
def atomic_path(path: Path, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary sibling path that is renamed to ``path`` on success.

    Parameters
    ----------
    path
        The final file.
    overwrite
        Replace an existing file; otherwise refuse.

    Raises
    ------
    OutputExistsError
        If ``path`` exists and ``overwrite`` is false, or is a folder.
    routes._os_faults.FileSystemError
        If the disk refuses the write (full, read-only...), naming ``path``.
    """
    path = Path(path)
    if path.is_dir():
        msg = f"{path} is a folder; give a file name, e.g. {path / ('out' + path.suffix)}"
        raise OutputExistsError(msg)
    if path.exists() and not overwrite:
        msg = f"{path} exists; pass --force to overwrite it or choose another name"
        raise OutputExistsError(msg)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name[:100]}.", suffix=path.suffix,
                                        dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise file_system_error(OSError(exc.errno, exc.strerror), where=path) from exc
    tmp = Path(tmp_name)
    tmp.unlink()
    try:
        yield tmp
        os.replace(tmp, path)
    except RoutesError:
        raise
    except OSError as exc:  # name the file being written, not its temporary sibling
        raise file_system_error(OSError(exc.errno, exc.strerror), where=path) from exc
    finally:
        if tmp.exists():
            tmp.unlink()


def _writer_for(path: Path, writers: dict[str, Callable[[Path], None]]) -> Callable[[Path], None]:
    suffix = path.suffix.lower()
    if suffix not in writers:
        msg = f"{path.name}: cannot write {suffix!r} files; use one of {', '.join(writers)}"
        raise InputError(msg)
    return writers[suffix]


def write_table(table: pd.DataFrame, path: Path, *, overwrite: bool = False) -> Path:
    """Write a table as ``.csv`` or ``.parquet``, atomically.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    path = Path(path)
    writer = _writer_for(path, {
        ".csv": lambda p: table.to_csv(p, index=False),
        ".parquet": lambda p: table.to_parquet(p, index=False),
    })
    with atomic_path(path, overwrite=overwrite) as tmp:
        writer(tmp)
    return path


def write_layer(layer: gpd.GeoDataFrame, path: Path, *, overwrite: bool = False) -> Path:
    """Write a layer as ``.geojson`` or ``.gpkg`` (EPSG:4326), atomically.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    path = Path(path)
    layer = layer.to_crs("EPSG:4326")
    writer = _writer_for(path, {
        ".geojson": lambda p: layer.to_file(p, driver="GeoJSON"),
        ".gpkg": lambda p: layer.to_file(p, driver="GPKG", layer=path.stem),
    })
    with atomic_path(path, overwrite=overwrite) as tmp:
        writer(tmp)
    return path


ZIP_DATE_TIME = (2026, 1, 1, 0, 0, 0)
"""The timestamp of every zip member this package writes (any fixed date would do)."""


def zip_bytes(members: Mapping[str, bytes]) -> bytes:
    """Zip members into bytes that depend only on the members.

    Members are stored in name order, deflated at level 9, with a fixed
    timestamp (:data:`ZIP_DATE_TIME`), Unix permissions ``rw-r--r--`` and a
    fixed host system, so the same content gives the same bytes on every
    machine (the same cache key, and the committed demo feed stays the same).

    Examples
    --------
    >>> zip_bytes({"b.txt": b"2", "a.txt": b"1"}) == zip_bytes({"a.txt": b"1", "b.txt": b"2"})
    True
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.create_system = 3
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, members[name], compresslevel=9)
    return buffer.getvalue()


def write_bytes(data: bytes, path: Path, *, overwrite: bool = False) -> Path:
    """Write bytes to a file atomically (:func:`atomic_path`), readable by everyone (0644).

    Returns
    -------
    pathlib.Path
        The written file.
    """
    path = Path(path)
    with atomic_path(path, overwrite=overwrite) as tmp:
        tmp.write_bytes(data)
        os.chmod(tmp, 0o644)
    return path


def write_zip(members: Mapping[str, bytes], path: Path, *, overwrite: bool = False) -> Path:
    """Write a zip, atomically, whose bytes depend only on its members (:func:`zip_bytes`).

    Returns
    -------
    pathlib.Path
        The written file.
    """
    return write_bytes(zip_bytes(members), path, overwrite=overwrite)
