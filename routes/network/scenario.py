"""A scenario's transit network, built in memory on the baseline's.

A scenario changes the timetable only: its feeds are the baseline's, some
changed, plus the feeds of new routes (:mod:`routes.timetable.scenario`). So
its network keeps the baseline's streets and edge index, and the baseline's
stop links and transfer walks; only the new stops are linked, and only the
transfer walks from them and from the stops within reach of them are searched
again (with the same search as :func:`routes.network.transit.compute_transfers`,
so the result is what building the network from scratch would give).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from routes._csr import offsets_from_counts, owners
from routes.network.transit import (
    StopLinks,
    TransitNetwork,
    check_stop_links,
    compute_transfers,
    link_stops,
)
from routes.streets.graph import StreetNetwork
from routes.streets.snapping import EdgeIndex
from routes.streets.walking import WalkLegs, compute_walk_legs
from routes.timetable.feed import FeedTrips
from routes.timetable.timetable import Timetable, assemble_timetable

__all__ = ["build_scenario_network", "extend_stop_links", "timetable_digest"]

logger = logging.getLogger(__name__)

_REACH_MARGIN_M = 1.0
"""Transfer walks are searched again from every old stop a new stop reaches within the
longest transfer plus this margin (walk distances are symmetric up to rounding)."""


def timetable_digest(timetable: Timetable) -> str:
    """SHA-256 of every array and value of a timetable (what routing on it depends on)."""
    digest = hashlib.sha256()
    for field in dataclasses.fields(timetable):
        value = getattr(timetable, field.name)
        digest.update(f"\n{field.name}\n".encode())
        if isinstance(value, np.ndarray) and value.dtype != object:
            digest.update(str(value.dtype).encode())
            digest.update(np.ascontiguousarray(value).tobytes())
        elif isinstance(value, np.ndarray):
            digest.update("\x1f".join(map(str, value.tolist())).encode())
        else:
            digest.update(repr(value).encode())
    return digest.hexdigest()


def extend_stop_links(streets: StreetNetwork, links: StopLinks, lon: NDArray[np.float64],
                      lat: NDArray[np.float64], *, index: EdgeIndex | None = None) -> StopLinks:
    """Links of the baseline's stops plus new stops appended after them.

    Parameters
    ----------
    streets
        The walk graph the links were built on.
    links
        The baseline's stop links.
    lon, lat
        WGS84 coordinates of the new stops, degrees.
    index
        The edge index of ``streets`` (built if omitted).

    Returns
    -------
    StopLinks
        The same as :func:`routes.network.transit.build_stop_links` on all the
        stops: old stops keep their links and walks, the new ones are linked,
        and the rows of the stops within reach of a new stop are searched again.
    """
    if not len(lon):
        return links
    n_old = links.stops.n_points
    new = link_stops(streets, np.asarray(lon, dtype=np.float64),
                     np.asarray(lat, dtype=np.float64), link_radius_m=links.link_radius_m,
                     index=index)
    stops = links.stops.concat(new)
    limit = links.max_transfer_m
    reach = compute_walk_legs(streets, new, links.stops, limit + _REACH_MARGIN_M)
    again = np.union1d(np.unique(reach.target.astype(np.int64)),
                       n_old + np.arange(new.n_points, dtype=np.int64))
    rows = compute_walk_legs(streets, stops.take(again), stops, limit)
    source = again[owners(rows.ptr)]
    keep = rows.target != source  # no walk from a stop to itself
    redone = WalkLegs(offsets_from_counts(np.bincount(owners(rows.ptr)[keep],
                                                      minlength=len(again))),
                      rows.target[keep], rows.distance_m[keep])
    transfers = _replace_rows(links.transfers, n_old + new.n_points, again, redone)
    return StopLinks(stops, transfers, links.max_transfer_m, links.link_radius_m)


def _replace_rows(legs: WalkLegs, n_sources: int, sources: NDArray[np.int64],
                  rows: WalkLegs) -> WalkLegs:
    """``legs`` (extended to ``n_sources`` rows) with the rows of ``sources`` replaced."""
    old_counts = np.zeros(n_sources, dtype=np.int64)
    old_counts[:len(legs.ptr) - 1] = np.diff(legs.ptr)
    replaced = np.zeros(n_sources, dtype=bool)
    replaced[sources] = True
    counts = np.where(replaced, 0, old_counts)
    counts[sources] = np.diff(rows.ptr)
    ptr = offsets_from_counts(counts)
    target = np.empty(int(ptr[-1]), dtype=legs.target.dtype)
    distance = np.empty(int(ptr[-1]), dtype=np.float64)
    keep_old = ~replaced[owners(legs.ptr)] if len(legs.target) else np.zeros(0, dtype=bool)
    old_source = owners(legs.ptr)[keep_old]
    old_rank = np.arange(len(legs.target))[keep_old] - legs.ptr[:-1][old_source]
    target[ptr[old_source] + old_rank] = legs.target[keep_old]
    distance[ptr[old_source] + old_rank] = legs.distance_m[keep_old]
    new_source = sources[owners(rows.ptr)]
    new_rank = np.arange(len(rows.target)) - rows.ptr[:-1][owners(rows.ptr)]
    target[ptr[new_source] + new_rank] = rows.target
    distance[ptr[new_source] + new_rank] = rows.distance_m
    return WalkLegs(ptr, target, distance)


def build_scenario_network(
    baseline: TransitNetwork, feeds: Sequence[FeedTrips], *, osm_path: Path | None = None,
) -> TransitNetwork:
    """Build a scenario's network from its feeds, on the baseline's streets and links.

    Parameters
    ----------
    baseline
        The baseline network (built from feeds: :attr:`TransitNetwork.feeds`).
    feeds
        The scenario's feeds: the baseline's, some changed, then the new ones.
    osm_path
        The OSM extract, for messages.

    Returns
    -------
    TransitNetwork
        The scenario's network. Its digest covers the baseline's and the
        scenario timetable, so results computed on it are cached apart.

    Raises
    ------
    GtfsError
        If no trip is left.
    DataLossError
        When most of the scenario's network is off the streets
        (:func:`routes.network.transit.check_stop_links`), unless the
        baseline allowed data loss.

    Warns
    -----
    RoutesWarning
        When served stops cannot be linked to the street network.
    """
    started = time.perf_counter()
    timetable = assemble_timetable(feeds, baseline.timetable.service_date, warn=False)
    old = baseline.timetable
    n_old = old.n_stops
    keeps_stops = (timetable.n_stops >= n_old
                   and np.array_equal(timetable.stop_ids[:n_old], old.stop_ids)
                   and np.array_equal(timetable.stop_lon[:n_old], old.stop_lon, equal_nan=True)
                   and np.array_equal(timetable.stop_lat[:n_old], old.stop_lat, equal_nan=True))
    if keeps_stops:
        links = extend_stop_links(baseline.streets, baseline.links, timetable.stop_lon[n_old:],
                                  timetable.stop_lat[n_old:], index=baseline.edge_index)
    else:  # a scenario that changes the baseline's stops: link them all again
        links = _relink(baseline, timetable)
    check_stop_links(timetable, links, osm_path=osm_path,
                     feeds={f.name: Path(f.path) for f in feeds},
                     allow_data_loss=baseline.allow_data_loss)
    digest = hashlib.sha256(f"scenario of {baseline.digest}\n{timetable_digest(timetable)}"
                            .encode()).hexdigest()
    logger.info("scenario network: %s trips (baseline %s), %s new stops; %.1f s",
                f"{timetable.n_trips:,}", f"{old.n_trips:,}", f"{timetable.n_stops - n_old:,}",
                time.perf_counter() - started)
    return dataclasses.replace(baseline, timetable=timetable, links=links, digest=digest,
                               feeds=tuple(feeds))


def _relink(baseline: TransitNetwork, timetable: Timetable) -> StopLinks:
    """Link every stop of ``timetable`` again, with the baseline's limits."""
    links = baseline.links
    stops = link_stops(baseline.streets, timetable.stop_lon, timetable.stop_lat,
                       link_radius_m=links.link_radius_m, index=baseline.edge_index)
    transfers = compute_transfers(baseline.streets, stops, links.max_transfer_m)
    return StopLinks(stops, transfers, links.max_transfer_m, links.link_radius_m)
