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

import datetime as dt
import logging
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from routes._csr import concat_ranges, offsets_from_keys, owners
from routes.cache import NetworkCache, hash_inputs
from routes.config.study_area import RoutingParams, StudyArea
from routes.errors import RoutesWarning
from routes.network.coverage import MAX_LOST_SHARE, report_loss
from routes.streets.graph import StreetNetwork
from routes.streets.osm import load_street_network
from routes.streets.snapping import (
    R5_ENDPOINT_SNAP_M,
    R5_LINK_RADIUS_M,
    EdgeIndex,
    SnappedPoints,
    build_edge_index,
    snap_points,
)
from routes.streets.walking import WalkLegs, compute_walk_legs
from routes.timetable.diagnosis import DOCTOR_RULES, DoctorRules, feed_doctor_key
from routes.timetable.feed import FeedTrips, load_feed_trips
from routes.timetable.timetable import Timetable, assemble_timetable

__all__ = [
    "LINKING_SCHEME",
    "STOP_LINK_RADIUS_M",
    "StopLinks",
    "StopUsage",
    "TransitNetwork",
    "build_network",
    "build_stop_links",
    "link_stops",
    "load_feeds",
    "check_stop_links",
    "closest_stops_on_patterns",
    "compute_stop_usage",
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
        (:func:`routes.streets.snapping.build_edge_index`); built on demand when ``None``.
    allow_data_loss
        Whether work on this network goes on, with warnings, when most zones
        or destinations are off the street network (see :mod:`routes.network.coverage`);
        scenarios built on it inherit it.
    feed_doctor
        The feed doctor's rules the timetable was built with; scenarios built
        on it use them too.
    feeds
        Each feed's trips, before the feed doctor's drops, that ``timetable``
        was assembled from (:func:`routes.timetable.timetable.assemble_timetable`):
        scenarios change them; empty for networks not built from feeds.
    allow_feed_errors
        Whether malformed trips of the feeds were dropped with a warning.
    """

    streets: StreetNetwork
    timetable: Timetable
    links: StopLinks
    digest: str = ""
    edge_index: EdgeIndex | None = field(default=None, compare=False, repr=False)
    allow_data_loss: bool = field(default=False, compare=False)
    feed_doctor: DoctorRules = field(default=DOCTOR_RULES, compare=False)
    feeds: tuple[FeedTrips, ...] = field(default=(), compare=False, repr=False)
    allow_feed_errors: bool = field(default=False, compare=False)


def transfer_search_m(routing: RoutingParams) -> float:
    """Longest transfer walk to search, metres.

    R5's rule by default: 1,000 m, or less when ``max_walk_min`` is shorter
    (:attr:`RoutingParams.max_transfer_m`, :attr:`RoutingParams.max_transfer_s`).
    A walk counts when its time *rounded to whole seconds* is within the time
    limit, so the search reaches half a second further than that limit.
    """
    by_time = (routing.max_transfer_s + 0.5) * routing.walk_speed_m_s
    return min(routing.max_transfer_m, by_time)


def closest_stops_on_patterns(transfers: WalkLegs, timetable: Timetable) -> WalkLegs:
    """Keep, from each stop, only the walks to the closest stop of each pattern.

    R5's ``TransferFinder.retainClosestStopsOnPatterns`` (conveyal/r5
    ``src/main/java/com/conveyal/r5/transit/TransferFinder.java``, read at
    commit e3e48d35): for every source stop and every pattern, the walk to
    the nearest stop of that pattern within reach is kept; a walk survives if
    it is the nearest for at least one pattern. Like R5 (since it removes the
    source stop first, conveyal/r5#763), the source's own stop is not a
    candidate.

    Parameters
    ----------
    transfers
        Walks between stops (rows: source stops), as from :func:`compute_transfers`.
    timetable
        Gives the patterns, their stops and where one may board them.

    Returns
    -------
    WalkLegs
        A subset of ``transfers``, in the same order.

    Notes
    -----
    Unlike R5, a pattern counts only at the stops where one may board it (not
    its last stop, not where ``pickup_type`` is 1): a walk to a stop where a
    pattern cannot be boarded never serves to board it, and R5's rule would
    drop the walk to the nearest stop where it can. So a pattern nobody can
    board changes no transfer, and a trip whose every stop is ``pickup_type``
    1 changes no result. Ties (walks of equal length to two stops of one
    pattern) go to the lower stop index; R5 keeps the first in hash-map
    order. R5 looks at the patterns of every date of the feed, this at the
    patterns of the timetable's date. As R5's own comment says, the rule can
    drop a useful walk, e.g. to the far side of a U-shaped route;
    ``[routing].transfers = "all"`` keeps every walk.
    """
    n_src = len(transfers.ptr) - 1
    # (stop, pattern) pairs where the pattern can be boarded at the stop, by stop.
    lengths = np.diff(timetable.pattern_stop_ptr).astype(np.int64)
    last = np.zeros(len(timetable.pattern_stops), dtype=bool)
    last[timetable.pattern_stop_ptr[1:][lengths > 0] - 1] = True
    boardable = timetable.can_board & ~last
    width = max(timetable.n_patterns, 1)
    pairs = np.unique(timetable.pattern_stops[boardable].astype(np.int64) * width
                      + owners(timetable.pattern_stop_ptr)[boardable])
    stop_ptr = offsets_from_keys(pairs // width, timetable.n_stops)
    stop_patterns = pairs % width

    src = owners(transfers.ptr)
    target = transfers.target.astype(np.int64)
    n_patterns = np.diff(stop_ptr)[target]
    rows = np.repeat(np.arange(len(target)), n_patterns)
    pattern = stop_patterns[concat_ranges(stop_ptr[target], n_patterns)]
    order = np.lexsort((target[rows], transfers.distance_m[rows], pattern, src[rows]))
    rows, pattern = rows[order], pattern[order]
    first = np.r_[True, (src[rows][1:] != src[rows][:-1]) | (pattern[1:] != pattern[:-1])]
    keep = np.zeros(len(target), dtype=bool)
    keep[rows[first[: len(rows)]]] = True
    ptr = offsets_from_keys(src[keep], n_src)
    return WalkLegs(ptr, transfers.target[keep], transfers.distance_m[keep])


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
    sources = owners(legs.ptr)
    keep = legs.target != sources
    ptr = offsets_from_keys(sources[keep], n_stops)
    return WalkLegs(ptr, legs.target[keep], legs.distance_m[keep])


def link_stops(
    streets: StreetNetwork, lon: NDArray[np.float64], lat: NDArray[np.float64], *,
    link_radius_m: float = STOP_LINK_RADIUS_M, index: EdgeIndex | None = None,
) -> SnappedPoints:
    """Where stops join the street network (R5's linking of stops; each stop on its own).

    Parameters
    ----------
    streets
        The walk graph.
    lon, lat
        WGS84 coordinates of the stops, degrees.
    link_radius_m
        Farthest a stop may be from a street, metres.
    index
        A prebuilt edge index of ``streets`` (built here if omitted).
    """
    return snap_points(streets, lon, lat, max_snap_m=link_radius_m,
                       endpoint_snap_m=R5_ENDPOINT_SNAP_M, index=index)


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
        Gives the walking speed and the longest transfer walk
        (:func:`transfer_search_m`).
    link_radius_m
        Farthest a stop may be from a street, metres (default R5's 1,600 m).

    Returns
    -------
    StopLinks
        Linked stops and stop-to-stop walks (a stop's walk to itself is left out).
    """
    started = time.perf_counter()
    stops = link_stops(streets, timetable.stop_lon, timetable.stop_lat,
                       link_radius_m=link_radius_m)
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


@dataclass(frozen=True, slots=True)
class StopUsage:
    """How much of the timetable the street network can use.

    Attributes
    ----------
    n_stops_served
        Stops at least one trip of the date calls at.
    n_stops_served_linked
        Of which linked to the street network.
    n_trips
        Trips of the date.
    n_trips_unusable
        Trips with fewer than two linked stops (nobody can board and alight).
    lost_feeds
        Names of the feeds with served stops none of which is linked.
    n_trips_lost_feeds
        Trips of those feeds.
    """

    n_stops_served: int
    n_stops_served_linked: int
    n_trips: int
    n_trips_unusable: int
    lost_feeds: tuple[str, ...]
    n_trips_lost_feeds: int


def compute_stop_usage(timetable: Timetable, links: StopLinks) -> StopUsage:
    """Count the served stops, and the trips, that the street network can use."""
    served = served_stops(timetable)
    linked = links.linked
    trips_per_pattern = np.diff(timetable.pattern_trip_ptr).astype(np.int64)
    pattern_of_stop = owners(timetable.pattern_stop_ptr)
    n_linked = np.bincount(pattern_of_stop, weights=linked[timetable.pattern_stops],
                           minlength=timetable.n_patterns)
    feed_of_stop = np.array([s.split(":", 1)[0] for s in timetable.stop_ids], dtype=object)
    route_feed = np.array([r.split(":", 1)[0] for r in timetable.route_ids], dtype=object)
    trip_feed = np.repeat(route_feed[timetable.pattern_route], trips_per_pattern)
    lost = tuple(name for name in timetable.feed_names
                 if (served & (feed_of_stop == name)).any()
                 and not (served & linked & (feed_of_stop == name)).any())
    return StopUsage(
        n_stops_served=int(served.sum()),
        n_stops_served_linked=int((served & linked).sum()),
        n_trips=timetable.n_trips,
        n_trips_unusable=int(trips_per_pattern[n_linked < 2].sum()),
        lost_feeds=lost,
        n_trips_lost_feeds=int(np.isin(trip_feed, lost).sum()) if lost else 0,
    )


def check_stop_links(
    timetable: Timetable,
    links: StopLinks,
    *,
    feeds: dict[str, Path] | None = None,
    osm_path: Path | None = None,
    allow_data_loss: bool = False,
) -> StopUsage:
    """Check that the street network can use the timetable; warn with counts about losses.

    Parameters
    ----------
    timetable
        The timetable.
    links
        Its stops linked to the streets.
    feeds
        Path of each feed by name, for the messages.
    osm_path
        The OSM extract, for the messages.
    allow_data_loss
        Go on, with a warning, when most of the network is lost.

    Returns
    -------
    StopUsage
        The counts.

    Raises
    ------
    DataLossError
        Unless ``allow_data_loss``: when the feeds none of whose served stops
        is linked to a street carry more than half of the trips of the date, or
        when no trip has two linked stops (see :mod:`routes.network.coverage`).

    Warns
    -----
    RoutesWarning
        When some served stops are not linked, with the stops and trips lost.
    """
    usage = compute_stop_usage(timetable, links)
    dropped = usage.n_stops_served - usage.n_stops_served_linked
    if not dropped:
        return usage
    feeds = feeds or {}
    osm = f" of {osm_path.name}" if osm_path is not None else ""
    radius = f"{links.link_radius_m:,.0f} m"
    day = timetable.service_date.isoformat()
    if usage.lost_feeds:
        names = ", ".join(f"{n!r} ({feeds[n].name})" if n in feeds else repr(n)
                          for n in usage.lost_feeds)
        which = "feed" if len(usage.lost_feeds) == 1 else "feeds"
        lost = (
            f"GTFS {which} {names}: none of the stops served on {day} is within {radius} of a "
            f"street{osm}, so {usage.n_trips_lost_feeds:,} of {usage.n_trips:,} trips are lost"
        )
        fix = ("check stop_lat and stop_lon in stops.txt (latitude and longitude in degrees) "
               "and that the OSM extract covers the feed")
        fatal = usage.n_trips_lost_feeds > MAX_LOST_SHARE * usage.n_trips
        report_loss(lost, fix, fatal=fatal, allow_data_loss=allow_data_loss)
    elif usage.n_trips_unusable == usage.n_trips:
        lost = (f"none of the {usage.n_trips:,} trips on {day} calls at two stops within "
                f"{radius} of a street{osm}, so the transit network is lost")
        fix = "check stop_lat and stop_lon in stops.txt and that the OSM extract covers the feeds"
        report_loss(lost, fix, fatal=True, allow_data_loss=allow_data_loss)
    msg = (
        f"{dropped:,} of {usage.n_stops_served:,} served stops are more than {radius} from "
        f"the street network{osm} and are left out ({usage.n_trips_unusable:,} of "
        f"{usage.n_trips:,} trips on {day} keep fewer than two stops and cannot be used); "
        "extend the OSM extract to cover the feeds if they matter"
    )
    warnings.warn(msg, RoutesWarning, stacklevel=3)
    return usage


def build_network(
    study: StudyArea,
    *,
    cache: NetworkCache | None = None,
    allow_feed_errors: bool = False,
    allow_data_loss: bool = False,
    feed_doctor: DoctorRules = DOCTOR_RULES,
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
    allow_data_loss
        Go on, with warnings, when most of the transit network cannot be
        linked to the streets; kept on the network for the zone and
        destination checks of :func:`routes.access.zone_access.compute_access`.
    feed_doctor
        The feed doctor's rules (``DoctorRules(drop=False)`` keeps the
        duplicate and superseded trips it finds; CLI ``--keep-duplicate-trips``).
    feeds
        GTFS feeds to use instead of the study area's (e.g. a scenario's:
        modified copies plus a proposal's feed).

    Returns
    -------
    TransitNetwork
        The network for the study area's service date.

    Raises
    ------
    DataLossError
        When most of the transit network is off the street network
        (:func:`check_stop_links`) and ``allow_data_loss`` is false.

    Warns
    -----
    RoutesWarning
        When served stops cannot be linked to the street network, or a feed
        has no service on the date (also when the parts come from the cache).
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
    feed_trips, timetable_key = load_feeds(feeds, study.service_date, cache=cache,
                                            allow_feed_errors=allow_feed_errors,
                                            feed_doctor=feed_doctor)
    timetable = assemble_timetable(feed_trips, study.service_date)
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
    from routes.timetable.read import unique_feed_names

    check_stop_links(timetable, links, osm_path=study.osm_path,
                     feeds=dict(zip(unique_feed_names(list(feeds)), feeds, strict=True)),
                     allow_data_loss=allow_data_loss)
    logger.info("network ready in %.1f s", time.perf_counter() - started)
    return TransitNetwork(streets, timetable, links, digest=links_key,
                          edge_index=build_edge_index(streets), allow_data_loss=allow_data_loss,
                          feed_doctor=feed_doctor, feeds=feed_trips,
                          allow_feed_errors=allow_feed_errors)


def load_feeds(
    feeds: Sequence[Path], service_date: dt.date, *, cache: NetworkCache,
    allow_feed_errors: bool, feed_doctor: DoctorRules,
) -> tuple[tuple[FeedTrips, ...], str]:
    """Each feed's trips of the date, each read once and cached on its own; and their key.

    A feed is cached under a hash of its bytes, its name, the date and the
    options, so changing one feed of a study area re-reads only that one
    (:func:`routes.timetable.feed.load_feed_trips`).
    """
    from routes.errors import GtfsError
    from routes.timetable.read import unique_feed_names

    paths = [Path(p) for p in feeds]
    if not paths:
        msg = "no GTFS feeds given; list at least one feed in [study_area].gtfs"
        raise GtfsError(msg)
    out, keys = [], []
    for path, name in zip(paths, unique_feed_names(paths), strict=True):
        key = hash_inputs([path], {"kind": "feed trips", "name": name,
                                   "date": service_date.isoformat(),
                                   "allow_feed_errors": allow_feed_errors,
                                   "feed_doctor": feed_doctor_key(feed_doctor)})
        out.append(cache.get_or_build(
            "feed", key, FeedTrips,
            lambda path=path, name=name: load_feed_trips(  # type: ignore[misc]
                path, name, service_date, allow_feed_errors=allow_feed_errors,
                feed_doctor=feed_doctor),
            f"{path} on {service_date}"))
        keys.append(key)
    return tuple(out), hash_inputs([], {"feeds": keys})
