"""Proposed bus routes: load a proposal GeoJSON, validate it and place its stops.

A proposal is a GeoJSON FeatureCollection in WGS84 longitude/latitude (RFC 7946),
or a GeoPackage, Shapefile or other vector file with the same attributes in any
CRS it declares (read through GDAL).

- Each ``LineString`` feature is a new route, drawn along the streets it runs on.
- ``Point`` features with a ``route`` property are explicit stops of that route.
- Features with ``geometry: null`` and a ``type`` property change the existing
  GTFS network (``remove_route``, ``change_headway``), in the style of Conveyal
  modifications.

Route properties
----------------
==================  ========  ==============================================================
property            default   meaning
==================  ========  ==============================================================
``name``            required  unique route name, used as GTFS ``route_short_name``
``headway_min``     required  minutes between departures: a number, or an object mapping
                              ``"HH:MM-HH:MM"`` periods to numbers (the periods then define
                              the service span and ``start``/``end`` are ignored)
``start``/``end``   06:00 /   service span; departures in ``[start, end)``; ``end`` may pass
                    23:00     midnight (``"25:30"``)
``speed_kmh``       18        average running speed between stops, excluding dwell
``dwell_s``         20        dwell at each intermediate stop
``stop_spacing_m``  400       spacing of generated stops (not used with explicit stops)
``bidirectional``   true      also run the reverse direction
``days``            weekdays  ``"weekdays"``, ``"weekends"``, ``"daily"`` or a list such as
                              ``["mon", "sat"]``
``route_type``      3         GTFS route type (3 = bus)
==================  ========  ==============================================================

Styling keys from the simplestyle spec (``stroke``, ``marker-color``, ``title``,
``description``...) that geojson.io and similar editors add are accepted and ignored.

Distances are measured in a local metric CRS: the UTM zone of the route's extent.
"""

from __future__ import annotations

import datetime as dt
import difflib
import enum
import logging
import math
import re
import warnings
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import shapely
from numpy.typing import NDArray

from routes._closest import describe_choices
from routes._crs import local_metric_crs
from routes.errors import InputError, ProposalError, RoutesWarning, join_problems
from routes.proposal._files import MAX_PROPOSAL_BYTES, MAX_PROPOSAL_VERTICES, read_proposal_features

__all__ = [
    "DEFAULT_DWELL_S",
    "DEFAULT_MAX_OUTSIDE_M",
    "DEFAULT_SPEED_KMH",
    "DEFAULT_STOP_SPACING_M",
    "MAX_PROPOSAL_BYTES",
    "MAX_PROPOSAL_VERTICES",
    "HeadwayPeriod",
    "ModificationKind",
    "Proposal",
    "ProposalRoute",
    "ProposalStop",
    "RouteModification",
    "RouteStop",
    "Weekday",
    "compute_departures_s",
    "compute_route_length_m",
    "compute_route_stops",
    "compute_stop_offsets_s",
    "load_proposal",
    "validate_against_network",
    "validate_modifications",
    "validate_service_days",
]

logger = logging.getLogger(__name__)

DEFAULT_SPEED_KMH = 18.0
"""Average UK urban bus speed including traffic and junction delay, excluding dwell."""
MIN_SPEED_KMH = 3.0  # exclusive: slower than walking pace is a typo
MAX_SPEED_KMH = 80.0  # inclusive: faster than an express coach on a motorway is a typo
DEFAULT_DWELL_S = 20.0
"""Typical time to open doors and board a few passengers at a stop."""
MAX_DWELL_S = 600.0
DEFAULT_STOP_SPACING_M = 400.0
"""UK urban stop spacing (about a 5 minute walk to the nearest stop)."""
MIN_STOP_SPACING_M = 50.0
MAX_STOP_SPACING_M = 10_000.0
DEFAULT_START = "06:00"
DEFAULT_END = "23:00"
MIN_HEADWAY_MIN = 1.0
MAX_SERVICE_S = 48 * 3600  # times are seconds after the service day's midnight, < 48:00
MAX_STOP_OFFSET_M = 200.0
"""Largest distance between an explicit stop and its route line."""
DEFAULT_MAX_OUTSIDE_M = 500.0
"""How far outside the street network extent a stop may lie (about 6 min on foot)."""
MAX_ROUTE_KM = 500.0
"""Longest route line (longer is a stray vertex, or a proposal for another scale of study)."""

_ROUTE_KEYS = frozenset(
    {
        "name",
        "headway_min",
        "start",
        "end",
        "speed_kmh",
        "dwell_s",
        "stop_spacing_m",
        "bidirectional",
        "days",
        "route_type",
    }
)
_STOP_KEYS = frozenset({"route", "name"})
_REMOVE_KEYS = frozenset({"type", "gtfs_route_id"})
_CHANGE_KEYS = frozenset({"type", "gtfs_route_id", "headway_min"})
_STYLE_KEYS = frozenset(
    {
        "title",
        "description",
        "stroke",
        "stroke-width",
        "stroke-opacity",
        "fill",
        "fill-opacity",
        "marker-color",
        "marker-size",
        "marker-symbol",
    }
)
_KNOWN_KEYS = _ROUTE_KEYS | _STOP_KEYS | _REMOVE_KEYS | _CHANGE_KEYS | _STYLE_KEYS
_GTFS_ROUTE_TYPES = frozenset({0, 1, 2, 3, 4, 5, 6, 7, 11, 12})
_HHMM = re.compile(r"^\s*(\d{1,2}):([0-5]\d)\s*$")
_PERIOD = re.compile(r"^\s*(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$")


class Weekday(enum.StrEnum):
    """A day of the week; accepts ``"mon"``, ``"Monday"`` and so on."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @classmethod
    def _missing_(cls, value: object) -> Weekday | None:
        if isinstance(value, str):
            text = value.strip().lower()
            for day in cls:
                full = _FULL_DAY_NAMES[day.value]
                if text in {day.value, full}:
                    return day
        return None


_FULL_DAY_NAMES = {
    "mon": "monday",
    "tue": "tuesday",
    "wed": "wednesday",
    "thu": "thursday",
    "fri": "friday",
    "sat": "saturday",
    "sun": "sunday",
}
WEEKDAYS = frozenset({Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI})
WEEKENDS = frozenset({Weekday.SAT, Weekday.SUN})
_DAY_SETS = {"weekdays": WEEKDAYS, "weekends": WEEKENDS, "daily": frozenset(Weekday)}


class ModificationKind(enum.StrEnum):
    """What a modification feature does to an existing GTFS route."""

    REMOVE_ROUTE = "remove_route"
    CHANGE_HEADWAY = "change_headway"

    @classmethod
    def _missing_(cls, value: object) -> ModificationKind | None:
        if isinstance(value, str):
            text = value.strip().lower()
            for kind in cls:
                if kind.value == text:
                    return kind
        return None


@dataclass(frozen=True, slots=True)
class HeadwayPeriod:
    """A period of constant headway: one departure every ``headway_s`` in ``[start_s, end_s)``.

    Attributes
    ----------
    start_s, end_s
        Period start and end, seconds after the service day's midnight (may pass 24 h).
    headway_s
        Time between departures, seconds.
    """

    start_s: int
    end_s: int
    headway_s: int

    @property
    def duration_s(self) -> int:
        """Length of the period, seconds."""
        return self.end_s - self.start_s


@dataclass(frozen=True, slots=True)
class ProposalStop:
    """An explicit stop drawn as a ``Point`` feature.

    Attributes
    ----------
    lon, lat
        WGS84 position as drawn, degrees.
    name
        The stop's ``name`` property, if given.
    feature_index
        Index of the feature in the proposal file, if loaded from one.
    """

    lon: float
    lat: float
    name: str | None = None
    feature_index: int | None = None


@dataclass(frozen=True, slots=True)
class RouteStop:
    """A stop of a route, in running order.

    Attributes
    ----------
    lon, lat
        WGS84 position, degrees (as drawn for explicit stops, on the line otherwise).
    distance_m
        Distance along the route line from its first vertex, metres.
    name
        Stop name for explicit stops with a ``name``, else ``None``.
    """

    lon: float
    lat: float
    distance_m: float
    name: str | None = None


@dataclass(frozen=True, slots=True)
class ProposalRoute:
    """One proposed route (a ``LineString`` feature).

    Attributes
    ----------
    name
        Unique route name.
    coords_lonlat
        Vertices of the route line, WGS84 (lon, lat) degrees, in running order.
    headways
        Headway periods sorted by start, not overlapping; together they are the
        service span.
    speed_kmh
        Average running speed between stops, excluding dwell, km/h.
    dwell_s
        Dwell at each intermediate stop, seconds.
    stop_spacing_m
        Spacing of generated stops, metres (unused when ``stops`` is given).
    bidirectional
        Whether the route also runs in the reverse direction.
    days
        Days of the week the route runs.
    route_type
        GTFS ``route_type`` (3 = bus).
    stops
        Explicit stops ordered along the line, or ``None`` to place stops every
        ``stop_spacing_m``.
    feature_index
        Index of the feature in the proposal file, if loaded from one.
    """

    name: str
    coords_lonlat: tuple[tuple[float, float], ...]
    headways: tuple[HeadwayPeriod, ...]
    speed_kmh: float = DEFAULT_SPEED_KMH
    dwell_s: float = DEFAULT_DWELL_S
    stop_spacing_m: float = DEFAULT_STOP_SPACING_M
    bidirectional: bool = True
    days: frozenset[Weekday] = WEEKDAYS
    route_type: int = 3
    stops: tuple[ProposalStop, ...] | None = None
    feature_index: int | None = None

    @property
    def span_start_s(self) -> int:
        """First departure time, seconds after midnight."""
        return self.headways[0].start_s

    @property
    def span_end_s(self) -> int:
        """End of the service span (no departure at or after it), seconds after midnight."""
        return self.headways[-1].end_s

    @property
    def min_headway_s(self) -> int:
        """Shortest headway of any period, seconds."""
        return min(p.headway_s for p in self.headways)


@dataclass(frozen=True, slots=True)
class RouteModification:
    """A change to an existing GTFS route (a feature with ``geometry: null``).

    Attributes
    ----------
    kind
        What to do.
    gtfs_route_id
        The route, as written in the proposal (usually namespaced
        ``"<feed name>:<route_id>"``).
    headway_s
        The new headway, seconds, for ``CHANGE_HEADWAY``; else ``None``.
    feature_index
        Index of the feature in the proposal file, if loaded from one.
    """

    kind: ModificationKind
    gtfs_route_id: str
    headway_s: int | None = None
    feature_index: int | None = None


@dataclass(frozen=True, slots=True)
class Proposal:
    """A proposal: new routes and changes to existing ones.

    Attributes
    ----------
    name
        Proposal name (the file stem).
    source
        The file it was loaded from, if any.
    routes
        New routes, in file order.
    modifications
        Changes to existing GTFS routes, in file order.
    """

    name: str
    source: Path | None
    routes: tuple[ProposalRoute, ...]
    modifications: tuple[RouteModification, ...] = ()


# --------------------------------------------------------------------------- loading


def load_proposal(path: Path) -> Proposal:
    """Load and validate a proposal file.

    Parameters
    ----------
    path
        A GeoJSON FeatureCollection in WGS84 lon/lat; see the module docstring
        for the properties. Or any vector file GDAL reads (GeoPackage,
        Shapefile... as QGIS saves them), in the CRS it declares, with the
        same properties as attribute columns (see :mod:`routes.proposal._files`).
        At most ``MAX_PROPOSAL_BYTES`` and ``MAX_PROPOSAL_VERTICES`` (20 MB, 100,000).

    Returns
    -------
    Proposal
        The validated proposal, named after the file stem.

    Raises
    ------
    ProposalError
        If the file cannot be read or is not a valid proposal. All problems are
        collected first and reported together, one line each, naming the file,
        the feature (index and name) and the property.

    Warns
    -----
    RoutesWarning
        When ``start``/``end`` are given together with a headway table (they
        are ignored), or ``stop_spacing_m`` together with explicit stops.
    """
    path = Path(path)
    label = str(path)
    features, labels = read_proposal_features(path, label, _KNOWN_KEYS)

    parser = _Parser(label, labels)
    for index, feature in enumerate(features):
        parser.parse_feature(index, feature)
    routes = parser.finish()
    modifications = tuple(parser.modifications)
    if not parser.problems and not routes and not modifications:
        parser.problems.append(
            f"{label}: no routes or modifications; add a LineString feature with"
            " 'name' and 'headway_min', or a modification feature"
        )
    if parser.problems:
        raise ProposalError(join_problems(parser.problems))
    logger.info(
        "proposal %s: %d routes, %d modifications", path.stem, len(routes), len(modifications)
    )
    return Proposal(name=path.stem, source=path, routes=routes, modifications=modifications)


@dataclass
class _RouteDraft:
    index: int
    name: str
    coords: tuple[tuple[float, float], ...]
    fields: dict[str, Any]
    spacing_given: bool


@dataclass
class _StopDraft:
    index: int
    route: str
    stop: ProposalStop


class _Parser:
    """Collects routes, stops, modifications and problems feature by feature."""

    def __init__(self, label: str, feature_labels: list[str] | None = None) -> None:
        self.label = label
        self.feature_labels = feature_labels
        self.problems: list[str] = []
        self.routes: list[_RouteDraft] = []
        self.stops: list[_StopDraft] = []
        self.modifications: list[RouteModification] = []
        self.names: dict[str, int] = {}
        self.modified: dict[str, int] = {}

    def where(self, index: int, name: object = None) -> str:
        base = (self.feature_labels[index] if self.feature_labels is not None
                else f"{self.label} feature {index}")
        if isinstance(name, str) and name.strip():
            return f"{base} ({name.strip()!r})"
        return base

    def add(self, where: str, field: str, text: str) -> None:
        self.problems.append(f"{where} {field}: {text}")

    def parse_feature(self, index: int, feature: object) -> None:
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            got = feature.get("type") if isinstance(feature, dict) else type(feature).__name__
            self.add(
                self.where(index),
                "type",
                f"expected a GeoJSON 'Feature', got {got!r}; "
                "wrap the geometry in a Feature with properties",
            )
            return
        props = feature.get("properties")
        if props is None:
            props = {}
        if not isinstance(props, dict):
            self.add(
                self.where(index),
                "properties",
                "expected an object; give the feature a 'properties' object",
            )
            return
        geometry = feature.get("geometry")
        if geometry is None:
            self.parse_modification(index, props)
            return
        gtype = geometry.get("type") if isinstance(geometry, dict) else None
        if gtype == "LineString":
            self.parse_route(index, props, geometry)
        elif gtype == "Point":
            self.parse_stop(index, props, geometry)
        elif gtype == "MultiLineString":
            self.add(
                self.where(index, props.get("name")),
                "geometry",
                "MultiLineString is not supported; split it into one LineString feature per"
                " route, or join the parts into a single line",
            )
        else:
            self.add(
                self.where(index, props.get("name")),
                "geometry",
                f"{gtype!r} is neither a route nor a stop; draw a route as a LineString, a"
                " stop as a Point with a 'route' property, or use geometry null for a"
                " modification",
            )

    # ----------------------------------------------------------------- routes

    def parse_route(self, index: int, props: dict[str, Any], geometry: dict[str, Any]) -> None:
        where = self.where(index, props.get("name"))
        n_before = len(self.problems)
        self.check_keys(where, props, _ROUTE_KEYS, "route")
        name = props.get("name")
        if not isinstance(name, str) or not name.strip():
            self.add(
                where,
                "name",
                f"expected a non-empty route name, got {name!r}; give every route a unique 'name'",
            )
            name = None
        else:
            name = name.strip()
            if name in self.names:
                self.add(
                    where,
                    "name",
                    f"{name!r} is already used by feature "
                    f"{self.names[name]}; give each route a unique name",
                )
            else:
                self.names[name] = index
        coords = self.parse_line(where, geometry.get("coordinates"))
        fields: dict[str, Any] = {}
        fields["headways"] = self.parse_headways(where, props)
        fields["speed_kmh"] = self.parse_number(
            where,
            props,
            "speed_kmh",
            DEFAULT_SPEED_KMH,
            MIN_SPEED_KMH,
            MAX_SPEED_KMH,
            low_open=True,
            unit="km/h",
            hint=f"give the average running speed, e.g. {DEFAULT_SPEED_KMH:g} for a UK town",
        )
        fields["dwell_s"] = self.parse_number(
            where,
            props,
            "dwell_s",
            DEFAULT_DWELL_S,
            0.0,
            MAX_DWELL_S,
            unit="seconds",
            hint=f"give the dwell per stop in seconds, e.g. {DEFAULT_DWELL_S:g}",
        )
        fields["stop_spacing_m"] = self.parse_number(
            where,
            props,
            "stop_spacing_m",
            DEFAULT_STOP_SPACING_M,
            MIN_STOP_SPACING_M,
            MAX_STOP_SPACING_M,
            unit="metres",
            hint=f"give the stop spacing in metres, e.g. {DEFAULT_STOP_SPACING_M:g}",
        )
        fields["bidirectional"] = props.get("bidirectional", True)
        if not isinstance(fields["bidirectional"], bool):
            self.add(
                where,
                "bidirectional",
                f"expected true or false, got "
                f"{fields['bidirectional']!r}; use a JSON boolean without quotes",
            )
        fields["days"] = self.parse_days(where, props.get("days", "weekdays"))
        route_type = props.get("route_type", 3)
        if (
            isinstance(route_type, bool)
            or not isinstance(route_type, int)
            or not (route_type in _GTFS_ROUTE_TYPES or 100 <= route_type <= 1799)
        ):
            self.add(
                where,
                "route_type",
                f"{route_type!r} is not a GTFS route type; use 3 for bus (or leave it out)",
            )
        fields["route_type"] = route_type
        if len(self.problems) == n_before and name is not None and coords is not None:
            self.routes.append(_RouteDraft(index, name, coords, fields, "stop_spacing_m" in props))

    def parse_line(self, where: str, coords: object) -> tuple[tuple[float, float], ...] | None:
        if not isinstance(coords, list) or len(coords) < 2:
            self.add(
                where,
                "coordinates",
                "a LineString needs at least 2 positions; "
                "draw the route from its first to its last stop",
            )
            return None
        out: list[tuple[float, float]] = []
        for vertex, position in enumerate(coords):
            point = self.parse_position(where, position, f"vertex {vertex}")
            if point is None:
                return None
            out.append(point)
        return tuple(out)

    def parse_position(self, where: str, position: object, what: str) -> tuple[float, float] | None:
        if (
            not isinstance(position, list)
            or len(position) not in (2, 3)
            or any(_as_number(v) is None for v in position)
        ):
            self.add(
                where,
                "coordinates",
                f"{what} {position!r} is not [lon, lat]; "
                "write positions as [longitude, latitude] numbers",
            )
            return None
        lon, lat = float(position[0]), float(position[1])
        if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
            hint = (
                "these look like projected metres: reproject to WGS84 (EPSG:4326)"
                if abs(lon) > 1000 or abs(lat) > 1000
                else "write positions as [longitude, latitude] in WGS84 degrees"
            )
            self.add(
                where,
                "coordinates",
                f"{what} {position!r} is outside longitude -180..180 / latitude -90..90; {hint}",
            )
            return None
        return (lon, lat)

    def parse_headways(self, where: str, props: dict[str, Any]) -> tuple[HeadwayPeriod, ...]:
        value = props.get("headway_min")
        example = 'e.g. 10, or by period {"07:00-09:30": 10, "09:30-18:00": 15}'
        if "headway_min" not in props:
            self.add(
                where, "headway_min", f"missing; give the minutes between departures, {example}"
            )
            return ()
        if isinstance(value, dict):
            if "start" in props or "end" in props:
                warnings.warn(
                    f"{where}: 'start'/'end' are ignored because headway_min is given by "
                    "period; the periods define the service span",
                    RoutesWarning,
                    stacklevel=5,
                )
            return self.parse_periods(where, value, example)
        headway_s = self.parse_headway_value(where, "headway_min", value, example)
        start_s = self.parse_time(where, "start", props.get("start", DEFAULT_START))
        end_s = self.parse_time(where, "end", props.get("end", DEFAULT_END))
        if headway_s is None or start_s is None or end_s is None:
            return ()
        if end_s <= start_s:
            self.add(
                where,
                "end",
                f"{props.get('end', DEFAULT_END)!r} is not after start "
                f"{props.get('start', DEFAULT_START)!r}; for service past midnight write "
                "e.g. '25:30'",
            )
            return ()
        return (HeadwayPeriod(start_s, end_s, headway_s),)

    def parse_periods(
        self, where: str, table: dict[str, Any], example: str
    ) -> tuple[HeadwayPeriod, ...]:
        if not table:
            self.add(where, "headway_min", f"the period table is empty; {example}")
            return ()
        periods: list[tuple[HeadwayPeriod, str]] = []
        ok = True
        for key, value in table.items():
            field = f"headway_min[{key!r}]"
            match = _PERIOD.match(key)
            start_s = end_s = None
            if match is None:
                self.add(
                    where, field, "is not a period 'HH:MM-HH:MM'; write periods like '07:00-09:30'"
                )
            else:
                start_s = self.parse_time(where, field, match.group(1))
                end_s = self.parse_time(where, field, match.group(2))
                if start_s is not None and end_s is not None and end_s <= start_s:
                    self.add(
                        where,
                        field,
                        "the period ends before it starts; for service "
                        "past midnight write e.g. '22:00-25:00'",
                    )
                    start_s = None
            headway_s = self.parse_headway_value(where, field, value, "e.g. 10")
            if start_s is None or end_s is None or headway_s is None:
                ok = False
                continue
            periods.append((HeadwayPeriod(start_s, end_s, headway_s), key))
        if not ok:
            return ()
        periods.sort(key=lambda item: item[0].start_s)
        for (a, key_a), (b, key_b) in zip(periods, periods[1:], strict=False):
            if b.start_s < a.end_s:
                self.add(
                    where,
                    "headway_min",
                    f"periods {key_a!r} and {key_b!r} overlap; "
                    "make each period end at or before the next one starts",
                )
                ok = False
        return tuple(p for p, _ in periods) if ok else ()

    def parse_headway_value(
        self, where: str, field: str, value: object, example: str
    ) -> int | None:
        number = _as_number(value)
        if number is None or number <= 0:
            self.add(
                where,
                field,
                f"expected a positive number of minutes, got {value!r}; "
                f"give the minutes between departures, {example}",
            )
            return None
        if number < MIN_HEADWAY_MIN:
            self.add(
                where,
                field,
                f"{value!r} minutes is shorter than "
                f"{MIN_HEADWAY_MIN:g} minute; headways are in minutes, e.g. 10",
            )
            return None
        return round(number * 60)

    def parse_time(self, where: str, field: str, value: object) -> int | None:
        match = _HHMM.match(value) if isinstance(value, str) else None
        if match is None or int(match.group(1)) * 3600 + int(match.group(2)) * 60 > MAX_SERVICE_S:
            self.add(
                where,
                field,
                f"{value!r} is not a time 'HH:MM' from 00:00 to 48:00; "
                "write e.g. '06:30', or '25:30' for 01:30 after midnight",
            )
            return None
        return int(match.group(1)) * 3600 + int(match.group(2)) * 60

    def parse_number(
        self,
        where: str,
        props: dict[str, Any],
        key: str,
        default: float,
        low: float,
        high: float,
        *,
        low_open: bool = False,
        unit: str,
        hint: str,
    ) -> float:
        if key not in props:
            return default
        value = props[key]
        number = _as_number(value)
        in_range = number is not None and (number > low if low_open else number >= low)
        if number is None or not in_range or number > high:
            bracket = "(" if low_open else "["
            self.add(
                where,
                key,
                f"expected a number of {unit} in {bracket}{low:g}, {high:g}], "
                f"got {value!r}; {hint}",
            )
            return default
        return number

    def parse_days(self, where: str, value: object) -> frozenset[Weekday]:
        hint = "use 'weekdays', 'weekends', 'daily' or a list such as [\"mon\", \"sat\"]"
        if isinstance(value, str):
            days = _DAY_SETS.get(value.strip().lower())
            if days is None:
                close = difflib.get_close_matches(value.strip().lower(), list(_DAY_SETS), n=1)
                extra = f" (did you mean {close[0]!r}?)" if close else ""
                self.add(where, "days", f"{value!r} is not a set of days{extra}; {hint}")
                return WEEKDAYS
            return days
        if not isinstance(value, list) or not value:
            self.add(where, "days", f"expected a non-empty list of days, got {value!r}; {hint}")
            return WEEKDAYS
        out: set[Weekday] = set()
        for item in value:
            try:
                out.add(Weekday(item))
            except ValueError:
                self.add(where, "days", f"{item!r} is not a day of the week; {hint}")
        return frozenset(out) or WEEKDAYS

    def check_keys(
        self, where: str, props: Mapping[str, Any], allowed: frozenset[str], what: str
    ) -> None:
        for key in props:
            if key in allowed or key in _STYLE_KEYS:
                continue
            close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            extra = f" (did you mean {close[0]!r}?)" if close else ""
            self.add(
                where,
                str(key),
                f"unknown property for a {what}{extra}; allowed: {', '.join(sorted(allowed))}",
            )

    # ------------------------------------------------------------------ stops

    def parse_stop(self, index: int, props: dict[str, Any], geometry: dict[str, Any]) -> None:
        route = props.get("route")
        name = props.get("name")
        where = self.where(index, name if isinstance(name, str) else None)
        n_before = len(self.problems)
        self.check_keys(where, props, _STOP_KEYS, "stop")
        if not isinstance(route, str) or not route.strip():
            self.add(
                where,
                "route",
                "a Point must name the route it is a stop of; set "
                "'route' to the route's name (or remove the point)",
            )
        if name is not None and not isinstance(name, str):
            self.add(where, "name", f"expected a stop name string, got {name!r}")
        point = self.parse_position(where, geometry.get("coordinates"), "position")
        if len(self.problems) == n_before and point is not None and isinstance(route, str):
            stop = ProposalStop(point[0], point[1], name.strip() if name else None, index)
            self.stops.append(_StopDraft(index, route.strip(), stop))

    # ---------------------------------------------------------- modifications

    def parse_modification(self, index: int, props: dict[str, Any]) -> None:
        kind_value = props.get("type")
        route_id = props.get("gtfs_route_id")
        label = f"{kind_value} {route_id}" if isinstance(route_id, str) else None
        where = self.where(index, label)
        if "type" not in props:
            self.add(
                where,
                "geometry",
                "missing; draw a route as a LineString, or for a "
                "modification set 'type' to 'remove_route' or 'change_headway'",
            )
            return
        try:
            kind = ModificationKind(str(kind_value))
        except ValueError:
            self.add(
                where,
                "type",
                f"{kind_value!r} is not a modification; use 'remove_route' or 'change_headway'",
            )
            return
        n_before = len(self.problems)
        allowed = _REMOVE_KEYS if kind is ModificationKind.REMOVE_ROUTE else _CHANGE_KEYS
        self.check_keys(where, props, allowed, kind.value)
        if not isinstance(route_id, str) or not route_id.strip():
            self.add(
                where,
                "gtfs_route_id",
                f"expected a GTFS route id string such as "
                f"'feed:route', got {route_id!r}; quote ids that look like numbers",
            )
            return
        route_id = route_id.strip()
        headway_s = None
        if kind is ModificationKind.CHANGE_HEADWAY:
            if "headway_min" not in props:
                self.add(
                    where,
                    "headway_min",
                    "missing; give the new minutes between departures, e.g. 15",
                )
            else:
                headway_s = self.parse_headway_value(
                    where, "headway_min", props["headway_min"], "a single number, e.g. 15"
                )
        if route_id in self.modified:
            self.add(
                where,
                "gtfs_route_id",
                f"{route_id!r} is already modified by feature "
                f"{self.modified[route_id]}; keep one modification per route",
            )
        self.modified.setdefault(route_id, index)
        if len(self.problems) == n_before:
            self.modifications.append(RouteModification(kind, route_id, headway_s, index))

    # ------------------------------------------------------------------ finish

    def finish(self) -> tuple[ProposalRoute, ...]:
        by_route: dict[str, list[_StopDraft]] = {}
        for stop in self.stops:
            if stop.route in self.names:
                by_route.setdefault(stop.route, []).append(stop)
                continue
            close = difflib.get_close_matches(stop.route, list(self.names), n=3)
            extra = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            self.add(
                self.where(stop.index, stop.stop.name),
                "route",
                f"{stop.route!r} is not the name of any route in this file{extra}"
                " (set it to a route's exact name)",
            )
        routes: list[ProposalRoute] = []
        for draft in self.routes:
            route = ProposalRoute(
                name=draft.name,
                coords_lonlat=draft.coords,
                **draft.fields,
                feature_index=draft.index,
            )
            where = self.where(draft.index, draft.name)
            try:
                line_m, to_metric = _route_line_m(route)
            except InputError as exc:
                self.add(where, "coordinates", str(exc))
                continue
            if line_m.length <= 0.0:
                self.add(
                    where,
                    "coordinates",
                    "the line has zero length; draw the route from its first to its last stop",
                )
                continue
            if line_m.length > MAX_ROUTE_KM * 1000:
                self.add(
                    where,
                    "coordinates",
                    f"the line is {line_m.length / 1000:,.0f} km long, more than the "
                    f"{MAX_ROUTE_KM:g} km a route may be; look for a stray vertex, or split it",
                )
                continue
            stops = by_route.get(draft.name)
            if stops is not None:
                ordered = self.order_stops(where, line_m, to_metric, stops)
                if ordered is None:
                    continue
                if draft.spacing_given:
                    warnings.warn(
                        f"{where}: stop_spacing_m is ignored because the route has explicit stops",
                        RoutesWarning,
                        stacklevel=3,
                    )
                route = _replace_stops(route, ordered)
            routes.append(route)
        return tuple(routes)

    def order_stops(
        self,
        where: str,
        line_m: shapely.LineString,
        to_metric: pyproj.Transformer,
        stops: list[_StopDraft],
    ) -> tuple[ProposalStop, ...] | None:
        if len(stops) < 2:
            self.add(
                where,
                "stops",
                f"has {len(stops)} stop feature; give at least 2, or "
                "remove it to place stops every stop_spacing_m",
            )
            return None
        x, y = to_metric.transform([s.stop.lon for s in stops], [s.stop.lat for s in stops])
        points = shapely.points(np.asarray(x), np.asarray(y))
        offset_m = shapely.distance(points, line_m)
        ok = True
        for draft, off in zip(stops, offset_m, strict=True):
            if off > MAX_STOP_OFFSET_M:
                self.add(
                    self.where(draft.index, draft.stop.name),
                    "coordinates",
                    f"stop is {off:.0f} m from route {draft.route!r} (at most "
                    f"{MAX_STOP_OFFSET_M:g} m allowed); move it onto the route",
                )
                ok = False
        if not ok:
            return None
        along = shapely.line_locate_point(line_m, points)
        order = np.argsort(along, kind="stable")
        return tuple(stops[i].stop for i in order)


def _as_number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _replace_stops(route: ProposalRoute, stops: tuple[ProposalStop, ...]) -> ProposalRoute:
    return replace(route, stops=stops)


# ------------------------------------------------------------------- geometry


@lru_cache(maxsize=32)
def _transformer(source: str, target: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(source, target, always_xy=True)


def _route_line_m(route: ProposalRoute) -> tuple[shapely.LineString, pyproj.Transformer]:
    lon, lat = np.asarray(route.coords_lonlat, dtype=np.float64).T
    crs = local_metric_crs(float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))
    to_metric = _transformer("EPSG:4326", crs)
    x, y = to_metric.transform(lon, lat)
    return shapely.linestrings(np.column_stack([x, y])), to_metric


def compute_route_length_m(route: ProposalRoute) -> float:
    """Length of the route line, metres (in the UTM zone of its extent).

    Parameters
    ----------
    route
        The route.

    Returns
    -------
    float
        Length of the whole drawn line, metres.
    """
    line_m, _ = _route_line_m(route)
    return float(line_m.length)


def _spacing_positions_m(length_m: float, spacing_m: float) -> list[float]:
    positions = [k * spacing_m for k in range(math.floor(length_m / spacing_m) + 1)]
    positions = [p for p in positions if p < length_m]
    if len(positions) > 1 and length_m - positions[-1] < spacing_m / 2.0:
        positions.pop()
    positions.append(length_m)
    return positions


def compute_route_stops(route: ProposalRoute) -> tuple[RouteStop, ...]:
    """Place a route's stops and measure their distance along the line.

    Parameters
    ----------
    route
        The route.

    Returns
    -------
    tuple[RouteStop, ...]
        Stops in running order (forward direction).

    Notes
    -----
    Without explicit stops, stops are placed at both ends of the line and every
    ``stop_spacing_m`` from its start. The last gap may be shorter; when it is
    shorter than half the spacing, the stop before it is dropped, so the last gap
    is between 0.5 and 1.5 spacings (a 4,100 m line with 400 m spacing gets stops
    at 0, 400, ..., 3,600 and 4,100 m).

    Explicit stops keep the position they were drawn at; ``distance_m`` is their
    projection onto the line, and they are ordered by it.
    """
    line_m, to_metric = _route_line_m(route)
    if route.stops is not None:
        x, y = to_metric.transform([s.lon for s in route.stops], [s.lat for s in route.stops])
        along = shapely.line_locate_point(line_m, shapely.points(np.asarray(x), np.asarray(y)))
        order = np.argsort(along, kind="stable")
        return tuple(
            RouteStop(route.stops[i].lon, route.stops[i].lat, float(along[i]), route.stops[i].name)
            for i in order
        )
    positions = _spacing_positions_m(float(line_m.length), route.stop_spacing_m)
    points = shapely.line_interpolate_point(line_m, np.asarray(positions))
    x, y = shapely.get_x(points), shapely.get_y(points)
    lon, lat = to_metric.transform(x, y, direction=pyproj.enums.TransformDirection.INVERSE)
    return tuple(
        RouteStop(float(a), float(b), float(d)) for a, b, d in zip(lon, lat, positions, strict=True)
    )


def compute_stop_offsets_s(
    route: ProposalRoute, stops: tuple[RouteStop, ...], *, reverse: bool = False
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Scheduled arrival and departure at each stop, relative to the first departure.

    Parameters
    ----------
    route
        The route (its ``speed_kmh`` and ``dwell_s`` are used).
    stops
        Its stops in forward order, from :func:`compute_route_stops`.
    reverse
        Give the offsets of the reverse direction (stops in reverse order).

    Returns
    -------
    arrival_s, departure_s
        Seconds after the departure from the first stop served, ``int64``, one per
        stop in the direction's running order.

    Notes
    -----
    Arrival at stop *i* is ``d_i / v + (i - 1) * dwell`` for *i* >= 1, with ``d_i``
    the distance run since the first stop and ``v`` the speed; departure is arrival
    plus the dwell at intermediate stops. There is no dwell at the first and last
    stop. Times are rounded to whole seconds (half up) from the unrounded running
    total, so rounding errors do not accumulate.
    """
    distance_m = np.asarray([s.distance_m for s in stops], dtype=np.float64)
    distance_m = distance_m[-1] - distance_m[::-1] if reverse else distance_m - distance_m[0]
    n = len(distance_m)
    dwells_before = np.maximum(np.arange(n) - 1, 0)
    arrival = distance_m * 3.6 / route.speed_kmh + dwells_before * route.dwell_s
    departure = arrival.copy()
    departure[1:-1] += route.dwell_s
    return (
        np.floor(arrival + 0.5).astype(np.int64),
        np.floor(departure + 0.5).astype(np.int64),
    )


def compute_departures_s(route: ProposalRoute) -> NDArray[np.int64]:
    """Departure times from the first stop, in one direction.

    Parameters
    ----------
    route
        The route.

    Returns
    -------
    NDArray[np.int64]
        Seconds after midnight, sorted: in every period, ``start_s``,
        ``start_s + headway_s``, ... while before ``end_s``. Each period starts
        its own sequence at its start. The reverse direction has the same
        departures from its own first stop.
    """
    parts = [np.arange(p.start_s, p.end_s, p.headway_s, dtype=np.int64) for p in route.headways]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


# ----------------------------------------------------------------- validation


def _feature_label(proposal: Proposal, index: int | None, name: str) -> str:
    source = str(proposal.source) if proposal.source is not None else proposal.name
    if index is None:
        return f"{source} route {name!r}"
    return f"{source} feature {index} ({name!r})"


def validate_against_network(
    proposal: Proposal,
    bbox_lonlat: tuple[float, float, float, float],
    *,
    max_outside_m: float = DEFAULT_MAX_OUTSIDE_M,
) -> None:
    """Check that every route's stops lie within the street network extent.

    Parameters
    ----------
    proposal
        The proposal.
    bbox_lonlat
        Extent of the street network, ``(lon_min, lat_min, lon_max, lat_max)``,
        WGS84 degrees.
    max_outside_m
        How far outside the extent a stop may lie, metres (geodesic distance to
        the nearest point of the box).

    Raises
    ------
    ProposalError
        Naming each route with stops farther out than ``max_outside_m``.
    ValueError
        If ``bbox_lonlat`` is not an ordered box.
    """
    lon_min, lat_min, lon_max, lat_max = bbox_lonlat
    if not (lon_min < lon_max and lat_min < lat_max):
        msg = f"bbox_lonlat {bbox_lonlat!r} is not (lon_min, lat_min, lon_max, lat_max)"
        raise ValueError(msg)
    geod = pyproj.Geod(ellps="WGS84")
    problems = []
    for route in proposal.routes:
        stops = compute_route_stops(route)
        lon = np.asarray([s.lon for s in stops])
        lat = np.asarray([s.lat for s in stops])
        _, _, outside_m = geod.inv(
            lon, lat, np.clip(lon, lon_min, lon_max), np.clip(lat, lat_min, lat_max)
        )
        outside_m = np.asarray(outside_m)
        far = outside_m > max_outside_m
        if far.any():
            problems.append(
                f"{_feature_label(proposal, route.feature_index, route.name)} coordinates: "
                f"{int(far.sum())} of {len(stops)} stops lie up to "
                f"{outside_m.max() / 1000:,.1f} km outside the street network (lon "
                f"{lon_min:g}..{lon_max:g}, lat {lat_min:g}..{lat_max:g}); move the route "
                "into the study area or use an OSM extract that covers it"
            )
    if problems:
        raise ProposalError(join_problems(problems))


def validate_modifications(proposal: Proposal, known_route_ids: Collection[str]) -> None:
    """Check that every modification names a known GTFS route.

    Parameters
    ----------
    proposal
        The proposal.
    known_route_ids
        Route ids of the loaded feeds, in the form the proposal uses
        (namespaced ``"<feed name>:<route_id>"``).

    Raises
    ------
    ProposalError
        Naming each modification whose route is unknown, with up to three close
        known ids.
    """
    known = set(known_route_ids)
    problems = []
    for mod in proposal.modifications:
        if mod.gtfs_route_id in known:
            continue
        extra = describe_choices(mod.gtfs_route_id, known, noun="routes")
        problems.append(
            f"{_feature_label(proposal, mod.feature_index, f'{mod.kind} {mod.gtfs_route_id}')} "
            f"gtfs_route_id: {mod.gtfs_route_id!r} is not a route of the loaded GTFS feeds "
            f"({extra}); write '<feed name>:<route_id>' with a route_id from the feed's routes.txt"
        )
    if problems:
        raise ProposalError(join_problems(problems))


def validate_service_days(proposal: Proposal, service_date: dt.date) -> None:
    """Check that every route runs on the study's service date (its ``days``).

    A route that does not run on the date adds no trips to the timetable that
    is routed, yet its running cost would count against the proposal.

    Raises
    ------
    ProposalError
        Naming each route whose ``days`` leave out the date's day of the week.
    """
    day = list(Weekday)[service_date.weekday()]
    problems = []
    for route in proposal.routes:
        if day in route.days:
            continue
        days = next((name for name, values in _DAY_SETS.items() if values == route.days),
                    ", ".join(d.value for d in Weekday if d in route.days))
        problems.append(
            f"{_feature_label(proposal, route.feature_index, route.name)} days: {days!r} does "
            f"not include {_FULL_DAY_NAMES[day.value].capitalize()}, the study date "
            f"{service_date.isoformat()}, so the route would add no trips yet its running cost "
            f"would count; add {day.value!r} to its days, or choose a [study_area].date it runs on"
        )
    if problems:
        raise ProposalError(join_problems(problems))
