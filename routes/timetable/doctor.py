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

import datetime as dt
import logging
import time

import numpy as np
from numpy.typing import NDArray

from routes.timetable.diagnosis import DOCTOR_RULES, DoctorRules, FeedDiagnosis
from routes.timetable.trips import TripTable

__all__ = ["compute_feed_diagnosis", "find_trips_to_drop", "restrict_to_kept_trips"]

logger = logging.getLogger(__name__)


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


def find_trips_to_drop(
    trips: TripTable, *, feed_name: str, service_date: dt.date,
    rules: DoctorRules = DOCTOR_RULES,
) -> tuple[NDArray[np.bool_], FeedDiagnosis]:
    """Diagnose one feed's trips and mark those the rules drop.

    Returns
    -------
    tuple[numpy.ndarray, FeedDiagnosis]
        The mask of the duplicate and superseded trips to drop (all false when
        ``rules.drop`` is false), and the diagnosis; see :func:`compute_feed_diagnosis`.
    """
    drop, diagnosis = _diagnose(trips, feed_name, service_date, rules)
    return (drop if rules.drop else np.zeros(trips.n_trips, dtype=bool)), diagnosis


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
