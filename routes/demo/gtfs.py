"""Demo Town's bus timetable: six radial routes as a GTFS zip."""

from __future__ import annotations

import csv
import io
import itertools
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from routes.demo.town import _grid_street_name, _lonlat, _Town
from routes.io import zip_bytes
from routes.timetable.gtfs_time import format_gtfs_time

_ARMS = {
    "E": (1, 0), "W": (-1, 0), "N": (0, 1), "S": (0, -1),
    "NE": (1, 1), "NW": (-1, 1), "SW": (-1, -1), "SE": (1, -1),
}  # fmt: skip
_ARM_ROADS = {
    "E": "Eastfield Road", "W": "Westbrook Road", "S": "Southfield Road",
    "NE": "Northgate Road", "NW": "Hospital Road", "SW": "Southgate Road",
}  # fmt: skip
_STOP_SPACING_M = 350.0
_DWELL_S = 20
_BANK_HOLIDAYS_2026 = (
    "20260101", "20260403", "20260406", "20260504", "20260525", "20260831", "20261225",
    "20261228",
)  # fmt: skip


# --------------------------------------------------------------------------- GTFS


@dataclass
class _Stop:
    stop_id: str
    name: str
    x: float
    y: float
    parent: str = ""
    location_type: int = 0


@dataclass
class _BusLine:
    route_id: str
    short_name: str
    long_name: str
    terminus: str
    colour: str
    peak_min: int
    offpeak_min: int
    path: list[tuple[float, float]]
    stops_out: list[tuple[_Stop, float]]  # stop, distance from the bus station, metres
    stops_in: list[tuple[_Stop, float]]  # stop, distance from the terminus, metres


def _cross_street(town: _Town, node: int, index: tuple[int, int], road: str) -> str:
    """Name a stop's cross street: a named street at its node, else the grid line's name."""
    names = {e.name for e in town.edges if node in (e.a, e.b) and e.name}
    names.discard(road)
    if names:
        return sorted(names)[0]
    i, j = index
    return _grid_street_name("col", i) if j == 0 else _grid_street_name("row", j)


def _build_bus_line(town: _Town, spec: tuple[str, str, str, str, str, int, int, str]) -> _BusLine:
    """Run a route out along its arterial from the bus station, stops every ~350 m."""
    route_id, short, long_name, arm, terminus, peak, offpeak, colour = spec
    di, dj = _ARMS[arm]
    indexes: list[tuple[int, int]] = []
    while (len(indexes) * di, len(indexes) * dj) in town.grid:
        indexes.append((len(indexes) * di, len(indexes) * dj))
    nodes = [town.grid[ij] for ij in indexes]
    path = [town.xy[n] for n in nodes]
    along = [0.0]
    for p, q in itertools.pairwise(path):
        along.append(along[-1] + math.dist(p, q))
    chosen: list[int] = []  # positions along the path with a pair of stops
    for m in range(1, int(along[-1] // _STOP_SPACING_M) + 1):
        best = min(range(1, len(path) - 1), key=lambda n: abs(along[n] - m * _STOP_SPACING_M))
        if not chosen or best > chosen[-1]:
            chosen.append(best)
    if chosen and along[-1] - along[chosen[-1]] < _STOP_SPACING_M / 2:
        chosen.pop()
    number = int(route_id)
    stand = _Stop(
        f"BS{route_id}",
        f"Bus Station (stand {'ABCDEF'[number - 1]})",
        -40.0 + 16.0 * number,
        -22.0,
        parent="BS",
    )
    end_x, end_y = path[-1]
    term = _Stop(f"DT{route_id}T", f"{terminus} Terminus", end_x + 8.0, end_y + 8.0)
    stops_out: list[tuple[_Stop, float]] = [(stand, 0.0)]
    stops_in: list[tuple[_Stop, float]] = []
    road = _ARM_ROADS[arm]
    for seq, n in enumerate(chosen, start=1):
        (x0, y0), (x1, y1) = path[n - 1], path[n + 1]
        norm = math.hypot(x1 - x0, y1 - y0)
        ux, uy = (x1 - x0) / norm, (y1 - y0) / norm
        name = f"{road} / {_cross_street(town, nodes[n], indexes[n], road)}"
        x, y = path[n]
        # Buses keep left: each stop of a pair is on the left of its direction of travel.
        out_stop = _Stop(f"DT{route_id}{seq:02d}A", name, x - 9.0 * uy, y + 9.0 * ux)
        in_stop = _Stop(f"DT{route_id}{seq:02d}B", name, x + 9.0 * uy, y - 9.0 * ux)
        stops_out.append((out_stop, along[n]))
        stops_in.append((in_stop, along[-1] - along[n]))
    stops_out.append((term, along[-1]))
    stops_in = [(term, 0.0), *stops_in[::-1], (stand, along[-1])]
    return _BusLine(
        route_id, short, long_name, terminus, colour, peak, offpeak, path, stops_out, stops_in
    )


def _headway_min(t_min: int, service: str, line: _BusLine) -> int:
    """Minutes to the next departure after one at ``t_min`` (minutes after midnight)."""
    if service == "SA":
        if t_min < 9 * 60:
            return 30
        return max(20, line.offpeak_min) if t_min < 18 * 60 else 60
    if t_min < 7 * 60:
        return 30
    if t_min < 9 * 60 + 30 or 15 * 60 + 30 <= t_min < 18 * 60 + 30:
        return line.peak_min
    if t_min < 15 * 60 + 30:
        return line.offpeak_min
    return 30 if t_min < 20 * 60 else 60


def _departures_min(line: _BusLine, service: str, offset_min: int) -> Iterator[int]:
    """Departures from the first stop, minutes after midnight: 06:00-23:30 (Sat 07:00-23:00)."""
    t_min, end_min = (7 * 60, 23 * 60) if service == "SA" else (6 * 60, 23 * 60 + 30)
    t_min += offset_min
    while t_min < end_min:
        yield t_min
        t_min += _headway_min(t_min, service, line)


def _speed_kmh(t_min: int, service: str) -> float:
    if service == "SA":
        return 18.0
    if 7 * 60 <= t_min < 9 * 60 + 30 or 15 * 60 + 30 <= t_min < 18 * 60 + 30:
        return 16.0
    return 19.0 if t_min < 19 * 60 else 21.0


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _render_gtfs(lines: list[_BusLine]) -> bytes:
    stops: dict[str, _Stop] = {"BS": _Stop("BS", "Demo Town Bus Station", 0.0, -22.0, "", 1)}
    for line in lines:
        for stop, _ in (*line.stops_out, *line.stops_in):
            stops[stop.stop_id] = stop
    trips: list[tuple[str, ...]] = []
    stop_times: list[tuple[object, ...]] = []
    shapes: list[tuple[object, ...]] = []
    for r, line in enumerate(lines):
        for direction, sequence in ((0, line.stops_out), (1, line.stops_in)):
            way = "OI"[direction]
            shape_id = f"{line.route_id}-{way}"
            for k, (x, y) in enumerate(line.path if direction == 0 else line.path[::-1]):
                lon, lat = _lonlat(x, y)
                shapes.append((shape_id, f"{lat:.6f}", f"{lon:.6f}", k + 1))
            headsign = "Bus Station" if direction else line.terminus
            for service in ("WD", "SA"):
                # Routes leave 2 minutes apart; the return journeys 5 minutes later.
                for t_min in _departures_min(line, service, 2 * r + 5 * direction):
                    trip_id = f"{line.route_id}-{service}-{way}-{t_min // 60:02d}{t_min % 60:02d}"
                    trips.append(
                        (line.route_id, service, trip_id, headsign, str(direction), shape_id)
                    )
                    speed_m_s = _speed_kmh(t_min, service) / 3.6
                    last = len(sequence)
                    for seq, (stop, dist_m) in enumerate(sequence, start=1):
                        arrive = t_min * 60 + round(dist_m / speed_m_s) + _DWELL_S * max(0, seq - 2)
                        depart = arrive + (_DWELL_S if 1 < seq < last else 0)
                        timepoint = 1 if seq in (1, last) else 0
                        stop_times.append(
                            (trip_id, format_gtfs_time(arrive), format_gtfs_time(depart),
                             stop.stop_id, seq, timepoint)
                        )
    tables = {
        "agency.txt": _csv(
            ["agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang"],
            [
                [
                    "DTB",
                    "Demo Town Buses (synthetic)",
                    "https://example.org/demo-town",
                    "Europe/London",
                    "en",
                ]
            ],
        ),
        "calendar.txt": _csv(
            [
                "service_id",
                "monday",
                "tuesday",
                "wednesday",
                "thursday",
                "friday",
                "saturday",
                "sunday",
                "start_date",
                "end_date",
            ],
            [
                ["WD", 1, 1, 1, 1, 1, 0, 0, "20260101", "20261231"],
                ["SA", 0, 0, 0, 0, 0, 1, 0, "20260101", "20261231"],
            ],
        ),
        # Bank holidays: no weekday timetable; the Saturday one runs instead.
        "calendar_dates.txt": _csv(
            ["service_id", "date", "exception_type"],
            [row for d in _BANK_HOLIDAYS_2026 for row in (["WD", d, 2], ["SA", d, 1])],
        ),
        "feed_info.txt": _csv(
            [
                "feed_publisher_name",
                "feed_publisher_url",
                "feed_lang",
                "feed_start_date",
                "feed_end_date",
                "feed_version",
            ],
            [
                [
                    "Community Routes demo (synthetic data)",
                    "https://example.org/community-routes",
                    "en",
                    "20260101",
                    "20261231",
                    "demo-1",
                ]
            ],
        ),
        "routes.txt": _csv(
            [
                "route_id",
                "agency_id",
                "route_short_name",
                "route_long_name",
                "route_type",
                "route_color",
                "route_text_color",
            ],
            [
                [ln.route_id, "DTB", ln.short_name, ln.long_name, 3, ln.colour, "FFFFFF"]
                for ln in lines
            ],
        ),
        "shapes.txt": _csv(
            ["shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"], shapes
        ),
        "stop_times.txt": _csv(
            ["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence", "timepoint"],
            stop_times,
        ),
        "stops.txt": _csv(
            [
                "stop_id",
                "stop_code",
                "stop_name",
                "stop_lat",
                "stop_lon",
                "location_type",
                "parent_station",
            ],
            [
                [
                    s.stop_id,
                    s.stop_id,
                    s.name,
                    f"{_lonlat(s.x, s.y)[1]:.6f}",
                    f"{_lonlat(s.x, s.y)[0]:.6f}",
                    s.location_type,
                    s.parent,
                ]
                for s in sorted(stops.values(), key=lambda s: s.stop_id)
            ],
        ),
        "trips.txt": _csv(
            ["route_id", "service_id", "trip_id", "trip_headsign", "direction_id", "shape_id"],
            trips,
        ),
    }
    return zip_bytes(tables)
