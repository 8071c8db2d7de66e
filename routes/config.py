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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from routes.errors import InputError, join_problems

__all__ = [
    "DEFAULT_PARAMETERS_TOML",
    "DestinationLayer",
    "RoutingParams",
    "ScoringParams",
    "StudyArea",
    "ZoneLayer",
    "load_study_area",
    "parse_clock",
    "parse_window",
]

DEFAULT_PARAMETERS_TOML = """\
[routing]
departure_window = "07:00-09:00"
percentile = 50
max_walk_min = 15
walk_speed_kmh = 4.8
max_rides = 3
max_trip_min = 120

[scoring]
deprived_deciles = [1, 2, 3]
job_cutoff_min = 45
space_cutoff_min = 30
"""
"""The ``[routing]`` and ``[scoring]`` tables DESIGN §4 sketches, as the study areas
written by ``routes demo`` and ``routes fetch`` spell them out (the values are the
defaults of :class:`RoutingParams` and :class:`ScoringParams`)."""

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def parse_clock(text: str) -> int:
    """Parse ``HH:MM`` or ``HH:MM:SS`` (hours may exceed 23) into seconds after midnight.

    Raises
    ------
    ValueError
        If the text is not a clock time.
    """
    m = _CLOCK.match(text.strip())
    if m is None or int(m.group(2)) > 59 or int(m.group(3) or 0) > 59:
        msg = f"{text!r} is not a time of day like '07:30'"
        raise ValueError(msg)
    return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3) or 0)


def parse_window(text: str) -> tuple[int, int]:
    """Parse a window ``"07:00-09:00"`` into (start, end) seconds after midnight.

    Raises
    ------
    ValueError
        If either end is not a clock time or the end is not after the start.
    """
    parts = text.split("-")
    if len(parts) != 2:
        msg = f"{text!r} is not a window like '07:00-09:00'"
        raise ValueError(msg)
    start, end = parse_clock(parts[0]), parse_clock(parts[1])
    if end <= start:
        msg = f"{text!r} ends before it starts"
        raise ValueError(msg)
    return start, end


@dataclass(frozen=True, slots=True)
class RoutingParams:
    """Parameters of the travel-time computation (DESIGN §4 ``[routing]``).

    Attributes
    ----------
    departure_start_s, departure_end_s
        The departure window, seconds after midnight; one departure per minute
        from the start, the end excluded.
    percentiles
        Percentiles of the per-minute travel times to report (default the median).
    max_walk_min
        Longest walk to the first stop and from the last stop, and longest
        walk-only trip, minutes.
    walk_speed_kmh
        Walking speed, km/h.
    max_rides
        Most vehicles boarded in one journey.
    max_trip_min
        Longest journey, minutes, waiting at the first stop included.
    max_transfer_walk_min
        Longest walk between two rides, minutes.
    max_snap_m
        Origins and destinations farther than this from every street are dropped,
        metres (stops are linked up to R5's 1,600 m, see :mod:`routes.network`).
    """

    departure_start_s: int = 7 * 3600
    departure_end_s: int = 9 * 3600
    percentiles: tuple[int, ...] = (50,)
    max_walk_min: float = 15.0
    walk_speed_kmh: float = 4.8
    max_rides: int = 3
    max_trip_min: float = 120.0
    max_transfer_walk_min: float = 10.0
    max_snap_m: float = 500.0

    @property
    def walk_speed_m_s(self) -> float:
        """Walking speed, metres per second."""
        return self.walk_speed_kmh / 3.6

    @property
    def window_min(self) -> int:
        """Length of the departure window, whole minutes (at least 1)."""
        return max(1, (self.departure_end_s - self.departure_start_s) // 60)


@dataclass(frozen=True, slots=True)
class ScoringParams:
    """Parameters of accessibility and scoring (DESIGN §4 ``[scoring]``).

    Attributes
    ----------
    deprived_deciles
        IMD deciles counted as deprived (1 = most deprived).
    job_cutoff_min
        Travel-time cutoff for jobs, minutes.
    space_cutoff_min
        Travel-time cutoff for shared community spaces and for cross-community
        reach, minutes.
    decay_half_life_min
        Half-life of the exponential decay weighting, minutes.
    """

    deprived_deciles: tuple[int, ...] = (1, 2, 3)
    job_cutoff_min: float = 45.0
    space_cutoff_min: float = 30.0
    decay_half_life_min: float = 20.0


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
        ``{"amenity": ("community_centre", "library")}``.
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
        OpenStreetMap extract (``.osm.pbf`` or ``.osm``).
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

    @classmethod
    def from_toml(cls, path: Path) -> StudyArea:
        """Read and validate a ``routes.toml``.

        Raises
        ------
        InputError
            Listing every problem found, each with the file and dotted key.
        """
        return load_study_area(path)


class _Problems:
    """Collects validation problems, each prefixed with the file and key."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[str] = []

    def add(self, key: str, text: str) -> None:
        self.items.append(f"{self.path.name} {key}: {text}")

    def raise_if_any(self) -> None:
        if self.items:
            msg = join_problems(self.items)
            raise InputError(msg)


_SECTIONS = ("study_area", "zones", "destinations", "routing", "scoring")
_STUDY_KEYS = ("name", "gtfs", "osm", "date", "walk_access")
WALK_ACCESS_CHOICES = ("strict", "ignore_foot_no", "permissive")
_ZONE_KEYS = ("file", "id", "population", "deprivation_decile", "groups", "name", "centroids")
_DEST_KEYS = ("name", "file", "id", "weight", "category", "osm_tags")
_ROUTING_KEYS = (
    "departure_window", "percentile", "percentiles", "max_walk_min", "walk_speed_kmh",
    "max_rides", "max_trip_min", "max_transfer_walk_min", "max_snap_m",
)
_SCORING_KEYS = ("deprived_deciles", "job_cutoff_min", "space_cutoff_min", "decay_half_life_min")


def _check_keys(
    table: Mapping[str, Any], allowed: tuple[str, ...], where: str, problems: _Problems
) -> None:
    for key in table:
        if key not in allowed:
            problems.add(
                f"{where}.{key}" if where else f"[{key}]",
                f"unknown key; allowed keys are {', '.join(allowed)}",
            )


def _table(data: Mapping[str, Any], key: str, problems: _Problems) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        problems.add(f"[{key}]", f"expected a table, got {value!r}")
        return {}
    return value


def _positive(
    table: Mapping[str, Any], key: str, where: str, default: float, unit: str,
    problems: _Problems, *, integer: bool = False,
) -> Any:
    value = table.get(key, default)
    kind = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind) or value <= 0:
        noun = "a positive whole number" if integer else "a positive number"
        problems.add(f"{where}.{key}", f"expected {noun} of {unit}, got {value!r}")
        return default
    return value


def _resolve_file(
    base: Path, value: Any, key: str, problems: _Problems, *, what: str
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
    return path


def _parse_study(
    data: Mapping[str, Any], base: Path, problems: _Problems
) -> tuple[str, tuple[Path, ...], Path | None, dt.date | None]:
    study = _table(data, "study_area", problems)
    if "study_area" not in data:
        problems.add("[study_area]", "missing; it must give at least gtfs, osm and date")
    _check_keys(study, _STUDY_KEYS, "[study_area]", problems)
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

    osm = _resolve_file(base, study.get("osm"), "[study_area].osm", problems, what="OSM extract")

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


def _parse_walk_access(data: Mapping[str, Any], problems: _Problems) -> str:
    value = data.get("study_area", {}).get("walk_access", "strict") if isinstance(
        data.get("study_area"), dict) else "strict"
    if value not in WALK_ACCESS_CHOICES:
        problems.add("[study_area].walk_access",
                     f"expected one of {', '.join(map(repr, WALK_ACCESS_CHOICES))}, got {value!r}")
        return "strict"
    return str(value)


def _parse_zones(data: Mapping[str, Any], base: Path, problems: _Problems) -> ZoneLayer | None:
    if "zones" not in data:
        return None
    zones = _table(data, "zones", problems)
    _check_keys(zones, _ZONE_KEYS, "[zones]", problems)
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


def _parse_osm_tags(value: Any, where: str, problems: _Problems) -> dict[str, tuple[str, ...]]:
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
    data: Mapping[str, Any], base: Path, problems: _Problems
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
        _check_keys(layer, _DEST_KEYS, where, problems)
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


def _parse_percentiles(routing: Mapping[str, Any], problems: _Problems) -> tuple[int, ...]:
    if "percentile" in routing and "percentiles" in routing:
        problems.add("[routing]", "give either 'percentile' or 'percentiles', not both")
    value = routing.get("percentiles", routing.get("percentile", 50))
    values = value if isinstance(value, list) else [value]
    ok = all(isinstance(v, int) and not isinstance(v, bool) and 0 < v < 100 for v in values)
    if not values or not ok:
        problems.add(
            "[routing].percentile", f"expected whole numbers from 1 to 99, got {value!r}"
        )
        return (50,)
    return tuple(sorted(set(values)))


def _parse_routing(data: Mapping[str, Any], problems: _Problems) -> RoutingParams:
    routing = _table(data, "routing", problems)
    _check_keys(routing, _ROUTING_KEYS, "[routing]", problems)
    defaults = RoutingParams()
    start, end = defaults.departure_start_s, defaults.departure_end_s
    if "departure_window" in routing:
        window = routing["departure_window"]
        try:
            start, end = parse_window(window if isinstance(window, str) else repr(window))
        except ValueError as exc:
            problems.add("[routing].departure_window", f"{exc}; write it like '07:00-09:00'")
    w = "[routing]"

    def number(key: str, unit: str) -> float:
        return float(_positive(routing, key, w, getattr(defaults, key), unit, problems))

    return RoutingParams(
        departure_start_s=start,
        departure_end_s=end,
        percentiles=_parse_percentiles(routing, problems),
        max_walk_min=number("max_walk_min", "minutes"),
        walk_speed_kmh=number("walk_speed_kmh", "km/h"),
        max_rides=int(
            _positive(routing, "max_rides", w, defaults.max_rides, "rides", problems, integer=True)
        ),
        max_trip_min=number("max_trip_min", "minutes"),
        max_transfer_walk_min=number("max_transfer_walk_min", "minutes"),
        max_snap_m=number("max_snap_m", "metres"),
    )


def _parse_scoring(data: Mapping[str, Any], problems: _Problems) -> ScoringParams:
    scoring = _table(data, "scoring", problems)
    _check_keys(scoring, _SCORING_KEYS, "[scoring]", problems)
    defaults = ScoringParams()
    deciles = scoring.get("deprived_deciles", list(defaults.deprived_deciles))
    if not isinstance(deciles, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 10 for d in deciles
    ):
        problems.add(
            "[scoring].deprived_deciles", f"expected a list of deciles 1 to 10, got {deciles!r}"
        )
        deciles = list(defaults.deprived_deciles)
    w = "[scoring]"

    def number(key: str) -> float:
        return float(_positive(scoring, key, w, getattr(defaults, key), "minutes", problems))

    return ScoringParams(
        deprived_deciles=tuple(sorted(set(deciles))),
        job_cutoff_min=number("job_cutoff_min"),
        space_cutoff_min=number("space_cutoff_min"),
        decay_half_life_min=number("decay_half_life_min"),
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
    problems = _Problems(path)
    _check_keys(data, _SECTIONS, "", problems)
    name, gtfs, osm, service_date = _parse_study(data, base, problems)
    walk_access = _parse_walk_access(data, problems)
    zones = _parse_zones(data, base, problems)
    destinations = _parse_destinations(data, base, problems)
    routing = _parse_routing(data, problems)
    scoring = _parse_scoring(data, problems)
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
    )

