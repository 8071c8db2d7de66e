"""The feed doctor: find, count and handle the known quirks of GTFS feeds for one date.

Regional GTFS files of the DfT Bus Open Data Service (BODS), converted from
TransXChange by ITO World, carry a few quirks that a planner should know about
and that routing should not be misled by. They are not BODS-only, so
:func:`routes.timetable.timetable.load_timetable` runs the doctor on every feed:

- exact duplicate trips (one journey published twice, e.g. by two overlapping
  operator datasets): kept once;
- superseded service versions (a registered service's older revision still
  active beside the newer one): the older version's trips are dropped under
  the rule of :func:`compute_feed_diagnosis`;
- trips past 24:00, trips without a shape and whole-minute times: counted only.

Sources: bustimes/bustimes.org #153 (an operator in two datasets, journeys
duplicated) and #245 (current and next version of a service side by side);
bustimes.org ``bustimes/utils.py`` ``get_routes`` (the newest TransXChange
``RevisionNumber`` that has started wins; GTFS loses that number);
itsleeds/UK2GTFS #41 (UK conversions without shapes); conveyal/r5 #271 and
#353, conveyal/gtfs-lib #145 (minute-rounded times, zero-length hops).
The detection itself lives in :mod:`routes.timetable._doctor_rules`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "DOCTOR_RULES",
    "DOCTOR_VERSION",
    "DoctorRules",
    "FeedDiagnosis",
    "TripTable",
    "compute_feed_diagnosis",
    "feed_doctor_key",
    "restrict_to_kept_trips",
]

logger = logging.getLogger(__name__)

DOCTOR_VERSION = 1
"""Bumped whenever the doctor's behaviour changes; part of the timetable cache key."""

_WHOLE_MINUTES_SHARE = 0.95
"""From this share of whole-minute times on, the report calls a feed's times whole minutes."""


@dataclass(frozen=True, slots=True)
class DoctorRules:
    """What the feed doctor drops, and the thresholds of its superseded-version rule.

    Attributes
    ----------
    drop
        Drop the duplicate and superseded trips found (false: only report them).
    max_departure_gap_s
        Two trips match when they leave the same first stop for the same last
        stop at most this many seconds apart.
    min_share_of_older
        An older version is superseded only if at least this share of its
        trips have a match in the newer version ...
    min_share_of_newer
        ... and the matched trips are at least this share of the newer
        version's trips (so a handful of extra journeys never counts as a
        timetable of its own).
    """

    drop: bool = True
    max_departure_gap_s: int = 120
    min_share_of_older: float = 0.8
    min_share_of_newer: float = 0.5

    def __post_init__(self) -> None:
        problems = []
        if not 0 <= self.max_departure_gap_s <= 3600:
            problems.append(
                f"max_departure_gap_s must be 0 to 3,600 seconds, got {self.max_departure_gap_s!r}"
            )
        for name in ("min_share_of_older", "min_share_of_newer"):
            share = getattr(self, name)
            if not 0 < share <= 1:
                problems.append(f"{name} must be a share above 0 and at most 1, got {share!r}")
        if problems:
            msg = f"DoctorRules: {'; '.join(problems)}; use the defaults unless you have a reason"
            raise ValueError(msg)


DOCTOR_RULES = DoctorRules()
"""The rules :func:`routes.timetable.timetable.load_timetable` applies by default."""


def feed_doctor_key(rules: DoctorRules = DOCTOR_RULES) -> dict[str, object]:
    """Parameters of the doctor for cache keys: its version and its rules."""
    return {"version": DOCTOR_VERSION, **dataclasses.asdict(rules)}


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
                     for name in ("arrival_s", "departure_s", "timed")
                     if len(getattr(self, name)) != n_rows]
        ptr = self.stop_ptr
        if len(ptr) != n + 1 or (n and (ptr[0] != 0 or ptr[-1] != n_rows)):
            problems.append(f"stop_ptr must run from 0 to {n_rows:,} in {n + 1:,} offsets")
        elif (np.diff(ptr) < 2).any():
            problems.append("every trip needs at least two stop times")
        if n and len(self.route) == n and ((self.route < 0) | (self.route >= n_routes)).any():
            problems.append("route holds indexes outside route_ids")
        if problems:
            msg = (f"TripTable: {'; '.join(problems)}; build it from one feed's trips "
                   "(see routes.timetable.read)")
            raise ValueError(msg)

    @property
    def n_trips(self) -> int:
        """Number of trips."""
        return len(self.trip_ids)

    def take(self, keep: NDArray[np.bool_]) -> TripTable:
        """Return a new table of the trips where ``keep`` is true (routes unchanged)."""
        from routes.timetable.read import concat_ranges

        lengths = np.diff(self.stop_ptr)[keep]
        rows = concat_ranges(self.stop_ptr[:-1][keep], lengths)
        return dataclasses.replace(
            self,
            **{name: getattr(self, name)[keep] for name in (
                "trip_ids", "route", "service_ids", "direction_ids", "service_start",
                "has_shape", "previous_day")},
            stop_ptr=np.r_[0, np.cumsum(lengths)].astype(np.int64),
            **{name: getattr(self, name)[rows] for name in (
                "stops", "arrival_s", "departure_s", "timed")},
        )


@dataclass(frozen=True, slots=True)
class FeedDiagnosis:
    """What the feed doctor found in one feed on one service date, with counts.

    Attributes
    ----------
    feed_name
        The feed's name.
    service_date
        The date diagnosed.
    dropped
        Whether the rules drop the duplicate and superseded trips found
        (:attr:`DoctorRules.drop`; :func:`restrict_to_kept_trips` then does).
    n_trips
        Trips on the date before anything was dropped, including frequency
        instances and trips carried over from the previous day.
    n_duplicate_trips
        Exact copies of a trip that is kept (superseded copies not counted).
    n_superseded_versions, n_superseded_services, n_superseded_trips
        Superseded versions (``route_id`` + ``service_id``), the services
        (agency + route short name) they belong to, and their trips.
    n_look_alike_versions
        Versions that match another under the superseded-version rule but
        start on the same date, so which is newer is unknown: kept.
    n_trips_past_midnight
        Trips of the date still running at or after 24:00:00.
    n_trips_from_previous_day
        Trips of the previous day carried over into this date's early morning.
    n_trips_without_shape
        Trips without a usable shape (nothing in routing needs one).
    n_timed_times, n_whole_minute_times
        Arrival and departure times the feed gave (two per timed stop time),
        and how many of them are whole minutes.
    n_timed_hops, n_zero_hops
        Hops between consecutive timed stops, and those taking zero seconds.
    duplicate_trip_ids, superseded_trip_ids
        GTFS ``trip_id`` (as in :class:`TripTable`) of the trips found.
    examples
        A few examples in plain language.
    """

    feed_name: str
    service_date: dt.date
    dropped: bool
    n_trips: int
    n_duplicate_trips: int = 0
    n_superseded_versions: int = 0
    n_superseded_services: int = 0
    n_superseded_trips: int = 0
    n_look_alike_versions: int = 0
    n_trips_past_midnight: int = 0
    n_trips_from_previous_day: int = 0
    n_trips_without_shape: int = 0
    n_timed_times: int = 0
    n_whole_minute_times: int = 0
    n_timed_hops: int = 0
    n_zero_hops: int = 0
    duplicate_trip_ids: tuple[str, ...] = ()
    superseded_trip_ids: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()

    @property
    def n_trips_dropped(self) -> int:
        """Trips dropped (none when :attr:`dropped` is false)."""
        return self.n_duplicate_trips + self.n_superseded_trips if self.dropped else 0

    @property
    def whole_minute_share(self) -> float:
        """Share of the feed's times that are whole minutes (NaN without timed stops)."""
        return self.n_whole_minute_times / self.n_timed_times if self.n_timed_times else np.nan

    def describe(self) -> str:
        """One line of plain language, e.g. ``"north_west: 1,204 duplicate trips dropped; ..."``."""
        done = "dropped" if self.dropped else "found, kept"
        parts = [f"{_count(self.n_duplicate_trips, 'duplicate trip')} {done}"
                 if self.n_duplicate_trips else "no duplicate trips"]
        if self.n_superseded_versions:
            parts.append(
                f"{_count(self.n_superseded_versions, 'superseded version')} of "
                f"{_count(self.n_superseded_services, 'service')} {done} "
                f"({_count(self.n_superseded_trips, 'trip')})"
            )
        else:
            parts.append("no superseded service versions")
        if self.n_look_alike_versions:
            parts.append(f"{self.n_look_alike_versions:,} look-alike versions starting the "
                         "same day kept (which is newer is unknown)")
        carried = (f" (+{self.n_trips_from_previous_day:,} carried over from the day before)"
                   if self.n_trips_from_previous_day else "")
        parts.append(f"{_count(self.n_trips_past_midnight, 'trip')} past 24:00{carried}")
        if not self.n_trips_without_shape:
            parts.append("every trip has a shape")
        elif self.n_trips_without_shape == self.n_trips:
            parts.append(f"shapes missing for all {self.n_trips:,} trips (not needed for routing)")
        else:
            parts.append(f"shapes missing for {self.n_trips_without_shape:,} of "
                         f"{self.n_trips:,} trips (not needed for routing)")
        share = self.whole_minute_share
        if self.n_timed_times and share >= _WHOLE_MINUTES_SHARE:
            hops = f", {self.n_zero_hops:,} zero-second hops" if self.n_zero_hops else ""
            parts.append(f"times are whole minutes ({share * 100:.1f} %{hops}), kept as published")
        elif self.n_timed_times:
            parts.append(f"{share * 100:.1f} % of times are whole minutes")
        return f"{self.feed_name}: {'; '.join(parts)}"

    def warning(self) -> str:
        """Return the warning about the trips dropped, or ``""`` when none were."""
        if not self.n_trips_dropped:
            return ""
        dropped = []
        if self.n_duplicate_trips:
            dropped.append(_count(self.n_duplicate_trips, "duplicate trip"))
        if self.n_superseded_trips:
            dropped.append(f"{_count(self.n_superseded_trips, 'trip')} of "
                           f"{_count(self.n_superseded_versions, 'superseded version')} of "
                           f"{_count(self.n_superseded_services, 'service')}")
        example = f" (e.g. {self.examples[0]})" if self.examples else ""
        return (
            f"GTFS feed {self.feed_name!r}: the feed doctor dropped {' and '.join(dropped)} "
            f"of the {self.n_trips:,} trips on {self.service_date.isoformat()}{example}; "
            "'routes check' lists what it found; to keep them, pass --keep-duplicate-trips "
            "(in Python: feed_doctor=DoctorRules(drop=False))"
        )


def _count(n: int, noun: str) -> str:
    """``"1 trip"``, ``"2 trips"``: a count with its noun in the right number."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def compute_feed_diagnosis(
    trips: TripTable, *, feed_name: str, service_date: dt.date,
    rules: DoctorRules = DOCTOR_RULES,
) -> FeedDiagnosis:
    """Diagnose one feed's trips on one service date.

    Parameters
    ----------
    trips
        The feed's trips on the date.
    feed_name, service_date
        For the report.
    rules
        What to drop, and the thresholds of the superseded-version rule.

    Returns
    -------
    FeedDiagnosis
        Counts per quirk, the trips found, examples.

    Notes
    -----
    **Exact duplicates.** Trips with the same agency, route short name, stop
    sequence, arrival and departure times (whatever their ``trip_id``,
    ``route_id`` or ``service_id``) are one journey: the first in feed order
    that is not superseded is kept.

    **Superseded versions.** A *version* is the trips of one ``route_id`` and
    ``service_id`` within one *service* (agency, route short name and
    ``direction_id``); it starts on its service's first date. A trip of one
    version *matches* a trip of another when both leave the same first stop
    for the same last stop at most ``max_departure_gap_s`` apart; ``m`` counts
    the trips of the other version that are the nearest match of one of this
    version's trips. Version O, running on the date, is superseded by version
    N of the same service when N starts strictly later than O and
    ``m >= min_share_of_older * n(O)`` and ``m >= min_share_of_newer * n(N)``.
    This is the GTFS stand-in for bustimes.org's rule (the highest TransXChange
    ``RevisionNumber`` among the versions that have started wins; bustimes.org
    ``bustimes/utils.py`` ``get_routes``). It keeps school-day extras, short
    workings and interleaved timetables: a few extra journeys are too small a
    share of the other version, a short working has another first or last
    stop, and interleaved departures are further apart than the gap. Versions
    matching (one way or both) that start on the same date, or whose start is
    unknown, are counted as look-alikes and kept, unless they only match
    through exact copies (left to the duplicate rule). Trips that are both
    duplicates and superseded count as superseded.

    **Counted only.** Trips past 24:00 (the ingest keeps their times and
    carries the previous day's late trips over, as R5 does); trips without a
    shape (routing uses stop times, not shapes); whole-minute times and
    zero-second hops between timed stops. The last are kept as published:
    RAPTOR accepts equal consecutive times, and inventing seconds would not
    make the results more exact. R5 also routes such feeds as they are, only
    quietening its warning (conveyal/r5 #271 and #353: rounding to the minute
    makes zero-length hops common); gtfs-lib (#145) only allows a minute of
    slack when it checks speeds.
    """
    return _diagnose(trips, feed_name, service_date, rules)[1]


def restrict_to_kept_trips(
    trips: TripTable, *, feed_name: str, service_date: dt.date,
    rules: DoctorRules = DOCTOR_RULES,
) -> tuple[TripTable, FeedDiagnosis]:
    """Diagnose one feed's trips and drop its duplicate and superseded trips.

    Parameters
    ----------
    trips
        The feed's trips on the date (not modified).
    feed_name, service_date
        For the report.
    rules
        What to drop (nothing when ``rules.drop`` is false), and the thresholds.

    Returns
    -------
    tuple[TripTable, FeedDiagnosis]
        A new table without the dropped trips (the same table when none are
        dropped), and the diagnosis; see :func:`compute_feed_diagnosis`.
    """
    drop, diagnosis = _diagnose(trips, feed_name, service_date, rules)
    if not rules.drop or not drop.any():
        return trips, diagnosis
    return trips.take(~drop), diagnosis


def _diagnose(
    trips: TripTable, feed_name: str, service_date: dt.date, rules: DoctorRules
) -> tuple[NDArray[np.bool_], FeedDiagnosis]:
    from routes.timetable._doctor_rules import diagnose

    started = time.perf_counter()
    drop, diagnosis = diagnose(trips, feed_name, service_date, rules)
    logger.info("feed doctor: %s; %.1f s", diagnosis.describe(), time.perf_counter() - started)
    return drop, diagnosis
