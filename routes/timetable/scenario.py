"""Changing a feed's trips in memory: the timetable half of a scenario.

A scenario is the baseline's feeds, each as read once (:class:`FeedTrips`),
with some trips taken away and some added, plus the feeds of new routes; its
timetable is assembled from them as the baseline's is
(:func:`routes.timetable.timetable.assemble_timetable`). No GTFS file is
written or read again. Every change goes through :func:`change_feed_trips`,
which selects and appends trips field by field
(:meth:`routes.timetable.trips.TripTable.take` and
:meth:`~routes.timetable.trips.TripTable.append`), so every per-trip and
per-stop-time array of a feed follows, and then lets the feed doctor look at
the changed feed again, as it would at a changed feed file.

Trips keep the order a feed file with the same changes would give them: the
trips kept, in their order, then the new ones, among the scheduled trips of
the date (before the frequency instances), and likewise among the trips
carried over from the previous day.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import numpy as np
from numpy.typing import NDArray

from routes._csr import owners
from routes.timetable.diagnosis import DoctorRules
from routes.timetable.doctor import find_trips_to_drop
from routes.timetable.feed import FeedTrips
from routes.timetable.gtfs_time import DAY_S, PREVIOUS_DAY_SUFFIX
from routes.timetable.trips import TripTable

__all__ = [
    "carry_over",
    "change_feed_trips",
    "first_departures_s",
    "frequency_instances",
    "gtfs_trip_ids",
    "shift_trips",
    "stop_sequences",
]

_FREQUENCY_SUFFIX = re.compile(r"@\d+:\d\d:\d\d$")


def gtfs_trip_ids(trips: TripTable) -> NDArray[np.object_]:
    """Return the ``trip_id`` of ``trips.txt`` each trip comes from (suffixes taken off).

    A frequency instance (``F1@07:30:00``) comes from its template (``F1``), a
    trip carried over from the previous day (``T1@-1d``) from itself.
    """
    out = []
    for trip_id in trips.trip_ids:
        text = str(trip_id).removesuffix(PREVIOUS_DAY_SUFFIX)
        out.append(_FREQUENCY_SUFFIX.sub("", text))
    return np.asarray(out, dtype=object).reshape(-1)


def frequency_instances(trips: TripTable) -> NDArray[np.bool_]:
    """Mask of the trips that are instances of a ``frequencies.txt`` template."""
    return np.array([_FREQUENCY_SUFFIX.search(str(t).removesuffix(PREVIOUS_DAY_SUFFIX))
                     is not None for t in trips.trip_ids], dtype=bool).reshape(-1)


def carry_over(trips: TripTable) -> TripTable:
    """Carry the part after midnight of trips over into the next day.

    The rule of :func:`routes.timetable.timetable.load_timetable` for the
    previous day's trips: a trip still running at 24:00 (its last departure at
    or after 86,400 s) is shifted by -24 h and keeps the stops it leaves at or
    after midnight, arrivals before midnight becoming 0; it needs two such
    stops. Trip IDs get the suffix ``@-1d``; like every trip carried over,
    they are scheduled trips (``frequency`` -1), whatever they were the day before.

    Parameters
    ----------
    trips
        Trips of one day, times on that day's clock.

    Returns
    -------
    TripTable
        The trips that carry over, with the same routes.
    """
    last = trips.departure_s[trips.stop_ptr[1:] - 1] if trips.n_trips else trips.departure_s[:0]
    spill = trips.take(last >= DAY_S)
    after = spill.departure_s >= DAY_S
    n_after = np.bincount(owners(spill.stop_ptr)[after], minlength=spill.n_trips)
    spill = spill.take(n_after >= 2)
    carried = spill.take_stop_times(spill.departure_s >= DAY_S)
    return dataclasses.replace(
        carried,
        trip_ids=(carried.trip_ids + PREVIOUS_DAY_SUFFIX).astype(object),
        previous_day=np.ones(carried.n_trips, dtype=bool),
        frequency=np.full(carried.n_trips, -1, dtype=np.int64),
        arrival_s=np.maximum(carried.arrival_s - DAY_S, 0),
        departure_s=carried.departure_s - DAY_S,
    )


def change_feed_trips(
    feed: FeedTrips,
    *,
    keep: NDArray[np.bool_],
    new: TripTable | None = None,
    keep_routes: NDArray[np.bool_] | None = None,
    service_date: dt.date,
    rules: DoctorRules,
) -> FeedTrips:
    """Return a new feed with some trips taken away and others added; the doctor looks again.

    Parameters
    ----------
    feed
        One feed's trips of the date (not changed).
    keep
        Which of ``feed.trips`` to keep.
    new
        Trips to add (same routes as ``feed.trips``); those of the date go
        after the kept scheduled trips of the date, those carried over from the
        previous day after the kept scheduled trips carried over.
    keep_routes
        Which routes to keep (``None``: all); a route taken away must have no
        trips left.
    service_date
        The date (for the doctor's report).
    rules
        The feed doctor's rules.

    Returns
    -------
    FeedTrips
        The changed feed, with the doctor's drops and diagnosis of the changed trips.

    Raises
    ------
    ValueError
        If a route taken away still has trips.
    """
    kept = feed.trips.take(keep)
    trips = kept
    if new is not None and new.n_trips:
        trips = _insert(kept, new)
    route_types, raw_types = feed.route_types, feed.route_types_raw
    if keep_routes is not None:
        orphans = ~keep_routes[trips.route]
        if orphans.any():
            msg = (f"feed {feed.name!r}: {int(orphans.sum()):,} trips are left on routes that "
                   "are taken away; take their trips away too")
            raise ValueError(msg)
        trips = trips.restrict_to_routes(keep_routes)
        route_types, raw_types = route_types[keep_routes], raw_types[keep_routes]
    drop, diagnosis = find_trips_to_drop(trips, feed_name=feed.name, service_date=service_date,
                                         rules=rules)
    removed = feed.trips.take(~keep)
    scheduled_gone = len(set(gtfs_trip_ids(removed)[~removed.previous_day]))
    scheduled_new = 0 if new is None else int((~new.previous_day).sum())
    trips, entries = _drop_unused_frequencies(feed, trips, removed)
    return dataclasses.replace(
        feed, trips=trips, drop=drop, diagnosis=diagnosis, route_types=route_types,
        route_types_raw=raw_types,
        n_trips_scheduled=max(feed.n_trips_scheduled - scheduled_gone, 0) + scheduled_new,
        frequency_keys=feed.frequency_keys[entries],
        frequency_start_s=feed.frequency_start_s[entries],
        frequency_end_s=feed.frequency_end_s[entries],
        frequency_headway_s=feed.frequency_headway_s[entries],
    )


def _drop_unused_frequencies(
    feed: FeedTrips, trips: TripTable, removed: TripTable
) -> tuple[TripTable, NDArray[np.bool_]]:
    """Drop the ``frequencies.txt`` entries whose every instance was taken away.

    As a feed written without them would read: their trips are gone (or now
    scheduled copies), so the entries go too, and ``trips.frequency`` is
    renumbered. Returns the trips and the mask of the entries kept.
    """
    entries = np.ones(len(feed.frequency_keys), dtype=np.bool_)
    gone = np.setdiff1d(removed.frequency[removed.frequency >= 0],
                        trips.frequency[trips.frequency >= 0])
    if not len(gone):
        return trips, entries
    entries[gone] = False
    new_index = np.cumsum(entries) - 1
    frequency = np.where(trips.frequency >= 0, new_index[np.maximum(trips.frequency, 0)], -1)
    return dataclasses.replace(trips, frequency=frequency.astype(np.int64)), entries


def _insert(kept: TripTable, new: TripTable) -> TripTable:
    """Kept trips and new ones, in the order a feed file holding both would give them."""
    both = kept.append(new)
    n_kept = kept.n_trips
    frequency = frequency_instances(kept)
    blocks = []
    for previous in (False, True):
        mine = np.flatnonzero(kept.previous_day == previous)
        scheduled, instances = mine[~frequency[mine]], mine[frequency[mine]]
        added = n_kept + np.flatnonzero(new.previous_day == previous)
        blocks += [scheduled, added, instances]
    order = np.concatenate(blocks).astype(np.int64)
    return both.take(order)


def shift_trips(trips: TripTable, template: NDArray[np.int64],
                shift_s: NDArray[np.int64]) -> TripTable:
    """Copy template trips with their times shifted.

    Trip ``k`` is ``template[k]`` shifted by ``shift_s[k]`` seconds; every
    other field is copied, except that the copies are scheduled trips
    (``frequency`` -1), not instances of a ``frequencies.txt`` entry.
    """
    copies = trips.take(template)
    shift = np.repeat(shift_s.astype(np.int64), np.diff(copies.stop_ptr))
    return dataclasses.replace(copies, arrival_s=copies.arrival_s + shift,
                               departure_s=copies.departure_s + shift,
                               frequency=np.full(copies.n_trips, -1, dtype=np.int64))


def first_departures_s(trips: TripTable) -> NDArray[np.int64]:
    """Return the departure of each trip from its first stop, seconds."""
    return trips.departure_s[trips.stop_ptr[:-1]] if trips.n_trips else trips.departure_s[:0]


def stop_sequences(trips: TripTable) -> list[tuple[int, ...]]:
    """Return each trip's stops, as a tuple of stop indexes."""
    return [tuple(trips.stops[a:b].tolist())
            for a, b in zip(trips.stop_ptr[:-1], trips.stop_ptr[1:], strict=True)]
