"""A tiny two-operator feed for fare tests.

Operator AG (NOC ABUS) runs buses R1 and R2, operator CO (NOC MEGA) the coach
X9 (GTFS extended type 201); each route has one trip on Monday 2019-05-13,
R1 08:00 A->D, R2 09:00 A->D, X9 10:00 A->D.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from _feeds import MONDAY, line_feed, route, timed_trip, write_feed

from routes.timetable.timetable import Timetable, load_timetable

DATE = dt.date.fromisoformat(MONDAY)


def fare_feed_tables() -> dict[str, object]:
    tables: dict[str, object] = dict(line_feed())
    bus = dict(tables["agency"][0])  # type: ignore[index]
    bus["agency_noc"] = "ABUS"
    coach = dict(bus, agency_id="CO", agency_noc="MEGA")
    x9 = route("X9", "X9", agency_id="CO")
    x9["route_type"] = 201
    tables["agency"] = [bus, coach]
    tables["routes"] = [route("R1", "1"), route("R2", "2"), x9]
    tables["trips"] = [{"route_id": r, "service_id": "WK", "trip_id": f"T{r}"}
                       for r in ("R1", "R2", "X9")]
    tables["stop_times"] = (timed_trip("TR1", "08:00") + timed_trip("TR2", "09:00")
                            + timed_trip("TX9", "10:00"))
    return tables


def fare_feed(tmp_path: Path, **extra: object) -> Path:
    """Write the feed (plus ``extra`` tables, e.g. fare_attributes) as ``fares.zip``."""
    return write_feed(tmp_path / "fares.zip", **{**fare_feed_tables(), **extra})  # type: ignore[arg-type]


def fare_timetable(tmp_path: Path, **extra: object) -> Timetable:
    return load_timetable([fare_feed(tmp_path, **extra)], DATE)


def route_of_pattern(tt: Timetable) -> list[str]:
    """The route id (without the feed name) of each pattern."""
    return [str(tt.route_ids[r]).split(":", 1)[1] for r in tt.pattern_route]
