"""Walking legs between linked points on the hand-drawn split network (tests/_tiny_networks.py).

Every distance below is derived by hand from the diagram of ``split_network``
(metres; walk speed 1 m/s in the journey test):

* P -> Q, one segment (n0-n1): 16 off + |96 - 32| along + 8 off = 88
  (through n1 it would be 16 + 96 + 32 + 8 = 152).
* P -> R (point), same segment: 16 + |125 - 32| + 4 = 113.
* P -> R (stop, linked to n1): 16 + 96 + 5 = 117.
* P -> E, beyond n2's end: 16 + 96 (to n1) + 64 (n1-n2) + 10 = 186.
* P -> S (stop off n0-n3): 16 + 32 (to n0) + 64 + 24 = 136.
* Q -> S: 8 + 96 + 64 + 24 = 192.   Q -> E: 8 + 32 + 64 + 10 = 114.
* E -> S: 10 + 64 + 128 + 64 + 24 = 290.   R (stop) -> S: 5 + 128 + 64 + 24 = 221.
"""

from __future__ import annotations

import numpy as np
import pytest
from _oracle import build_split_graph, street_distances_m
from _tiny_networks import split_network, timetable_from_trips

from routes.config.study_area import RoutingParams
from routes.engine.raptor import compute_snapped_travel_times
from routes.engine.request import TravelTimeRequest
from routes.network.transit import StopLinks, TransitNetwork, compute_transfers
from routes.streets.snapping import R5_ENDPOINT_SNAP_M, snap_points_xy
from routes.streets.walking import WalkLegs, compute_walk_legs

POINTS = ["P", "Q", "R", "E"]
STOPS = ["R", "S"]


def _linked():
    streets, places = split_network()
    p = np.array([places[n] for n in POINTS])
    s = np.array([places[n] for n in STOPS])
    points = snap_points_xy(streets, p[:, 0], p[:, 1], max_snap_m=50.0)
    stops = snap_points_xy(streets, s[:, 0], s[:, 1], max_snap_m=50.0,
                           endpoint_snap_m=R5_ENDPOINT_SNAP_M)
    return streets, places, points, stops


def _as_dict(legs: WalkLegs, source: int, names: list[str]) -> dict[str, float]:
    sl = slice(legs.ptr[source], legs.ptr[source + 1])
    return {names[t]: float(d) for t, d in zip(legs.target[sl], legs.distance_m[sl], strict=True)}


def test_walks_between_points_by_hand() -> None:
    streets, _, points, stops = _linked()
    targets = points.concat(stops)
    names = POINTS + ["R stop", "S"]
    legs = compute_walk_legs(streets, points, targets, 1_000.0)
    assert _as_dict(legs, 0, names) == {"P": 32.0, "Q": 88.0, "R": 113.0, "R stop": 117.0,
                                        "S": 136.0, "E": 186.0}
    q = _as_dict(legs, 1, names)
    assert (q["P"], q["E"], q["S"]) == (88.0, 114.0, 192.0)
    assert _as_dict(legs, 3, names)["S"] == 290.0
    # A point's walk to itself goes to the street and back (R5 counts both off-street
    # parts too).
    assert q["Q"] == 16.0
    # Legs come sorted by distance, and the limit counts the off-street parts.
    assert list(_as_dict(compute_walk_legs(streets, points, targets, 136.0), 0, names)) == [
        "P", "Q", "R", "R stop", "S"]
    assert _as_dict(compute_walk_legs(streets, points, targets, 135.9), 0, names).keys() == {
        "P", "Q", "R", "R stop"}


def test_transfers_between_stops_by_hand() -> None:
    streets, _, _, stops = _linked()
    transfers = compute_transfers(streets, stops, 1_000.0)
    assert _as_dict(transfers, 0, STOPS) == {"S": 221.0}
    assert _as_dict(transfers, 1, STOPS) == {"R": 221.0}


def test_walks_equal_the_oracles_split_graph() -> None:
    streets, places, points, stops = _linked()
    names = [*POINTS, "R stop", "S"]
    xy = [places[n] for n in POINTS + STOPS]
    graph, node, linked = build_split_graph(streets, xy, [50.0] * len(xy),
                                            [0.0] * len(POINTS) + [R5_ENDPOINT_SNAP_M] * 2)
    assert linked.all()
    legs = compute_walk_legs(streets, points, points.concat(stops), 1_000.0)
    for i in range(len(POINTS)):
        ours = _as_dict(legs, i, names)
        dist = street_distances_m(graph, int(node[i]))
        expected = {n: float(dist[node[k]]) for k, n in enumerate(names) if k != i}
        del ours[POINTS[i]]  # to itself: the oracle's point node is the point
        assert ours == pytest.approx(expected, abs=1e-9)


def test_journey_between_off_street_stops_by_hand() -> None:
    # One trip S -> R, 08:00 -> 08:05. From P at 07:50 (1 m/s): walk 136 s to S,
    # wait, ride to R (arrive 08:05 = 29,100), walk R -> E: 5 + 64 + 10 = 79 s
    # -> 29,179 - 28,200 = 979 s. Walking P -> E would take 186 s, so with a
    # walking limit of 150 s the ride is the only way.
    streets, _, points, stops = _linked()
    h8 = 8 * 3600
    tt = timetable_from_trips([("L", [(1, h8, h8), (0, h8 + 300, h8 + 300)])], n_stops=2)
    network = TransitNetwork(streets, tt, StopLinks(stops, compute_transfers(streets, stops, 0.0),
                                                    0.0, 50.0))
    routing = RoutingParams(walk_speed_kmh=3.6, max_walk_min=150 / 60, max_rides=1)
    request = TravelTimeRequest.from_routing(routing, departure_s=h8 - 600, window_min=1,
                                             percentiles=(50,))
    minutes = compute_snapped_travel_times(network, points.take([0]), points.take([3]), request)
    assert minutes[0, 0, 0] * 60 == pytest.approx(979.0)
