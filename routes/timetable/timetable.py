"""GTFS feeds for one service date, as contiguous arrays for the routing kernels.

:func:`load_timetable` reads one or more GTFS feeds (with gtfs_kit) and builds a
:class:`Timetable`; :func:`describe_feeds` and :func:`compute_timetable_stats`
give the numbers for a data report. The per-feed reading and cleaning lives in
:mod:`routes.timetable.read`.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from routes._csr import concat_ranges, offsets_from_counts
from routes._progress import ProgressCallback
from routes.errors import GtfsError, RoutesWarning
from routes.timetable._patterns import _build_patterns, _build_stop_patterns
from routes.timetable.diagnosis import DOCTOR_RULES, DoctorRules, FeedDiagnosis

if TYPE_CHECKING:
    import pandas as pd

    from routes.timetable.feed import FeedData, FeedTrips

__all__ = [
    "NO_PICKUP_DROP_OFF",
    "FeedSummary",
    "Timetable",
    "assemble_timetable",
    "compute_timetable_stats",
    "describe_feeds",
    "load_timetable",
]

logger = logging.getLogger(__name__)

NO_PICKUP_DROP_OFF = 1
"""GTFS ``pickup_type`` / ``drop_off_type`` 1: no pickup (drop-off) at that stop."""


@dataclass(frozen=True, slots=True)
class Timetable:
    """Scheduled public transport for one service date, in routing-kernel layout.

    Times are ``int32`` seconds after midnight of the service date; values past
    24 h (86,400 s) are kept as they are (a 25:10:00 departure is 90,600 s).

    Stops, trips and routes are indexed by contiguous integers. Their public IDs
    are strings namespaced by feed: ``"<feed_name>:<gtfs id>"``.

    Attributes
    ----------
    service_date
        The date the timetable is for.
    feed_names
        Name of each feed that was loaded (the file stem, made unique).
    stop_ids
        Namespaced GTFS ``stop_id`` of each stop (object array of ``str``).
    stop_names
        GTFS ``stop_name`` of each stop.
    stop_lon, stop_lat
        WGS84 coordinates of each stop, degrees.
    route_ids
        Namespaced GTFS ``route_id`` of each route.
    route_short_names
        GTFS ``route_short_name`` (or long name when empty) of each route.
    route_types
        Basic GTFS route type of each route (extended types 7xx mapped to 3,
        9xx to 0, and so on), ``int16``.
    pattern_route
        Route index of each pattern, ``int32``. A pattern is a sequence of
        stops served by trips that never overtake one another (R5's
        "TripPattern"); trips of one GTFS route with the same stops but
        overtaking are split into separate patterns.
    pattern_stop_ptr
        CSR offsets, ``int32`` of length ``n_patterns + 1``: the stops of
        pattern ``p`` are ``pattern_stops[pattern_stop_ptr[p]:pattern_stop_ptr[p + 1]]``.
    pattern_stops
        Stop indexes along each pattern, ``int32``.
    pattern_trip_ptr
        CSR offsets, ``int32`` of length ``n_patterns + 1``: the trips of
        pattern ``p`` are ``pattern_trip_ptr[p]`` up to ``pattern_trip_ptr[p + 1]``,
        sorted by departure from the first stop; since trips do not overtake,
        they are then sorted at every stop of the pattern.
    trip_ids
        Namespaced GTFS ``trip_id`` of each trip (frequency-based trips get a
        suffix ``@HH:MM:SS`` with their start time; trips carried over from
        the previous service day, see :func:`load_timetable`, a suffix ``@-1d``).
    trip_time_ptr
        CSR offsets, ``int32`` of length ``n_trips + 1``: the times of trip ``t``
        are ``arrival_s[trip_time_ptr[t]:trip_time_ptr[t + 1]]`` (one per
        stop of its pattern, in order).
    arrival_s, departure_s
        Arrival and departure time at each stop of each trip, ``int32`` seconds
        after midnight; untimed GTFS stop times are interpolated.
    stop_pattern_ptr, stop_patterns
        CSR from stop to the patterns serving it, ``int32``.
    feed_diagnoses
        What the feed doctor found in each feed on the date (one per feed
        that was loaded, see :mod:`routes.timetable.doctor`); empty for timetables
        not built by :func:`load_timetable`.
    pattern_pickup_type, pattern_drop_off_type
        GTFS ``pickup_type`` and ``drop_off_type`` at each stop of each pattern
        (``uint8``, aligned with ``pattern_stops``; trips of a pattern share
        them, as in R5's ``TripPatternKey``). ``None``: 0 everywhere.
    trip_frequency
        For each trip expanded from a ``frequencies.txt`` row of the date, the
        index of that row (its *entry*) in the ``frequency_*`` arrays;
        ``-1`` for scheduled trips and for trips carried over from the previous
        day (``int32``). ``None``: no frequency trips.
    frequency_keys
        ``"<feed_name>:<trip_id>@<start_time>"`` of each entry (object array
        of ``str``); the engine seeds each entry's random phases with it.
    frequency_start_s, frequency_end_s, frequency_headway_s
        ``start_time``, ``end_time`` and ``headway_secs`` of each entry,
        ``int32`` seconds.
    route_agency_ids, route_agency_nocs, route_types_raw
        Per route (``None`` for timetables not read from feeds): its operator
        ``"<feed>:<agency_id>"``, that agency's ``agency_noc`` (``""`` if none)
        and its GTFS ``route_type`` as given (coaches 200-299 kept; -1 missing).
    """

    service_date: dt.date
    feed_names: tuple[str, ...]
    stop_ids: NDArray[np.object_]
    stop_names: NDArray[np.object_]
    stop_lon: NDArray[np.float64]
    stop_lat: NDArray[np.float64]
    route_ids: NDArray[np.object_]
    route_short_names: NDArray[np.object_]
    route_types: NDArray[np.int16]
    pattern_route: NDArray[np.int32]
    pattern_stop_ptr: NDArray[np.int32]
    pattern_stops: NDArray[np.int32]
    pattern_trip_ptr: NDArray[np.int32]
    trip_ids: NDArray[np.object_]
    trip_time_ptr: NDArray[np.int32]
    arrival_s: NDArray[np.int32]
    departure_s: NDArray[np.int32]
    stop_pattern_ptr: NDArray[np.int32]
    stop_patterns: NDArray[np.int32]
    feed_diagnoses: tuple[FeedDiagnosis, ...] = ()
    pattern_pickup_type: NDArray[np.uint8] | None = None
    pattern_drop_off_type: NDArray[np.uint8] | None = None
    trip_frequency: NDArray[np.int32] | None = None
    frequency_keys: NDArray[np.object_] | None = None
    frequency_start_s: NDArray[np.int32] | None = None
    frequency_end_s: NDArray[np.int32] | None = None
    frequency_headway_s: NDArray[np.int32] | None = None
    route_agency_ids: NDArray[np.object_] | None = None
    route_agency_nocs: NDArray[np.object_] | None = None
    route_types_raw: NDArray[np.int16] | None = None

    @property
    def can_board(self) -> NDArray[np.bool_]:
        """Whether one may board at each stop of each pattern (``pickup_type`` not 1).

        GTFS 2 (phone the agency) and 3 (ask the driver) count as allowed, as in R5.
        """
        if self.pattern_pickup_type is None:
            return np.ones(len(self.pattern_stops), dtype=bool)
        return np.asarray(self.pattern_pickup_type != NO_PICKUP_DROP_OFF)

    @property
    def can_alight(self) -> NDArray[np.bool_]:
        """Whether one may alight at each stop of each pattern (``drop_off_type`` not 1)."""
        if self.pattern_drop_off_type is None:
            return np.ones(len(self.pattern_stops), dtype=bool)
        return np.asarray(self.pattern_drop_off_type != NO_PICKUP_DROP_OFF)

    @property
    def n_frequency_entries(self) -> int:
        """Number of ``frequencies.txt`` entries whose trips run on the date."""
        return 0 if self.frequency_headway_s is None else len(self.frequency_headway_s)

    @property
    def n_stops(self) -> int:
        """Number of stops."""
        return len(self.stop_ids)

    @property
    def n_patterns(self) -> int:
        """Number of patterns."""
        return len(self.pattern_route)

    @property
    def n_trips(self) -> int:
        """Number of trips running on the service date."""
        return len(self.trip_ids)


@dataclass(frozen=True, slots=True)
class FeedSummary:
    """What a GTFS feed holds, for a data report.

    Attributes
    ----------
    name
        Feed name used to namespace its IDs (the file stem, made unique).
    path
        The zip file or folder.
    start_date, end_date
        First and last date of ``calendar.txt`` ranges and
        ``calendar_dates.txt`` additions; ``None`` if the feed has no dates.
    n_routes, n_trips, n_stops
        Rows in ``routes.txt``, ``trips.txt`` and ``stops.txt``.
    n_stop_times_unknown_trip
        Rows of ``stop_times.txt`` whose ``trip_id`` is not in ``trips.txt``
        (left out; a ``foreign_key_violation`` in MobilityData's validator).
    """

    name: str
    path: Path
    start_date: dt.date | None
    end_date: dt.date | None
    n_routes: int
    n_trips: int
    n_stops: int
    n_stop_times_unknown_trip: int = 0


def load_timetable(
    feeds: Sequence[Path],
    service_date: dt.date,
    *,
    allow_feed_errors: bool = False,
    feed_doctor: DoctorRules = DOCTOR_RULES,
    progress: ProgressCallback | None = None,
) -> Timetable:
    """Read GTFS feeds and build the timetable of one service date.

    Parameters
    ----------
    feeds
        GTFS feeds, each a zip file or a folder of ``.txt`` files. Each feed is
        named after its file stem (made unique: ``gtfs``, ``gtfs_2``...) and its
        IDs are namespaced ``"<feed_name>:<gtfs id>"``.
    service_date
        The date to build the timetable for.
    allow_feed_errors
        Drop the trips affected by feed errors (malformed times, untimed first
        or last stops, unknown stops or routes...) with a warning, instead of
        raising.
    feed_doctor
        The feed doctor's rules: by default it drops exact duplicate trips and
        the trips of superseded service versions; ``DoctorRules(drop=False)``
        only reports them. See :func:`routes.timetable.doctor.compute_feed_diagnosis`.
    progress
        Called as ``progress(done, total)`` after each feed and at the end.

    Returns
    -------
    Timetable
        Every stop and route of every feed (so indexes do not depend on the
        date), the trips running on ``service_date`` grouped into patterns,
        and the feed doctor's diagnosis of each feed.

    Raises
    ------
    GtfsError
        If a feed cannot be read (missing file, not a zip, damaged zip, a
        required file or column missing, a table twice or only in a subfolder
        of the zip), if a feed has errors and
        ``allow_feed_errors`` is false (the message lists them with their file
        and row), or if no feed runs on ``service_date``.

    Warns
    -----
    RoutesWarning
        For a feed with no service on ``service_date`` (naming its date range),
        for routes with unknown ``route_type``, for ``stop_times.txt`` rows
        whose ``trip_id`` is not in ``trips.txt`` (counted), for trips dropped because
        of feed errors when ``allow_feed_errors`` is true (with counts), and
        once per feed whose duplicate or superseded trips the doctor dropped.

    Notes
    -----
    - A trip runs on the date if its ``service_id`` does: ``calendar.txt``
      (weekday flag and date range) plus ``calendar_dates.txt`` additions
      (``exception_type`` 1) minus removals (2). Either file may be missing.
    - Times are seconds after midnight of the service date; times past 24:00
      are kept (25:10:00 is 90,600 s).
    - Trips of the *previous* service day that run past 24:00 also run in this
      date's early morning. They are included with their times minus 86,400 s,
      from the first stop whose departure is at or after midnight (an arrival
      before midnight at that stop becomes 0); their trip IDs get a suffix
      ``@-1d``, and they need two such stops. R5 does *not* do this
      (``TransitLayer``: "we don't handle overnight trips"; it runs only the
      services of the date); carrying them is more realistic for early windows.
    - Trips in ``frequencies.txt`` are templates: each row, whatever its
      ``exact_times``, becomes one trip per ``headway_secs`` from
      ``start_time`` while before ``end_time`` (GTFS's ``exact_times=1``
      schedule), with the template's times shifted so that it leaves its
      first stop then; the trip ID gets a suffix ``@HH:MM:SS`` (the start
      time, GTFS clock). ``trip_frequency`` keeps which row each came from:
      with ``[routing].frequency_phase = "random"`` (the default) the engine
      replaces these trips by R5's random schedules
      (:mod:`routes.engine.frequencies`).
    - ``pickup_type`` / ``drop_off_type`` are read (empty = 0; values other
      than 0-3 are feed errors naming the row); 1 forbids boarding
      (alighting) at that stop, and trips with the same stops but other types
      form other patterns.
    - Stops without times are interpolated linearly between the previous and
      the next timed stop, by ``shape_dist_traveled`` when the trip has it at
      every stop and it never decreases, else by the cumulative straight-line
      (haversine) distance between consecutive stops, else (zero distance or
      missing coordinates) by position along the trip. Times are rounded to
      whole seconds and never decrease along a trip. The first and last stop
      of each trip must have times.
    - The feed doctor (:mod:`routes.timetable.doctor`) looks at each feed's
      trips of the date, frequency instances and carried-over trips included:
      it drops exact duplicates and superseded service versions, and counts
      trips past 24:00, trips without shapes and whole-minute times.
    - Trips are grouped into patterns by route, exact stop sequence and
      pickup/drop-off types, sorted by departure, and split greedily into
      non-overtaking sub-patterns, so that within a pattern trips are sorted
      at every stop.
    """
    from routes.timetable.feed import load_feed_trips
    from routes.timetable.read import unique_feed_names

    started = time.perf_counter()
    paths = [Path(p) for p in feeds]
    if not paths:
        msg = "no GTFS feeds given; list at least one feed in [study_area].gtfs"
        raise GtfsError(msg)
    if not isinstance(service_date, dt.date) or isinstance(service_date, dt.datetime):
        msg = f"service_date must be a datetime.date, got {service_date!r}"
        raise TypeError(msg)
    names = unique_feed_names(paths)
    total = len(paths) + 1
    loaded: list[FeedTrips] = []
    for done, (path, name) in enumerate(zip(paths, names, strict=True), start=1):
        loaded.append(
            load_feed_trips(path, name, service_date, allow_feed_errors=allow_feed_errors,
                            feed_doctor=feed_doctor)
        )
        if progress is not None:
            progress(done, total)
    tt = assemble_timetable(loaded, service_date)
    if progress is not None:
        progress(total, total)
    logger.info("timetable read in %.1f s", time.perf_counter() - started)
    return tt


def assemble_timetable(
    feeds: Sequence[FeedTrips], service_date: dt.date, *, warn: bool = True
) -> Timetable:
    """Build the timetable of one service date from each feed's trips.

    The second half of :func:`load_timetable`, on feeds already read (from the
    cache, or changed by a scenario): the feed doctor's drops are applied, the
    feeds' stops, routes and trips concatenated in order and the trips grouped
    into patterns.

    Parameters
    ----------
    feeds
        Each feed's trips (:func:`routes.timetable.feed.load_feed_trips`).
    service_date
        Their date.
    warn
        Give the feeds' data warnings (false when they were given already,
        e.g. for a scenario built on feeds loaded for the baseline).

    Raises
    ------
    GtfsError
        If no feed runs on ``service_date``, or no trip is left.

    Warns
    -----
    RoutesWarning
        As :func:`load_timetable` (when ``warn``).
    """
    from routes.timetable.feed import feed_data_from_trips

    started = time.perf_counter()
    data = [feed_data_from_trips(f) for f in feeds]
    idle = [d for d in data if d.n_trips_scheduled == 0]
    if len(idle) == len(data):
        ranges = "; ".join(_no_service(d, service_date) for d in data)
        msg = (
            f"no GTFS feed runs on {service_date.isoformat()}: {ranges}; "
            "choose another [study_area].date"
        )
        raise GtfsError(msg)
    if warn:
        for d in data:
            for text in d.warnings:
                warnings.warn(text, RoutesWarning, stacklevel=2)
        for d in idle:
            warnings.warn(_no_service(d, service_date), RoutesWarning, stacklevel=2)

    tt = _assemble(data, service_date)
    if tt.n_trips == 0:
        msg = (
            f"no trips left on {service_date.isoformat()}: the trips that run were all dropped "
            "for feed errors or have no stop times; fix the feeds or choose another date"
        )
        raise GtfsError(msg)
    logger.info(
        "timetable %s: %d feeds, %s trips, %s patterns, %s stops; %.1f s",
        service_date.isoformat(),
        len(data),
        f"{tt.n_trips:,}",
        f"{tt.n_patterns:,}",
        f"{tt.n_stops:,}",
        time.perf_counter() - started,
    )
    return tt


def _no_service(d: FeedData, service_date: dt.date) -> str:
    if d.start_date is None or d.end_date is None:
        span = "its calendars hold no dates"
    else:
        span = f"it runs {d.start_date.isoformat()} to {d.end_date.isoformat()}"
    return f"feed {d.name!r} ({d.path.name}) has no service on {service_date.isoformat()}; {span}"


def _assemble(data: Sequence[FeedData], service_date: dt.date) -> Timetable:
    """Concatenate feeds (offsetting indexes) and build patterns."""
    stop_offset = offsets_from_counts([len(d.stop_ids) for d in data])
    route_offset = offsets_from_counts([len(d.route_ids) for d in data])
    row_offset = offsets_from_counts([int(d.trip_ptr[-1]) for d in data])
    trip_ptr = np.concatenate(
        [[0]] + [d.trip_ptr[1:] + row_offset[i] for i, d in enumerate(data)]
    ).astype(np.int64)
    stops = np.concatenate([d.trip_stops + stop_offset[i] for i, d in enumerate(data)])
    trip_route = np.concatenate([d.trip_route + route_offset[i] for i, d in enumerate(data)])
    arrival = np.concatenate([d.arrival_s for d in data])
    departure = np.concatenate([d.departure_s for d in data])
    trip_ids = np.concatenate([d.trip_ids for d in data]).astype(object)
    n_stops = int(stop_offset[-1])
    pickup = np.concatenate([d.pickup_type for d in data]).astype(np.uint8)
    drop_off = np.concatenate([d.drop_off_type for d in data]).astype(np.uint8)
    entry_offset = offsets_from_counts([len(d.frequency_headway_s) for d in data])
    trip_frequency = np.concatenate(
        [np.where(d.trip_frequency >= 0, d.trip_frequency + entry_offset[i], -1)
         for i, d in enumerate(data)]
    ).astype(np.int64)

    patterns = _build_patterns(trip_route, trip_ptr, stops, arrival, departure,
                               pickup_type=pickup, drop_off_type=drop_off)
    trip_order, pattern_route, pattern_stop_ptr, pattern_stops, pattern_trip_ptr = patterns
    lengths = np.diff(trip_ptr)[trip_order]
    rows = concat_ranges(trip_ptr[trip_order], lengths)
    first = trip_order[pattern_trip_ptr[:-1]]
    pattern_rows = concat_ranges(trip_ptr[first], np.diff(trip_ptr)[first])
    stop_pattern_ptr, stop_patterns = _build_stop_patterns(pattern_stop_ptr, pattern_stops, n_stops)
    i32 = np.int32
    any_frequency = bool(entry_offset[-1])
    return Timetable(
        service_date=service_date,
        feed_names=tuple(d.name for d in data),
        stop_ids=np.concatenate([d.stop_ids for d in data]).astype(object),
        stop_names=np.concatenate([d.stop_names for d in data]).astype(object),
        stop_lon=np.concatenate([d.stop_lon for d in data]).astype(np.float64),
        stop_lat=np.concatenate([d.stop_lat for d in data]).astype(np.float64),
        route_ids=np.concatenate([d.route_ids for d in data]).astype(object),
        route_short_names=np.concatenate([d.route_short_names for d in data]).astype(object),
        route_types=np.concatenate([d.route_types for d in data]).astype(np.int16),
        pattern_route=pattern_route.astype(i32),
        pattern_stop_ptr=pattern_stop_ptr.astype(i32),
        pattern_stops=pattern_stops.astype(i32),
        pattern_trip_ptr=pattern_trip_ptr.astype(i32),
        trip_ids=trip_ids[trip_order],
        trip_time_ptr=offsets_from_counts(lengths, dtype=i32),
        arrival_s=arrival[rows].astype(i32),
        departure_s=departure[rows].astype(i32),
        stop_pattern_ptr=stop_pattern_ptr.astype(i32),
        stop_patterns=stop_patterns.astype(i32),
        feed_diagnoses=tuple(d.diagnosis for d in data),
        pattern_pickup_type=pickup[pattern_rows] if pickup.any() else None,
        pattern_drop_off_type=drop_off[pattern_rows] if drop_off.any() else None,
        trip_frequency=trip_frequency[trip_order].astype(i32) if any_frequency else None,
        frequency_keys=(np.concatenate([d.frequency_keys for d in data]).astype(object)
                        if any_frequency else None),
        frequency_start_s=(np.concatenate([d.frequency_start_s for d in data]).astype(i32)
                           if any_frequency else None),
        frequency_end_s=(np.concatenate([d.frequency_end_s for d in data]).astype(i32)
                         if any_frequency else None),
        frequency_headway_s=(np.concatenate([d.frequency_headway_s for d in data]).astype(i32)
                             if any_frequency else None),
        route_agency_ids=np.concatenate([d.route_agency_ids for d in data]).astype(object),
        route_agency_nocs=np.concatenate([d.route_agency_nocs for d in data]).astype(object),
        route_types_raw=np.concatenate([d.route_types_raw for d in data]).astype(np.int16),
    )


def describe_feeds(
    feeds: Sequence[Path], *, allow_feed_errors: bool = False
) -> list[FeedSummary]:
    """Summarise GTFS feeds: service date range and table sizes.

    Parameters
    ----------
    feeds
        GTFS feeds, each a zip file or a folder; named as in :func:`load_timetable`.
    allow_feed_errors
        Leave malformed calendar rows out of the date range instead of raising
        (:func:`load_timetable` with the same flag warns about them).

    Returns
    -------
    list[FeedSummary]
        One summary per feed, in the order given.

    Raises
    ------
    GtfsError
        If a feed cannot be read, or its calendars hold malformed dates and
        ``allow_feed_errors`` is false.
    """
    from routes.timetable._integrity import unknown_trip_rows
    from routes.timetable.calendar import parse_calendar
    from routes.timetable.read import Problems, read_gtfs_feed, unique_feed_names

    paths = [Path(p) for p in feeds]
    out = []
    for path, name in zip(paths, unique_feed_names(paths), strict=True):
        feed = read_gtfs_feed(path, name)
        problems = Problems()
        start, end = parse_calendar(feed, problems).date_range()
        problems.raise_or_report(
            f"GTFS feed {name!r} ({path})", allow_feed_errors=allow_feed_errors
        )
        out.append(
            FeedSummary(
                name=name,
                path=path,
                start_date=start,
                end_date=end,
                n_routes=len(feed.routes),
                n_trips=len(feed.trips),
                n_stops=len(feed.stops),
                n_stop_times_unknown_trip=len(unknown_trip_rows(feed)),
            )
        )
    return out


def compute_timetable_stats(tt: Timetable) -> pd.DataFrame:
    """Count what runs on the timetable's date, per feed.

    Parameters
    ----------
    tt
        A timetable from :func:`load_timetable`.

    Returns
    -------
    pandas.DataFrame
        One row per feed, in ``tt.feed_names`` order, with columns:

        - ``feed_name``: the feed's name;
        - ``n_trips``: trips running on the date, including those carried over
          from the previous day;
        - ``n_trips_previous_day``: of which carried over from the previous day;
        - ``n_routes``: routes with at least one trip on the date;
        - ``n_patterns``: patterns of those trips;
        - ``n_stops``: stops served by at least one trip on the date.
    """
    import pandas as pd

    from routes.timetable.gtfs_time import PREVIOUS_DAY_SUFFIX

    feed_index = {name: i for i, name in enumerate(tt.feed_names)}
    route_feed = np.array(
        [feed_index[r.split(":", 1)[0]] for r in tt.route_ids], dtype=np.int64
    ).reshape(-1)
    pattern_feed = route_feed[tt.pattern_route]
    trip_feed = np.repeat(pattern_feed, np.diff(tt.pattern_trip_ptr))
    previous = np.array([t.endswith(PREVIOUS_DAY_SUFFIX) for t in tt.trip_ids], dtype=bool)
    served = np.unique(tt.pattern_stops)
    stop_feed = np.array(
        [feed_index[s.split(":", 1)[0]] for s in tt.stop_ids[served]], dtype=np.int64
    ).reshape(-1)
    n = len(tt.feed_names)
    return pd.DataFrame(
        {
            "feed_name": list(tt.feed_names),
            "n_trips": np.bincount(trip_feed, minlength=n),
            "n_trips_previous_day": np.bincount(trip_feed[previous], minlength=n),
            "n_routes": np.bincount(route_feed[np.unique(tt.pattern_route)], minlength=n),
            "n_patterns": np.bincount(pattern_feed, minlength=n),
            "n_stops": np.bincount(stop_feed, minlength=n),
        }
    )
