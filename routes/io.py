"""Writing result files atomically, never overwriting without being asked."""

from __future__ import annotations

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

__all__ = ["atomic_path", "write_layer", "write_table", "write_zip"]


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


_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


def write_zip(members: Mapping[str, bytes], path: Path, *, overwrite: bool = False) -> Path:
    """Write a zip, atomically, whose bytes depend only on its members.

    Members are stored in name order with a fixed timestamp, so writing the
    same content twice gives the same file (and the same cache key).

    Returns
    -------
    pathlib.Path
        The written file.
    """
    path = Path(path)
    with atomic_path(path, overwrite=overwrite) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(members):
                info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, members[name])
        os.chmod(tmp, 0o644)
    return path
