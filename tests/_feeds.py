"""Tiny GTFS feeds written into ``tmp_path``, and the path to the shared real data.

``write_feed`` takes each table as CSV text (written byte for byte, so quirks such
as spaces in headers or a missing final newline can be reproduced) or as a list
of dicts. ``line_feed`` returns the tables of a one-route feed that tests then
modify::

      A -------- B -------------------- C -------- D      (on the equator)
    lon 0.00     0.01                   0.03       0.04   degrees
        |<- 1 ->|<--------- 2 -------->|<-- 1 -->|       relative distances

    route R1 (bus), service WK (Mon-Fri, 2019-05-01 to 2019-05-31)
    trip T1: A 08:00:00, B and C untimed, D 08:40:00
             by distance: B 08:10:00, C 08:30:00

2019-05-13 is a Monday.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from pathlib import Path

import pytest

Table = str | list[dict[str, object]]

MONDAY = "2019-05-13"


def _csv_text(table: Table) -> str:
    if isinstance(table, str):
        return table
    columns: list[str] = []
    for row in table:
        columns += [c for c in row if c not in columns]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(table)
    return out.getvalue()


def write_feed(path: Path, **tables: Table | None) -> Path:
    """Write GTFS tables (``stops=...``, ``stop_times=...``) to a folder, or a zip if
    ``path`` ends in ``.zip``. A table given as ``None`` is left out."""
    files = {f"{name}.txt": _csv_text(t) for name, t in tables.items() if t is not None}
    if path.suffix == ".zip":
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, text in files.items():
                zf.writestr(name, text)
    else:
        path.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (path / name).write_text(text, encoding="utf-8", newline="")
    return path


def line_feed() -> dict[str, Table]:
    """Tables of the one-route feed drawn in the module docstring."""
    return {
        "agency": [
            {
                "agency_id": "AG",
                "agency_name": "Test",
                "agency_url": "http://x.org",
                "agency_timezone": "Europe/London",
            }
        ],
        "stops": [
            {"stop_id": s, "stop_name": f"Stop {s}", "stop_lat": 0.0, "stop_lon": lon}
            for s, lon in (("A", 0.0), ("B", 0.01), ("C", 0.03), ("D", 0.04))
        ],
        "routes": [
            {
                "route_id": "R1",
                "agency_id": "AG",
                "route_short_name": "1",
                "route_long_name": "One",
                "route_type": 3,
            }
        ],
        "calendar": [service("WK", "1111100")],
        "trips": [{"route_id": "R1", "service_id": "WK", "trip_id": "T1"}],
        "stop_times": stop_times(
            "T1", [("08:00:00", "08:00:00"), None, None, ("08:40:00", "08:40:00")]
        ),
    }


def service(
    service_id: str, days: str, start: str = "20190501", end: str = "20190531"
) -> dict[str, object]:
    """A calendar.txt row; ``days`` is seven 0/1 flags from Monday."""
    names = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    row: dict[str, object] = {"service_id": service_id}
    row.update({name: flag for name, flag in zip(names, days, strict=True)})
    row.update({"start_date": start, "end_date": end})
    return row


def stop_times(
    trip_id: str,
    times: list[tuple[str, str] | None],
    stops: str = "ABCD",
    **extra: list[object],
) -> list[dict[str, object]]:
    """stop_times.txt rows of one trip; ``None`` is an untimed stop."""
    rows: list[dict[str, object]] = []
    for i, (stop, t) in enumerate(zip(stops, times, strict=True)):
        row: dict[str, object] = {
            "trip_id": trip_id,
            "arrival_time": t[0] if t else "",
            "departure_time": t[1] if t else "",
            "stop_id": stop,
            "stop_sequence": i + 1,
        }
        row.update({k: v[i] for k, v in extra.items()})
        rows.append(row)
    return rows


def route(route_id: str, short_name: str, agency_id: str = "AG") -> dict[str, object]:
    """A routes.txt row of a bus route."""
    return {"route_id": route_id, "agency_id": agency_id, "route_short_name": short_name,
            "route_long_name": "", "route_type": 3}


def timed_trip(
    trip_id: str, start: str, minutes: tuple[int, ...] = (0, 10, 30, 40), stops: str = "ABCD"
) -> list[dict[str, object]]:
    """stop_times.txt rows of a trip leaving its first stop at ``start`` (``HH:MM``,
    hours may pass 23) and reaching each stop ``minutes`` after that (arrival = departure)."""
    hours, mins = map(int, start.split(":"))
    clock = [hours * 60 + mins + m for m in minutes]
    times: list[tuple[str, str] | None] = [(f"{t // 60:02d}:{t % 60:02d}:00",) * 2 for t in clock]
    return stop_times(trip_id, times, stops)


def shared_data_dir() -> Path:
    """``<workspace>/shared/data``; skip the test if absent, fail if ``CI`` is set."""
    root = Path(__file__).resolve().parents[1].parent / "shared" / "data"
    if not root.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"shared test data not found at {root} (required when CI is set)")
        pytest.skip(f"shared test data not found at {root}")
    return root
