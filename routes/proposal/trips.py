"""A proposal's new routes as arrays: stops, routes and timed trips, and as a feed's trips.

:func:`compute_proposal_trips` lays the new routes out once
(:class:`ProposalTrips`); the GTFS export (:mod:`routes.proposal.export`)
formats those arrays as GTFS tables, and :func:`proposal_feed_trips` turns them
into the trips of one more feed of a scenario, exactly as reading the exported
feed would, without writing it.

IDs are those of the export (see :mod:`routes.proposal.export`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from routes._csr import offsets_from_counts
from routes.errors import ProposalError
from routes.proposal.model import Proposal, ProposalRoute, Weekday
from routes.proposal.schedule import compute_departures_s, compute_stop_offsets_s
from routes.proposal.stops import compute_route_stops
from routes.timetable.diagnosis import DoctorRules
from routes.timetable.doctor import find_trips_to_drop
from routes.timetable.feed import FeedTrips, map_route_types, raw_route_types
from routes.timetable.gtfs_time import format_gtfs_times
from routes.timetable.trips import TripTable

__all__ = ["ProposalTrips", "compute_proposal_trips", "proposal_feed_trips"]

WEEKDAY_ORDER = (Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI,
                 Weekday.SAT, Weekday.SUN)
"""The days of the week in ``datetime.date.weekday()`` order."""


@dataclass(frozen=True, slots=True)
class ProposalTrips:
    """A proposal's new routes, their stops and their trips, as arrays.

    Attributes
    ----------
    agency_id
        ``proposal_<proposal slug>``.
    route_ids, route_names, route_types, route_days
        Per route: ``route_id``, name, GTFS ``route_type`` and days of service.
    stop_ids, stop_names, stop_lon, stop_lat
        Per stop (stops are per route, in route order): ``stop_id``, name and
        WGS84 coordinates, degrees.
    trip_ids, trip_route, trip_direction, trip_headsigns
        Per trip: ``trip_id``, route index, direction (0 as drawn, 1
        reversed) and headsign; per route, direction 0 then 1, by departure.
    stop_ptr
        CSR offsets of each trip's stop times, ``n_trips + 1``.
    stops, arrival_s, departure_s
        Per stop time: stop index, and times, seconds after midnight.
    """

    agency_id: str
    route_ids: tuple[str, ...]
    route_names: tuple[str, ...]
    route_types: tuple[int, ...]
    route_days: tuple[frozenset[Weekday], ...]
    stop_ids: NDArray[np.object_]
    stop_names: NDArray[np.object_]
    stop_lon: NDArray[np.float64]
    stop_lat: NDArray[np.float64]
    trip_ids: NDArray[np.object_]
    trip_route: NDArray[np.int64]
    trip_direction: NDArray[np.int64]
    trip_headsigns: NDArray[np.object_]
    stop_ptr: NDArray[np.int64]
    stops: NDArray[np.int64]
    arrival_s: NDArray[np.int64]
    departure_s: NDArray[np.int64]

    @property
    def n_trips(self) -> int:
        """Number of trips."""
        return len(self.trip_ids)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def route_slugs(routes: tuple[ProposalRoute, ...]) -> list[str]:
    """One unique slug per route; collisions ("Route A", "route-a") get ``_2``, ``_3``..."""
    seen: set[str] = set()
    out = []
    for index, route in enumerate(routes):
        base = _slug(route.name) or f"route{index + 1}"
        slug, n = base, 1
        while slug in seen:
            n += 1
            slug = f"{base}_{n}"
        seen.add(slug)
        out.append(slug)
    return out


def proposal_prefix(proposal: Proposal) -> str:
    """Return the prefix of every id of a proposal's feed: ``proposal_<slug>``."""
    return f"proposal_{_slug(proposal.name) or 'unnamed'}"


def compute_proposal_trips(proposal: Proposal) -> ProposalTrips:
    """Lay a proposal's new routes out as stops and timed trips.

    Trips leave the first stop at every departure of
    :func:`routes.proposal.schedule.compute_departures_s`; bidirectional routes
    run the reverse direction at the same times from the other end. Times at
    stops come from :func:`routes.proposal.schedule.compute_stop_offsets_s`.
    Stops are not shared between routes.

    Returns
    -------
    ProposalTrips
        The arrays, ids as in :mod:`routes.proposal.export`.
    """
    prefix = proposal_prefix(proposal)
    route_ids: list[str] = []
    stop_ids: list[str] = []
    stop_names: list[str] = []
    lon: list[float] = []
    lat: list[float] = []
    trip_ids: list[NDArray[np.str_]] = []
    trip_route: list[NDArray[np.int64]] = []
    trip_direction: list[NDArray[np.int64]] = []
    headsigns: list[NDArray[np.object_]] = []
    lengths: list[NDArray[np.int64]] = []
    stops: list[NDArray[np.int64]] = []
    arrivals: list[NDArray[np.int64]] = []
    departures: list[NDArray[np.int64]] = []
    for r, (route, slug) in enumerate(zip(proposal.routes, route_slugs(proposal.routes),
                                          strict=True)):
        route_id = f"{prefix}_{slug}"
        route_ids.append(route_id)
        route_stops = compute_route_stops(route)
        first_stop = len(stop_ids)
        names = [s.name or f"{route.name} stop {k + 1}" for k, s in enumerate(route_stops)]
        stop_ids += [f"{route_id}_s{k + 1:03d}" for k in range(len(route_stops))]
        stop_names += names
        lon += [s.lon for s in route_stops]
        lat += [s.lat for s in route_stops]
        departures_s = compute_departures_s(route)
        for direction in (0, 1) if route.bidirectional else (0,):
            reverse = direction == 1
            arrival_s, departure_s = compute_stop_offsets_s(route, route_stops, reverse=reverse)
            order = np.arange(len(route_stops))[::-1] if reverse else np.arange(len(route_stops))
            n_trips, n_stops = len(departures_s), len(order)
            trip_ids.append(np.char.add(f"{route_id}_d{direction}_",
                                        np.char.replace(format_gtfs_times(departures_s), ":", "")))
            trip_route.append(np.full(n_trips, r, dtype=np.int64))
            trip_direction.append(np.full(n_trips, direction, dtype=np.int64))
            headsigns.append(np.full(n_trips, names[order[-1]], dtype=object))
            lengths.append(np.full(n_trips, n_stops, dtype=np.int64))
            stops.append(np.tile(first_stop + order, n_trips).astype(np.int64))
            arrivals.append((departures_s[:, None] + arrival_s[None, :]).ravel())
            departures.append((departures_s[:, None] + departure_s[None, :]).ravel())

    def cat(parts: list[NDArray[np.generic]], dtype: type) -> NDArray[np.generic]:
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)

    return ProposalTrips(
        agency_id=prefix,
        route_ids=tuple(route_ids),
        route_names=tuple(r.name for r in proposal.routes),
        route_types=tuple(int(r.route_type) for r in proposal.routes),
        route_days=tuple(frozenset(r.days) for r in proposal.routes),
        stop_ids=np.asarray(stop_ids, dtype=object).reshape(-1),
        stop_names=np.asarray(stop_names, dtype=object).reshape(-1),
        stop_lon=np.asarray(lon, dtype=np.float64).reshape(-1),
        stop_lat=np.asarray(lat, dtype=np.float64).reshape(-1),
        trip_ids=cat(trip_ids, object),  # type: ignore[arg-type]
        trip_route=cat(trip_route, np.int64),  # type: ignore[arg-type]
        trip_direction=cat(trip_direction, np.int64),  # type: ignore[arg-type]
        trip_headsigns=cat(headsigns, object),  # type: ignore[arg-type]
        stop_ptr=offsets_from_counts(cat(lengths, np.int64)),  # type: ignore[arg-type]
        stops=cat(stops, np.int64),  # type: ignore[arg-type]
        arrival_s=cat(arrivals, np.int64),  # type: ignore[arg-type]
        departure_s=cat(departures, np.int64),  # type: ignore[arg-type]
    )


def proposal_feed_trips(
    proposal: Proposal, *, service_date: dt.date, feed_name: str, rules: DoctorRules,
) -> FeedTrips:
    """Turn a proposal's new routes into one more feed of a scenario, on one service date.

    What reading the proposal's exported feed (calendar of the one date,
    :func:`routes.proposal.export.write_proposal_feed`) would give, without
    writing it: the trips of the routes that run on the date's weekday, all
    times given by the proposal, no shapes, and the feed doctor's diagnosis.

    Parameters
    ----------
    proposal
        The proposal.
    service_date
        The date.
    feed_name
        The feed's name (its ids are namespaced ``"<feed_name>:<id>"``).
    rules
        The feed doctor's rules.

    Returns
    -------
    FeedTrips
        Stops of every route; the trips of the date.

    Raises
    ------
    ProposalError
        If a route has fewer than two stops.
    """
    laid = compute_proposal_trips(proposal)
    short = np.flatnonzero(np.diff(laid.stop_ptr) < 2)
    if len(short):
        msg = (f"{proposal.name}: route {laid.route_names[laid.trip_route[short[0]]]!r} has "
               "fewer than two stops; draw a longer route or add stops")
        raise ProposalError(msg)
    weekday = WEEKDAY_ORDER[service_date.weekday()]
    runs_routes = np.array([weekday in days for days in laid.route_days], dtype=bool)
    runs = runs_routes[laid.trip_route] if laid.n_trips else np.zeros(0, dtype=bool)
    n_routes = len(laid.route_ids)
    all_trips = TripTable(
        trip_ids=laid.trip_ids.astype(object),
        route=laid.trip_route,
        service_ids=np.asarray([f"{laid.route_ids[r]}_days" for r in laid.trip_route],
                               dtype=object).reshape(-1),
        direction_ids=laid.trip_direction.astype(str).astype(object),
        service_start=np.full(laid.n_trips, np.datetime64(service_date, "D")),
        has_shape=np.zeros(laid.n_trips, dtype=bool),
        previous_day=np.zeros(laid.n_trips, dtype=bool),
        route_ids=np.asarray(laid.route_ids, dtype=object).reshape(-1),
        route_agency_ids=np.full(n_routes, laid.agency_id, dtype=object),
        route_short_names=np.asarray(  # the export's long name when the name is empty
            [name or f"{name} (proposal {proposal.name})" for name in laid.route_names],
            dtype=object).reshape(-1),
        stop_ptr=laid.stop_ptr,
        stops=laid.stops,
        arrival_s=laid.arrival_s,
        departure_s=laid.departure_s,
        timed=np.ones(len(laid.stops), dtype=bool),
        pickup_type=np.zeros(len(laid.stops), dtype=np.uint8),
        drop_off_type=np.zeros(len(laid.stops), dtype=np.uint8),
        frequency=np.full(laid.n_trips, -1, dtype=np.int64),
    )
    trips = all_trips.take(runs)
    drop, diagnosis = find_trips_to_drop(trips, feed_name=feed_name, service_date=service_date,
                                         rules=rules)
    route_types, unknown = map_route_types(np.asarray(laid.route_types, dtype=np.float64))
    warnings = []
    if unknown.any():
        warnings.append(
            f"GTFS feed {feed_name!r} ({feed_name}.zip): {int(unknown.sum()):,} routes have a "
            f"missing or unknown route_type (e.g. route_id {laid.route_ids[np.argmax(unknown)]!r}"
            "); they are treated as buses (route_type 3)")
    return FeedTrips(
        name=feed_name,
        path=f"proposal_{proposal.name}.zip",
        start_date=service_date,
        end_date=service_date,
        stop_ids=(feed_name + ":" + laid.stop_ids).astype(object),
        stop_names=laid.stop_names,
        stop_lon=laid.stop_lon,
        stop_lat=laid.stop_lat,
        route_types=route_types,
        trips=trips,
        drop=drop,
        diagnosis=diagnosis,
        n_trips_scheduled=int(runs.sum()),
        previous_day_service_ids=(),
        warnings=tuple(warnings),
        frequency_keys=np.zeros(0, dtype=object),  # proposed trips are all scheduled
        frequency_start_s=np.zeros(0, dtype=np.int64),
        frequency_end_s=np.zeros(0, dtype=np.int64),
        frequency_headway_s=np.zeros(0, dtype=np.int64),
        route_types_raw=raw_route_types(np.asarray(laid.route_types, dtype=np.float64)),
        agency_ids=np.array([laid.agency_id], dtype=object),
        agency_nocs=np.array([""], dtype=object),
    )
