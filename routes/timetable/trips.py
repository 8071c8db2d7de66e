"""The trips of one feed on one service date, as CSR arrays: the feed doctor's table.

Every array field of :class:`TripTable` says in its metadata what it runs over
(:data:`PER`: ``trip``, ``route`` or ``stop_time``), and the operations on
tables (:meth:`TripTable.take`, :meth:`TripTable.append`,
:meth:`TripTable.restrict_to_routes`) go field by field through that
classification. A new per-trip or per-stop-time array therefore flows through
scenarios (:mod:`routes.timetable.scenario`) as soon as it is declared with
``field(metadata=PER_TRIP)`` or ``field(metadata=PER_STOP_TIME)``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from routes._csr import concat_ranges, offsets_from_counts

__all__ = ["PER", "PER_ROUTE", "PER_STOP_TIME", "PER_TRIP", "TripTable", "fields_per"]

PER = "per"
"""Metadata key of an array field: what its values run over."""
PER_TRIP: Mapping[str, str] = {PER: "trip"}
PER_ROUTE: Mapping[str, str] = {PER: "route"}
PER_STOP_TIME: Mapping[str, str] = {PER: "stop_time"}
_CSR: Mapping[str, str] = {PER: "csr"}


def fields_per(cls: Any, kind: str) -> tuple[str, ...]:
    """Names of the fields of a dataclass whose metadata says they run over ``kind``.

    Raises
    ------
    TypeError
        If an array field of ``cls`` says nothing (every array must be
        classified, so that trips can be selected and appended field by field).
    """
    names = []
    for f in dataclasses.fields(cls):
        per = f.metadata.get(PER)
        if per is None and "NDArray" in str(f.type):
            msg = (f"{cls.__name__}.{f.name} is an array without metadata; declare it with "
                   "field(metadata=PER_TRIP), PER_ROUTE or PER_STOP_TIME")
            raise TypeError(msg)
        if per == kind:
            names.append(f.name)
    return tuple(names)


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
        0 when empty).
    frequency
        Index of the ``frequencies.txt`` entry each trip was expanded from
        (``-1`` for scheduled trips, trips carried over from the previous day
        and proposed trips).
    """

    trip_ids: NDArray[np.object_] = field(metadata=PER_TRIP)
    route: NDArray[np.int64] = field(metadata=PER_TRIP)
    service_ids: NDArray[np.object_] = field(metadata=PER_TRIP)
    direction_ids: NDArray[np.object_] = field(metadata=PER_TRIP)
    service_start: NDArray[np.datetime64] = field(metadata=PER_TRIP)
    has_shape: NDArray[np.bool_] = field(metadata=PER_TRIP)
    previous_day: NDArray[np.bool_] = field(metadata=PER_TRIP)
    route_ids: NDArray[np.object_] = field(metadata=PER_ROUTE)
    route_agency_ids: NDArray[np.object_] = field(metadata=PER_ROUTE)
    route_short_names: NDArray[np.object_] = field(metadata=PER_ROUTE)
    stop_ptr: NDArray[np.int64] = field(metadata=_CSR)
    stops: NDArray[np.int64] = field(metadata=PER_STOP_TIME)
    arrival_s: NDArray[np.int64] = field(metadata=PER_STOP_TIME)
    departure_s: NDArray[np.int64] = field(metadata=PER_STOP_TIME)
    timed: NDArray[np.bool_] = field(metadata=PER_STOP_TIME)
    pickup_type: NDArray[np.uint8] = field(metadata=PER_STOP_TIME)
    drop_off_type: NDArray[np.uint8] = field(metadata=PER_STOP_TIME)
    frequency: NDArray[np.int64] = field(metadata=PER_TRIP)

    def __post_init__(self) -> None:
        n, n_routes, n_rows = len(self.trip_ids), len(self.route_ids), len(self.stops)
        problems = []
        for kind, count, noun in (("trip", n, "trips"), ("route", n_routes, "routes"),
                                  ("stop_time", n_rows, "stop times")):
            problems += [f"{name} has {len(getattr(self, name)):,} values for {count:,} {noun}"
                         for name in fields_per(TripTable, kind)
                         if len(getattr(self, name)) != count]
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

    def take(self, keep: NDArray[np.bool_] | NDArray[np.int64]) -> TripTable:
        """Return a new table of the trips ``keep`` selects (a mask, or indexes in order).

        Routes are unchanged; every per-trip and per-stop-time field follows.
        """
        index = np.flatnonzero(keep) if np.asarray(keep).dtype == bool else np.asarray(keep)
        lengths = np.diff(self.stop_ptr)[index]
        rows = concat_ranges(self.stop_ptr[:-1][index], lengths)
        return dataclasses.replace(
            self,
            **{name: getattr(self, name)[index] for name in fields_per(TripTable, "trip")},
            stop_ptr=offsets_from_counts(lengths),
            **{name: getattr(self, name)[rows] for name in fields_per(TripTable, "stop_time")},
        )

    def take_stop_times(self, keep: NDArray[np.bool_]) -> TripTable:
        """Return a new table keeping the stop times ``keep`` marks (at least two per trip).

        Raises
        ------
        ValueError
            If a trip would keep fewer than two stop times.
        """
        counts = np.bincount(np.repeat(np.arange(self.n_trips), np.diff(self.stop_ptr))[keep],
                             minlength=self.n_trips)
        return dataclasses.replace(
            self, stop_ptr=offsets_from_counts(counts),
            **{name: getattr(self, name)[keep] for name in fields_per(TripTable, "stop_time")},
        )

    def append(self, other: TripTable) -> TripTable:
        """Return a new table of these trips followed by ``other``'s (same routes).

        Raises
        ------
        ValueError
            If ``other`` has other routes.
        """
        for name in fields_per(TripTable, "route"):
            if not np.array_equal(getattr(self, name), getattr(other, name)):
                msg = f"TripTable.append: the tables differ in {name}; append trips of one feed"
                raise ValueError(msg)
        return dataclasses.replace(
            self,
            **{name: np.concatenate([getattr(self, name), getattr(other, name)])
               for name in (*fields_per(TripTable, "trip"), *fields_per(TripTable, "stop_time"))},
            stop_ptr=np.concatenate([self.stop_ptr, other.stop_ptr[1:] + self.stop_ptr[-1]]),
        )

    def restrict_to_routes(self, keep: NDArray[np.bool_]) -> TripTable:
        """Return a new table of the routes ``keep`` marks, and of their trips only.

        Route indexes are renumbered; the order of routes and trips is kept.
        """
        new_index = np.cumsum(keep) - 1
        table = self.take(keep[self.route])
        return dataclasses.replace(
            table,
            route=new_index[table.route].astype(np.int64),
            **{name: getattr(table, name)[keep] for name in fields_per(TripTable, "route")},
        )
