"""The trips of one feed on one service date, as CSR arrays: the feed doctor's table."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from routes._csr import concat_ranges, offsets_from_counts

__all__ = ["TripTable"]


@dataclass(frozen=True, slots=True)
class TripTable:
    """The trips of one feed on one service date, as the doctor reads and returns them.

    Trip ``t`` calls at ``stops[stop_ptr[t]:stop_ptr[t + 1]]`` at ``arrival_s``
    and ``departure_s`` (``int64`` seconds after midnight of the date, past
    86,400 after midnight).

    Attributes
    ----------
    trip_ids
        GTFS ``trip_id`` of each trip, not namespaced, with the suffixes of
        :func:`routes.timetable.timetable.load_timetable` (``@HH:MM:SS``, ``@-1d``).
    route
        Index of each trip's route into the ``route_*`` arrays.
    service_ids
        GTFS ``service_id`` of each trip.
    direction_ids
        GTFS ``direction_id`` of each trip as text, ``""`` when absent.
    service_start
        First date of each trip's service (``calendar.txt`` ``start_date`` or
        earliest ``calendar_dates.txt`` addition), ``datetime64[D]``; NaT if unknown.
    has_shape
        Whether the trip's ``shape_id`` has at least two points in ``shapes.txt``.
    previous_day
        Whether the trip is carried over from the previous service day.
    route_ids, route_agency_ids, route_short_names
        Per route: GTFS ``route_id``, ``agency_id`` (``""`` when absent) and
        ``route_short_name`` (or long name, or ``route_id``, when empty).
    stop_ptr
        CSR offsets, ``n_trips + 1``.
    stops
        Feed-local stop index of each stop time.
    arrival_s, departure_s
        Times of each stop time, seconds.
    timed
        Whether the feed gave the time (false where it was interpolated).
    pickup_type, drop_off_type
        GTFS ``pickup_type`` and ``drop_off_type`` of each stop time (``uint8``,
        0 when empty); ``None`` for all 0.
    frequency
        Index of the ``frequencies.txt`` entry each trip was expanded from
        (``-1`` for scheduled trips and trips carried over from the previous
        day); ``None`` when there are none.
    """

    trip_ids: NDArray[np.object_]
    route: NDArray[np.int64]
    service_ids: NDArray[np.object_]
    direction_ids: NDArray[np.object_]
    service_start: NDArray[np.datetime64]
    has_shape: NDArray[np.bool_]
    previous_day: NDArray[np.bool_]
    route_ids: NDArray[np.object_]
    route_agency_ids: NDArray[np.object_]
    route_short_names: NDArray[np.object_]
    stop_ptr: NDArray[np.int64]
    stops: NDArray[np.int64]
    arrival_s: NDArray[np.int64]
    departure_s: NDArray[np.int64]
    timed: NDArray[np.bool_]
    pickup_type: NDArray[np.uint8] | None = None
    drop_off_type: NDArray[np.uint8] | None = None
    frequency: NDArray[np.int64] | None = None

    def __post_init__(self) -> None:
        n, n_routes, n_rows = len(self.trip_ids), len(self.route_ids), len(self.stops)
        per_trip = ("route", "service_ids", "direction_ids", "service_start", "has_shape",
                    "previous_day")
        problems = [f"{name} has {len(getattr(self, name)):,} values for {n:,} trips"
                    for name in per_trip if len(getattr(self, name)) != n]
        problems += [f"{name} has {len(getattr(self, name)):,} values for {n_routes:,} routes"
                     for name in ("route_agency_ids", "route_short_names")
                     if len(getattr(self, name)) != n_routes]
        problems += [f"{name} has {len(getattr(self, name)):,} values for {n_rows:,} stop times"
                     for name in ("arrival_s", "departure_s", "timed", "pickup_type",
                                  "drop_off_type")
                     if getattr(self, name) is not None and len(getattr(self, name)) != n_rows]
        if self.frequency is not None and len(self.frequency) != n:
            problems.append(f"frequency has {len(self.frequency):,} values for {n:,} trips")
        ptr = self.stop_ptr
        if len(ptr) != n + 1 or (n and (ptr[0] != 0 or ptr[-1] != n_rows)):
            problems.append(f"stop_ptr must run from 0 to {n_rows:,} in {n + 1:,} offsets")
        elif (np.diff(ptr) < 2).any():
            problems.append("every trip needs at least two stop times")
        if n and len(self.route) == n and ((self.route < 0) | (self.route >= n_routes)).any():
            problems.append("route holds indexes outside route_ids")
        if problems:
            msg = (f"TripTable: {'; '.join(problems)}; build it from one feed's trips "
                   "(see routes.timetable.feed)")
            raise ValueError(msg)

    @property
    def n_trips(self) -> int:
        """Number of trips."""
        return len(self.trip_ids)

    def take(self, keep: NDArray[np.bool_]) -> TripTable:
        """Return a new table of the trips where ``keep`` is true (routes unchanged)."""
        lengths = np.diff(self.stop_ptr)[keep]
        rows = concat_ranges(self.stop_ptr[:-1][keep], lengths)

        def pick(name: str, index: NDArray[np.integer] | NDArray[np.bool_]) -> Any:
            value = getattr(self, name)
            return None if value is None else value[index]

        return dataclasses.replace(
            self,
            **{name: pick(name, keep) for name in (
                "trip_ids", "route", "service_ids", "direction_ids", "service_start",
                "has_shape", "previous_day", "frequency")},
            stop_ptr=offsets_from_counts(lengths),
            **{name: pick(name, rows) for name in (
                "stops", "arrival_s", "departure_s", "timed", "pickup_type", "drop_off_type")},
        )
