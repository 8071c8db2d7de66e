"""One GTFS feed's stops, routes and trips for one service date, as clean arrays.

Everything here is about a single feed: route types, the trips that run on
the date (and those carried over from the day before), validated stop times
(:mod:`routes.timetable._stop_times`) and the feed doctor. Combining feeds and
grouping trips into patterns happens in :mod:`routes.timetable.timetable`.

IDs returned from here are already namespaced ``"<feed_name>:<gtfs id>"``.
Stop and route indexes are local to the feed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from routes.timetable._integrity import describe_unknown_trip_rows
from routes.timetable._stop_times import (
    _expand_frequencies,
    _interpolate,
    _LaidOut,
    _lay_out_trips,
    _validated_stop_times,
)
from routes.timetable.calendar import Calendar, parse_calendar
from routes.timetable.diagnosis import DOCTOR_RULES, DoctorRules, FeedDiagnosis
from routes.timetable.doctor import find_trips_to_drop
from routes.timetable.gtfs_time import format_gtfs_time
from routes.timetable.read import Problems, _floats, _text, read_gtfs_feed
from routes.timetable.trips import TripTable

#: Extended (Google/HVT) route types mapped to basic GTFS types, as
#: ``(first, last, basic)``; earlier rows win. 1100 (air) and 1500-1799
#: (taxi, self drive, miscellaneous) have no basic type and become bus (3).
_EXTENDED_ROUTE_TYPES: tuple[tuple[int, int, int], ...] = (
    (405, 405, 12),  # monorail
    (1701, 1701, 5),  # cable car -> cable tram
    (100, 199, 2),  # railway
    (200, 299, 3),  # coach
    (300, 399, 2),  # suburban railway
    (400, 499, 1),  # urban railway, metro, underground
    (500, 699, 1),  # metro, underground
    (700, 799, 3),  # bus
    (800, 899, 11),  # trolleybus
    (900, 999, 0),  # tram
    (1000, 1099, 4),  # water transport
    (1100, 1199, 3),  # air
    (1200, 1299, 4),  # ferry
    (1300, 1399, 6),  # aerial lift
    (1400, 1499, 7),  # funicular
    (1500, 1799, 3),  # taxi, self drive, miscellaneous
)
BASIC_ROUTE_TYPES = (0, 1, 2, 3, 4, 5, 6, 7, 11, 12)
UNKNOWN_ROUTE_TYPE = 3


# --------------------------------------------------------------------------- values


def map_route_types(raw: NDArray[np.float64]) -> tuple[NDArray[np.int16], NDArray[np.bool_]]:
    """Map GTFS route types, basic or extended, to basic types.

    Returns
    -------
    route_types
        Basic GTFS route types (0-7, 11, 12), ``int16``; missing or unknown
        types become 3 (bus).
    unknown
        True where the input was missing or not a known route type.
    """
    raw = np.asarray(raw, dtype=np.float64)
    out = np.full(raw.shape, -1, dtype=np.int16)
    whole = raw == np.floor(raw)
    basic = np.isin(raw, BASIC_ROUTE_TYPES)
    out[basic] = raw[basic].astype(np.int16)
    for first, last, mapped in _EXTENDED_ROUTE_TYPES:
        out[(out < 0) & whole & (raw >= first) & (raw <= last)] = mapped
    unknown = out < 0
    out[unknown] = UNKNOWN_ROUTE_TYPE
    return out, unknown


# --------------------------------------------------------------------------- one feed, one date


@dataclass(frozen=True, slots=True)
class FeedData:
    """One feed's stops, routes and trips for one service date (feed-local indexes).

    Trip ``t`` calls at ``trip_stops[trip_ptr[t]:trip_ptr[t + 1]]`` at
    ``arrival_s``/``departure_s`` (seconds after midnight of the date), with
    GTFS ``pickup_type``/``drop_off_type``; the trips carried over from the
    previous service day come last. ``trip_frequency`` names the
    ``frequencies.txt`` entry a trip was expanded from (``-1`` for others), and
    ``frequency_*`` describe the entries.
    """

    name: str
    path: Path
    start_date: dt.date | None
    end_date: dt.date | None
    stop_ids: NDArray[np.object_]
    stop_names: NDArray[np.object_]
    stop_lon: NDArray[np.float64]
    stop_lat: NDArray[np.float64]
    route_ids: NDArray[np.object_]
    route_short_names: NDArray[np.object_]
    route_types: NDArray[np.int16]
    trip_ids: NDArray[np.object_]
    trip_route: NDArray[np.int64]
    trip_ptr: NDArray[np.int64]
    trip_stops: NDArray[np.int64]
    arrival_s: NDArray[np.int64]
    departure_s: NDArray[np.int64]
    n_trips_scheduled: int  # trips whose service runs on the date, before any were dropped
    warnings: tuple[str, ...]
    diagnosis: FeedDiagnosis
    pickup_type: NDArray[np.uint8]
    drop_off_type: NDArray[np.uint8]
    trip_frequency: NDArray[np.int64]
    frequency_keys: NDArray[np.object_]  # "<feed>:<trip_id>@<start_time>"
    frequency_start_s: NDArray[np.int64]
    frequency_end_s: NDArray[np.int64]
    frequency_headway_s: NDArray[np.int64]
    route_agency_ids: NDArray[np.object_]  # namespaced operator of each route
    route_agency_nocs: NDArray[np.object_]  # its agency_noc, "" when none
    route_types_raw: NDArray[np.int16]  # route_type before mapping (-1 when missing)


@dataclass(frozen=True, slots=True)
class FeedTrips:
    """One feed's trips for one service date, before the feed doctor drops any.

    What :func:`load_feed_trips` caches per feed: the trips as the doctor reads
    them, what the doctor drops, and the feed's stops and routes. The
    routing arrays (:class:`FeedData`) follow from it (:func:`feed_data_from_trips`),
    and scenarios change it (:mod:`routes.timetable.scenario`): the doctor then
    looks again at the changed trips, as it would at a changed feed.

    Attributes
    ----------
    name
        The feed's name (its IDs are namespaced ``"<name>:<gtfs id>"``).
    path
        The zip file or folder it was read from.
    start_date, end_date
        First and last date of its calendars (``None`` if none).
    stop_ids
        Namespaced ``stop_id`` of each stop.
    stop_names, stop_lon, stop_lat
        Name and WGS84 coordinates (degrees) of each stop.
    route_types
        Basic GTFS route type of each route of ``trips``.
    trips
        The trips of the date (frequency instances and trips carried over
        from the previous day included), with feed-local stop and route indexes.
    drop
        The trips the feed doctor drops (none when its rules only report).
    diagnosis
        The feed doctor's findings.
    n_trips_scheduled
        Trips whose service runs on the date, before any were dropped.
    previous_day_service_ids
        The services that ran the day before (their late trips carry over).
    warnings
        Data warnings about the feed (the doctor's comes from ``diagnosis``).
    frequency_keys
        One key per ``frequencies.txt`` entry, ``"<feed>:<trip_id>@<start_time>"``
        (``trips.frequency`` indexes these entries).
    frequency_start_s, frequency_end_s, frequency_headway_s
        Each entry's ``start_time``, ``end_time`` and ``headway_secs``, seconds.
    route_types_raw
        GTFS ``route_type`` of each route as the feed gives it, before
        :func:`map_route_types` (coaches 200-299 stay apart from buses; -1
        when missing or not a whole number), ``int16``.
    agency_ids, agency_nocs
        ``agency_id`` (not namespaced) and ``agency_noc`` (``""`` when the
        feed has no such column) of each row of ``agency.txt``.
    """

    name: str
    path: str
    start_date: dt.date | None
    end_date: dt.date | None
    stop_ids: NDArray[np.object_]
    stop_names: NDArray[np.object_]
    stop_lon: NDArray[np.float64]
    stop_lat: NDArray[np.float64]
    route_types: NDArray[np.int16]
    trips: TripTable
    drop: NDArray[np.bool_]
    diagnosis: FeedDiagnosis
    n_trips_scheduled: int
    previous_day_service_ids: tuple[str, ...]
    warnings: tuple[str, ...]
    frequency_keys: NDArray[np.object_]
    frequency_start_s: NDArray[np.int64]
    frequency_end_s: NDArray[np.int64]
    frequency_headway_s: NDArray[np.int64]
    route_types_raw: NDArray[np.int16]
    agency_ids: NDArray[np.object_]
    agency_nocs: NDArray[np.object_]


def load_feed_for_date(
    path: Path, name: str, service_date: dt.date, *, allow_feed_errors: bool,
    feed_doctor: DoctorRules = DOCTOR_RULES,
) -> FeedData:
    """Read one feed and prepare its trips that run on ``service_date``.

    See :func:`routes.timetable.timetable.load_timetable` for the rules; this applies
    them to one feed (:func:`load_feed_trips`, then :func:`feed_data_from_trips`).
    """
    return feed_data_from_trips(load_feed_trips(path, name, service_date,
                                                allow_feed_errors=allow_feed_errors,
                                                feed_doctor=feed_doctor))


def load_feed_trips(
    path: Path, name: str, service_date: dt.date, *, allow_feed_errors: bool,
    feed_doctor: DoctorRules = DOCTOR_RULES,
) -> FeedTrips:
    """Read one feed and lay out its trips of ``service_date``; diagnose them.

    Only the trips that run on the date or the day before are checked. The
    trips of the date then go through the feed doctor
    (:func:`routes.timetable.doctor.find_trips_to_drop`), which marks what it
    drops; nothing is dropped yet.
    """
    where = f"GTFS feed {name!r} ({path})"
    feed = read_gtfs_feed(path, name)
    problems = Problems()
    calendar = parse_calendar(feed, problems)
    stops = _dedupe(feed.stops, "stop_id", "stops.txt", problems)
    routes = _dedupe(feed.routes, "route_id", "routes.txt", problems)

    today = list(calendar.active_services(service_date))
    yesterday = list(calendar.active_services(service_date - dt.timedelta(days=1)))
    runs = feed.trips["service_id"].isin(today).to_numpy(dtype=bool)
    ran = feed.trips["service_id"].isin(yesterday).to_numpy(dtype=bool)
    trips = _dedupe(feed.trips[runs | ran], "trip_id", "trips.txt", problems)
    route_of_trip = pd.Index(routes["route_id"]).get_indexer(trips["route_id"])
    unknown = np.flatnonzero(route_of_trip < 0)
    problems.add_rows(
        "trips with an unknown route", "trips.txt", trips.index.to_numpy()[unknown] + 1,
        lambda k: f"route_id {trips['route_id'].iloc[unknown[k]]!r} is not in routes.txt",
    )
    trips, route_of_trip = trips[route_of_trip >= 0], route_of_trip[route_of_trip >= 0]

    orphans = describe_unknown_trip_rows(feed, where)
    st = _validated_stop_times(feed, trips, stops, problems)
    _interpolate(st, stops)
    instances = _expand_frequencies(feed, trips, st, problems)
    warnings_ = [orphans] if orphans else []
    warnings_ += problems.raise_or_report(where, allow_feed_errors=allow_feed_errors)
    laid = _lay_out_trips(
        st,
        instances,
        runs=trips["service_id"].isin(today).to_numpy(dtype=bool),
        ran=trips["service_id"].isin(yesterday).to_numpy(dtype=bool),
    )

    raw_types = _floats(routes, "route_type")
    route_types, unknown_type = map_route_types(raw_types)
    if unknown_type.any():
        example = routes["route_id"].to_numpy(dtype=object)[unknown_type][0]
        warnings_.append(
            f"{where}: {int(unknown_type.sum()):,} routes have a missing or unknown route_type "
            f"(e.g. route_id {example!r}); they are treated as buses (route_type 3)"
        )
    names = _text(routes, "route_short_name")
    for fallback in ("route_long_name", "route_id"):
        names = np.where(names == "", _text(routes, fallback), names)
    table = _trip_table(feed, trips, routes, route_of_trip, names, calendar, laid)
    agency = feed.agency if feed.agency is not None else pd.DataFrame({"agency_id": []})
    drop, diagnosis = find_trips_to_drop(table, feed_name=name, service_date=service_date,
                                         rules=feed_doctor)
    trip_code_ids = trips["trip_id"].to_numpy(dtype=object)
    frequency_keys = np.array(
        [f"{name}:{trip_code_ids[t]}@{format_gtfs_time(int(start))}"
         for t, start in zip(instances.entry_trip, instances.entry_start_s, strict=True)],
        dtype=object,
    )
    return FeedTrips(
        name=name,
        path=str(path),
        start_date=calendar.date_range()[0],
        end_date=calendar.date_range()[1],
        stop_ids=(name + ":" + stops["stop_id"]).to_numpy(dtype=object),
        stop_names=_text(stops, "stop_name"),
        stop_lon=_floats(stops, "stop_lon"),
        stop_lat=_floats(stops, "stop_lat"),
        route_types=route_types,
        trips=table,
        drop=drop,
        diagnosis=diagnosis,
        n_trips_scheduled=int(runs.sum()),
        previous_day_service_ids=tuple(sorted(str(s) for s in yesterday)),
        warnings=tuple(warnings_),
        frequency_keys=frequency_keys,
        frequency_start_s=instances.entry_start_s,
        frequency_end_s=instances.entry_end_s,
        frequency_headway_s=instances.entry_headway_s,
        route_types_raw=raw_route_types(raw_types),
        agency_ids=_text(agency, "agency_id"),
        agency_nocs=_text(agency, "agency_noc"),
    )


def raw_route_types(raw: NDArray[np.float64]) -> NDArray[np.int16]:
    """GTFS route types as given, ``int16``; -1 where missing, fractional or out of range."""
    raw = np.asarray(raw, dtype=np.float64)
    ok = np.isfinite(raw) & (raw == np.floor(raw)) & (raw >= 0) & (raw < 32_767)
    return np.where(ok, np.nan_to_num(raw), -1).astype(np.int16)


def route_agencies(feed: FeedTrips, agency_ids: NDArray[np.object_]
                   ) -> tuple[NDArray[np.object_], NDArray[np.object_]]:
    """Each route's operator, namespaced ``"<feed>:<agency_id>"``, and its ``agency_noc``.

    A route without an ``agency_id`` belongs to the feed's only agency when it
    has one (GTFS makes the column optional then), else to ``"<feed>:"``.
    """
    known = [str(a) for a in feed.agency_ids]
    fallback = known[0] if len(known) == 1 else ""
    ids = np.array([str(a) or fallback for a in agency_ids], dtype=object).reshape(-1)
    noc_of = dict(zip(known, (str(n) for n in feed.agency_nocs), strict=True))
    nocs = np.array([noc_of.get(a, "") for a in ids], dtype=object).reshape(-1)
    return (feed.name + ":" + ids).astype(object), nocs


def feed_data_from_trips(feed: FeedTrips) -> FeedData:
    """Make the routing arrays of one feed: its trips less those the feed doctor drops.

    The doctor's warning, if any, comes last among the feed's warnings.
    """
    table = feed.trips.take(~feed.drop) if feed.drop.any() else feed.trips
    name = feed.name
    text = feed.diagnosis.warning()
    agency_ids, agency_nocs = route_agencies(feed, table.route_agency_ids)
    return FeedData(
        name=name,
        path=Path(feed.path),
        start_date=feed.start_date,
        end_date=feed.end_date,
        stop_ids=feed.stop_ids,
        stop_names=feed.stop_names,
        stop_lon=feed.stop_lon,
        stop_lat=feed.stop_lat,
        route_ids=(name + ":" + table.route_ids).astype(object),
        route_short_names=table.route_short_names.astype(object),
        route_types=feed.route_types,
        trip_ids=(name + ":" + table.trip_ids).astype(object),
        trip_route=table.route,
        trip_ptr=table.stop_ptr,
        trip_stops=table.stops,
        arrival_s=table.arrival_s,
        departure_s=table.departure_s,
        n_trips_scheduled=feed.n_trips_scheduled,
        warnings=(*feed.warnings, *([text] if text else [])),
        diagnosis=feed.diagnosis,
        pickup_type=table.pickup_type,
        drop_off_type=table.drop_off_type,
        trip_frequency=table.frequency,
        frequency_keys=feed.frequency_keys,
        frequency_start_s=feed.frequency_start_s,
        frequency_end_s=feed.frequency_end_s,
        frequency_headway_s=feed.frequency_headway_s,
        route_agency_ids=agency_ids,
        route_agency_nocs=agency_nocs,
        route_types_raw=feed.route_types_raw,
    )


def _trip_table(
    feed: Any,
    trips: pd.DataFrame,
    routes: pd.DataFrame,
    route_of_trip: NDArray[np.int64],
    names: NDArray[np.object_],
    calendar: Calendar,
    laid: _LaidOut,
) -> TripTable:
    """Build the doctor's table of the laid-out trips of the date."""
    shapes = feed.shapes
    usable = pd.Index([]) if shapes is None else (
        shapes["shape_id"].value_counts().loc[lambda n: n >= 2].index
    )
    has_shape = trips["shape_id"].isin(usable).to_numpy(dtype=bool) if "shape_id" in trips else (
        np.zeros(len(trips), dtype=bool)
    )
    service_ids = trips["service_id"].to_numpy(dtype=object)
    previous_day = np.zeros(len(laid.trip), dtype=bool)
    previous_day[laid.n_today :] = True
    return TripTable(
        trip_ids=(trips["trip_id"].to_numpy(dtype=object)[laid.trip] + laid.suffix).astype(object),
        route=route_of_trip[laid.trip].astype(np.int64),
        service_ids=service_ids[laid.trip],
        direction_ids=_text(trips, "direction_id")[laid.trip],
        service_start=calendar.first_dates(service_ids)[laid.trip],
        has_shape=has_shape[laid.trip],
        previous_day=previous_day,
        route_ids=routes["route_id"].to_numpy(dtype=object),
        route_agency_ids=_text(routes, "agency_id"),
        route_short_names=names.astype(object),
        stop_ptr=laid.ptr,
        stops=laid.stops,
        arrival_s=laid.arrival_s,
        departure_s=laid.departure_s,
        timed=laid.timed,
        pickup_type=laid.pickup,
        drop_off_type=laid.drop_off,
        frequency=laid.entry,
    )


def _dedupe(df: pd.DataFrame, column: str, file: str, problems: Problems) -> pd.DataFrame:
    """Drop rows with an empty or repeated ID (reported as problems); keep the first."""
    ids = df[column]
    bad = np.flatnonzero((ids.isna() | ids.duplicated()).to_numpy(dtype=bool))
    problems.add_rows(
        f"rows with an empty or repeated {column}", file, df.index.to_numpy()[bad] + 1,
        lambda k: f"{column} {ids.iloc[bad[k]]!r} is empty or repeats an earlier row",
        todo="fix the feed or pass --allow-feed-errors to keep only the first row",
    )
    keep = np.ones(len(df), dtype=bool)
    keep[bad] = False
    return df[keep]
