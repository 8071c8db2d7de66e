"""The transit network: streets + timetable + stops linked to streets + transfer walks.

Each part is cached on disk under a hash of its inputs and parameters
(:mod:`routes.cache`), so a second run on the same study area re-parses
neither the OSM extract nor the GTFS feeds.

Stops are linked as R5 links them (``StreetLayer.createAndLinkVertex``): to the
nearest point of the nearest street segment within :data:`STOP_LINK_RADIUS_M`
(1,600 m, R5's ``LINK_RADIUS_METERS``), or to a segment end within 5 m of it,
with the straight line from the stop to the street walked. Origins and
destinations keep ``[routing].max_snap_m``.
"""

from __future__ import annotations

import logging
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from routes.cache import NetworkCache, hash_inputs
from routes.config import RoutingParams, StudyArea
from routes.engine.walking import WalkLegs, compute_walk_legs
from routes.errors import RoutesWarning
from routes.feed_doctor import feed_doctor_key
from routes.snapping import (
    R5_ENDPOINT_SNAP_M,
    R5_LINK_RADIUS_M,
    EdgeIndex,
    SnappedPoints,
    build_edge_index,
    snap_points,
)
from routes.streets import StreetNetwork, load_street_network
from routes.timetable import Timetable, load_timetable

__all__ = [
    "LINKING_SCHEME",
    "STOP_LINK_RADIUS_M",
    "StopLinks",
    "TransitNetwork",
    "build_network",
    "build_stop_links",
    "compute_transfers",
]

logger = logging.getLogger(__name__)

STOP_LINK_RADIUS_M = R5_LINK_RADIUS_M
"""How far from a street a stop is still linked (and its off-street walk counted), metres."""

LINKING_SCHEME = "edge-split-r5-v1"
"""Names how points and stops join the streets; part of the cache key of stop links,
so links built by an earlier scheme (nearest node) are never loaded."""


@dataclass(frozen=True, slots=True)
class StopLinks:
    """How stops connect to the street network and to each other on foot.

    Attributes
    ----------
    stops
        Where each stop joins the street network; a stop farther than
        ``link_radius_m`` from every street is dropped (unusable: no boarding
        or alighting there).
    transfers
        Walks between distinct stops up to ``max_transfer_m``, metres.
    max_transfer_m
        Longest transfer walk, metres.
    link_radius_m
        Farthest a stop may be from a street, metres.
    """

    stops: SnappedPoints
    transfers: WalkLegs
    max_transfer_m: float
    link_radius_m: float = STOP_LINK_RADIUS_M

    @property
    def linked(self) -> NDArray[np.bool_]:
        """Mask of the stops linked to the street network."""
        return self.stops.snapped


@dataclass(frozen=True, slots=True)
class TransitNetwork:
    """Everything the engine needs for one service date.

    Attributes
    ----------
    streets
        The walk graph.
    timetable
        Public transport on the service date.
    links
        Stops linked to the streets, and transfer walks.
    digest
        SHA-256 of everything the network was built from (inputs, parameters,
        version); keys caches of results computed on it.
    edge_index
        The R-tree over ``streets``' segments that points are linked with
        (:func:`routes.snapping.build_edge_index`); built on demand when ``None``.
    """

    streets: StreetNetwork
    timetable: Timetable
    links: StopLinks
    digest: str = ""
    edge_index: EdgeIndex | None = field(default=None, compare=False, repr=False)


def transfer_search_m(routing: RoutingParams) -> float:
    """Longest transfer walk to search, metres.

    A walk counts when its time *rounded to whole seconds* is within the limit,
    so the search reaches half a second further than the limit itself.
    """
    return (routing.max_transfer_walk_min * 60.0 + 0.5) * routing.walk_speed_m_s


def compute_transfers(
    streets: StreetNetwork, stops: SnappedPoints, max_transfer_m: float
) -> WalkLegs:
    """Find the walks between distinct stops up to ``max_transfer_m`` (none to itself).

    Parameters
    ----------
    streets
        The walk graph.
    stops
        Where the stops join ``streets``.
    max_transfer_m
        Longest transfer walk, metres, off-street distances included.

    Returns
    -------
    WalkLegs
        Per stop, the other stops within reach, sorted by distance.
    """
    legs = compute_walk_legs(streets, stops, stops, max_transfer_m)
    n_stops = stops.n_points
    sources = np.repeat(np.arange(n_stops), np.diff(legs.ptr))
    keep = legs.target != sources
    counts = np.bincount(sources[keep], minlength=n_stops)
    ptr = np.zeros(n_stops + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    return WalkLegs(ptr, legs.target[keep], legs.distance_m[keep])


def build_stop_links(
    streets: StreetNetwork,
    timetable: Timetable,
    routing: RoutingParams,
    *,
    link_radius_m: float = STOP_LINK_RADIUS_M,
) -> StopLinks:
    """Link stops to the street network and find the transfer walks between them.

    Parameters
    ----------
    streets
        The walk graph.
    timetable
        The stops to link.
    routing
        Gives the walking speed and longest transfer walk.
    link_radius_m
        Farthest a stop may be from a street, metres (default R5's 1,600 m).

    Returns
    -------
    StopLinks
        Linked stops and stop-to-stop walks (a stop's walk to itself is left out).
    """
    started = time.perf_counter()
    stops = snap_points(streets, timetable.stop_lon, timetable.stop_lat,
                        max_snap_m=link_radius_m, endpoint_snap_m=R5_ENDPOINT_SNAP_M)
    max_transfer_m = transfer_search_m(routing)
    transfers = compute_transfers(streets, stops, max_transfer_m)
    logger.info(
        "stops linked: %s of %s within %.0f m of a street, %s transfer walks up to %.0f m; "
        "%.1f s",
        f"{int(stops.snapped.sum()):,}", f"{timetable.n_stops:,}", link_radius_m,
        f"{len(transfers.target):,}", max_transfer_m, time.perf_counter() - started,
    )
    return StopLinks(stops, transfers, max_transfer_m, link_radius_m)


def served_stops(timetable: Timetable) -> NDArray[np.bool_]:
    """Mask of the stops that at least one trip on the service date calls at."""
    served = np.zeros(timetable.n_stops, dtype=bool)
    has_trips = np.diff(timetable.pattern_trip_ptr) > 0
    lengths = np.diff(timetable.pattern_stop_ptr)
    served[timetable.pattern_stops[np.repeat(has_trips, lengths)]] = True
    return served


def warn_unsnapped_stops(timetable: Timetable, links: StopLinks) -> int:
    """Warn, with a count, about served stops too far from any street to be used."""
    served = served_stops(timetable)
    dropped = int((served & ~links.linked).sum())
    if dropped:
        msg = (
            f"{dropped:,} of {int(served.sum()):,} served stops are more than "
            f"{links.link_radius_m:,.0f} m from the street network and are left out; extend "
            "the OSM extract to cover the feeds if they matter"
        )
        warnings.warn(msg, RoutesWarning, stacklevel=3)
    return dropped


def build_network(
    study: StudyArea,
    *,
    cache: NetworkCache | None = None,
    allow_feed_errors: bool = False,
    feeds: tuple[Path, ...] | None = None,
) -> TransitNetwork:
    """Build (or load from the cache) the transit network of a study area.

    Parameters
    ----------
    study
        The study area.
    cache
        Where built parts are cached; ``None`` for the default folder.
    allow_feed_errors
        Drop malformed trips with a warning instead of failing.
    feeds
        GTFS feeds to use instead of the study area's (e.g. a scenario's:
        modified copies plus a proposal's feed).

    Returns
    -------
    TransitNetwork
        The network for the study area's service date.

    Warns
    -----
    RoutesWarning
        When served stops cannot be linked to the street network, or a feed
        has no service on the date.
    """
    cache = cache if cache is not None else NetworkCache()
    routing = study.routing
    started = time.perf_counter()
    streets_key = hash_inputs([study.osm_path], {"kind": "streets",
                                                 "walk_access": study.walk_access})
    streets = cache.get_or_build(
        "streets", streets_key, StreetNetwork,
        lambda: load_street_network(
            study.osm_path,
            walk_access="permissive" if study.walk_access == "permissive" else "strict",
            ignore_foot_no=study.walk_access == "ignore_foot_no",
        ),
        f"{study.osm_path} ({study.walk_access})",
    )
    feeds = study.gtfs_paths if feeds is None else tuple(feeds)
    timetable_key = hash_inputs(
        feeds, {"date": study.service_date.isoformat(), "allow_feed_errors": allow_feed_errors,
                "feed_doctor": feed_doctor_key()}
    )
    timetable = cache.get_or_build(
        "timetable", timetable_key, Timetable,
        lambda: load_timetable(feeds, study.service_date, allow_feed_errors=allow_feed_errors),
        f"{', '.join(map(str, feeds))} on {study.service_date}",
    )
    links_params = {
        "streets": streets_key, "timetable": timetable_key, "linking": LINKING_SCHEME,
        "stop_link_radius_m": STOP_LINK_RADIUS_M, "endpoint_snap_m": R5_ENDPOINT_SNAP_M,
        "max_transfer_m": transfer_search_m(routing),
    }
    links_key = hash_inputs([], links_params)
    links = cache.get_or_build(
        "links", links_key, StopLinks,
        lambda: build_stop_links(streets, timetable, routing), "stop links",
    )
    warn_unsnapped_stops(timetable, links)
    logger.info("network ready in %.1f s", time.perf_counter() - started)
    return TransitNetwork(streets, timetable, links, digest=links_key,
                          edge_index=build_edge_index(streets))
