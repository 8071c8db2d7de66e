from __future__ import annotations

import csv
import io
import math
import zipfile
from pathlib import Path

import _osm
import numpy as np
import pytest

from routes.errors import InputError
from routes.snapping import SnappedPoints, build_node_index, snap_points
from routes.streets import StreetNetwork, load_street_network

grid_osm = _osm.grid_osm
shared_data_dir = _osm.shared_data_dir
rnv_network = _osm.rnv_network


@pytest.fixture
def grid(grid_osm: Path) -> StreetNetwork:
    return load_street_network(grid_osm)


def _osm_ids(net: StreetNetwork, snapped: SnappedPoints) -> list[int]:
    """OSM id of each point's node, -1 where dropped."""
    return [int(net.node_osm_ids[i]) if i >= 0 else -1 for i in snapped.node.tolist()]


def _points(xy_m: list[tuple[float, float]]) -> tuple[list[float], list[float]]:
    lonlat = [_osm.lonlat(x, y) for x, y in xy_m]
    return [p[0] for p in lonlat], [p[1] for p in lonlat]


# --------------------------------------------------------------------------- #
# The hand-made grid (see tests/_osm.py for the diagram)
# --------------------------------------------------------------------------- #


def test_points_snap_to_the_nearest_kept_node(grid: StreetNetwork) -> None:
    lon, lat = _points(
        [
            (10.0, 0.0),  # 10 m east of node 1
            (100.0, 90.0),  # 10 m south of node 5
            (290.0, 200.0),  # 10 m west of node 11
            (-100.0, -10.0),  # 10 m south of node 20
            (206.0, 292.0),  # 6 m east, 8 m south of node 19: 10 m
            (300.0, 10.0),  # on node 12 (foot=no, excluded): nearest kept is 3, 100.5 m
            (400.0, 100.0),  # on node 10 (motorway end): nearest kept is 11, 141.4 m
        ]
    )
    snapped = snap_points(grid, lon, lat, max_snap_m=500.0)

    assert _osm_ids(grid, snapped) == [1, 5, 11, 20, 19, 3, 11]
    expected_m = [10.0, 10.0, 10.0, 10.0, 10.0, math.hypot(100.0, 10.0), math.hypot(100.0, 100.0)]
    # Distances are measured in UTM zone 31, which stretches lengths here by ~0.055 %.
    np.testing.assert_allclose(snapped.distance_m, expected_m, rtol=1e-3)
    assert snapped.node.dtype == np.int32
    assert snapped.distance_m.dtype == np.float64
    assert snapped.n_dropped == 0
    assert snapped.snapped.all()


def test_far_points_are_dropped(grid: StreetNetwork) -> None:
    lon, lat = _points([(0.0, 5.0), (1_500.0, 1_500.0), (400.0, 100.0), (200.0, 195.0)])
    snapped = snap_points(grid, lon, lat, max_snap_m=120.0)

    # (400, 100) is 141 m from node 11: beyond 120 m.
    assert _osm_ids(grid, snapped) == [1, -1, -1, 9]
    assert snapped.n_dropped == 2
    assert snapped.snapped.tolist() == [True, False, False, True]
    assert np.isnan(snapped.distance_m[[1, 2]]).all()
    np.testing.assert_allclose(snapped.distance_m[[0, 3]], 5.0, rtol=1e-3)


def test_default_limit_is_500_m(grid: StreetNetwork) -> None:
    lon, lat = _points([(200.0, 680.0), (200.0, 720.0)])  # 380 m and 420 m north of node 19
    assert _osm_ids(grid, snap_points(grid, lon, lat)) == [19, 19]
    lon, lat = _points([(200.0, 790.0), (200.0, 810.0)])  # 490 m and 510 m
    assert _osm_ids(grid, snap_points(grid, lon, lat)) == [19, -1]


def test_infinite_limit_keeps_every_point(grid: StreetNetwork) -> None:
    lon, lat = _points([(50_000.0, 0.0)])
    snapped = snap_points(grid, lon, lat, max_snap_m=math.inf)
    assert _osm_ids(grid, snapped) == [11]  # (300, 200) is the farthest east
    assert snapped.distance_m[0] == pytest.approx(math.hypot(49_700.0, 200.0), rel=1e-3)


def test_matches_brute_force_nearest_node(grid: StreetNetwork) -> None:
    rng = np.random.default_rng(20240304)
    x_m = rng.uniform(-300.0, 600.0, 500)
    y_m = rng.uniform(-300.0, 600.0, 500)
    lon, lat = _points(list(zip(x_m.tolist(), y_m.tolist(), strict=True)))
    snapped = snap_points(grid, lon, lat, max_snap_m=150.0)

    # Brute force in the fixture's own metric frame (metres from node 1).
    node_xy = np.array([_osm.GRID_NODE_XY[int(i)] for i in grid.node_osm_ids])
    dist = np.hypot(x_m[:, None] - node_xy[None, :, 0], y_m[:, None] - node_xy[None, :, 1])
    nearest = dist.argmin(axis=1)
    nearest_m = dist.min(axis=1)
    clear = np.abs(nearest_m - 150.0) > 1.0  # leave out points within the UTM scale error
    expected = np.where(nearest_m <= 150.0, nearest, -1)
    np.testing.assert_array_equal(snapped.node[clear], expected[clear])
    kept = clear & (expected >= 0)
    np.testing.assert_allclose(snapped.distance_m[kept], nearest_m[kept], rtol=1e-3, atol=1e-6)


def test_prebuilt_index_gives_the_same_answer(grid: StreetNetwork) -> None:
    index = build_node_index(grid)
    lon, lat = _points([(10.0, 0.0), (250.0, 210.0), (5_000.0, 0.0)])
    with_index = snap_points(grid, lon, lat, index=index)
    without = snap_points(grid, lon, lat)
    np.testing.assert_array_equal(with_index.node, without.node)
    np.testing.assert_array_equal(with_index.distance_m, without.distance_m)
    assert index.crs == grid.crs
    assert index.n_nodes == grid.n_nodes


def test_index_of_another_network_is_rejected(grid: StreetNetwork, tmp_path: Path) -> None:
    other = load_street_network(
        _osm.write_osm_xml(
            tmp_path / "line.osm",
            {1: (0.0, 0.0), 2: (100.0, 0.0)},
            [(1, [1, 2], {"highway": "path"})],
        )
    )
    with pytest.raises(InputError, match=r"built for another network .* build_node_index"):
        snap_points(grid, [0.5], [0.01], index=build_node_index(other))


def test_empty_input(grid: StreetNetwork) -> None:
    snapped = snap_points(grid, np.array([]), np.array([]))
    assert snapped.node.shape == (0,)
    assert snapped.node.dtype == np.int32
    assert snapped.distance_m.dtype == np.float64
    assert snapped.n_dropped == 0


@pytest.mark.parametrize("max_snap_m", [0.0, -5.0, math.nan])
def test_bad_limit(grid: StreetNetwork, max_snap_m: float) -> None:
    with pytest.raises(InputError, match="max_snap_m must be a positive number of metres"):
        snap_points(grid, [0.5], [0.01], max_snap_m=max_snap_m)


@pytest.mark.parametrize(
    ("lon", "lat", "match"),
    [
        ([0.5, 0.5], [0.01], "equal length"),
        (0.5, 0.01, "1-d arrays"),
        ([[0.5]], [[0.01]], "1-d arrays"),
        ([0.5, math.nan, 0.5], [0.01, 0.01, 0.01], r"1 points .* #1 \(nan, 0.01\)"),
        ([0.5, 0.5], [0.01, 95.0], r"out-of-range .* #1 \(0.5, 95.0\)"),
        ([200.0], [0.01], "check the coordinates are longitude/latitude degrees"),
    ],
)
def test_bad_coordinates(grid: StreetNetwork, lon: object, lat: object, match: str) -> None:
    with pytest.raises(InputError, match=match):
        snap_points(grid, lon, lat)  # type: ignore[arg-type]


def test_empty_network_has_no_index() -> None:
    empty = StreetNetwork(
        crs="EPSG:32631",
        node_osm_ids=np.array([], dtype=np.int64),
        node_lon=np.array([]),
        node_lat=np.array([]),
        node_x_m=np.array([]),
        node_y_m=np.array([]),
        indptr=np.zeros(1, dtype=np.int32),
        indices=np.array([], dtype=np.int32),
        length_m=np.array([]),
    )
    with pytest.raises(InputError, match="empty street network"):
        build_node_index(empty)


# --------------------------------------------------------------------------- #
# Real data: the rnv GTFS stops on the rnv OSM extract
# --------------------------------------------------------------------------- #


def _rnv_stops(data_dir: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    with zipfile.ZipFile(data_dir / "rnv" / "rnv.zip") as feed, feed.open("stops.txt") as raw:
        rows = list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8-sig")))
    lon = np.array([float(r["stop_lon"]) for r in rows])
    lat = np.array([float(r["stop_lat"]) for r in rows])
    return [r["stop_name"] for r in rows], lon, lat


def test_rnv_stops_snap_to_the_walk_network(
    rnv_network: StreetNetwork, shared_data_dir: Path
) -> None:
    names, lon, lat = _rnv_stops(shared_data_dir)
    assert len(names) == 2_057
    snapped = snap_points(rnv_network, lon, lat, max_snap_m=200.0)
    # With foot=no honoured, northern Mannheim falls apart into islands (the extract
    # has no footways) and only the largest is kept: 1,607 stops snap within 200 m.
    assert 1_550 <= len(names) - snapped.n_dropped <= 1_700
    assert np.nanmedian(snapped.distance_m) < 20.0


def test_rnv_stops_snap_when_foot_no_is_ignored(shared_data_dir: Path) -> None:
    network = load_street_network(shared_data_dir / "rnv" / "rnv.osm.pbf", ignore_foot_no=True)
    names, lon, lat = _rnv_stops(shared_data_dir)
    snapped = snap_points(network, lon, lat, max_snap_m=200.0)
    # The data README: every stop but "MPI Astronomie" (on the Königstuhl) has a
    # highway node within about 200 m.
    dropped = [names[i] for i in np.flatnonzero(snapped.node < 0)]
    assert dropped == ["MPI Astronomie"]
    assert np.nanmax(snapped.distance_m) < 200.0
