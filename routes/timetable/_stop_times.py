"""Stop times of one feed: validated, interpolated, expanded from frequencies, laid out.

Time parsing is :mod:`routes.timetable.gtfs_time`; a feed's problems are
collected in :class:`routes.timetable.read.Problems`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from routes._csr import concat_ranges, offsets_from_counts, owners
from routes.timetable.gtfs_time import (
    DAY_S,
    PREVIOUS_DAY_SUFFIX,
    format_gtfs_time,
    parse_gtfs_times,
)
from routes.timetable.read import Problems, _floats, _or_empty

logger = logging.getLogger(__name__)

_EARTH_RADIUS_M = 6_371_008.8

PICKUP_DROP_OFF_TYPES = (0, 1, 2, 3)
"""GTFS ``pickup_type`` / ``drop_off_type`` values; 1 means no pickup (drop-off) there."""


def haversine_m(
    lon1: NDArray[np.float64],
    lat1: NDArray[np.float64],
    lon2: NDArray[np.float64],
    lat2: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Great-circle distance in metres between WGS84 points given in degrees."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi, dlam = phi2 - phi1, np.radians(lon2 - lon1)
    h = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlam / 2) ** 2
    distance: NDArray[np.float64] = 2 * _EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0, 1)))
    return distance


@dataclass(slots=True)
class _StopTimes:
    """Stop-time rows of the trips in use, sorted by trip then ``stop_sequence``."""

    row: NDArray[np.int64]  # 1-based data row in stop_times.txt
    trip: NDArray[np.int64]  # index into the trips in use
    stop: NDArray[np.int64]  # feed-local stop index, -1 if unknown
    arrival_s: NDArray[np.int64]  # -1 if untimed
    departure_s: NDArray[np.int64]
    dist: NDArray[np.float64]  # shape_dist_traveled, NaN if empty
    timed: NDArray[np.bool_]  # the feed gives the time (set once arrivals are filled in)
    pickup: NDArray[np.uint8]  # GTFS pickup_type, 0 if empty
    drop_off: NDArray[np.uint8]  # GTFS drop_off_type, 0 if empty

    def take(self, keep: NDArray[np.bool_]) -> _StopTimes:
        return _StopTimes(*(getattr(self, f)[keep] for f in self.__slots__))

    def trip_runs(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Return the first row and the number of rows of each trip present."""
        starts = np.flatnonzero(np.r_[True, self.trip[1:] != self.trip[:-1]])[: len(self.trip)]
        return starts, np.diff(np.r_[starts, len(self.trip)])


def _validated_stop_times(
    feed: Any, trips: pd.DataFrame, stops: pd.DataFrame, problems: Problems
) -> _StopTimes:
    """Sort, parse and check the stop times of ``trips``; drop (and report) bad trips."""
    raw = feed.stop_times
    trip_code = pd.Index(trips["trip_id"]).get_indexer(raw["trip_id"])
    seq = raw["stop_sequence"].to_numpy(dtype=np.float64, na_value=np.nan)
    sel = np.flatnonzero(trip_code >= 0)
    order = sel[np.lexsort((seq[sel], trip_code[sel]))]
    sub, seq = raw.iloc[order], seq[order]
    empty = pd.Series(pd.NA, index=sub.index, dtype="string")
    arr, arr_bad = parse_gtfs_times(sub.get("arrival_time", empty))
    dep, dep_bad = parse_gtfs_times(sub.get("departure_time", empty))
    st = _StopTimes(
        row=raw.index.to_numpy()[order].astype(np.int64) + 1,
        trip=trip_code[order].astype(np.int64),
        stop=pd.Index(stops["stop_id"]).get_indexer(sub["stop_id"]).astype(np.int64),
        arrival_s=arr,
        departure_s=dep,
        dist=_floats(sub, "shape_dist_traveled"),
        timed=np.zeros(len(order), dtype=bool),
        pickup=np.zeros(len(order), dtype=np.uint8),
        drop_off=np.zeros(len(order), dtype=np.uint8),
    )
    types = {column: np.nan_to_num(_floats(sub, column), nan=0.0)
             for column in ("pickup_type", "drop_off_type")}
    trip_id = trips["trip_id"].to_numpy(dtype=object)
    bad_trip = np.zeros(len(trips), dtype=bool)

    def flag(rows: NDArray[np.bool_], kind: str, describe: Callable[[int], str]) -> None:
        hit = np.flatnonzero(rows & ~bad_trip[st.trip])
        dropped = np.unique(st.trip[hit])
        problems.add_rows(
            kind, "stop_times.txt", st.row[hit], lambda k: describe(int(hit[k])),
            n_dropped=len(dropped),
        )
        bad_trip[dropped] = True

    def bad_time(i: int) -> str:
        column = "arrival_time" if arr_bad[i] else "departure_time"
        return f"{column} {sub[column].iloc[i]!r} is not HH:MM:SS"

    flag(arr_bad | dep_bad, "trips with malformed times", bad_time)
    flag(np.isnan(seq), "trips with an empty stop_sequence", lambda i: "stop_sequence is empty")
    flag(
        np.r_[False, (st.trip[1:] == st.trip[:-1]) & (seq[1:] == seq[:-1])],
        "trips with a repeated stop_sequence",
        lambda i: f"stop_sequence {seq[i]:.0f} of trip {trip_id[st.trip[i]]!r} appears twice",
    )
    flag(
        st.stop < 0,
        "trips with an unknown stop",
        lambda i: f"stop_id {sub['stop_id'].iloc[i]!r} is not in stops.txt",
    )
    for column, values in types.items():
        flag(
            ~np.isin(values, PICKUP_DROP_OFF_TYPES),
            f"trips with an unknown {column}",
            lambda i, c=column, v=values: (  # type: ignore[misc]
                f"{c} {v[i]:g} is not one of 0 (regular), 1 (none), 2 (phone the agency), "
                "3 (ask the driver)"
            ),
        )
    st.pickup = np.clip(types["pickup_type"], 0, 3).astype(np.uint8)
    st.drop_off = np.clip(types["drop_off_type"], 0, 3).astype(np.uint8)
    # GTFS: when only one of arrival and departure is given, the other is the same
    st.arrival_s = np.where(st.arrival_s < 0, st.departure_s, st.arrival_s)
    st.departure_s = np.where(st.departure_s < 0, st.arrival_s, st.departure_s)
    st.timed = st.arrival_s >= 0
    st = st.take(~bad_trip[st.trip])

    starts, lengths = st.trip_runs()
    first, last = np.zeros(len(st.row), dtype=bool), np.zeros(len(st.row), dtype=bool)
    first[starts], last[starts + lengths - 1] = True, True
    flag(
        first & last,
        "trips with fewer than two stops",
        lambda i: f"trip {trip_id[st.trip[i]]!r} has only one stop time",
    )
    flag(
        (first | last) & (st.arrival_s < 0),
        "trips with an untimed first or last stop",
        lambda i: (
            f"trip {trip_id[st.trip[i]]!r} has no time at its {'first' if first[i] else 'last'} "
            "stop; the first and last stop of a trip must be timed"
        ),
    )
    st = st.take(~bad_trip[st.trip])

    timed = np.flatnonzero(st.arrival_s >= 0)
    backwards = np.zeros(len(st.row), dtype=bool)
    backwards[timed] = st.arrival_s[timed] > st.departure_s[timed]
    after = (st.trip[timed[1:]] == st.trip[timed[:-1]]) & (
        st.arrival_s[timed[1:]] < st.departure_s[timed[:-1]]
    )
    backwards[timed[1:][after]] = True
    flag(
        backwards,
        "trips going back in time",
        lambda i: (
            f"trip {trip_id[st.trip[i]]!r} arrives at {format_gtfs_time(st.arrival_s[i])}, "
            "before it left the previous timed stop or after it leaves this one"
        ),
    )
    n_without = len(trips) - len(np.unique(st.trip)) - int(bad_trip.sum())
    if n_without > 0:
        logger.debug("%s: %s trips have no stop times and are left out", feed, f"{n_without:,}")
    return st.take(~bad_trip[st.trip])


def _interpolate(st: _StopTimes, stops: pd.DataFrame) -> None:
    """Time untimed stops by distance between their timed neighbours (in place).

    Each untimed stop gets ``dep[prev] + (arr[next] - dep[prev]) * f`` rounded
    to the second, where ``f`` is its share of the distance from the previous
    timed stop to the next one (or of the number of hops if that distance is
    zero). ``prev``/``next`` come from a forward/backward fill of the timed row
    indexes; first and last stops are timed, so they never cross trips.
    """
    timed = st.arrival_s >= 0
    if timed.all():
        return
    index = np.arange(len(timed))
    prev = np.maximum.accumulate(np.where(timed, index, -1))
    next_ = np.minimum.accumulate(np.where(timed, index, len(timed))[::-1])[::-1]
    dist = _distance_along_trips(st, stops)
    i = np.flatnonzero(~timed)
    p, q = prev[i], next_[i]
    span = dist[q] - dist[p]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(span > 0, (dist[i] - dist[p]) / span, (i - p) / (q - p))
    t0, t1 = st.departure_s[p], st.arrival_s[q]
    value = np.clip(np.rint(t0 + (t1 - t0) * share).astype(np.int64), t0, t1)
    st.arrival_s[i] = value
    st.departure_s[i] = value


def _distance_along_trips(st: _StopTimes, stops: pd.DataFrame) -> NDArray[np.float64]:
    """Distance of each row from its trip's first stop, in the trip's own units.

    ``shape_dist_traveled`` where the trip has it at every stop and it never
    decreases; else cumulative haversine metres between consecutive stops; else
    (coordinates missing) the stop's position along the trip.
    """
    starts, lengths = st.trip_runs()
    trip_of_row = owners(offsets_from_counts(lengths))
    first = np.zeros(len(st.row), dtype=bool)
    first[starts] = True
    position = (np.arange(len(st.row)) - starts[trip_of_row]).astype(np.float64)

    sdt_ok = np.isfinite(st.dist) & (first | (np.r_[0.0, np.diff(st.dist)] >= 0))
    use_sdt = np.logical_and.reduceat(sdt_ok, starts)[trip_of_row]

    lon, lat = _floats(stops, "stop_lon")[st.stop], _floats(stops, "stop_lat")[st.stop]
    step = np.r_[0.0, haversine_m(lon[:-1], lat[:-1], lon[1:], lat[1:])]
    step[first] = 0.0
    no_coords = np.logical_or.reduceat(~np.isfinite(step), starts)[trip_of_row]
    along = np.cumsum(np.nan_to_num(step))
    along -= along[starts][trip_of_row]
    distance: NDArray[np.float64] = np.where(
        use_sdt, st.dist, np.where(no_coords, position, along)
    )
    return distance


@dataclass(frozen=True, slots=True)
class _Instances:
    """Runs of template trips: one per plain trip, one per frequency departure.

    The frequencies.txt rows in use are the *entries*; each frequency departure
    names its entry (``-1`` for plain trips).
    """

    trip: NDArray[np.int64]  # index into the trips in use
    offset_s: NDArray[np.int64]  # added to the template's times
    suffix: NDArray[np.object_]  # "" or "@HH:MM:SS"
    entry: NDArray[np.int64]  # frequency entry of each instance, -1 for a plain trip
    entry_trip: NDArray[np.int64]  # template trip of each entry (index into the trips in use)
    entry_start_s: NDArray[np.int64]  # start_time, end_time and headway_secs of each entry
    entry_end_s: NDArray[np.int64]
    entry_headway_s: NDArray[np.int64]


def _expand_frequencies(
    feed: Any, trips: pd.DataFrame, st: _StopTimes, problems: Problems
) -> _Instances:
    """Turn ``frequencies.txt`` rows into trip instances; other trips run once."""
    present = np.unique(st.trip)
    fq = _or_empty(feed.frequencies, "frequencies")
    trip_code = pd.Index(trips["trip_id"]).get_indexer(fq["trip_id"])
    used = np.isin(trip_code, present)
    start, bad_start = parse_gtfs_times(fq["start_time"])
    end, bad_end = parse_gtfs_times(fq["end_time"])
    headway = _floats(fq, "headway_secs")
    bad = used & ((start < 0) | (end < 0) | ~(headway > 0))
    bad_rows = np.flatnonzero(bad)
    problems.add_rows(
        "trips with a bad frequencies.txt row", "frequencies.txt",
        fq.index.to_numpy()[bad_rows] + 1,
        lambda k: (
            f"start_time {fq['start_time'].iloc[bad_rows[k]]!r}, end_time "
            f"{fq['end_time'].iloc[bad_rows[k]]!r} or headway_secs "
            f"{fq['headway_secs'].iloc[bad_rows[k]]!r} is not a time or a positive number"
        ),
        n_dropped=len(np.unique(trip_code[bad])),
    )
    rows = np.flatnonzero(used & ~np.isin(trip_code, trip_code[bad]))
    headway_s = headway[rows].astype(np.int64)
    count = np.maximum(0, -((start[rows] - end[rows]) // headway_s))  # ceil((end - start) / h)
    k = concat_ranges(np.zeros(len(rows), dtype=np.int64), count)
    departs = np.repeat(start[rows], count) + k * np.repeat(headway_s, count)
    template = np.repeat(trip_code[rows], count).astype(np.int64)
    starts, _ = st.trip_runs()
    first_departure = np.zeros(len(trips), dtype=np.int64)
    first_departure[st.trip[starts]] = st.departure_s[starts]
    plain = np.setdiff1d(present, trip_code[used])
    suffixes = np.array(["@" + format_gtfs_time(t) for t in departs], dtype=object)
    return _Instances(
        trip=np.r_[plain, template].astype(np.int64),
        offset_s=np.r_[np.zeros(len(plain), np.int64), departs - first_departure[template]],
        suffix=np.r_[np.full(len(plain), "", dtype=object), suffixes],
        entry=np.r_[np.full(len(plain), -1, np.int64), np.repeat(np.arange(len(rows)), count)],
        entry_trip=trip_code[rows].astype(np.int64),
        entry_start_s=start[rows].astype(np.int64),
        entry_end_s=end[rows].astype(np.int64),
        entry_headway_s=headway_s,
    )


@dataclass(frozen=True, slots=True)
class _LaidOut:
    trip: NDArray[np.int64]  # index into the trips in use
    suffix: NDArray[np.object_]
    ptr: NDArray[np.int64]
    stops: NDArray[np.int64]
    arrival_s: NDArray[np.int64]
    departure_s: NDArray[np.int64]
    timed: NDArray[np.bool_]
    n_today: int  # trips of the date come first, then those carried over
    pickup: NDArray[np.uint8]  # pickup_type and drop_off_type of each stop time
    drop_off: NDArray[np.uint8]
    entry: NDArray[np.int64]  # frequency entry of each trip; -1 for plain and carried-over trips


def _lay_out_trips(
    st: _StopTimes, inst: _Instances, *, runs: NDArray[np.bool_], ran: NDArray[np.bool_]
) -> _LaidOut:
    """Lay out the instances running on the date, then those left over from the day before.

    ``runs``/``ran`` say whether each trip's service runs on the date / ran the
    day before. Previous-day instances are shifted by -24 h and keep the stops
    they leave at or after midnight (arrivals clipped to 0); they need two.
    """
    starts, lengths = st.trip_runs()
    first_row = np.zeros(len(runs), dtype=np.int64)
    n_rows = np.zeros(len(runs), dtype=np.int64)
    first_row[st.trip[starts]], n_rows[st.trip[starts]] = starts, lengths

    def gather(which: NDArray[np.int64], shift_s: int) -> tuple[NDArray[Any], ...]:
        t = inst.trip[which]
        rows = concat_ranges(first_row[t], n_rows[t])
        offset = np.repeat(inst.offset_s[which] - shift_s, n_rows[t])
        owner = np.repeat(np.arange(len(which)), n_rows[t])
        return (owner, st.stop[rows], st.arrival_s[rows] + offset,
                st.departure_s[rows] + offset, st.timed[rows], st.pickup[rows], st.drop_off[rows])

    today = np.flatnonzero(runs[inst.trip])
    _, stops, arrival, departure, timed, pickup, drop_off = gather(today, 0)

    ends = first_row[inst.trip] + n_rows[inst.trip] - 1
    last_departure = st.departure_s[ends] + inst.offset_s if len(ends) else ends
    spill = np.flatnonzero(ran[inst.trip] & (last_departure >= DAY_S))
    owner, p_stops, p_arrival, p_departure, p_timed, p_pickup, p_drop_off = gather(spill, DAY_S)
    after_midnight = p_departure >= 0
    n_after = np.bincount(owner[after_midnight], minlength=len(spill))
    keep = after_midnight & (n_after[owner] >= 2)
    spill, n_after = spill[n_after >= 2], n_after[n_after >= 2]

    which = np.r_[today, spill]
    suffix = inst.suffix[which].copy()
    suffix[len(today) :] += PREVIOUS_DAY_SUFFIX
    lengths_out = np.r_[n_rows[inst.trip[today]], n_after]
    return _LaidOut(
        trip=inst.trip[which],
        suffix=suffix,
        ptr=offsets_from_counts(lengths_out),
        stops=np.r_[stops, p_stops[keep]],
        arrival_s=np.r_[arrival, np.maximum(p_arrival[keep], 0)],
        departure_s=np.r_[departure, p_departure[keep]],
        timed=np.r_[timed, p_timed[keep]],
        n_today=len(today),
        pickup=np.r_[pickup, p_pickup[keep]].astype(np.uint8),
        drop_off=np.r_[drop_off, p_drop_off[keep]].astype(np.uint8),
        entry=np.r_[inst.entry[today], np.full(len(spill), -1, np.int64)],
    )
