"""Time the feed doctor on a synthetic feed of BODS regional size.

A BODS region (e.g. north_west: ~10 M stop_times rows over all days) runs some
60,000 trips of ~30 stops on a weekday. This builds such a day as a
:class:`routes.timetable.trips.TripTable`: services of hourly-to-10-minute trips,
10 % of them with a superseded older version beside (times moved by up to a
minute or not), 2 % of the trips published twice. It then prints the median time of
:func:`routes.timetable.doctor.compute_feed_diagnosis` and what it found.

    python benchmarks/bench_feed_doctor.py [--trips 60000] [--stops 30] [--repeats 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

import numpy as np

from routes.timetable.doctor import compute_feed_diagnosis
from routes.timetable.trips import TripTable


def synthetic_day(n_trips: int, n_stops: int, seed: int = 0) -> TripTable:
    """One day of a region: see the module docstring."""
    rng = np.random.default_rng(seed)
    per_service = 60
    n_services = max(1, n_trips // per_service)
    service = np.repeat(np.arange(n_services), per_service)[:n_trips]
    k = np.tile(np.arange(per_service), n_services)[:n_trips]
    departure = 6 * 3600 + k * 900 + rng.integers(0, 300, n_services)[service] // 60 * 60
    old = service % 10 == 0  # every tenth service also runs its older version ...
    shift = rng.choice([-60, 0, 0, 60], int(old.sum()))  # ... with times moved a minute or not
    copy = rng.random(n_trips) < 0.02  # and 2 % of the trips are published twice
    trip_service = np.r_[service, service[old], service[copy]]
    trip_departure = np.r_[departure, departure[old] + shift, departure[copy]]
    trip_version = np.r_[np.full(n_trips, "NEW", dtype=object),
                         np.full(int(old.sum()), "OLD", dtype=object),
                         np.full(int(copy.sum()), "NEW", dtype=object)]
    n = len(trip_service)
    hop_s = rng.integers(1, 4, (n_services, n_stops)) * 60
    hop_s[:, 0] = 0
    offsets = np.cumsum(hop_s, axis=1)[trip_service]
    times = (trip_departure[:, None] + offsets).ravel()
    stops = (trip_service[:, None] * n_stops + np.arange(n_stops)).ravel()
    return TripTable(
        trip_ids=np.array([f"VJ{i}" for i in range(n)], dtype=object),
        route=trip_service.astype(np.int64),
        service_ids=(trip_version + ":" + trip_service.astype(str).astype(object)).astype(object),
        direction_ids=np.full(n, "0", dtype=object),
        service_start=np.where(trip_version == "OLD", np.datetime64("2026-01-05"),
                               np.datetime64("2026-03-01")).astype("datetime64[D]"),
        has_shape=np.zeros(n, dtype=bool),
        previous_day=np.zeros(n, dtype=bool),
        route_ids=np.array([f"R{s}" for s in range(n_services)], dtype=object),
        route_agency_ids=np.full(n_services, "OP1", dtype=object),
        route_short_names=np.array([str(s) for s in range(n_services)], dtype=object),
        stop_ptr=np.arange(0, n * n_stops + 1, n_stops, dtype=np.int64),
        stops=stops.astype(np.int64),
        arrival_s=times.astype(np.int64),
        departure_s=times.astype(np.int64),
        timed=np.ones(n * n_stops, dtype=bool),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trips", type=int, default=60_000)
    parser.add_argument("--stops", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    table = synthetic_day(args.trips, args.stops)
    print(f"synthetic day: {table.n_trips:,} trips, {len(table.stops):,} stop times")
    seconds = []
    for _ in range(args.repeats):
        started = time.perf_counter()
        diagnosis = compute_feed_diagnosis(table, feed_name="synthetic",
                                           service_date=dt.date(2026, 3, 10))
        seconds.append(time.perf_counter() - started)
    print(diagnosis.describe())
    print(f"compute_feed_diagnosis: median {statistics.median(seconds):.2f} s "
          f"(runs: {', '.join(f'{s:.2f}' for s in seconds)})")


if __name__ == "__main__":
    main()
