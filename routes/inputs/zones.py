"""Origin zones: neighbourhoods with population, deprivation and community groups.

A zones layer (DESIGN §4 ``[zones]``) is a polygons or points file. Each zone
gets one origin point: its population-weighted centroid when a centroids file
is given, else a point inside its polygon (a point zone is its own origin).
The engine snaps the origins to the street network later; nothing is snapped
here.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from routes.config.study_area import ZoneLayer
from routes.errors import InputError, RoutesWarning, join_problems
from routes.inputs.points import Points, load_layer

__all__ = ["GROUP_SUM_TOLERANCE", "Zones", "load_zones"]

# _check_counts, _RowLabels, _geometry_problems, _origin_points and _peek_columns are
# shared with routes.inputs.destinations, which loads its files the same way.

logger = logging.getLogger(__name__)

GROUP_SUM_TOLERANCE = 0.05
"""Largest relative difference between a zone's group counts and its population.

Group counts summing to more than ``(1 + tolerance) ×`` population are an
error; summing to less than ``(1 − tolerance) ×`` population is a warning.
"""

_N_EXAMPLES = 3
_ZONE_GEOMETRIES = frozenset({"Point", "Polygon", "MultiPolygon"})


@dataclass(frozen=True, slots=True)
class Zones:
    """Validated origin zones.

    Attributes
    ----------
    table
        Indexed by ``id`` (string), one row per zone in file order, with the
        columns

        - ``population``: residents (``float64``, 0 or more);
        - ``deprivation_decile``: deprivation decile (``Int64``, 1 = most
          deprived, 10 = least; all ``<NA>`` when the layer has none);
        - ``name``: display name (string; the id when the layer has none);
        - one column per community group, named as in the file: residents
          of that group (``float64``, 0 or more).
    points
        The origin point of each zone (WGS84), in the order of ``table``.
    geometry
        The zone polygons (or points), EPSG:4326, indexed by ``id``.
    group_columns
        Names of the community-group columns of ``table`` (may be empty).
    """

    table: pd.DataFrame
    points: Points
    geometry: gpd.GeoSeries
    group_columns: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.table)


def load_zones(layer: ZoneLayer, *, centroids: Path | None = None) -> Zones:
    """Read, check and tidy a zones layer.

    Parameters
    ----------
    layer
        The ``[zones]`` layer: file and column names. When its
        ``population_column`` is ``None`` a column called ``population`` is
        used; when its ``deprivation_decile_column`` is ``None`` the zones
        have no decile.
    centroids
        Optional points file (GeoJSON/GeoPackage, or CSV with WGS84
        ``lon``/``lat``) of population-weighted centroids, e.g. the ONS LSOA
        population-weighted centroids (default: the layer's
        ``centroids_path``). Its ID column is the zones' ID column
        if it has one, else ``id``. Every zone needs a centroid; extra
        centroids are ignored.

    Returns
    -------
    Zones
        The zones table, origin points and geometries.

    Raises
    ------
    InputError
        Listing every problem, each with the file, row or feature, and
        column: unreadable file, missing columns (group columns included),
        duplicate or empty IDs, missing CRS or geometry, geometries that are
        neither points nor polygons, populations that are missing, not
        numeric or negative, deciles that are not whole numbers 1-10, group
        counts that are missing, not numeric or negative or that sum to more
        than 105 % of the population, and zones without a centroid.

    Warns
    -----
    RoutesWarning
        If group counts sum to less than 95 % of the population in some zones
        (the count of such zones is given).

    Notes
    -----
    The origin point is, in order of preference: the zone's point in
    ``centroids``; the zone's own point (point layers);
    :meth:`shapely.Polygon.representative_point`, a point guaranteed to lie
    inside the polygon (unlike the centroid of a C-shaped zone).
    """
    path = Path(layer.path)
    population_column = layer.population_column or "population"
    centroids = centroids if centroids is not None else layer.centroids_path

    frame = load_layer(path, id_column=layer.id_column)
    problems = _missing_column_problems(frame, path, layer, population_column)
    problems.extend(_geometry_problems(frame, path, _ZONE_GEOMETRIES, "zones"))
    if problems:
        raise InputError(join_problems(problems))

    ids = frame["id"].to_numpy(dtype=object)
    labels = _RowLabels(path, ids)
    population, found = _check_counts(frame[population_column], labels, population_column)
    counts_ok = not found
    problems.extend(found)
    groups: dict[str, NDArray[np.float64]] = {}
    for column in layer.group_columns:
        groups[column], found = _check_counts(frame[column], labels, column)
        counts_ok = counts_ok and not found
        problems.extend(found)
    short_warning: str | None = None
    if groups and counts_ok:
        found, short_warning = _group_sum_problems(population, groups, labels)
        problems.extend(found)
    decile, found = _check_deciles(frame, labels, layer.deprivation_decile_column)
    problems.extend(found)

    points: Points | None = None
    if centroids is not None:
        points, found = _centroid_points(Path(centroids), layer.id_column, ids, path)
        problems.extend(found)
    if problems:
        raise InputError(join_problems(problems))
    if short_warning is not None:
        warnings.warn(short_warning, RoutesWarning, stacklevel=2)

    index = pd.Index(frame["id"].astype(str).to_numpy(), dtype="str", name="id")
    geometry = gpd.GeoSeries(frame.geometry.to_numpy(), index=index, crs="EPSG:4326")
    if points is None:
        points = _origin_points(geometry)
    if layer.name_column is not None:
        names = frame[layer.name_column].astype("str").where(frame[layer.name_column].notna())
        names = names.fillna(frame["id"]).to_numpy()
    else:
        names = frame["id"].to_numpy()
    table = pd.DataFrame(
        {
            "population": population,
            "deprivation_decile": pd.array(decile, dtype="Int64"),
            "name": pd.array(names, dtype="str"),
            **groups,
        },
        index=index,
    )
    logger.info(
        "zones %s: %d zones, %s residents, %d community groups%s",
        path.name,
        len(table),
        f"{population.sum():,.0f}",
        len(groups),
        ", population-weighted centroids" if centroids is not None else "",
    )
    return Zones(
        table=table, points=points, geometry=geometry, group_columns=tuple(layer.group_columns)
    )


def _origin_points(geometry: gpd.GeoSeries) -> Points:
    """One point per feature: points as they are, polygons by a point inside them.

    Parameters
    ----------
    geometry
        Points or polygons in EPSG:4326, indexed by string id.

    Returns
    -------
    Points
        WGS84 points in the order of ``geometry``.
    """
    is_point = (geometry.geom_type == "Point").to_numpy()
    invalid = ~is_point & ~geometry.is_valid.to_numpy()
    if invalid.any():
        logger.debug("repairing %d invalid polygons before placing points", int(invalid.sum()))
        geometry = geometry.copy()
        geometry[invalid] = geometry[invalid].make_valid()
    inside = geometry.representative_point()
    point = geometry.where(is_point, inside)
    return Points(
        ids=np.asarray(geometry.index.astype(str), dtype=object),
        lon=point.x.to_numpy(dtype=np.float64),
        lat=point.y.to_numpy(dtype=np.float64),
    )


# --------------------------------------------------------------------------- checks


class _RowLabels:
    """Names rows the way :func:`routes.inputs.points.load_layer` does, with their ids.

    CSV rows count from 1 (the first data row); GeoJSON/GeoPackage features
    count from 0, as in most GIS tools' feature ids.
    """

    def __init__(self, path: Path, ids: NDArray[np.object_]) -> None:
        self.path = path
        self.ids = ids
        self.is_csv = path.suffix.lower() == ".csv"

    def __call__(self, position: int) -> str:
        label = f"row {position + 1:,}" if self.is_csv else f"feature {position:,}"
        return f"{label} (id {self.ids[position]!r})"

    def problem(
        self,
        column: str,
        mask: NDArray[np.bool_],
        values: Sequence[object] | NDArray[np.object_] | None,
        what: str,
        fix: str,
        *,
        quote: bool = True,
    ) -> str:
        """One line naming the file, the column, a count and the first rows.

        Each row is shown with its value unless ``values`` is ``None``; strings
        are quoted unless ``quote`` is false.
        """
        positions = np.flatnonzero(mask)[:_N_EXAMPLES]
        if values is None:
            shown = ", ".join(self(int(p)) for p in positions)
        elif quote:
            shown = "; ".join(f"{self(int(p))}: {values[int(p)]!r}" for p in positions)
        else:
            shown = "; ".join(f"{self(int(p))}: {values[int(p)]}" for p in positions)
        positions = np.flatnonzero(mask)
        n_more = len(positions) - _N_EXAMPLES
        more = f"; and {n_more:,} more" if n_more > 0 else ""
        return (
            f"{self.path.name} column {column!r}: {len(positions):,} value(s) {what} "
            f"({shown}{more}); {fix}"
        )


def _check_counts(
    values: pd.Series,
    labels: _RowLabels,
    column: str,
    *,
    allow_missing: bool = False,
) -> tuple[NDArray[np.float64], list[str]]:
    """Check a column of counts (people, jobs): numbers, finite, 0 or more.

    Returns the values as ``float64`` (NaN where missing) and the problems.
    """
    raw = values.reset_index(drop=True)
    if pd.api.types.is_bool_dtype(raw):
        msg = f"{labels.path.name} column {column!r}: expected numbers, got true/false values"
        return np.full(len(raw), np.nan), [msg]
    numbers = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    given = raw.notna().to_numpy() & (raw.astype("str").str.strip() != "").to_numpy()
    shown = raw.to_numpy(dtype=object)
    problems: list[str] = []
    text = given & np.isnan(numbers)
    if text.any():
        problems.append(
            labels.problem(column, text, shown, "are not numbers", "give counts as numbers")
        )
    missing = ~given
    if missing.any() and not allow_missing:
        problems.append(
            labels.problem(column, missing, None, "are missing", "fill them in (0 if none)")
        )
    with np.errstate(invalid="ignore"):
        infinite = np.isinf(numbers)
        negative = numbers < 0
    if infinite.any():
        problems.append(
            labels.problem(column, infinite, shown, "are infinite", "give finite counts")
        )
    if negative.any():
        problems.append(
            labels.problem(column, negative, shown, "are negative", "counts must be 0 or more")
        )
    return numbers, problems


def _check_deciles(
    frame: gpd.GeoDataFrame, labels: _RowLabels, column: str | None
) -> tuple[NDArray[np.float64], list[str]]:
    """Deprivation deciles as floats (NaN when the layer has none) and their problems."""
    if column is None:
        return np.full(len(frame), np.nan), []
    raw = frame[column].reset_index(drop=True)
    shown = raw.to_numpy(dtype=object)
    if pd.api.types.is_bool_dtype(raw):
        numbers = np.full(len(raw), np.nan)
    else:
        numbers = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    given = raw.notna().to_numpy() & (raw.astype("str").str.strip() != "").to_numpy()
    fix = "give the deprivation decile, 1 = most deprived 10 %"
    problems = []
    if not given.all():
        problems.append(labels.problem(column, ~given, None, "are missing", fix))
    bad = given & ~np.isin(numbers, np.arange(1, 11))
    if bad.any():
        problems.append(
            labels.problem(column, bad, shown, "are not whole numbers from 1 to 10", fix)
        )
    return numbers, problems


def _group_sum_problems(
    population: NDArray[np.float64],
    groups: dict[str, NDArray[np.float64]],
    labels: _RowLabels,
) -> tuple[list[str], str | None]:
    """Problems where groups exceed the population by over 5 %; a warning where they fall short."""
    total = np.sum(list(groups.values()), axis=0)
    names = "+".join(groups)
    shown = [f"{t:,.0f} vs population {p:,.0f}" for t, p in zip(total, population, strict=True)]
    high = total > population * (1.0 + GROUP_SUM_TOLERANCE)
    low = total < population * (1.0 - GROUP_SUM_TOLERANCE)
    problems: list[str] = []
    if high.any():
        problems.append(
            labels.problem(
                names,
                high,
                shown,
                f"sum to more than {1 + GROUP_SUM_TOLERANCE:.0%} of the population",
                "group counts cannot exceed the residents; check the group and population columns",
                quote=False,
            )
        )
    warning = None
    if low.any():
        first = int(np.flatnonzero(low)[0])
        warning = (
            f"{labels.path.name}: in {int(low.sum()):,} of {len(low):,} zones the group counts "
            f"({names}) sum to less than {1 - GROUP_SUM_TOLERANCE:.0%} of the population "
            f"(e.g. {labels(first)}: {shown[first]}); residents outside the listed groups count "
            "in no group"
        )
    return problems, warning


def _missing_column_problems(
    frame: gpd.GeoDataFrame, path: Path, layer: ZoneLayer, population_column: str
) -> list[str]:
    """Problems for every mapped column the file lacks, named by its routes.toml key."""
    available = ", ".join(repr(c) for c in frame.columns if c not in ("geometry", "id"))
    keys: list[tuple[str, str | None]] = [
        ("population", population_column),
        ("deprivation_decile", layer.deprivation_decile_column),
        ("name", layer.name_column),
        *(("groups", column) for column in layer.group_columns),
    ]
    problems = []
    for key, column in keys:
        if column is not None and column not in frame.columns:
            problems.append(
                f"{path.name}: no column {column!r} (set by [zones].{key}); available: "
                f"{available}; fix the column name in routes.toml"
            )
    duplicated = sorted({c for c in layer.group_columns if layer.group_columns.count(c) > 1})
    if duplicated:
        problems.append(f"[zones].groups: {duplicated!r} listed more than once; list each once")
    reserved = {"population", "deprivation_decile", "name"} & set(layer.group_columns)
    if reserved:
        problems.append(
            f"[zones].groups: {sorted(reserved)!r} would clash with the zones table's own "
            "columns; rename the group column(s) in the file"
        )
    return problems


def _geometry_problems(
    frame: gpd.GeoDataFrame, path: Path, allowed: frozenset[str], what: str
) -> list[str]:
    """Report geometries of a type the layer does not accept."""
    types = frame.geometry.geom_type.to_numpy(dtype=object)
    bad = ~np.isin(types, list(allowed))
    if not bad.any():
        return []
    labels = _RowLabels(path, frame["id"].to_numpy(dtype=object))
    return [
        labels.problem(
            "geometry",
            bad,
            types,
            f"are not {' or '.join(sorted(allowed))}",
            f"{what} must be points or polygons",
            quote=False,
        )
    ]


def _centroid_points(
    path: Path, id_column: str, ids: NDArray[np.object_], zones_path: Path
) -> tuple[Points | None, list[str]]:
    """Read the centroid of every zone, in zone order, from a points file with matching ids."""
    columns = _peek_columns(path)
    centroid_id = id_column if columns is None or id_column in columns else "id"
    frame = load_layer(path, id_column=centroid_id)
    types = frame.geometry.geom_type.to_numpy(dtype=object)
    labels = _RowLabels(path, frame["id"].to_numpy(dtype=object))
    problems = []
    not_points = types != "Point"
    if not_points.any():
        problems.append(
            labels.problem(
                "geometry",
                not_points,
                types,
                "are not points",
                "centroids must be points",
                quote=False,
            )
        )
    position = pd.Index(frame["id"]).get_indexer(pd.Index(ids.astype(str)))
    missing = position < 0
    if missing.any():
        shown = ", ".join(repr(i) for i in ids[missing][:_N_EXAMPLES])
        problems.append(
            f"{path.name}: no centroid for {int(missing.sum()):,} of {len(ids):,} zones of "
            f"{zones_path.name} (e.g. {shown}; matched on column {centroid_id!r}); "
            "give every zone a centroid or leave out the centroids file"
        )
    if problems:
        return None, problems
    extra = len(frame) - len(ids)
    if extra:
        logger.debug("%s: %d centroids match no zone; ignored", path.name, extra)
    geometry = frame.geometry.iloc[position]
    return (
        Points(
            ids=ids.astype(str).astype(object),
            lon=geometry.x.to_numpy(dtype=np.float64),
            lat=geometry.y.to_numpy(dtype=np.float64),
        ),
        [],
    )


def _peek_columns(path: Path) -> set[str] | None:
    """Column names of a CSV or vector file without reading its rows (``None`` if unreadable)."""
    import pyogrio

    try:
        if path.suffix.lower() == ".csv":
            return {str(c).strip() for c in pd.read_csv(path, nrows=0).columns}
        return {str(c) for c in pyogrio.read_info(path)["fields"]}
    except (OSError, RuntimeError, ValueError, pd.errors.ParserError, pd.errors.EmptyDataError):
        # Unreadable here: let load_layer read the file and report it properly.
        return None
