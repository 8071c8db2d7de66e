"""Writing files atomically, never overwriting without being asked; deterministic zips.

Every file the package writes goes through :func:`atomic_path` (a temporary
sibling renamed into place), and every zip through :func:`zip_bytes`.
"""

from __future__ import annotations

import dataclasses
import errno
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from routes._os_faults import FileSystemError, file_system_error
from routes.errors import InputError, OutputExistsError, RoutesError

if TYPE_CHECKING:  # geopandas (~20 MB) only where layers are written, not on the matrix path
    import geopandas as gpd

__all__ = [
    "ZIP_DATE_TIME",
    "atomic_path",
    "refuse_existing",
    "write_bytes",
    "write_gpkg",
    "write_json",
    "write_layer",
    "write_table",
    "write_table_chunks",
    "write_zip",
    "zip_bytes",
]


def refuse_existing(path: Path, *, overwrite: bool, option: str | None = None) -> None:
    """Refuse to write the file ``path`` over a folder, or over a file unless ``overwrite``.

    ``option`` names the command-line option that gave the path (``"--out"``),
    so the message can say which one to change.

    Raises
    ------
    OutputExistsError
        If ``path`` is a folder, or exists and ``overwrite`` is false.
    """
    give = f"give {option} a file name" if option else "give a file name"
    if path.is_dir():
        msg = f"{path} is a folder; {give}, e.g. {path / ('out' + path.suffix)}"
        raise OutputExistsError(msg)
    if path.exists() and not overwrite:
        msg = (f"{path} exists; pass --force to replace it or choose another {option}"
               if option else
               f"{path} exists; pass --force to overwrite it or choose another name")
        raise OutputExistsError(msg)


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
    refuse_existing(path, overwrite=overwrite)
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


def write_table_chunks(chunks: Iterable[pd.DataFrame], path: Path, *,
                       overwrite: bool = False) -> int:
    """Write a table given in pieces as ``.csv`` or ``.parquet``, atomically.

    The file is the one :func:`write_table` writes for the pieces concatenated
    (the same CSV bytes; the same Parquet schema and values, in one row group
    per piece), but only one piece is in memory at a time.

    Parameters
    ----------
    chunks
        DataFrames with the same columns and dtypes, in row order. Empty ones
        are skipped, except that the first is written when all are empty (its
        header, or its schema).
    path
        The file to write.
    overwrite
        Replace an existing file; otherwise refuse.

    Returns
    -------
    int
        The number of rows written.
    """
    import pyarrow as pa

    path = Path(path)
    rows: list[int] = []
    writer = _writer_for(path, {
        ".csv": lambda p: rows.append(_csv_pieces(p, _non_empty(chunks))),
        ".parquet": lambda p: rows.append(_parquet_pieces(p, _non_empty(chunks))),
    })
    # pandas' str columns and Arrow's conversions allocate from pyarrow's default
    # pool (mimalloc), which keeps what the previous pieces freed; the system
    # allocator gives it back: writing 1.4 M rows in pieces of 32 K peaked ~14 MB
    # lower (CSV and Parquet). Arrays remember their pool, so switching back is safe.
    # (The Parquet writer's own buffers stay in Arrow's process-wide pool, which
    # ARROW_DEFAULT_MEMORY_POOL chooses: ``routes matrix`` sets it to "system".)
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        with atomic_path(path, overwrite=overwrite) as tmp:
            writer(tmp)
    finally:
        pa.set_memory_pool(previous)
    return rows[0]


def _non_empty(chunks: Iterable[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """Yield the non-empty chunks, or only the first chunk if every one is empty."""
    first = None
    yielded = False
    for chunk in chunks:
        if first is None:
            first = chunk
        if len(chunk):
            yielded = True
            yield chunk
    if not yielded and first is not None:
        yield first


def _csv_pieces(path: Path, chunks: Iterable[pd.DataFrame]) -> int:
    rows = 0
    header = True
    # newline="" as pandas opens a path itself: its line terminator is written as is.
    with path.open("w", encoding="utf-8", newline="") as out:
        for chunk in chunks:
            chunk.to_csv(out, index=False, header=header)
            header = False
            rows += len(chunk)
    return rows


def _parquet_pieces(path: Path, chunks: Iterable[pd.DataFrame]) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = 0
    writer = None
    try:
        for chunk in chunks:
            # What DataFrame.to_parquet(index=False) does with its pyarrow engine.
            table = pa.Table.from_pandas(chunk, preserve_index=False,
                                         schema=None if writer is None else writer.schema)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema, compression="snappy")
            writer.write_table(table)
            rows += len(chunk)
    finally:
        if writer is not None:
            writer.close()
    return rows


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
        # The layer name is the file's, not the temporary file's (GeoJSON "name").
        ".geojson": lambda p: layer.to_file(p, driver="GeoJSON", layer=path.stem),
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


def write_json(data: Any, path: Path) -> Path:
    """Write JSON with sorted keys and a final newline (stable bytes for equal data)."""
    if dataclasses.is_dataclass(data) and not isinstance(data, type):
        data = dataclasses.asdict(data)
    path.write_text(json.dumps(data, indent=2, sort_keys=True, allow_nan=False) + "\n",
                    encoding="utf-8")
    return path


def write_gpkg(layer: gpd.GeoDataFrame, path: Path, *, layer_name: str) -> Path:
    """Write a GeoPackage, turning GDAL's write failures (a full disk...) into one-line errors.

    Raises
    ------
    OSError
        ``ENOSPC`` when the disk is full (as any other write would).
    routes._os_faults.FileSystemError
        If GDAL cannot write the file for another reason.
    """
    import pyogrio.errors

    try:
        layer.to_file(path, driver="GPKG", layer=layer_name)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        text = str(exc)
        if "full" in text or "No space" in text or _disk_is_full(Path(path).parent):
            # as any other write would fail; run_folder names the file and what to do
            raise OSError(errno.ENOSPC, "No space left on device", str(path)) from exc
        msg = f"cannot write {path}: {text}; check the disk and the folder, then run again"
        raise FileSystemError(msg) from exc
    return path


def _disk_is_full(folder: Path, probe_bytes: int = 256 * 1024) -> bool:
    """Whether ``probe_bytes`` more cannot be written in ``folder`` (after a failed GDAL write).

    GDAL reports a full disk in SQLite's words, sometimes only as a later
    failure ("no such table"), so the disk itself is asked.
    """
    import tempfile

    try:
        with tempfile.TemporaryFile(dir=folder) as probe:
            probe.write(b"\0" * probe_bytes)
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as exc:
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    return False
