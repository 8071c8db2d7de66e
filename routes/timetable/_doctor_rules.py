"""The detection behind :mod:`routes.timetable.doctor`, vectorised.

Everything works on a :class:`routes.timetable.trips.TripTable`; nothing loops over
trips or stop times in Python (only over the few examples). The rules are
stated in :func:`routes.timetable.doctor.compute_feed_diagnosis`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from routes._csr import concat_ranges, offsets_from_counts
from routes.timetable.diagnosis import DoctorRules, FeedDiagnosis
from routes.timetable.gtfs_time import DAY_S
from routes.timetable.trips import TripTable

__all__ = ["Duplicates", "Superseded", "diagnose", "find_copies", "find_duplicates",
           "find_superseded"]

_MAX_EXAMPLES = 2
_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Duplicates:
    """Exact duplicate trips: ``trips`` marks those to drop; ``examples`` (dropped, kept)."""

    trips: NDArray[np.bool_]
    examples: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class Superseded:
    """Trips of superseded versions, with counts and examples."""

    trips: NDArray[np.bool_]
    n_versions: int
    n_services: int
    n_look_alike: int
    examples: tuple[str, ...]


def _codes(*columns: NDArray[np.generic]) -> NDArray[np.int64]:
    """Integer code of each row's combination of values, numbered by first appearance."""
    frame = pd.DataFrame({str(i): column for i, column in enumerate(columns)})
    codes: NDArray[np.int64] = (
        frame.groupby(list(frame.columns), sort=False, dropna=False).ngroup()
        .to_numpy(dtype=np.int64)
    )
    return codes


def _service_of(trips: TripTable) -> NDArray[np.int64]:
    """Code of each trip's service: agency and route short name."""
    return _codes(trips.route_agency_ids[trips.route], trips.route_short_names[trips.route])


def _mix(x: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """Scramble 64-bit values (splitmix64's finaliser; arithmetic wraps around)."""
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    mixed: NDArray[np.uint64] = x ^ (x >> np.uint64(31))
    return mixed


def find_copies(trips: TripTable) -> NDArray[np.int64]:
    """Give each set of trips with the same service, stops and times a number (-1: unique).

    Trips are first grouped by service, length and two 64-bit hashes of their
    stop times; each trip is then compared, stop time by stop time, with the
    first of its group, and only exact copies keep the group's number.
    """
    n = trips.n_trips
    group = np.full(n, -1, dtype=np.int64)
    if n < 2:
        return group
    starts, lengths = trips.stop_ptr[:-1], np.diff(trips.stop_ptr)
    position = np.arange(len(trips.stops)) - np.repeat(starts, lengths)
    u64 = np.uint64
    row = _mix(trips.stops.astype(u64) + position.astype(u64) * u64(0x100000001B3))
    row = _mix(row ^ trips.arrival_s.astype(u64))
    row = _mix(row + trips.departure_s.astype(u64))
    key = _codes(_service_of(trips), lengths, np.add.reduceat(row, starts),
                 np.add.reduceat(_mix(row ^ u64(0x5BD1E995)), starts))
    size = np.bincount(key)
    candidates = np.flatnonzero(size[key] > 1)
    first = np.full(len(size), n, dtype=np.int64)
    np.minimum.at(first, key[candidates], candidates)  # the first member of each group
    other = candidates[first[key[candidates]] != candidates]
    original = first[key[other]]
    mine = concat_ranges(starts[other], lengths[other])
    theirs = concat_ranges(starts[original], lengths[original])
    same = ((trips.stops[mine] == trips.stops[theirs])
            & (trips.arrival_s[mine] == trips.arrival_s[theirs])
            & (trips.departure_s[mine] == trips.departure_s[theirs]))
    offsets = offsets_from_counts(lengths[other])[:-1]
    exact = np.logical_and.reduceat(same, offsets) if len(other) else same[:0]
    group[other[exact]] = key[other[exact]]
    group[np.unique(original[exact])] = key[np.unique(original[exact])]
    return group


def find_duplicates(
    trips: TripTable, copies: NDArray[np.int64], superseded: NDArray[np.bool_]
) -> Duplicates:
    """Find the exact copies to drop.

    In each set of ``copies`` the first trip, in table order, that is not
    ``superseded`` is kept; the others that are not superseded are returned.
    """
    n, group = trips.n_trips, copies
    grouped = np.flatnonzero(group >= 0)
    order = grouped[np.lexsort((grouped, superseded[grouped], group[grouped]))]
    run_start = np.r_[True, group[order][1:] != group[order][:-1]][: len(order)]
    kept = order[np.maximum.accumulate(np.where(run_start, np.arange(len(order)), 0))]
    repeat = ~run_start & ~superseded[order]
    drop = np.zeros(n, dtype=bool)
    drop[order[repeat]] = True
    again, original = order[repeat], kept[repeat]
    shown = np.argsort(again)[:_MAX_EXAMPLES]
    return Duplicates(drop, tuple(zip(again[shown].tolist(), original[shown].tolist(),
                                      strict=True)))


def find_superseded(
    trips: TripTable, copies: NDArray[np.int64], rules: DoctorRules
) -> Superseded:
    """Find the trips of versions superseded by a newer version of the same service.

    ``copies`` (from :func:`find_copies`) tells look-alike versions that differ
    from those that are exact copies of each other (left to the duplicate rule).
    """
    n = trips.n_trips
    none = Superseded(np.zeros(n, dtype=bool), 0, 0, 0, ())
    if n == 0:
        return none
    route_ids = trips.route_ids[trips.route]
    service = _service_of(trips)
    group = _codes(service, trips.direction_ids)
    version = _codes(group, route_ids, trips.service_ids)
    n_versions = int(version.max()) + 1
    first_trip = np.unique(version, return_index=True)[1]
    version_group = group[first_trip]
    start = trips.service_start.astype("datetime64[D]")[first_trip]
    unknown = np.isnat(start)
    start_day = np.where(unknown, 0, start.astype(np.int64))
    size = np.bincount(version, minlength=n_versions)

    versions = pd.DataFrame({"version": np.arange(n_versions), "group": version_group})
    shared = versions[versions["group"].duplicated(keep=False)]
    if shared.empty:
        return none
    pairs = shared.merge(shared, on="group", suffixes=("_old", "_new"))
    pairs = pairs[pairs["version_old"] != pairs["version_new"]].reset_index(drop=True)
    pairs["pair"] = np.arange(len(pairs))

    first, last = trips.stop_ptr[:-1], trips.stop_ptr[1:] - 1
    table = pd.DataFrame({"trip": np.arange(n), "version": version,
                          "first": trips.stops[first], "last": trips.stops[last],
                          "dep": trips.departure_s[first]})
    columns = ["pair", "first", "last", "dep"]
    left = table.merge(pairs[["pair", "version_old"]], left_on="version", right_on="version_old")
    right = table.merge(pairs[["pair", "version_new"]], left_on="version", right_on="version_new")
    joined = pd.merge_asof(
        left[[*columns, "trip"]].sort_values("dep"),
        right[[*columns, "trip"]].rename(columns={"trip": "match"}).sort_values("dep"),
        on="dep", by=["pair", "first", "last"],
        tolerance=int(rules.max_departure_gap_s), direction="nearest",
    )
    joined = joined.dropna(subset=["match"])
    matched = (joined.groupby("pair")["match"].nunique()
               .reindex(pairs["pair"], fill_value=0).to_numpy(dtype=np.int64))
    left_copy = copies[joined["trip"].to_numpy(dtype=np.int64)]
    exact = (left_copy >= 0) & (left_copy == copies[joined["match"].to_numpy(dtype=np.int64)])
    differ = np.zeros(len(pairs), dtype=bool)
    differ[joined["pair"].to_numpy(dtype=np.int64)[~exact]] = True

    old, new = pairs["version_old"].to_numpy(), pairs["version_new"].to_numpy()
    look_alike = ((matched > 0) & (matched >= rules.min_share_of_older * size[old] - _EPS)
                  & (matched >= rules.min_share_of_newer * size[new] - _EPS))
    known = ~unknown[old] & ~unknown[new]
    newer = known & (start_day[new] > start_day[old])
    older = known & (start_day[new] < start_day[old])
    superseding = np.flatnonzero(look_alike & newer)
    gone = np.zeros(n_versions, dtype=bool)
    gone[old[superseding]] = True
    unordered = look_alike & ~newer & ~older & differ
    look_alikes = np.setdiff1d(np.r_[old[unordered], new[unordered]], np.flatnonzero(gone))

    dropped = gone[version]
    n_route_services = len(np.unique(_codes(route_ids, trips.service_ids)[dropped]))
    examples = []
    for p in superseding[np.unique(old[superseding], return_index=True)[1]][:_MAX_EXAMPLES]:
        examples.append(_describe_pair(trips, first_trip[old[p]], first_trip[new[p]],
                                       (int(size[old[p]]), int(size[new[p]]), int(matched[p])),
                                       rules.max_departure_gap_s))
    return Superseded(dropped, n_route_services, len(np.unique(service[dropped])),
                      len(look_alikes), tuple(examples))


def _describe_pair(
    trips: TripTable, old: int, new: int, counts: tuple[int, int, int], gap_s: int
) -> str:
    """Plain-language description of an older version superseded by a newer one."""
    r = trips.route[old]
    agency = trips.route_agency_ids[r]
    direction = trips.direction_ids[old]
    which = f"route {trips.route_short_names[r]!r}" + (f" of agency {agency!r}" if agency else "")
    which += f", direction {direction}" if direction else ""
    n_old, n_new, n_matched = counts

    def version(t: int) -> str:
        start = trips.service_start[t]
        since = f" from {start.astype('datetime64[D]')}" if not np.isnat(start) else ""
        return (f"route_id {trips.route_ids[trips.route[t]]!r} service "
                f"{trips.service_ids[t]!r}{since}")

    return (f"{which}: {version(old)} ({n_old:,} trips) superseded by {version(new)} "
            f"({n_new:,} trips, {n_matched:,} matched within {gap_s / 60:g} min)")


def diagnose(
    trips: TripTable, feed_name: str, service_date: dt.date, rules: DoctorRules
) -> tuple[NDArray[np.bool_], FeedDiagnosis]:
    """Apply every rule; return the trips to drop and the diagnosis."""
    copies = find_copies(trips)
    superseded = find_superseded(trips, copies, rules)
    duplicate = find_duplicates(trips, copies, superseded.trips)
    last = trips.stop_ptr[1:] - 1
    timed = trips.timed
    hop = np.ones(len(trips.stops), dtype=bool)
    hop[last] = False  # row i -> i + 1 stays within a trip ...
    hop &= timed & np.r_[timed[1:], False]  # ... between two timed stops
    zero = hop[:-1] & (trips.arrival_s[1:] == trips.departure_s[:-1])
    times = np.r_[trips.arrival_s[timed], trips.departure_s[timed]]
    examples = [f"trip {trips.trip_ids[d]!r} repeats trip {trips.trip_ids[k]!r}"
                for d, k in duplicate.examples] + list(superseded.examples)
    late = ~trips.previous_day & (trips.departure_s[last] >= DAY_S)
    diagnosis = FeedDiagnosis(
        feed_name=feed_name,
        service_date=service_date,
        dropped=rules.drop,
        n_trips=trips.n_trips,
        n_duplicate_trips=int(duplicate.trips.sum()),
        n_superseded_versions=superseded.n_versions,
        n_superseded_services=superseded.n_services,
        n_superseded_trips=int(superseded.trips.sum()),
        n_look_alike_versions=superseded.n_look_alike,
        n_trips_past_midnight=int(late.sum()),
        n_trips_from_previous_day=int(trips.previous_day.sum()),
        n_trips_without_shape=int((~trips.has_shape).sum()),
        n_timed_times=len(times),
        n_whole_minute_times=int((times % 60 == 0).sum()),
        n_timed_hops=int(hop.sum()),
        n_zero_hops=int(zero.sum()),
        duplicate_trip_ids=tuple(str(t) for t in trips.trip_ids[duplicate.trips]),
        superseded_trip_ids=tuple(str(t) for t in trips.trip_ids[superseded.trips]),
        examples=tuple(examples),
    )
    return duplicate.trips | superseded.trips, diagnosis
