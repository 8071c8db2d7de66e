"""Isochrones: valid WGS84 polygons consistent with the point travel times."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import shapely
from _study import write_study_area

from routes.cache import NetworkCache
from routes.config.study_area import load_study_area
from routes.engine.base import BuiltinEngine
from routes.engine.isochrones import compute_isochrones
from routes.engine.raptor import compute_travel_time_array
from routes.engine.request import TravelTimeRequest
from routes.errors import InputError
from routes.inputs.points import Points, load_layer, points_from_layer
from routes.network.transit import build_network


@pytest.fixture
def tiny(tmp_path):
    study = load_study_area(write_study_area(tmp_path / "study"))
    network = build_network(study, cache=NetworkCache(tmp_path / "cache"))
    zones = points_from_layer(load_layer(study.zones.path))
    return study, network, zones


def _probe_points(network, n=400, seed=0):
    """Random points around the street lattice (all within snapping distance)."""
    rng = np.random.default_rng(seed)
    lon, lat = network.streets.node_lon, network.streets.node_lat
    pad = 0.0004
    return Points(
        np.array([f"p{i}" for i in range(n)], dtype=object),
        rng.uniform(lon.min() - pad, lon.max() + pad, n),
        rng.uniform(lat.min() - pad, lat.max() + pad, n),
    )


def request(study: Any) -> TravelTimeRequest:
    return TravelTimeRequest.from_routing(study.routing)


@pytest.mark.parametrize("cutoffs", [[2, 5, 10], [3]])
def test_points_within_a_cutoff_lie_inside_its_polygon(tiny, cutoffs):
    study, network, zones = tiny
    layer = compute_isochrones(network, zones, [zones.ids[0]], cutoffs, request(study))
    assert layer.crs == "EPSG:4326"
    assert layer.geometry.is_valid.all()
    assert list(layer["cutoff_min"]) == sorted(float(c) for c in cutoffs)
    probes = _probe_points(network)
    origin = Points(zones.ids[:1], zones.lon[:1], zones.lat[:1])
    minutes = compute_travel_time_array(network, origin, probes, request(study))[0, 0]
    inside = shapely.contains_xy(np.array(layer.geometry)[:, None], probes.lon, probes.lat)
    for row, cutoff in enumerate(layer["cutoff_min"]):
        reached = minutes <= cutoff
        assert reached.any()
        assert inside[row][reached].all()


def test_polygons_grow_with_the_cutoff(tiny):
    study, network, zones = tiny
    layer = compute_isochrones(network, zones, [zones.ids[1]], [2, 4, 8], request(study))
    areas = layer.to_crs(3857).area.to_numpy()
    assert (np.diff(areas) >= 0).all()
    small, large = layer.geometry.iloc[0], layer.geometry.iloc[-1]
    assert large.buffer(1e-9).contains(small)


def test_grid_thinning_gives_a_superset_of_routed_points(tiny):
    study, network, zones = tiny
    layer = compute_isochrones(network, zones, [zones.ids[0]], [5], request(study),
                               grid_m=150.0)
    exact = compute_isochrones(network, zones, [zones.ids[0]], [5], request(study))
    assert layer.geometry.iloc[0].buffer(1e-9).contains(exact.geometry.iloc[0].buffer(-1e-6))


def test_unknown_zone_is_an_input_error(tiny):
    study, network, zones = tiny
    with pytest.raises(InputError, match="zone 'nope' is not among the 3 zones; check --zone"):
        compute_isochrones(network, zones, ["nope"], [5], request(study))


class _PointsEngine:
    """An engine other than the built-in one: it routes between points, as R5 does.

    The times are the built-in engine's between the same points; it records its calls.
    """

    name = "points"
    cache_tag = "points"

    def __init__(self, network: Any) -> None:
        self.inner = BuiltinEngine(network)
        self.digest = network.digest
        self.calls: list[tuple[list[str], Points]] = []

    def compute_travel_time_array(self, origins, destinations, request, *, progress=None):
        self.calls.append((list(origins.ids), destinations))
        return self.inner.compute_travel_time_array(origins, destinations, request,
                                                    progress=progress)

    def for_scenario(self, network, gtfs):
        return _PointsEngine(network)


def test_builtin_engine_given_is_the_default(tiny):
    study, network, zones = tiny
    default = compute_isochrones(network, zones, [zones.ids[0]], [2, 5], request(study))
    given = compute_isochrones(network, zones, [zones.ids[0]], [2, 5], request(study),
                               engine=BuiltinEngine(network, n_threads=1))
    assert [g.wkb for g in given.geometry] == [g.wkb for g in default.geometry]


def test_another_engine_routes_to_points_at_the_street_nodes(tiny):
    study, network, zones = tiny
    engine = _PointsEngine(network)
    layer = compute_isochrones(network, zones, [zones.ids[1]], [2, 5, 10], request(study),
                               engine=engine)
    ((origins, nodes),) = engine.calls
    streets = network.streets
    assert origins == [zones.ids[1]]
    np.testing.assert_array_equal(nodes.lon, streets.node_lon)
    np.testing.assert_array_equal(nodes.lat, streets.node_lat)
    # The property of every isochrone holds whichever engine routed it.
    probes = _probe_points(network)
    origin = Points(zones.ids[1:2], zones.lon[1:2], zones.lat[1:2])
    minutes = compute_travel_time_array(network, origin, probes, request(study))[0, 0]
    inside = shapely.contains_xy(np.array(layer.geometry)[:, None], probes.lon, probes.lat)
    for row, cutoff in enumerate(layer["cutoff_min"]):
        reached = minutes <= cutoff
        assert reached.any()
        assert inside[row][reached].all()


def test_another_engine_is_handed_the_grid_nodes_only(tiny):
    study, network, zones = tiny
    engine = _PointsEngine(network)
    compute_isochrones(network, zones, [zones.ids[0]], [5], request(study), grid_m=150.0,
                       engine=engine)
    ((_, nodes),) = engine.calls
    streets = network.streets
    cells = {(int(np.floor(x / 150.0)), int(np.floor(y / 150.0)))
             for x, y in zip(streets.node_x_m, streets.node_y_m, strict=True)}
    assert len(nodes) == len(cells) < streets.n_nodes
