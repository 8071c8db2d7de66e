"""The feed doctor's rules (:class:`DoctorRules`) and findings (:class:`FeedDiagnosis`).

The doctor itself is :mod:`routes.timetable.doctor`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import numpy as np

__all__ = ["DOCTOR_RULES", "DOCTOR_VERSION", "DoctorRules", "FeedDiagnosis", "feed_doctor_key"]

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
