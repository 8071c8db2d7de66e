"""A proposal's modifications (remove a route, change its headway) applied to a GTFS feed.

The file form of :mod:`routes.proposal.modifications`: what the scenario of a
proposal is for engines that read GTFS files (R5), and the reference the
in-memory form is tested against. :func:`check_route_ids` is shared by both.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable

import gtfs_kit
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from routes._closest import describe_choices
from routes.errors import GtfsError, ProposalError, RoutesWarning, join_problems
from routes.proposal.model import ModificationKind, RouteModification
from routes.timetable.gtfs_time import format_gtfs_times, parse_gtfs_times

__all__ = ["apply_modifications", "check_route_ids"]

logger = logging.getLogger(__name__)


def apply_modifications(
    feed: gtfs_kit.Feed, modifications: Iterable[RouteModification]
) -> gtfs_kit.Feed:
    """Return a new feed with the modifications applied; ``feed`` is not changed.

    Parameters
    ----------
    feed
        One GTFS feed.
    modifications
        Modifications whose ``gtfs_route_id`` is a raw ``route_id`` of this feed
        (the caller strips the ``"<feed name>:"`` namespace and passes each feed
        only its own modifications).

    Returns
    -------
    gtfs_kit.Feed
        A copy of ``feed`` where:

        - ``remove_route`` drops the route, its trips, their stop times and
          ``frequencies`` rows, and the route's ``fare_rules`` rows;
        - ``change_headway`` replaces the route's trips as described in Notes.

        Stops, shapes and calendars are kept even if no longer used.

    Raises
    ------
    ProposalError
        If a route id is not in the feed, or a route is modified twice.
    GtfsError
        If the route's stop times are malformed (a time that is not
        ``HH:MM:SS``, a trip whose first stop has no time).

    Warns
    -----
    RoutesWarning
        When a route to change has no trips (nothing to change).

    Notes
    -----
    ``change_headway`` works per service (``service_id``) and direction
    (``direction_id``). In each, the trips are grouped by stop pattern (their
    sequence of ``stop_id``); the pattern with the most departures (ties: the
    earliest) is kept, and its trip with the median departure (lower median) is
    the template. New trips depart every ``headway_s`` from the first to the last
    original departure of the service and direction (any pattern), inclusive as
    far as the headway reaches; each copies the template's trip attributes
    (``block_id`` cleared) and its stop times shifted by the difference in
    departure. Untimed stop times stay untimed. Frequency-based trips
    (``frequencies.txt``) count once per departure and are replaced by explicit
    trips. New ``trip_id`` s are ``<template trip_id>_hw<headway_s>s_<NNN>``.
    """
    mods = tuple(modifications)
    new = feed.copy()
    if not mods:
        return new
    routes = feed.routes
    if routes is None or feed.trips is None or feed.stop_times is None:
        msg = "GTFS feed has no routes, trips or stop_times table; check that it is a GTFS feed"
        raise GtfsError(msg)
    check_route_ids(mods, routes["route_id"].dropna().astype(str))

    trips: pd.DataFrame = feed.trips
    stop_times: pd.DataFrame = feed.stop_times
    frequencies: pd.DataFrame | None = feed.frequencies
    removed_routes: set[str] = set()
    dropped_trips: set[str] = set()
    new_trips: list[pd.DataFrame] = []
    new_stop_times: list[pd.DataFrame] = []
    for mod in mods:
        route_trips = trips[trips["route_id"] == mod.gtfs_route_id]
        if mod.kind is ModificationKind.REMOVE_ROUTE:
            removed_routes.add(mod.gtfs_route_id)
            dropped_trips.update(route_trips["trip_id"])
            continue
        if route_trips.empty:
            warnings.warn(
                f"route {mod.gtfs_route_id!r} has no trips; its headway change has no effect",
                RoutesWarning,
                stacklevel=2,
            )
            continue
        if mod.headway_s is None or mod.headway_s <= 0:
            msg = (
                f"change_headway of route {mod.gtfs_route_id!r} has no positive headway_s; "
                "give the new headway"
            )
            raise ProposalError(msg)
        replaced_trips, replaced_times = _replace_route_trips(
            route_trips, stop_times, frequencies, mod.headway_s
        )
        dropped_trips.update(route_trips["trip_id"])
        new_trips.append(replaced_trips)
        new_stop_times.append(replaced_times)

    kept_trips = trips[~trips["trip_id"].isin(dropped_trips)]
    taken = set(kept_trips["trip_id"])
    for frame in new_trips:
        clash = taken.intersection(frame["trip_id"])
        if clash:
            msg = (
                f"new trip id {sorted(clash)[0]!r} already exists in the feed; rename that "
                "trip in the feed"
            )
            raise GtfsError(msg)
    new.trips = _concat([kept_trips, *new_trips], trips)
    new.stop_times = _concat(
        [stop_times[~stop_times["trip_id"].isin(dropped_trips)], *new_stop_times], stop_times
    )
    if frequencies is not None:
        new.frequencies = frequencies[~frequencies["trip_id"].isin(dropped_trips)].reset_index(
            drop=True
        )
    new.routes = routes[~routes["route_id"].isin(removed_routes)].reset_index(drop=True)
    if feed.fare_rules is not None and "route_id" in feed.fare_rules.columns:
        rules = feed.fare_rules
        new.fare_rules = rules[~rules["route_id"].isin(removed_routes)].reset_index(drop=True)
    logger.info(
        "modifications: %d routes removed, %d trips replaced by %d",
        len(removed_routes),
        len(dropped_trips),
        sum(len(f) for f in new_trips),
    )
    return new


def check_route_ids(mods: tuple[RouteModification, ...], route_ids: Iterable[str]) -> None:
    """Check that each modification names a route of the feed, once.

    Raises
    ------
    ProposalError
        Listing every modification naming an unknown route or a route modified twice.
    """
    known = {str(r) for r in route_ids}
    problems = []
    seen: set[str] = set()
    for mod in mods:
        where = f"modification {mod.kind} {mod.gtfs_route_id!r}"
        if mod.feature_index is not None:
            where = f"feature {mod.feature_index} ({mod.kind} {mod.gtfs_route_id!r})"
        if mod.gtfs_route_id in seen:
            problems.append(
                f"{where} gtfs_route_id: the route is modified twice; keep one "
                "modification per route"
            )
        seen.add(mod.gtfs_route_id)
        if mod.gtfs_route_id not in known:
            extra = describe_choices(mod.gtfs_route_id, known, noun="route_ids")
            problems.append(
                f"{where} gtfs_route_id: {mod.gtfs_route_id!r} is not a route_id of this feed "
                f"({extra}); pass the raw route_id without the feed name"
            )
    if problems:
        raise ProposalError(join_problems(problems))


def _parse_times_s(times: pd.Series) -> NDArray[np.int64]:
    """``HH:MM:SS`` strings to seconds (-1 where missing); malformed → GtfsError."""
    seconds, malformed = parse_gtfs_times(times)
    if malformed.any():
        first = times[malformed].iloc[0]
        msg = (
            f"stop_times.txt: {int(malformed.sum())} times are not HH:MM:SS, e.g. {first!r}; "
            "fix the feed"
        )
        raise GtfsError(msg)
    return seconds


def _format_times(seconds: NDArray[np.int64]) -> pd.Series:
    """Seconds to ``HH:MM:SS`` strings (``<NA>`` where missing, -1)."""
    text = pd.Series(format_gtfs_times(seconds), dtype="string")
    return text.mask(np.asarray(seconds) < 0)


def _replace_route_trips(
    route_trips: pd.DataFrame,
    stop_times: pd.DataFrame,
    frequencies: pd.DataFrame | None,
    headway_s: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build the new trips and stop times of one route at ``headway_s``."""
    times = stop_times[stop_times["trip_id"].isin(route_trips["trip_id"])]
    times = times.sort_values(["trip_id", "stop_sequence"], kind="stable")
    arrival = _parse_times_s(times["arrival_time"])
    departure = _parse_times_s(times["departure_time"])
    departure = np.where(departure < 0, arrival, departure)
    arrival = np.where(arrival < 0, departure, arrival)
    trip_col = times["trip_id"].astype(str).to_numpy()
    first_row = np.r_[True, trip_col[1:] != trip_col[:-1]]
    first_dep = pd.Series(departure[first_row], index=trip_col[first_row])
    untimed = first_dep[first_dep < 0]
    if not untimed.empty:
        msg = (
            f"stop_times.txt trip {untimed.index[0]!r}: the first stop has no time; "
            "fix the feed (first and last stops of a trip must be timed)"
        )
        raise GtfsError(msg)
    patterns = times.groupby("trip_id", sort=False)["stop_id"].agg(
        lambda s: "\x1f".join(s.astype(str))
    )

    # One row per actual departure: scheduled trips once, frequency trips per headway.
    deps = pd.DataFrame({"trip_id": first_dep.index, "dep_s": first_dep.to_numpy()})
    if frequencies is not None:
        freq = frequencies[frequencies["trip_id"].isin(route_trips["trip_id"])]
        if not freq.empty:
            start = _parse_times_s(freq["start_time"])
            end = _parse_times_s(freq["end_time"])
            if (start < 0).any() or (end < 0).any():
                msg = ("frequencies.txt: a start_time or end_time of the route's trips is "
                       "missing; fix the feed")
                raise GtfsError(msg)
            step = freq["headway_secs"].astype("float64").to_numpy()
            expanded = [
                pd.DataFrame({"trip_id": trip, "dep_s": np.arange(a, b, h, dtype=np.float64)})
                for trip, a, b, h in zip(freq["trip_id"].astype(str), start, end, step, strict=True)
            ]
            deps = pd.concat(
                [deps[~deps["trip_id"].isin(freq["trip_id"].astype(str))], *expanded],
                ignore_index=True,
            )
    attrs = route_trips.assign(trip_id=route_trips["trip_id"].astype(str)).set_index("trip_id")
    direction = (
        attrs["direction_id"].astype("string").fillna("")
        if "direction_id" in attrs.columns
        else pd.Series("", index=attrs.index)
    )
    deps["service_id"] = attrs["service_id"].astype(str).reindex(deps["trip_id"]).to_numpy()
    deps["direction"] = direction.reindex(deps["trip_id"]).to_numpy()
    deps["pattern"] = patterns.reindex(deps["trip_id"]).to_numpy()

    trip_frames, time_frames = [], []
    for _, group in deps.groupby(["service_id", "direction"], sort=True):
        group = group.sort_values(["dep_s", "trip_id"], kind="stable")
        stats = group.groupby("pattern", sort=False)["dep_s"].agg(["size", "min"])
        best = stats.sort_values(["size", "min"], ascending=[False, True]).index[0]
        candidates = group[group["pattern"] == best]
        template = candidates.iloc[(len(candidates) - 1) // 2]
        template_id = str(template["trip_id"])
        new_deps = np.arange(group["dep_s"].min(), group["dep_s"].max() + 1, headway_s)
        new_ids = [f"{template_id}_hw{headway_s}s_{k + 1:03d}" for k in range(len(new_deps))]

        trip_row = route_trips[route_trips["trip_id"].astype(str) == template_id]
        new_trip = trip_row.iloc[np.zeros(len(new_deps), dtype=np.intp)].reset_index(drop=True)
        new_trip["trip_id"] = pd.array(new_ids, dtype=trip_row["trip_id"].dtype)
        if "block_id" in new_trip.columns:
            new_trip["block_id"] = pd.NA
        trip_frames.append(new_trip)

        positions = np.flatnonzero(trip_col == template_id)
        rows = times.iloc[positions]
        base = first_dep[template_id]
        arrival_s = np.tile(_parse_times_s(rows["arrival_time"]), len(new_deps))
        departure_s = np.tile(_parse_times_s(rows["departure_time"]), len(new_deps))
        n = len(rows)
        new_times = times.iloc[np.tile(positions, len(new_deps))].reset_index(drop=True)
        shift = np.repeat(new_deps.astype(np.int64) - int(base), n)
        new_times["trip_id"] = pd.array(np.repeat(new_ids, n), dtype=rows["trip_id"].dtype)
        new_times["arrival_time"] = _format_times(_shifted_s(arrival_s, shift))
        new_times["departure_time"] = _format_times(_shifted_s(departure_s, shift))
        time_frames.append(new_times)
    return (
        pd.concat(trip_frames, ignore_index=True),
        pd.concat(time_frames, ignore_index=True),
    )


def _shifted_s(times_s: NDArray[np.int64], shift_s: NDArray[np.int64]) -> NDArray[np.int64]:
    """Shift times by ``shift_s``; missing times (-1) stay missing."""
    shifted: NDArray[np.int64] = np.where(times_s < 0, -1, times_s + shift_s)
    return shifted


def _concat(frames: list[pd.DataFrame], like: pd.DataFrame) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    if not frames:
        return like.iloc[0:0].reset_index(drop=True)
    out = pd.concat(frames, ignore_index=True)
    return out.astype({c: like[c].dtype for c in like.columns if c in out.columns})
