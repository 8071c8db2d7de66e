from __future__ import annotations

import csv
import io
import math
import zipfile
from pathlib import Path

import _osm
import numpy as np
import pytest
from _tiny_networks import split_network

from routes.errors import InputError
from routes.streets.graph import StreetNetwork
from routes.streets.osm import load_street_network
from routes.streets.snapping import (
    R5_ENDPOINT_SNAP_M,
    SnappedPoints,
    build_edge_index,
    compute_street_segments,
    snap_points,
    snap_points_xy,
)

grid_osm = _osm.grid_osm
shared_data_dir = _osm.shared_data_dir
rnv_network = _osm.rnv_network


@pytest.fixture
def grid(grid_osm: Path) -> StreetNetwork:
    return load_street_network(grid_osm)


def _links(net: StreetNetwork, snapped: SnappedPoints) -> list[dict[int, float]]:
    """Per point, ``{OSM id of an entry node: metres along the segment to it}``; {} if dropped."""
    out = []
    for i in range(snapped.n_points):
        link = {}
        for node, along in ((snapped.node_a[i], snapped.along_a_m[i]),
                            (snapped.node_b[i], snapped.along_b_m[i])):
            if node >= 0:
                link[int(net.node_osm_ids[node])] = round(float(along), 1)
        out.append(link)
    return out


def _points(xy_m: list[tuple[float, float]]) -> tuple[list[float], list[float]]:
    lonlat = [_osm.lonlat(x, y) for x, y in xy_m]
    return [p[0] for p in lonlat], [p[1] for p in lonlat]


# --------------------------------------------------------------------------- #
# The hand-drawn split network (tests/_tiny_networks.py)
# --------------------------------------------------------------------------- #


def test_split_network_links_by_hand() -> None:
    streets, places = split_network()
    names = ["P", "Q", "R", "E", "S"]
    xy = np.array([places[n] for n in names])
    points = snap_points_xy(streets, xy[:, 0], xy[:, 1], max_snap_m=50.0)
    # Segments 0 = n0-n1, 1 = n0-n3, 2 = n1-n2 (see the diagram).
    assert points.segment.tolist() == [0, 0, 0, 2, 1]
    assert points.node_a.tolist() == [0, 0, 0, 1, 0]
    assert points.node_b.tolist() == [1, 1, 1, 2, 3]
    assert points.along_a_m.tolist() == [32.0, 96.0, 125.0, 64.0, 64.0]  # mid, mid, near n1,
    assert points.along_b_m.tolist() == [96.0, 32.0, 3.0, 0.0, 64.0]  # clamped to n2, mid
    assert points.offstreet_m.tolist() == [16.0, 8.0, 4.0, 10.0, 24.0]
    # As stops (R5's 5-m rule), R is linked to n1 itself, 5 m away; the others split.
    stops = snap_points_xy(streets, xy[:, 0], xy[:, 1], max_snap_m=50.0,
                           endpoint_snap_m=R5_ENDPOINT_SNAP_M)
    assert stops.node_a[2] == 1 and stops.node_b[2] == -1 and stops.segment[2] == -1
    assert (stops.along_a_m[2], stops.offstreet_m[2]) == (0.0, 5.0)
    keep = [0, 1, 4]
    np.testing.assert_array_equal(stops.take(keep).node_b, points.take(keep).node_b)
    np.testing.assert_array_equal(stops.take(keep).offstreet_m, points.take(keep).offstreet_m)
    # E's foot is n2 itself: within 5 m of an end, so as a stop it links to n2.
    assert stops.node_a[3] == 2 and stops.node_b[3] == -1
    # Closer limits drop points; the off-street distance is what counts.
    assert snap_points_xy(streets, xy[:, 0], xy[:, 1], max_snap_m=12.0).snapped.tolist() == [
        False, True, True, True, False]


# --------------------------------------------------------------------------- #
# The hand-made grid (see tests/_osm.py for the diagram)
# --------------------------------------------------------------------------- #


def test_points_link_to_the_nearest_kept_segment(grid: StreetNetwork) -> None:
    lon, lat = _points(
        [
            (10.0, 0.0),  # on 1-2, 10 m from node 1
            (100.0, 90.0),  # on 2-5, 10 m from node 5
            (50.0, 40.0),  # 40 m north of the middle of 1-2
            (-100.0, -10.0),  # 10 m south of node 20, the end of 20-1
            (300.0, 10.0),  # on node 12 (foot=no, excluded): 100 m from 3-6
            (400.0, 100.0),  # on node 10 (motorway end): beyond the end of 9-11, 141.4 m
        ]
    )
    snapped = snap_points(grid, lon, lat, max_snap_m=500.0)
    links = _links(grid, snapped)
    # Along-segment distances are the (geodesic) edge lengths split in proportion: the
    # 100 m edges measure 100 m to 2 cm, hence the rounding to 0.1 m.
    assert links == [{1: 10.0, 2: 90.0}, {2: 90.0, 5: 10.0}, {1: 50.0, 2: 50.0},
                     {1: 100.0, 20: 0.0}, {3: 10.0, 6: 90.0}, {9: 100.0, 11: 0.0}]
    expected_m = [0.0, 0.0, 40.0, 10.0, 100.0, math.hypot(100.0, 100.0)]
    # Distances are measured in UTM zone 31, which stretches lengths here by ~0.055 %.
    # (The XML's 7 decimals put "on the street" up to 2 mm off it.)
    np.testing.assert_allclose(snapped.offstreet_m, expected_m, rtol=1e-3, atol=0.01)
    assert snapped.node_a.dtype == np.int32 and snapped.node_b.dtype == np.int32
    assert snapped.offstreet_m.dtype == np.float64 and snapped.segment.dtype == np.int64
    assert snapped.n_dropped == 0
    assert snapped.snapped.all()


def test_far_points_are_dropped(grid: StreetNetwork) -> None:
    lon, lat = _points([(0.0, 5.0), (1_500.0, 1_500.0), (450.0, 100.0), (150.0, 195.0)])
    snapped = snap_points(grid, lon, lat, max_snap_m=120.0)

    # (450, 100) is 180 m from node 11, the nearest point of any kept street.
    assert _links(grid, snapped)[0] == {1: 5.0, 4: 95.0}
    assert snapped.snapped.tolist() == [True, False, False, True]
    assert snapped.n_dropped == 2
    assert np.isnan(snapped.offstreet_m[[1, 2]]).all()
    assert (snapped.node_b[[1, 2]] == -1).all() and (snapped.segment[[1, 2]] == -1).all()
    np.testing.assert_allclose(snapped.offstreet_m[[0, 3]], [0.0, 5.0], atol=0.01)


def test_default_limit_is_500_m(grid: StreetNetwork) -> None:
    lon, lat = _points([(150.0, 780.0), (150.0, 820.0)])  # 480 m and 520 m north of 19-18
    assert snap_points(grid, lon, lat).snapped.tolist() == [True, False]


def test_infinite_limit_keeps_every_point(grid: StreetNetwork) -> None:
    lon, lat = _points([(50_000.0, 200.0)])
    snapped = snap_points(grid, lon, lat, max_snap_m=math.inf)
    assert _links(grid, snapped) == [{9: 100.0, 11: 0.0}]  # (300, 200) is the farthest east
    assert snapped.offstreet_m[0] == pytest.approx(49_700.0, rel=1e-3)


def test_matches_brute_force_nearest_segment(grid: StreetNetwork) -> None:
    rng = np.random.default_rng(20240304)
    x_m = rng.uniform(-300.0, 600.0, 500)
    y_m = rng.uniform(-300.0, 600.0, 500)
    lon, lat = _points(list(zip(x_m.tolist(), y_m.tolist(), strict=True)))
    snapped = snap_points(grid, lon, lat, max_snap_m=150.0)

    # Brute force in the fixture's own metric frame (metres from node 1).
    seg_a, seg_b, _ = compute_street_segments(grid)
    node_xy = np.array([_osm.GRID_NODE_XY[int(i)] for i in grid.node_osm_ids])
    p0, p1 = node_xy[seg_a], node_xy[seg_b]
    d = p1 - p0
    t = ((x_m[:, None] - p0[None, :, 0]) * d[None, :, 0]
         + (y_m[:, None] - p0[None, :, 1]) * d[None, :, 1]) / (d ** 2).sum(axis=1)
    t = np.clip(t, 0.0, 1.0)
    dist = np.hypot(x_m[:, None] - (p0[None, :, 0] + t * d[None, :, 0]),
                    y_m[:, None] - (p0[None, :, 1] + t * d[None, :, 1]))
    nearest = dist.argmin(axis=1)
    nearest_m = dist.min(axis=1)
    second_m = np.sort(dist, axis=1)[:, 1]
    # Leave out points within the UTM scale error of the limit or of a tie.
    clear = (np.abs(nearest_m - 150.0) > 1.0) & (second_m - nearest_m > 1.0)
    expected = np.where(nearest_m <= 150.0, nearest, -1)
    np.testing.assert_array_equal(snapped.segment[clear], expected[clear])
    kept = clear & (expected >= 0)
    np.testing.assert_allclose(snapped.offstreet_m[kept], nearest_m[kept], rtol=1e-3, atol=0.02)
    t_kept = t[np.arange(len(t)), nearest][kept]
    np.testing.assert_allclose(snapped.along_a_m[kept], 100.0 * t_kept, atol=0.1)
    np.testing.assert_allclose(snapped.along_a_m[kept] + snapped.along_b_m[kept],
                               grid.length_m[0], atol=0.05)


def test_prebuilt_index_gives_the_same_answer(grid: StreetNetwork) -> None:
    index = build_edge_index(grid)
    lon, lat = _points([(10.0, 0.0), (250.0, 210.0), (5_000.0, 0.0)])
    with_index = snap_points(grid, lon, lat, index=index)
    without = snap_points(grid, lon, lat)
    for field in ("node_a", "node_b", "along_a_m", "along_b_m", "segment", "offstreet_m"):
        np.testing.assert_array_equal(getattr(with_index, field), getattr(without, field))
    assert index.crs == grid.crs
    assert (index.n_nodes, index.n_edges) == (grid.n_nodes, grid.n_edges)


def test_index_of_another_network_is_rejected(grid: StreetNetwork, tmp_path: Path) -> None:
    other = load_street_network(
        _osm.write_osm_xml(
            tmp_path / "line.osm",
            {1: (0.0, 0.0), 2: (100.0, 0.0)},
            [(1, [1, 2], {"highway": "path"})],
        )
    )
    with pytest.raises(InputError, match=r"built for another network .* build_edge_index"):
        snap_points(grid, [0.5], [0.01], index=build_edge_index(other))


def test_empty_input(grid: StreetNetwork) -> None:
    snapped = snap_points(grid, np.array([]), np.array([]))
    assert snapped.node_a.shape == (0,)
    assert snapped.node_a.dtype == np.int32
    assert snapped.offstreet_m.dtype == np.float64
    assert snapped.n_dropped == 0


def test_links_at_nodes() -> None:
    links = SnappedPoints.at_nodes([3, -1, 0], [2.0, 9.0, 0.0])
    assert links.node_b.tolist() == [-1, -1, -1] and links.segment.tolist() == [-1, -1, -1]
    assert links.snapped.tolist() == [True, False, True]
    np.testing.assert_array_equal(links.offstreet_m, [2.0, np.nan, 0.0])
    np.testing.assert_array_equal(links.offstreet_or_zero_m, [2.0, 0.0, 0.0])
    with pytest.raises(InputError, match="offstreet_m has 1 entries for 3 nodes"):
        SnappedPoints.at_nodes([3, -1, 0], [2.0])


@pytest.mark.parametrize("max_snap_m", [0.0, -5.0, math.nan])
def test_bad_limit(grid: StreetNetwork, max_snap_m: float) -> None:
    with pytest.raises(InputError, match="max_snap_m must be a positive number of metres"):
        snap_points(grid, [0.5], [0.01], max_snap_m=max_snap_m)


def test_bad_endpoint_limit(grid: StreetNetwork) -> None:
    with pytest.raises(InputError, match="endpoint_snap_m must be 0 or a positive number"):
        snap_points(grid, [0.5], [0.01], endpoint_snap_m=-1.0)


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
    with pytest.raises(InputError, match="without linkable streets"):
        build_edge_index(empty)


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
    # has no footways). Keeping only the largest, 1,607 stops linked within 200 m; R5
    # keeps every island of 40 intersections or more, and 2,028 link. With foot=no
    # ignored every stop but one does (the next test).
    assert 2_000 <= len(names) - snapped.n_dropped <= 2_056
    assert np.nanmedian(snapped.offstreet_m) < 20.0


def test_rnv_stops_snap_when_foot_no_is_ignored(shared_data_dir: Path) -> None:
    network = load_street_network(shared_data_dir / "rnv" / "rnv.osm.pbf", ignore_foot_no=True)
    names, lon, lat = _rnv_stops(shared_data_dir)
    snapped = snap_points(network, lon, lat, max_snap_m=200.0)
    # The data README: every stop but "MPI Astronomie" (on the Königstuhl) has a
    # highway node within about 200 m.
    dropped = [names[i] for i in np.flatnonzero(~snapped.snapped)]
    assert dropped == ["MPI Astronomie"]
    assert np.nanmax(snapped.offstreet_m) < 200.0


@pytest.mark.parametrize(("tags", "to_path"), [
    ({"highway": "footway", "tunnel": "yes"}, False),
    ({"highway": "footway", "covered": "yes"}, False),
    ({"highway": "motorway", "foot": "yes"}, False),
    ({"highway": "footway", "tunnel": "building_passage"}, True),
    ({"highway": "footway"}, True),
])
def test_points_never_link_to_tunnels_covered_ways_or_motorways(
    tmp_path: Path, tags: dict[str, str], to_path: bool
) -> None:
    """A street along y = 0 and a path along y = 20 m, joined at x = 0 (R5's LINKABLE rule).

    The point (100, 15) is 5 m from the path and 15 m from the street: it links to
    the path unless the path is a tunnel, covered or a motorway, and then to the
    street, 15 m away. Walks still use the path.
    """
    nodes = {1: (0.0, 0.0), 2: (200.0, 0.0), 3: (0.0, 20.0), 4: (200.0, 20.0)}
    ways = [(1, [1, 2], {"highway": "residential"}), (2, [1, 3], {"highway": "footway"}),
            (3, [3, 4], tags)]
    net = load_street_network(_osm.write_osm_xml(tmp_path / "tunnel.osm", nodes, ways))
    lon, lat = _osm.lonlat(100.0, 15.0)
    snapped = snap_points(net, [lon], [lat], max_snap_m=50.0)
    ends = {int(net.node_osm_ids[snapped.node_a[0]]), int(net.node_osm_ids[snapped.node_b[0]])}
    assert ends == ({3, 4} if to_path else {1, 2})
    assert snapped.offstreet_m[0] == pytest.approx(5.0 if to_path else 15.0, abs=0.05)
    assert net.n_edges == 6  # the path is walked either way
    # Nothing but a tunnel nearby: the point is dropped rather than linked to it.
    lon, lat = _osm.lonlat(100.0, 40.0)
    far = snap_points(net, [lon], [lat], max_snap_m=30.0)
    assert far.n_dropped == (0 if to_path else 1)
