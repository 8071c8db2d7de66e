"""Parse the properties of proposal features into values, collecting every problem.

Each bad value adds one line to :attr:`FieldParser.problems`, naming the
feature and the property, with what to do; :mod:`routes.proposal.load` reports
them all together.
"""

from __future__ import annotations

import difflib
import math
import re
import warnings
from collections.abc import Mapping
from typing import Any

from routes.errors import RoutesWarning
from routes.proposal.model import (
    _DAY_SETS,
    DEFAULT_END,
    DEFAULT_START,
    MAX_SERVICE_S,
    MIN_HEADWAY_MIN,
    WEEKDAYS,
    HeadwayPeriod,
    Weekday,
)

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
        "fare",
        "operator",
    }
)
_STOP_KEYS = frozenset({"route", "name"})
_REMOVE_KEYS = frozenset({"type", "gtfs_route_id"})
_CHANGE_KEYS = frozenset({"type", "gtfs_route_id", "headway_min"})
_THROUGH_KEYS = frozenset({"type", "operators", "transfer_window_min", "transfer_price",
                           "max_transfers"})
_CHANGE_FARE_KEYS = frozenset({"type", "gtfs_route_id", "agency", "single"})
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
_KNOWN_KEYS = (_ROUTE_KEYS | _STOP_KEYS | _REMOVE_KEYS | _CHANGE_KEYS | _THROUGH_KEYS
               | _CHANGE_FARE_KEYS | _STYLE_KEYS)
_GTFS_ROUTE_TYPES = frozenset({0, 1, 2, 3, 4, 5, 6, 7, 11, 12})
_HHMM = re.compile(r"^\s*(\d{1,2}):([0-5]\d)\s*$")
_PERIOD = re.compile(r"^\s*(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$")


class FieldParser:
    """Parses feature properties, collecting a one-line problem for each bad value."""

    def __init__(self, label: str, feature_labels: list[str] | None = None) -> None:
        self.label = label
        self.feature_labels = feature_labels
        self.problems: list[str] = []

    def where(self, index: int, name: object = None) -> str:
        base = (self.feature_labels[index] if self.feature_labels is not None
                else f"{self.label} feature {index}")
        if isinstance(name, str) and name.strip():
            return f"{base} ({name.strip()!r})"
        return base

    def add(self, where: str, field: str, text: str) -> None:
        self.problems.append(f"{where} {field}: {text}")


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


def _as_number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None
