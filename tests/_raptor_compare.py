"""Running the engine and the brute-force oracle on the same tiny network and query.

A query is a dict of limits (``walk_speed_m_s``, ``max_walk_s``,
``max_transfer_walk_s`` (``None``: R5's transfer rule), ``max_rides``,
``max_trip_s``) plus, optionally, the conventions of :data:`CONVENTIONS`, which
default to the engine's own defaults. :func:`run_engine` links stops and points
with the engine's code and returns seconds; :func:`run_oracle` links them with
the oracle's own brute force (``tests/_oracle.py``).
"""

from __future__ import annotations

import numpy as np
from _oracle import build_split_graph, oracle_percentiles
from _tiny_networks import (
    PLACED_ENDPOINT_SNAP_M,
    PLACED_POINT_LINK_M,
    PLACED_STOP_LINK_M,
    Network,
    PlacedNetwork,
)

from routes.config.study_area import RoutingParams
from routes.engine.raptor import compute_snapped_travel_times
from routes.engine.request import TravelTimeRequest
from routes.network.transit import (
    StopLinks,
    TransitNetwork,
    compute_transfers,
    transfer_search_m,
)
from routes.streets.snapping import SnappedPoints, snap_points_xy

__all__ = ["CONVENTIONS", "assert_same", "run_engine", "run_oracle"]


def _links(net: Network | PlacedNetwork) -> tuple[SnappedPoints, SnappedPoints, SnappedPoints]:
    """Stops, origins and destinations linked by the engine's own code."""
    if isinstance(net, Network):
        return (SnappedPoints.at_nodes(net.stop_node), SnappedPoints.at_nodes(net.origins),
                SnappedPoints.at_nodes(net.dests))
    s = net.streets
    stops = snap_points_xy(s, net.stop_xy[:, 0], net.stop_xy[:, 1], max_snap_m=PLACED_STOP_LINK_M,
                           endpoint_snap_m=PLACED_ENDPOINT_SNAP_M)
    o = snap_points_xy(s, net.origin_xy[:, 0], net.origin_xy[:, 1], max_snap_m=PLACED_POINT_LINK_M)
    d = snap_points_xy(s, net.dest_xy[:, 0], net.dest_xy[:, 1], max_snap_m=PLACED_POINT_LINK_M)
    return stops, o, d


#: The engine's conventions by default (RoutingParams), given to the oracle too.
CONVENTIONS = dict(board_slack_s=60, transfers="closest_per_pattern", frequency_phase="random",
                   frequency_draws=60, frequency_seed=0)


def _query(query: dict, kw: dict) -> dict:
    """The query with the engine's default conventions (``max_transfer_walk_s=None``: R5's)."""
    q = {**CONVENTIONS, **query, **kw}
    q.pop("n_threads", None)
    return q


def _transit(net: Network | PlacedNetwork, stops: SnappedPoints, routing: RoutingParams
             ) -> TransitNetwork:
    max_m = transfer_search_m(routing)
    links = StopLinks(stops, compute_transfers(net.streets, stops, max_m), max_m)
    return TransitNetwork(net.streets, net.tt, links)


def _routing(q: dict) -> RoutingParams:
    transfer_s = q["max_transfer_walk_s"]
    return RoutingParams(
        walk_speed_kmh=q["walk_speed_m_s"] * 3.6,
        max_walk_min=q["max_walk_s"] / 60,
        max_transfer_walk_min=None if transfer_s is None else transfer_s / 60,
        max_rides=q["max_rides"],
        max_trip_min=q["max_trip_s"] / 60,
        **{k: q[k] for k in CONVENTIONS},
    )


def run_engine(net: Network | PlacedNetwork, query: dict, dep_s: int, window_min: int, percentiles,
            **kw):
    routing = _routing(_query(query, kw))
    stops, o, d = _links(net)
    network = _transit(net, stops, routing)
    request = TravelTimeRequest.from_routing(routing, departure_s=dep_s, window_min=window_min,
                                             percentiles=percentiles)
    minutes = compute_snapped_travel_times(network, o, d, request, n_threads=kw.get("n_threads"))
    return minutes * 60.0


def _oracle_query(q: dict) -> dict:
    """Oracle arguments for a query: R5's transfer rule spelled out as limits."""
    q = dict(q)
    if q["max_transfer_walk_s"] is None:
        q["max_transfer_walk_s"] = q["max_walk_s"]
        q["max_transfer_m"] = 1000.0
    return q


def run_oracle(net: Network | PlacedNetwork, query: dict, dep_s: int, window_min: int, percentiles,
            **kw):
    q = _oracle_query(_query(query, kw))
    if isinstance(net, Network):
        tt, streets, stop_node, o, d = net
        out = oracle_percentiles(tt, streets, stop_node, o, d, dep_s, window_min=window_min,
                                 percentiles=percentiles, unsnapped_transfers=True, **q)
        return np.stack([out[p] for p in percentiles], axis=1)
    # Places: the oracle inserts them into the street graph itself (tests/_oracle.py).
    n_s, n_o = len(net.stop_xy), len(net.origin_xy)
    xy = np.concatenate([net.stop_xy, net.origin_xy, net.dest_xy])
    radius = np.r_[np.full(n_s, PLACED_STOP_LINK_M), np.full(len(xy) - n_s, PLACED_POINT_LINK_M)]
    endpoint = np.r_[np.full(n_s, PLACED_ENDPOINT_SNAP_M), np.zeros(len(xy) - n_s)]
    graph, node, linked = build_split_graph(net.streets, [tuple(p) for p in xy], radius, endpoint)
    stop_node = np.where(linked[:n_s], node[:n_s], -1)
    o, d = node[n_s:n_s + n_o], node[n_s + n_o:]
    out = oracle_percentiles(net.tt, graph, stop_node, o, d, dep_s, window_min=window_min,
                             percentiles=percentiles, unsnapped_transfers=True, **q)
    res = np.stack([out[p] for p in percentiles], axis=1)
    res[~linked[n_s:n_s + n_o]] = np.nan
    res[:, :, ~linked[n_s + n_o:]] = np.nan
    return res


def assert_same(ours: np.ndarray, ref: np.ndarray) -> None:
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref))
    np.testing.assert_allclose(np.nan_to_num(ours), np.nan_to_num(ref), atol=1e-6)
