"""A hand-made feed for route modifications (remove a route, change its headway).

::

    A ------ B ------ C          D (east of C)
    route R1, service WK:
      direction 0  A -> B -> C   at 07:00 07:20 07:40 08:00   (B +5/+6 min, C +12 min)
                   A -> B        at 07:30                     (short turn, B +5 min)
      direction 1  C -> B -> A   at 07:10 07:50               (B untimed, A +12 min)
    route R2, service WK:  A -> D at 07:05 07:35
    route R3, service WK:  A -> C, trip F1 in frequencies.txt every 30 min 07:00-08:00
                           (departs 07:00 and 07:30)
    route R4: no trips

    R1 at a 10 min headway:
      direction 0: most frequent pattern A-B-C (4 departures vs 1), template = lower
                   median departure 07:20; new trips 07:00, 07:10, ... 08:00 -> 7
      direction 1: template 07:10; new trips 07:10, 07:20, ... 07:50 -> 5
"""

from __future__ import annotations

from pathlib import Path

from _feeds import service, write_feed

__all__ = ["abc_times", "stop_times_rows", "write_modification_feed"]


def stop_times_rows(trip: str, stops: str, times: list[tuple[str, str]]) -> list[dict[str, object]]:
    return [
        {
            "trip_id": trip,
            "arrival_time": a,
            "departure_time": d,
            "stop_id": s,
            "stop_sequence": i + 1,
        }
        for i, (s, (a, d)) in enumerate(zip(stops, times, strict=True))
    ]


def abc_times(trip: str, hhmm: str) -> list[dict[str, object]]:
    h, m = map(int, hhmm.split(":"))

    def t(plus: int) -> str:
        return f"{h + (m + plus) // 60:02d}:{(m + plus) % 60:02d}:00"

    return stop_times_rows(trip, "ABC", [(t(0), t(0)), (t(5), t(6)), (t(12), t(12))])


def write_modification_feed(path: Path, **extra: list[dict[str, object]]) -> Path:
    """Write the feed of the module docstring to ``path``; ``extra`` rows are added to tables."""
    stop_times = []
    for trip, hhmm in (("R1a", "07:00"), ("R1b", "07:20"), ("R1c", "07:40"), ("R1d", "08:00")):
        stop_times += abc_times(trip, hhmm)
    stop_times += stop_times_rows("R1s", "AB", [("07:30:00", "07:30:00"), ("07:35:00", "07:35:00")])
    stop_times += stop_times_rows(
        "R1r1", "CBA", [("07:10:00", "07:10:00"), ("", ""), ("07:22:00", "07:22:00")]
    )
    stop_times += stop_times_rows(
        "R1r2", "CBA", [("07:50:00", "07:50:00"), ("", ""), ("08:02:00", "08:02:00")]
    )
    stop_times += stop_times_rows("R2a", "AD", [("07:05:00", "07:05:00"), ("07:20:00", "07:20:00")])
    stop_times += stop_times_rows("R2b", "AD", [("07:35:00", "07:35:00"), ("07:50:00", "07:50:00")])
    stop_times += abc_times("F1", "07:00")
    trips = [
        {"route_id": "R1", "service_id": "WK", "trip_id": t, "direction_id": d, "block_id": "B1"}
        for t, d in (
            ("R1a", 0),
            ("R1b", 0),
            ("R1c", 0),
            ("R1d", 0),
            ("R1s", 0),
            ("R1r1", 1),
            ("R1r2", 1),
        )
    ] + [
        {"route_id": "R2", "service_id": "WK", "trip_id": "R2a", "direction_id": 0},
        {"route_id": "R2", "service_id": "WK", "trip_id": "R2b", "direction_id": 0},
        {"route_id": "R3", "service_id": "WK", "trip_id": "F1", "direction_id": 0},
    ]
    tables: dict[str, list[dict[str, object]]] = dict(
        agency=[
            {
                "agency_id": "AG",
                "agency_name": "Tiny",
                "agency_url": "http://x.org",
                "agency_timezone": "Europe/London",
            }
        ],
        stops=[
            {"stop_id": s, "stop_name": s, "stop_lat": 0.0, "stop_lon": lon}
            for s, lon in (("A", 0.0), ("B", 0.01), ("C", 0.02), ("D", 0.03))
        ],
        routes=[
            {"route_id": r, "agency_id": "AG", "route_short_name": r, "route_type": 3}
            for r in ("R1", "R2", "R3", "R4")
        ],
        calendar=[service("WK", "1111100")],
        trips=trips,
        stop_times=stop_times,
        frequencies=[
            {
                "trip_id": "F1",
                "start_time": "07:00:00",
                "end_time": "08:00:00",
                "headway_secs": 1800,
            }
        ],
        fare_attributes=[
            {
                "fare_id": "F",
                "price": 1.0,
                "currency_type": "GBP",
                "payment_method": 0,
                "transfers": 0,
            }
        ],
        fare_rules=[{"fare_id": "F", "route_id": r} for r in ("R1", "R2")],
    )
    for name, rows in extra.items():
        tables[name] = [*tables.get(name, []), *rows]
    return write_feed(path, **tables)
