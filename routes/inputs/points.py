"""Points and zones files: GeoJSON, GeoPackage, or CSV with ``id``, ``lon``, ``lat``.

Every layer is checked on load: the ID column exists and is unique, a CRS is
declared (never guessed), geometries are present. Layers are returned in
EPSG:4326 with string IDs.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from routes.errors import InputError, join_problems

__all__ = ["Points", "load_layer", "points_from_layer"]

logger = logging.getLogger(__name__)

_VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".fgb")


@dataclass(frozen=True, slots=True)
class Points:
    """Points with string IDs, in WGS84.

    Attributes
    ----------
    ids
        Unique string ID of each point.
    lon, lat
        WGS84 coordinates, degrees.
    """

    ids: NDArray[np.object_]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.ids)


def _read_csv(path: Path, id_column: str) -> gpd.GeoDataFrame:
    try:
        frame = pd.read_csv(path, dtype={id_column: str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        msg = f"{path.name}: not a readable CSV file ({exc}); save it as UTF-8 CSV"
        raise InputError(msg) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in ("lon", "lat") if c not in frame.columns]
    if missing:
        msg = (
            f"{path.name}: no {' or '.join(repr(c) for c in missing)} column; a CSV of points "
            f"needs WGS84 'lon' and 'lat' columns (found {', '.join(map(repr, frame.columns))})"
        )
        raise InputError(msg)
    lon = pd.to_numeric(frame["lon"], errors="coerce")
    lat = pd.to_numeric(frame["lat"], errors="coerce")
    bad = ~(lon.between(-180, 180) & lat.between(-90, 90))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        msg = (
            f"{path.name} row {row + 1:,}: lon/lat ({frame['lon'].iloc[row]}, "
            f"{frame['lat'].iloc[row]}) is not a WGS84 coordinate ({int(bad.sum()):,} rows "
            "like this); give longitude and latitude in degrees"
        )
        raise InputError(msg)
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def _read_vector(path: Path) -> gpd.GeoDataFrame:
    from pyogrio.errors import DataLayerError, DataSourceError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            frame = gpd.read_file(path)
    except (OSError, ValueError, DataSourceError, DataLayerError) as exc:
        # pyogrio's DataSourceError and DataLayerError are RuntimeErrors, not OSErrors.
        detail = " ".join(str(exc).split())
        msg = (
            f"{path.name}: not a readable GeoJSON/GeoPackage file ({detail}); "
            "fix it or export it again from your GIS"
        )
        raise InputError(msg) from exc
    if frame.crs is None:
        msg = (
            f"{path.name}: declares no coordinate reference system; set one (for example "
            "with ogr2ogr -a_srs EPSG:27700) rather than have it guessed"
        )
        raise InputError(msg)
    return frame


def load_layer(
    path: Path, *, id_column: str = "id", columns: tuple[str, ...] = ()
) -> gpd.GeoDataFrame:
    """Read a points or polygons layer and check it.

    Parameters
    ----------
    path
        GeoJSON, GeoPackage (any declared CRS), or CSV with WGS84 ``lon``/``lat``.
    id_column
        Column of unique IDs; read as strings and returned as ``id``.
    columns
        Further columns that must be present.

    Returns
    -------
    geopandas.GeoDataFrame
        In EPSG:4326, with a string ``id`` column and the file's other columns.

    Raises
    ------
    InputError
        On an unreadable file, missing columns, duplicate or empty IDs, a
        missing CRS or missing geometries, listing every problem.
    """
    path = Path(path)
    if not path.is_file():
        msg = f"{path}: file not found; fix the path"
        raise InputError(msg)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame = _read_csv(path, id_column)
    elif suffix in _VECTOR_SUFFIXES:
        frame = _read_vector(path)
    else:
        msg = (
            f"{path.name}: unsupported file type {suffix!r}; use GeoJSON, GeoPackage or "
            "CSV with id, lon, lat"
        )
        raise InputError(msg)

    problems: list[str] = []
    for column in (id_column, *columns):
        if column not in frame.columns:
            problems.append(
                f"{path.name}: no column {column!r} (columns: "
                f"{', '.join(repr(c) for c in frame.columns if c != 'geometry')}); add the "
                "column, or name the right one in routes.toml"
            )
    if problems:
        raise InputError(join_problems(problems))
    ids = frame[id_column]
    empty = ids.isna() | (ids.astype(str).str.strip() == "")
    if empty.any():
        row = int(np.flatnonzero(empty.to_numpy())[0])
        problems.append(
            f"{path.name} row {row + 1:,}: empty {id_column!r} ({int(empty.sum()):,} rows); "
            "give every feature an ID"
        )
    ids = ids.astype(str).str.strip()
    duplicated = ids[ids.duplicated()].unique()
    if len(duplicated):
        shown = ", ".join(repr(v) for v in duplicated[:5])
        problems.append(
            f"{path.name}: {id_column!r} is not unique ({len(duplicated):,} repeated, e.g. "
            f"{shown}); make the IDs unique"
        )
    missing_geom = frame.geometry.isna() | frame.geometry.is_empty
    if missing_geom.any():
        row = int(np.flatnonzero(missing_geom.to_numpy())[0])
        problems.append(
            f"{path.name} feature {row:,}: no geometry ({int(missing_geom.sum()):,} features); "
            "remove them or add coordinates"
        )
    if problems:
        raise InputError(join_problems(problems))
    frame = frame.to_crs("EPSG:4326") if frame.crs != "EPSG:4326" else frame.copy()
    frame["id"] = ids.to_numpy()
    return frame


def points_from_layer(layer: gpd.GeoDataFrame) -> Points:
    """Turn a layer into points: polygons by a representative point inside them.

    Parameters
    ----------
    layer
        A layer from :func:`load_layer` (EPSG:4326, ``id`` column).

    Returns
    -------
    Points
        One point per feature.
    """
    geometry = layer.geometry
    is_point = geometry.geom_type == "Point"
    points = geometry.where(is_point, geometry.representative_point())
    return Points(
        ids=layer["id"].astype(str).to_numpy(dtype=object),
        lon=points.x.to_numpy(dtype=np.float64),
        lat=points.y.to_numpy(dtype=np.float64),
    )
