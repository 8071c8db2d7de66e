"""The study area: ``routes.toml`` parsed into frozen, validated dataclasses.

Every problem in the file is collected before one :class:`~routes.errors.InputError`
is raised that lists them all, each naming the file and the dotted key.
"""

from __future__ import annotations

import datetime as dt
import glob
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from routes.config.fares import FareParams, parse_fares
from routes.config.parameters import (
    DEFAULT_PARAMETERS_TOML,
    Problems,
    RoutingParams,
    ScoringParams,
    check_keys,
    get_table,
    parse_clock,
    parse_routing,
    parse_scoring,
    parse_window,
)
from routes.config.periods import Period, parse_periods
from routes.errors import InputError

__all__ = [
    "DEFAULT_PARAMETERS_TOML",
    "DestinationLayer",
    "FareParams",
    "Period",
    "RoutingParams",
    "ScoringParams",
    "StudyArea",
    "ZoneLayer",
    "load_study_area",
    "parse_clock",
    "parse_window",
]


@dataclass(frozen=True, slots=True)
class ZoneLayer:
    """Origins: neighbourhoods with population and deprivation (DESIGN §4 ``[zones]``).

    Attributes
    ----------
    path
        GeoJSON, GeoPackage or CSV (``lon``/``lat`` columns, WGS84) file.
    id_column, population_column, deprivation_decile_column
        Column names in that file.
    group_columns
        Optional community-group count columns.
    name_column
        Optional column of display names.
    centroids_path
        Optional points file of population-weighted centroids (same ID column),
        used as the zones' origin points instead of a point inside each polygon.
    """

    path: Path
    id_column: str = "id"
    population_column: str | None = None
    deprivation_decile_column: str | None = None
    group_columns: tuple[str, ...] = ()
    name_column: str | None = None
    centroids_path: Path | None = None


@dataclass(frozen=True, slots=True)
class DestinationLayer:
    """One layer of destinations (DESIGN §4 ``[[destinations]]``).

    Attributes
    ----------
    name
        Layer name, used in column names (``jobs_within_45min``).
    path
        Points or polygons file; ``None`` when taken from OSM tags.
    id_column
        ID column of the file (defaults to ``id``; row numbers when absent).
    weight_column
        Column of opportunity counts (each feature counts 1 when ``None``).
    category_column
        Column of categories (for community spaces).
    osm_tags
        OSM tags selecting features from the study area's extract, e.g.
        ``{"amenity": ("community_centre", "library")}`` (not with a GraphML
        street network, which has no features).
    """

    name: str
    path: Path | None = None
    id_column: str = "id"
    weight_column: str | None = None
    category_column: str | None = None
    osm_tags: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StudyArea:
    """A validated study area: where the inputs are and how to route and score.

    Attributes
    ----------
    name
        Display name.
    config_path
        The ``routes.toml`` it was read from (relative paths resolve from its folder).
    gtfs_paths
        GTFS feeds (zips or folders), globs expanded and sorted.
    osm_path
        OpenStreetMap extract (``.osm.pbf`` or ``.osm``), or a walk network
        saved by osmnx (``.graphml``), which serves the streets only.
    service_date
        The date whose timetable is used.
    walk_access
        Which OSM ways are walkable: ``"strict"`` (honour ``foot=no`` and
        ``access=no/private``, as R5 does), ``"ignore_foot_no"`` (for extracts
        made for car routing, where sidewalks are not mapped) or
        ``"permissive"`` (ignore ``foot`` and ``access`` tags).
    zones
        The origin layer, or ``None`` when the file has no ``[zones]``.
    destinations
        Destination layers.
    routing, scoring
        Parameters.
    periods
        The ``[[periods]]``: more departure windows (and dates) to compute
        every metric for, beside ``routing``'s window on ``service_date``
        (empty: none, as before periods existed).
    fares
        The fare model (``[fares]``, :mod:`routes.config.fares`); ``None``
        when the file has no ``[fares]`` table (fares are not modelled).
    """

    name: str
    config_path: Path
    gtfs_paths: tuple[Path, ...]
    osm_path: Path
    service_date: dt.date
    walk_access: str
    zones: ZoneLayer | None
    destinations: tuple[DestinationLayer, ...]
    routing: RoutingParams
    scoring: ScoringParams
    periods: tuple[Period, ...] = ()
    fares: FareParams | None = None

    def for_period(self, period: Period) -> StudyArea:
        """Return the study area as a period sees it: its window and date, no periods."""
        routing = replace(self.routing, departure_start_s=period.departure_start_s,
                          departure_end_s=period.departure_end_s)
        return replace(self, routing=routing,
                       service_date=period.service_date(self.service_date), periods=())

    @classmethod
    def from_toml(cls, path: Path) -> StudyArea:
        """Read and validate a ``routes.toml``.

        Raises
        ------
        InputError
            Listing every problem found, each with the file and dotted key.
        """
        return load_study_area(path)


_SECTIONS = ("study_area", "zones", "destinations", "routing", "scoring", "periods", "fares")
_STUDY_KEYS = ("name", "gtfs", "osm", "date", "walk_access")
WALK_ACCESS_CHOICES = ("strict", "ignore_foot_no", "permissive")
_ZONE_KEYS = ("file", "id", "population", "deprivation_decile", "groups", "name", "centroids")
_DEST_KEYS = ("name", "file", "id", "weight", "category", "osm_tags")


_GRAPHML_SUFFIXES = (".graphml", ".graphml.gz")  # a walk network saved by osmnx
_OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.gz", ".osm.bz2", *_GRAPHML_SUFFIXES)
_LAYER_SUFFIXES = (".geojson", ".json", ".gpkg", ".csv", ".shp", ".fgb")


def _resolve_file(
    base: Path, value: Any, key: str, problems: Problems, *, what: str,
    suffixes: tuple[str, ...] = _LAYER_SUFFIXES,
) -> Path | None:
    if value is None:
        problems.add(key, f"missing; give the path of the {what}")
        return None
    if not isinstance(value, str) or not value:
        problems.add(key, f"expected the path of {what} as a string, got {value!r}")
        return None
    path = (base / value).resolve()
    if not path.exists():
        problems.add(key, f"{what} {value!r} does not exist (looked in {base}); fix the path")
        return None
    if path.is_dir():
        problems.add(key, _folder_not_file(value, path, what, suffixes))
        return None
    return path


def _folder_not_file(value: str, path: Path, what: str, suffixes: tuple[str, ...]) -> str:
    """Say that a path is a folder, naming the files inside it that could be meant."""
    try:
        inside = sorted(p.name for p in path.iterdir()
                        if p.is_file() and p.name.lower().endswith(suffixes))
    except OSError:
        inside = []
    base = value.rstrip("/\\")
    if inside:
        shown = ", ".join(repr(f"{base}/{name}") for name in inside[:3])
        more = f" and {len(inside) - 3} more" if len(inside) > 3 else ""
        hint = f"it holds {shown}{more}"
    else:
        hint = f"it holds no {' or '.join(suffixes[:3])} file"
    return f"{value!r} is a folder, not a file ({hint}); give the path of the {what} itself"


def _parse_study(
    data: Mapping[str, Any], base: Path, problems: Problems
) -> tuple[str, tuple[Path, ...], Path | None, dt.date | None]:
    study = get_table(data, "study_area", problems)
    if "study_area" not in data:
        problems.add("[study_area]", "missing; it must give at least gtfs, osm and date")
    check_keys(study, _STUDY_KEYS, "[study_area]", problems)
    name = study.get("name", base.name)
    if not isinstance(name, str):
        problems.add("[study_area].name", f"expected a string, got {name!r}")
        name = base.name

    gtfs_value = study.get("gtfs")
    patterns = [gtfs_value] if isinstance(gtfs_value, str) else gtfs_value
    gtfs: list[Path] = []
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        problems.add(
            "[study_area].gtfs",
            f"expected a list of GTFS zip or folder paths (globs allowed), got {gtfs_value!r}",
        )
    else:
        for pattern in patterns:
            matches = sorted(Path(p).resolve() for p in glob.glob(str(base / pattern)))
            if not matches:
                problems.add(
                    "[study_area].gtfs",
                    f"{pattern!r} matches no file in {base}; fix the path or add the feed",
                )
            gtfs.extend(matches)

    osm = _resolve_file(base, study.get("osm"), "[study_area].osm", problems, what="OSM extract",
                        suffixes=_OSM_SUFFIXES)

    date_value = study.get("date")
    service_date: dt.date | None = None
    if isinstance(date_value, dt.date) and not isinstance(date_value, dt.datetime):
        service_date = date_value
    elif isinstance(date_value, str):
        try:
            service_date = dt.date.fromisoformat(date_value)
        except ValueError:
            problems.add("[study_area].date",
                         f"expected a date like 2026-03-10, got {date_value!r}")
    elif date_value is None:
        problems.add("[study_area].date", "missing; give the service date, e.g. 2026-03-10")
    else:
        problems.add("[study_area].date", f"expected a date like 2026-03-10, got {date_value!r}")
    return name, tuple(gtfs), osm, service_date


def _parse_walk_access(data: Mapping[str, Any], problems: Problems) -> str:
    value = data.get("study_area", {}).get("walk_access", "strict") if isinstance(
        data.get("study_area"), dict) else "strict"
    if value not in WALK_ACCESS_CHOICES:
        problems.add("[study_area].walk_access",
                     f"expected one of {', '.join(map(repr, WALK_ACCESS_CHOICES))}, got {value!r}")
        return "strict"
    return str(value)


def _parse_zones(data: Mapping[str, Any], base: Path, problems: Problems) -> ZoneLayer | None:
    if "zones" not in data:
        return None
    zones = get_table(data, "zones", problems)
    check_keys(zones, _ZONE_KEYS, "[zones]", problems)
    path = _resolve_file(base, zones.get("file"), "[zones].file", problems, what="zones file")
    centroids = (
        _resolve_file(base, zones["centroids"], "[zones].centroids", problems,
                      what="centroids file")
        if "centroids" in zones else None
    )
    strings: dict[str, str | None] = {}
    for key in ("id", "population", "deprivation_decile", "name"):
        value = zones.get(key)
        if value is not None and not isinstance(value, str):
            problems.add(f"[zones].{key}", f"expected a column name, got {value!r}")
            value = None
        strings[key] = value
    groups = zones.get("groups", [])
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        problems.add("[zones].groups", f"expected a list of column names, got {groups!r}")
        groups = []
    if path is None:
        return None
    return ZoneLayer(
        path=path,
        id_column=strings["id"] or "id",
        population_column=strings["population"],
        deprivation_decile_column=strings["deprivation_decile"],
        group_columns=tuple(groups),
        name_column=strings["name"],
        centroids_path=centroids,
    )


def _parse_osm_tags(value: Any, where: str, problems: Problems) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        problems.add(where, f"expected a table of tag = [values], got {value!r}")
        return {}
    tags: dict[str, tuple[str, ...]] = {}
    for tag, values in value.items():
        items = [values] if isinstance(values, str) else values
        if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
            problems.add(f"{where}.{tag}", f"expected a list of tag values, got {values!r}")
            continue
        tags[tag] = tuple(items)
    return tags


def _parse_destinations(
    data: Mapping[str, Any], base: Path, problems: Problems
) -> tuple[DestinationLayer, ...]:
    layers = data.get("destinations", [])
    if not isinstance(layers, list):
        problems.add("[[destinations]]", "expected an array of tables ([[destinations]])")
        return ()
    out: list[DestinationLayer] = []
    names: set[str] = set()
    for i, layer in enumerate(layers):
        where = f"[[destinations]][{i}]"
        if not isinstance(layer, dict):
            problems.add(where, f"expected a table, got {layer!r}")
            continue
        check_keys(layer, _DEST_KEYS, where, problems)
        name = layer.get("name")
        if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            problems.add(
                f"{where}.name", f"expected a lower-case name like 'jobs', got {name!r}"
            )
            continue
        if name in names:
            problems.add(f"{where}.name", f"{name!r} is used by another layer; names must differ")
        names.add(name)
        has_file, has_tags = "file" in layer, "osm_tags" in layer
        if has_file == has_tags:
            problems.add(where, "give exactly one of 'file' or 'osm_tags'")
            continue
        path = None
        tags: dict[str, tuple[str, ...]] = {}
        if has_file:
            path = _resolve_file(
                base, layer["file"], f"{where}.file", problems, what="destination file"
            )
        else:
            tags = _parse_osm_tags(layer["osm_tags"], f"{where}.osm_tags", problems)
        columns = {}
        for key in ("id", "weight", "category"):
            value = layer.get(key)
            if value is not None and not isinstance(value, str):
                problems.add(f"{where}.{key}", f"expected a column name, got {value!r}")
                value = None
            columns[key] = value
        out.append(
            DestinationLayer(
                name=name, path=path, id_column=columns["id"] or "id",
                weight_column=columns["weight"], category_column=columns["category"],
                osm_tags=tags,
            )
        )
    return tuple(out)


def _check_osm_tags_source(data: Mapping[str, Any], osm: Path | None,
                           problems: Problems) -> None:
    """OSM-tag layers need OSM features: a GraphML street network has none."""
    if osm is None or not osm.name.lower().endswith(_GRAPHML_SUFFIXES):
        return
    layers = data.get("destinations", [])
    for i, layer in enumerate(layers if isinstance(layers, list) else []):
        if isinstance(layer, dict) and "osm_tags" in layer:
            problems.add(
                f"[[destinations]][{i}].osm_tags",
                f"[study_area].osm is a GraphML street network ({osm.name}), which holds no "
                "OpenStreetMap features to select; give the layer a `file` of its places "
                "instead (or point `osm` at an OSM extract)",
            )


def load_study_area(path: Path | str) -> StudyArea:
    """Read and validate a study area from ``routes.toml``.

    Relative paths in the file are resolved from the file's folder.

    Parameters
    ----------
    path
        The ``routes.toml`` file.

    Returns
    -------
    StudyArea
        The validated study area.

    Raises
    ------
    InputError
        If the file is missing or is not TOML, or listing every invalid,
        missing or unknown key, each with the file and dotted key.
    """
    path = Path(path)
    if not path.is_file():
        msg = (
            f"{path}: no study area file here; write a routes.toml (see README) "
            "or pass --config PATH"
        )
        raise InputError(msg)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        msg = f"{path.name}: not valid TOML ({exc}); fix the syntax"
        raise InputError(msg) from exc
    base = path.resolve().parent
    problems = Problems(path)
    check_keys(data, _SECTIONS, "", problems)
    name, gtfs, osm, service_date = _parse_study(data, base, problems)
    walk_access = _parse_walk_access(data, problems)
    zones = _parse_zones(data, base, problems)
    destinations = _parse_destinations(data, base, problems)
    _check_osm_tags_source(data, osm, problems)
    routing = parse_routing(data, problems)
    scoring = parse_scoring(data, problems, routing)
    periods = parse_periods(data, problems)
    fares = parse_fares(data, problems)
    most = scoring.fare_report_max_minor
    if (fares is not None and scoring.fare_budget_minor is None and most is not None
            and most < fares.single_minor):  # the budget is then one single
        problems.add("[scoring].fare_report_max",
                     f"{most / 100:.2f} is below the fare budget, one single "
                     f"({fares.single_minor / 100:.2f}); raise it to at least that")
    problems.raise_if_any()
    if osm is None or service_date is None:  # unreachable: both were reported as problems
        msg = f"{path.name}: [study_area] is incomplete"
        raise InputError(msg)
    return StudyArea(
        name=name,
        config_path=path.resolve(),
        gtfs_paths=gtfs,
        osm_path=osm,
        service_date=service_date,
        walk_access=walk_access,
        zones=zones,
        destinations=destinations,
        routing=routing,
        scoring=scoring,
        periods=periods,
        fares=fares,
    )

