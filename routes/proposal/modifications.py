"""A proposal's modifications (remove a route, change its headway) applied to a feed in memory.

The modifications work on one feed's trips of the service date as read once
for the baseline (:class:`~routes.timetable.feed.FeedTrips`), never on its
files: :func:`apply_modifications_to_trips` returns a new feed, and the
scenario's timetable is assembled from it (:mod:`routes.timetable.scenario`).
The rules are those of the file form,
:func:`routes.proposal.gtfs_modifications.apply_modifications`, which gives
the same timetable (tested on the demo and on Porto Alegre); where they can
differ is said in the Notes.
"""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray

from routes.errors import GtfsError, ProposalError, RoutesWarning
from routes.proposal.gtfs_modifications import check_route_ids
from routes.proposal.model import ModificationKind, RouteModification
from routes.timetable.diagnosis import DoctorRules
from routes.timetable.feed import FeedTrips
from routes.timetable.scenario import (
    carry_over,
    change_feed_trips,
    first_departures_s,
    gtfs_trip_ids,
    shift_trips,
    stop_sequences,
)
from routes.timetable.trips import TripTable

__all__ = ["apply_modifications_to_trips"]

logger = logging.getLogger(__name__)


def apply_modifications_to_trips(
    feed: FeedTrips,
    modifications: Iterable[RouteModification],
    *,
    service_date: dt.date,
    rules: DoctorRules,
) -> FeedTrips:
    """Return a new feed with the modifications applied; ``feed`` is not changed.

    Parameters
    ----------
    feed
        One feed's trips of the date.
    modifications
        Modifications whose ``gtfs_route_id`` is a raw ``route_id`` of this
        feed (the caller strips the ``"<feed name>:"`` namespace and passes
        each feed only its own modifications).
    service_date
        The date of ``feed``.
    rules
        The feed doctor's rules (the doctor looks at the changed feed again).

    Returns
    -------
    FeedTrips
        ``remove_route`` takes the route and its trips away;
        ``change_headway`` replaces the route's trips by trips every
        ``headway_s``, as :func:`routes.proposal.gtfs_modifications.apply_modifications`
        describes: per service and direction, the template is the trip of
        lower-median departure of the stop pattern with most departures, and
        new trips leave every ``headway_s`` from the first to the last
        departure, named ``<template trip_id>_hw<headway_s>s_<NNN>``. Those
        of a service that also ran the day before carry over past midnight as
        the loader carries trips over.

    Raises
    ------
    ProposalError
        If a route id is not in the feed, a route is modified twice, or a
        headway is not positive.
    GtfsError
        If a new trip id is already a trip id of the feed.

    Warns
    -----
    RoutesWarning
        When a route to change has no trips on the date, or trips carried
        over from a service that ran the day before only (those are kept as
        they are).

    Notes
    -----
    The file form sees every trip of the feed; this one sees the trips of the
    date and those carried over from the day before. They give the same
    trips except (1) for a service that ran the day before but does not run
    on the date, whose carried-over trips are kept here (the file form
    re-times them from that service's whole day); (2) for trips the loader
    dropped for feed errors (``allow_feed_errors``), which are not templates
    here (the file form stops on them); (3) for interpolated times of untimed
    stops, shifted here and interpolated after the shift there, which can
    differ by a second when the interpolated time falls on exactly half a
    second and the shift is an odd number of seconds.
    """
    mods = tuple(modifications)
    if not mods:
        return feed
    trips = feed.trips
    check_route_ids(mods, [str(r) for r in trips.route_ids])
    route_index = {str(r): i for i, r in enumerate(trips.route_ids)}
    previous_services = np.asarray(feed.previous_day_service_ids, dtype=object)
    keep = np.ones(trips.n_trips, dtype=bool)
    keep_routes = np.ones(len(trips.route_ids), dtype=bool)
    made_today: list[TripTable] = []
    made_carried: list[TripTable] = []
    for mod in mods:
        route = route_index[mod.gtfs_route_id]
        mine = trips.route == route
        if mod.kind is ModificationKind.REMOVE_ROUTE:
            keep &= ~mine
            keep_routes[route] = False
            continue
        if not mine.any():
            msg = (f"route {mod.gtfs_route_id!r} has no trips on {service_date.isoformat()}; "
                   "its headway change has no effect")
            warnings.warn(msg, RoutesWarning, stacklevel=2)
            continue
        if mod.headway_s is None or mod.headway_s <= 0:
            msg = (f"change_headway of route {mod.gtfs_route_id!r} has no positive headway_s; "
                   "give the new headway")
            raise ProposalError(msg)
        today = np.flatnonzero(mine & ~trips.previous_day)
        made = _trips_at_headway(trips.take(today), mod.headway_s)
        runs_today = np.isin(trips.service_ids, trips.service_ids[today])
        stays = mine & trips.previous_day & ~runs_today
        if stays.any():
            msg = (f"route {mod.gtfs_route_id!r}: {int(stays.sum()):,} trips carried over past "
                   f"midnight from a service that does not run on {service_date.isoformat()} "
                   "keep their times (the headway change applies to the services of the date)")
            warnings.warn(msg, RoutesWarning, stacklevel=2)
        keep &= ~mine | stays
        made_today.append(made)
        made_carried.append(carry_over(made.take(np.isin(made.service_ids, previous_services))))
    new = _concat([*made_today, *made_carried], like=trips)
    _check_new_ids(trips.take(keep), new)
    changed = change_feed_trips(feed, keep=keep, new=new, keep_routes=keep_routes,
                                service_date=service_date, rules=rules)
    logger.info("modifications of %s: %d routes removed, %d trips replaced by %d", feed.name,
                int((~keep_routes).sum()), int((~keep).sum()), new.n_trips)
    return changed


def _trips_at_headway(trips: TripTable, headway_s: int) -> TripTable:
    """Replace one route's trips of the date by trips every ``headway_s``.

    Per service and direction, in the order of the file form: groups sorted by
    service and direction.
    """
    if not trips.n_trips:
        return trips
    departure = first_departures_s(trips)
    base = gtfs_trip_ids(trips)
    patterns = stop_sequences(trips)
    keys = list(zip(trips.service_ids.astype(str), trips.direction_ids.astype(str), strict=True))
    templates: list[int] = []
    shifts: list[int] = []
    ids: list[str] = []
    for key in sorted(set(keys)):
        members = sorted((i for i, k in enumerate(keys) if k == key),
                         key=lambda i: (int(departure[i]), str(base[i])))
        counts: dict[tuple[int, ...], int] = {}
        first: dict[tuple[int, ...], int] = {}
        for i in members:
            counts[patterns[i]] = counts.get(patterns[i], 0) + 1
            first.setdefault(patterns[i], int(departure[i]))
        best = sorted(counts, key=lambda p: (-counts[p], first[p]))[0]
        candidates = [i for i in members if patterns[i] == best]
        template = candidates[(len(candidates) - 1) // 2]
        start, end = int(departure[members].min()), int(departure[members].max())
        for k, new_departure in enumerate(range(start, end + 1, headway_s)):
            templates.append(template)
            shifts.append(new_departure - int(departure[template]))
            ids.append(f"{base[template]}_hw{headway_s}s_{k + 1:03d}")
    made = shift_trips(trips, np.asarray(templates, dtype=np.int64),
                       np.asarray(shifts, dtype=np.int64))
    from dataclasses import replace

    return replace(made, trip_ids=np.asarray(ids, dtype=object).reshape(-1))


def _concat(tables: list[TripTable], *, like: TripTable) -> TripTable:
    out = like.take(np.zeros(0, dtype=np.int64))
    for table in tables:
        out = out.append(table)
    return out


def _check_new_ids(kept: TripTable, new: TripTable) -> None:
    taken = set(gtfs_trip_ids(kept).tolist())
    clash: NDArray[np.object_] = np.asarray(
        [t for t in gtfs_trip_ids(new) if t in taken], dtype=object)
    if len(clash):
        msg = (f"new trip id {sorted(clash.tolist())[0]!r} already exists in the feed; rename "
               "that trip in the feed")
        raise GtfsError(msg)
