from __future__ import annotations

import gzip
import logging
import math
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import _osm
import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components, dijkstra

from routes._crs import local_metric_crs
from routes.errors import CacheError, InputError, OsmError
from routes.streets.graph import StreetNetwork, network_from_arrays, network_to_arrays
from routes.streets.osm import WALK_ACCESS_POLICIES, load_street_network

grid_osm = _osm.grid_osm
shared_data_dir = _osm.shared_data_dir
poa_network = _osm.poa_network
rnv_network = _osm.rnv_network


def _index(net: StreetNetwork, osm_id: int) -> int:
    """Graph index of an OSM node id (node ids are sorted)."""
    i = int(np.searchsorted(net.node_osm_ids, osm_id))
    assert net.node_osm_ids[i] == osm_id
    return i


def _segments(net: StreetNetwork) -> set[tuple[int, int]]:
    """Undirected edges as sorted OSM-id pairs."""
    rows = np.repeat(np.arange(net.n_nodes), np.diff(net.indptr))
    a, b = net.node_osm_ids[rows], net.node_osm_ids[net.indices]
    return {(int(min(x, y)), int(max(x, y))) for x, y in zip(a, b, strict=True)}


def _assert_same_network(a: StreetNetwork, b: StreetNetwork) -> None:
    assert a.crs == b.crs
    for name in ("node_osm_ids", "indptr", "indices"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    for name in ("node_lon", "node_lat", "node_x_m", "node_y_m", "length_m"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), err_msg=name)


def _assert_valid_csr(net: StreetNetwork, *, islands: bool = False) -> None:
    """Check the CSR layout; one component, or (``islands``) several of >= 40 nodes each."""
    assert net.indptr.dtype == np.int32
    assert net.indices.dtype == np.int32
    assert net.length_m.dtype == np.float64
    assert net.node_osm_ids.dtype == np.int64
    assert len(net.indptr) == net.n_nodes + 1
    assert net.indptr[0] == 0 and net.indptr[-1] == net.n_edges
    matrix = net.to_csr_matrix()
    assert matrix.shape == (net.n_nodes, net.n_nodes)
    assert matrix.nnz == net.n_edges
    assert (matrix != matrix.T).nnz == 0  # every edge stored both ways, same length
    n_components, labels = connected_components(matrix, directed=False)
    if not islands:
        assert n_components == 1
    else:
        # R5 keeps every walking island of at least 40 intersections (so of >= 40 nodes).
        assert np.bincount(labels).min() >= 40


# --------------------------------------------------------------------------- #
# The hand-made grid (see tests/_osm.py for the diagram)
# --------------------------------------------------------------------------- #


def test_grid_keeps_the_hand_derived_nodes_and_edges(grid_osm: Path) -> None:
    net = load_street_network(grid_osm)

    assert net.crs == _osm.GRID_CRS
    assert net.node_osm_ids.tolist() == _osm.GRID_KEPT_NODE_IDS
    assert net.n_nodes == 14
    assert net.n_edges == 36
    assert _segments(net) == set(_osm.GRID_KEPT_SEGMENTS)
    np.testing.assert_allclose(net.length_m, 100.0, atol=0.02)
    _assert_valid_csr(net)


def test_grid_node_coordinates(grid_osm: Path) -> None:
    net = load_street_network(grid_osm)
    expected = np.array([_osm.lonlat(*_osm.GRID_NODE_XY[i]) for i in _osm.GRID_KEPT_NODE_IDS])
    np.testing.assert_allclose(net.node_lon, expected[:, 0], atol=1e-7)
    np.testing.assert_allclose(net.node_lat, expected[:, 1], atol=1e-7)
    # UTM offsets from node 1; the zone-31 scale factor 2.5° off the central meridian
    # stretches 100 m by about 5.5 cm.
    origin = _index(net, 1)
    xy = np.array([_osm.GRID_NODE_XY[i] for i in _osm.GRID_KEPT_NODE_IDS])
    np.testing.assert_allclose(net.node_x_m - net.node_x_m[origin], xy[:, 0], atol=0.5)
    np.testing.assert_allclose(net.node_y_m - net.node_y_m[origin], xy[:, 1], atol=0.5)


def test_grid_shortest_paths_are_manhattan_distances(grid_osm: Path) -> None:
    net = load_street_network(grid_osm)
    dist = dijkstra(net.to_csr_matrix(), indices=[_index(net, 20), _index(net, 1)])
    xy = np.array([_osm.GRID_NODE_XY[i] for i in _osm.GRID_KEPT_NODE_IDS])
    for row, origin in enumerate((20, 1)):
        ox, oy = _osm.GRID_NODE_XY[origin]
        manhattan = np.abs(xy[:, 0] - ox) + np.abs(xy[:, 1] - oy)
        np.testing.assert_allclose(dist[row], manhattan, atol=0.05)


@pytest.mark.parametrize(
    ("source", "target", "expected_m"),
    [(14, 18, 300.0), (14, 19, 400.0), (11, 14, 400.0), (20, 11, 600.0), (19, 20, 600.0)],
)
def test_grid_shortest_paths_with_detours(
    grid_osm: Path, source: int, target: int, expected_m: float
) -> None:
    net = load_street_network(grid_osm)
    dist = dijkstra(net.to_csr_matrix(), indices=_index(net, source))
    assert dist[_index(net, target)] == pytest.approx(expected_m, abs=0.05)


@pytest.mark.parametrize("suffix", [".osm.pbf", ".pbf", ".osm.gz", ".osm.bz2"])
def test_other_formats_give_the_same_network(grid_osm: Path, suffix: str) -> None:
    converted = _osm.convert_osm(grid_osm, grid_osm.with_name("grid" + suffix))
    _assert_same_network(load_street_network(converted), load_street_network(grid_osm))


def test_extension_is_case_insensitive(grid_osm: Path) -> None:
    upper = _osm.convert_osm(grid_osm, grid_osm.with_name("grid.osm.pbf"))
    upper = upper.rename(upper.with_name("GRID.OSM.PBF"))
    assert load_street_network(upper).n_nodes == 14


def test_ignore_foot_no_keeps_foot_no_ways(grid_osm: Path) -> None:
    net = load_street_network(grid_osm, ignore_foot_no=True)
    assert net.node_osm_ids.tolist() == sorted([*_osm.GRID_KEPT_NODE_IDS, 12])
    assert _segments(net) == {*_osm.GRID_KEPT_SEGMENTS, (3, 12)}


def test_strict_walk_access_is_the_default(grid_osm: Path) -> None:
    assert WALK_ACCESS_POLICIES == ("strict", "permissive")
    _assert_same_network(
        load_street_network(grid_osm, walk_access="strict"), load_street_network(grid_osm)
    )


def test_permissive_walk_access_keeps_foot_no_and_private_ways(grid_osm: Path) -> None:
    # 3-12 (foot=no) and 1-13 (service, access=private) join the network; the
    # motorway 6-10 and the construction site 2-17 stay out.
    net = load_street_network(grid_osm, walk_access="permissive")
    assert net.node_osm_ids.tolist() == sorted([*_osm.GRID_KEPT_NODE_IDS, 12, 13])
    assert _segments(net) == {*_osm.GRID_KEPT_SEGMENTS, (3, 12), (1, 13)}
    _assert_valid_csr(net)
    # ignore_foot_no adds nothing to the permissive policy
    _assert_same_network(
        load_street_network(grid_osm, walk_access="permissive", ignore_foot_no=True), net
    )


@pytest.mark.parametrize("walk_access", ["lenient", "Strict", "", None])
def test_unknown_walk_access_is_rejected(grid_osm: Path, walk_access: object) -> None:
    with pytest.raises(InputError, match=r"walk_access must be one of 'strict', 'permissive'"):
        load_street_network(grid_osm, walk_access=walk_access)  # type: ignore[arg-type]


def test_progress_and_log(grid_osm: Path, caplog: pytest.LogCaptureFixture) -> None:
    calls: list[tuple[int, int]] = []
    with caplog.at_level(logging.INFO, logger="routes.streets.osm"):
        load_street_network(grid_osm, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert "street network: 14 nodes, 36 edges;" in caplog.text


def test_parallel_edges_and_repeated_nodes_are_merged(tmp_path: Path) -> None:
    nodes = {1: (0.0, 0.0), 2: (100.0, 0.0), 3: (100.0, 100.0)}
    ways = [
        (1, [1, 2, 2, 3], {"highway": "residential"}),  # node 2 repeated: no self-loop
        (2, [2, 1], {"highway": "footway"}),  # 1-2 again, reversed
        (3, [3, 2, 1], {"highway": "service"}),  # both again
    ]
    net = load_street_network(_osm.write_osm_xml(tmp_path / "dup.osm", nodes, ways))
    assert _segments(net) == {(1, 2), (2, 3)}
    assert net.n_edges == 4


# --------------------------------------------------------------------------- #
# Bad inputs
# --------------------------------------------------------------------------- #


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.osm.pbf"
    with pytest.raises(OsmError, match=r"nowhere\.osm\.pbf: OSM extract not found"):
        load_street_network(path)


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    path = tmp_path / "folder.osm.pbf"
    path.mkdir()
    with pytest.raises(OsmError, match=r"folder\.osm\.pbf: is not a file"):
        load_street_network(path)


@pytest.mark.parametrize("name", ["streets.geojson", "streets.o5m", "streets", "streets.zip"])
def test_unknown_extension_lists_the_accepted_ones(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("{}")
    with pytest.raises(
        OsmError, match=r"unsupported OSM file extension; accepted are .*\.osm\.pbf"
    ):
        load_street_network(path)


def _write_text_renamed(path: Path) -> None:
    path.write_text("stop_id,stop_name\n1,Main Street\n" * 20)


def _write_zip_renamed(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("map.osm.pbf", b"\x00" * 100)


def _write_gzip_renamed(path: Path) -> None:
    path.write_bytes(gzip.compress(b"<osm></osm>"))


def _write_truncated_pbf(path: Path) -> None:
    full = _osm.convert_osm(
        _osm.write_grid_osm(path.with_name("full.osm")), path.with_name("f.pbf")
    )
    data = full.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _write_not_xml(path: Path) -> None:
    path.write_text("this is not XML <<<")


def _write_html(path: Path) -> None:
    path.write_text("<html><body>404 Not Found</body></html>")


def _write_bad_node_id(path: Path) -> None:
    path.write_text('<osm version="0.6"><node id="abc" lat="0" lon="0"/></osm>')


def _write_bad_coordinate(path: Path) -> None:
    path.write_text('<osm version="0.6"><node id="1" lat="north" lon="0"/></osm>')


@pytest.mark.parametrize(
    ("name", "write", "match"),
    [
        ("text_renamed.osm.pbf", _write_text_renamed, "cannot be read as OpenStreetMap data"),
        ("zip_renamed.osm.pbf", _write_zip_renamed, "is a ZIP archive"),
        ("gzip_renamed.osm", _write_gzip_renamed, "is gzip-compressed"),
        ("truncated.osm.pbf", _write_truncated_pbf, "cannot be read as OpenStreetMap data"),
        ("not_xml.osm", _write_not_xml, "cannot be read as OpenStreetMap data"),
        ("html_page.osm", _write_html, "cannot be read as OpenStreetMap data"),
        ("bad_node_id.osm", _write_bad_node_id, "cannot be read as OpenStreetMap data"),
        ("bad_coordinate.osm", _write_bad_coordinate, "cannot be read as OpenStreetMap data"),
    ],
)
def test_unreadable_file(
    tmp_path: Path, name: str, write: Callable[[Path], None], match: str
) -> None:
    path = tmp_path / name
    write(path)
    with pytest.raises(OsmError, match=rf"{name}: {match}") as excinfo:
        load_street_network(path)
    assert "\n" not in str(excinfo.value)


def test_file_without_highways(tmp_path: Path) -> None:
    nodes = {1: (0.0, 0.0), 2: (10.0, 0.0), 3: (10.0, 10.0)}
    ways = [(1, [1, 2, 3, 1], {"building": "yes"}), (2, [1, 2], {"waterway": "stream"})]
    path = _osm.write_osm_xml(tmp_path / "buildings_only.osm", nodes, ways)
    with pytest.raises(OsmError, match=r"buildings_only\.osm: no walkable highway=\* ways"):
        load_street_network(path)


def test_file_with_only_excluded_highways(tmp_path: Path) -> None:
    nodes = {1: (0.0, 0.0), 2: (100.0, 0.0)}
    ways = [(1, [1, 2], {"highway": "motorway"}), (2, [1, 2], {"highway": "proposed"})]
    path = _osm.write_osm_xml(tmp_path / "motorway_only.osm", nodes, ways)
    with pytest.raises(OsmError, match="no walkable highway"):
        load_street_network(path)


def test_ways_without_their_nodes(tmp_path: Path) -> None:
    ways = [(1, [1, 2, 3], {"highway": "residential"})]
    path = _osm.write_osm_xml(tmp_path / "ways_only.osm", {}, ways)
    with pytest.raises(OsmError, match="1 walkable ways were found but none has two located"):
        load_street_network(path)


@pytest.mark.parametrize(
    ("tags", "walkable"),
    [
        ({"highway": "trunk"}, True),
        ({"highway": "trunk", "foot": "no"}, False),
        ({"highway": "motorway_link"}, False),
        ({"highway": "motorway", "foot": "designated"}, True),
        ({"highway": "raceway"}, False),
        ({"highway": "bus_guideway"}, False),
        ({"highway": "escape"}, False),
        ({"highway": "abandoned"}, False),
        ({"highway": "proposed", "foot": "yes"}, False),
        ({"highway": "platform"}, True),
        ({"railway": "platform"}, True),
        ({"railway": "rail"}, False),
        ({"highway": "steps"}, True),
        ({"highway": "cycleway"}, True),
        ({"highway": "residential", "access": "no"}, False),
        ({"highway": "residential", "access": "no", "foot": "permissive"}, True),
        ({"highway": "residential", "access": "destination"}, True),
        ({"highway": "residential", "foot": "private"}, False),
        ({"highway": "residential", "foot": "use_sidepath"}, True),
        ({"highway": "pedestrian", "area": "yes"}, True),
    ],
)
def test_walkable_tags(tmp_path: Path, tags: dict[str, str], walkable: bool) -> None:
    # A walkable main street 1-2, and the way under test from 2 to 3.
    nodes = {1: (0.0, 0.0), 2: (100.0, 0.0), 3: (200.0, 0.0)}
    ways = [(1, [1, 2], {"highway": "residential"}), (2, [2, 3], tags)]
    net = load_street_network(_osm.write_osm_xml(tmp_path / "tags.osm", nodes, ways))
    assert (3 in net.node_osm_ids.tolist()) is walkable


@pytest.mark.parametrize(
    ("tags", "walkable"),
    [
        ({"highway": "residential", "access": "no"}, True),
        ({"highway": "service", "access": "private"}, True),
        ({"highway": "residential", "foot": "private"}, True),
        ({"highway": "primary", "foot": "no"}, True),
        ({"highway": "trunk", "foot": "no"}, True),
        ({"highway": "service", "access": "no", "bus": "designated"}, True),
        ({"highway": "motorway"}, False),
        ({"highway": "motorway", "access": "no", "foot": "yes"}, True),
        ({"highway": "busway"}, False),
        ({"highway": "construction", "foot": "no"}, False),
        ({"highway": "proposed"}, False),
        ({"railway": "rail"}, False),
        ({"railway": "platform", "access": "private"}, True),
        ({"building": "yes"}, False),
    ],
)
def test_permissive_walkable_tags(tmp_path: Path, tags: dict[str, str], walkable: bool) -> None:
    nodes = {1: (0.0, 0.0), 2: (100.0, 0.0), 3: (200.0, 0.0)}
    ways = [(1, [1, 2], {"highway": "residential"}), (2, [2, 3], tags)]
    path = _osm.write_osm_xml(tmp_path / "tags.osm", nodes, ways)
    net = load_street_network(path, walk_access="permissive")
    assert (3 in net.node_osm_ids.tolist()) is walkable


# --------------------------------------------------------------------------- #
# Arrays round trip (for the npz cache)
# --------------------------------------------------------------------------- #


def test_arrays_round_trip_through_npz(grid_osm: Path, tmp_path: Path) -> None:
    net = load_street_network(grid_osm)
    arrays = network_to_arrays(net)
    assert set(arrays) == {
        "crs", "node_osm_ids", "node_lon", "node_lat", "node_x_m", "node_y_m",
        "indptr", "indices", "length_m",
    }  # fmt: skip
    assert arrays["crs"].shape == ()
    assert arrays["crs"].dtype.kind == "U"
    np.savez(tmp_path / "net.npz", **arrays)
    with np.load(tmp_path / "net.npz", allow_pickle=False) as data:
        restored = network_from_arrays(data)
    _assert_same_network(restored, net)
    for name in ("node_osm_ids", "indptr", "indices", "length_m", "node_x_m"):
        assert getattr(restored, name).dtype == getattr(net, name).dtype


def test_arrays_with_other_integer_widths_are_converted(grid_osm: Path) -> None:
    arrays = network_to_arrays(load_street_network(grid_osm))
    arrays["indptr"] = arrays["indptr"].astype(np.int64)
    arrays["indices"] = arrays["indices"].astype(np.uint16)
    restored = network_from_arrays(arrays)
    assert restored.indptr.dtype == np.int32
    assert restored.indices.dtype == np.int32


def _drop(arrays: dict[str, np.ndarray]) -> None:
    del arrays["indptr"], arrays["length_m"]


def _float_indices(arrays: dict[str, np.ndarray]) -> None:
    arrays["indices"] = arrays["indices"].astype(np.float64)


def _short_indptr(arrays: dict[str, np.ndarray]) -> None:
    arrays["indptr"] = arrays["indptr"][:-1]


def _out_of_range_index(arrays: dict[str, np.ndarray]) -> None:
    arrays["indices"] = arrays["indices"].copy()
    arrays["indices"][0] = 99


def _negative_length(arrays: dict[str, np.ndarray]) -> None:
    arrays["length_m"] = -arrays["length_m"]


def _crs_as_list(arrays: dict[str, np.ndarray]) -> None:
    arrays["crs"] = np.array(["EPSG:32631"])


def _huge_indptr(arrays: dict[str, np.ndarray]) -> None:
    arrays["indptr"] = arrays["indptr"].astype(np.int64) + 2**40


@pytest.mark.parametrize(
    ("corrupt", "match"),
    [
        (_drop, r"missing arrays \['indptr', 'length_m'\]"),
        (_float_indices, "'indices' must be a 1-d integer array, got float64"),
        (_short_indptr, "'indptr' has 14 entries, expected n_nodes \\+ 1 = 15"),
        (_out_of_range_index, "'indices' holds node indexes outside 0..13"),
        (_negative_length, "'length_m' holds negative or non-finite lengths"),
        (_crs_as_list, "'crs' must be a non-empty 0-d unicode array"),
        (_huge_indptr, "'indptr' holds values outside the int32 range"),
    ],
)
def test_inconsistent_arrays_are_rejected(
    grid_osm: Path, corrupt: Callable[[dict[str, np.ndarray]], None], match: str
) -> None:
    arrays = network_to_arrays(load_street_network(grid_osm))
    corrupt(arrays)
    with pytest.raises(
        CacheError, match=rf"street-network cache: {match}(.|\n)*routes cache clear"
    ):
        network_from_arrays(arrays)


def test_every_array_problem_is_listed(grid_osm: Path) -> None:
    arrays = network_to_arrays(load_street_network(grid_osm))
    arrays["node_lat"] = arrays["node_lat"][:3]
    arrays["length_m"] = arrays["length_m"][:3]
    with pytest.raises(CacheError, match="2 problems") as excinfo:
        network_from_arrays(arrays)
    assert "'node_lat' has 3 entries for 14 nodes" in str(excinfo.value)
    assert "'length_m' has 3 entries for 36 edges" in str(excinfo.value)


# --------------------------------------------------------------------------- #
# The local metric CRS
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("bounds", "expected"),
    [
        ((-51.3, -30.3, -51.0, -29.9), "EPSG:32722"),  # Porto Alegre
        ((8.157, 49.326, 8.822, 49.639), "EPSG:32632"),  # Mannheim / Heidelberg
        ((-2.6, 53.6, -2.3, 53.8), "EPSG:32630"),  # Blackburn
        ((151.1, -33.95, 151.3, -33.8), "EPSG:32756"),  # Sydney
        ((5.2, 60.3, 5.4, 60.45), "EPSG:32632"),  # Bergen: zone 32V is widened
        ((15.5, 78.2, 15.7, 78.25), "EPSG:32633"),  # Longyearbyen, Svalbard
        ((179.9, 10.0, 180.0, 10.1), "EPSG:32660"),  # east edge of zone 60
        ((0.499, -0.001, 0.501, 0.002), "EPSG:32631"),  # centre just north of the equator
    ],
)
def test_local_metric_crs(bounds: tuple[float, float, float, float], expected: str) -> None:
    assert local_metric_crs(*bounds) == expected


@pytest.mark.parametrize(
    ("bounds", "match"),
    [
        ((8.8, 49.3, 8.1, 49.6), "inverted"),
        ((math.nan, 49.3, 8.8, 49.6), "non-finite"),
        ((10.0, 85.0, 11.0, 86.0), "outside the UTM zones"),
        ((-51.3, -91.0, -51.0, -89.0), "outside the UTM zones"),
    ],
)
def test_local_metric_crs_rejects_bad_extents(
    bounds: tuple[float, float, float, float], match: str
) -> None:
    with pytest.raises(InputError, match=match):
        local_metric_crs(*bounds)


# --------------------------------------------------------------------------- #
# Real data
# --------------------------------------------------------------------------- #


def test_porto_alegre_network(poa_network: StreetNetwork) -> None:
    net = poa_network
    assert net.crs == "EPSG:32722"
    assert 30_000 < net.n_nodes < 45_000  # 37,751 in the r5r sample extract
    assert 2.0 < net.n_edges / net.n_nodes < 3.0
    assert -30.3 < net.node_lat.min() < net.node_lat.max() < -29.9
    assert np.all(net.length_m < 2_000.0)
    _assert_valid_csr(net, islands=True)


def test_rhein_neckar_network(rnv_network: StreetNetwork) -> None:
    net = rnv_network
    assert net.crs == "EPSG:32632"
    assert 120_000 < net.n_nodes < 165_000  # 134,818 of the extract's 164,598 nodes
    assert 2.0 < net.n_edges / net.n_nodes < 3.0
    assert 8.15 < net.node_lon.min() < net.node_lon.max() < 8.83
    _assert_valid_csr(net, islands=True)
    # Projected and geodesic lengths agree to within the UTM scale error (< 0.1 %).
    rows = np.repeat(np.arange(net.n_nodes), np.diff(net.indptr))
    straight = np.hypot(
        net.node_x_m[rows] - net.node_x_m[net.indices],
        net.node_y_m[rows] - net.node_y_m[net.indices],
    )
    np.testing.assert_allclose(straight, net.length_m, rtol=1e-3, atol=0.01)


def test_rhein_neckar_keeps_r5_islands(rnv_network: StreetNetwork) -> None:
    # The extract is made for car routing: it has no footways, and roads whose
    # sidewalks are mapped separately carry foot=no, which cuts the walk network into
    # islands. R5 keeps every island of 40 intersections or more (several of northern
    # Mannheim's), and drops the smaller ones.
    n_components, labels = connected_components(rnv_network.to_csr_matrix(), directed=False)
    assert n_components > 1
    assert np.bincount(labels).min() >= 40


# --------------------------------------------------------------------------- #
# Walking islands, as R5 removes them (TarjanIslandPruner, MIN_SUBGRAPH_SIZE = 40)
# --------------------------------------------------------------------------- #


def _chain(first_node: int, first_way: int, y_m: float, n_ways: int, nodes_per_way: int,
           tags: dict[str, str] | None = None
           ) -> tuple[dict[int, tuple[float, float]], list[_osm.WaySpec]]:
    """A straight chain of ``n_ways`` ways along y = ``y_m``, 10 m between nodes.

    Consecutive ways share their end node, so the chain has ``n_ways + 1``
    intersections or way ends (R5's vertices) and ``n_ways * (nodes_per_way - 1)
    + 1`` OSM nodes.
    """
    n_nodes = n_ways * (nodes_per_way - 1) + 1
    nodes = {first_node + i: (10.0 * i, y_m) for i in range(n_nodes)}
    ways = [(first_way + w,
             [first_node + w * (nodes_per_way - 1) + j for j in range(nodes_per_way)],
             tags or {"highway": "footway"}) for w in range(n_ways)]
    return nodes, ways


def _islands_extract(tmp_path: Path, *parts: tuple[int, int],
                     extra_ways: Sequence[_osm.WaySpec] = ()) -> Path:
    """One chain per ``(n_ways, nodes_per_way)``, 1 km apart (chain k's nodes from 1000 k)."""
    nodes: dict[int, tuple[float, float]] = {}
    ways: list[_osm.WaySpec] = list(extra_ways)
    for k, (n_ways, per_way) in enumerate(parts):
        more_nodes, more_ways = _chain(1_000 * (k + 1), 1_000 * (k + 1), 1_000.0 * k, n_ways,
                                       per_way)
        nodes.update(more_nodes)
        ways += more_ways
    return _osm.write_osm_xml(tmp_path / "islands.osm", nodes, ways)


def test_islands_under_40_intersections_are_dropped_larger_ones_kept(tmp_path: Path) -> None:
    # Chain 1: 39 two-node ways -> 40 vertices, 40 nodes: kept.
    # Chain 2: 38 three-node ways -> 39 vertices but 77 nodes: dropped (R5 counts
    #          intersections and way ends, not shape nodes).
    # Chain 3: one way of 60 nodes -> 2 vertices: dropped.
    # Chain 4: 45 two-node ways -> 46 vertices: kept too (several islands survive).
    osm = _islands_extract(tmp_path, (39, 2), (38, 3), (1, 60), (45, 2))
    net = load_street_network(osm)
    kept = set(net.node_osm_ids.tolist())
    assert kept == set(range(1_000, 1_040)) | set(range(4_000, 4_046))
    assert connected_components(net.to_csr_matrix(), directed=False)[0] == 2


def test_without_a_40_intersection_island_the_largest_is_kept(tmp_path: Path) -> None:
    # 39 vertices (77 nodes) against 12 vertices (12 nodes): neither reaches 40; the
    # one with more intersections stays (R5 would route nothing).
    net = load_street_network(_islands_extract(tmp_path, (11, 2), (38, 3)))
    assert set(net.node_osm_ids.tolist()) == set(range(2_000, 2_077))


def test_dropped_islands_are_a_warning_when_they_hold_many_nodes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Kept: 45 ways (46 nodes). Dropped: 77 + 60 = 137 nodes, 74.9 % of the walkable nodes.
    osm = _islands_extract(tmp_path, (45, 2), (38, 3), (1, 60))
    with caplog.at_level(logging.WARNING, logger="routes.streets.osm"):
        load_street_network(osm)
    assert ("137 of 183 walkable nodes (74.9%), in 2 walking islands of fewer than 40 "
            "intersections") in caplog.text
    assert "includes the footways" in caplog.text
    # A foot=no road (which would have joined chains 1 and 2) suggests ignore_foot_no.
    caplog.clear()
    road = (9_999, [1_000, 2_000], {"highway": "residential", "foot": "no"})
    with caplog.at_level(logging.WARNING, logger="routes.streets.osm"):
        load_street_network(_islands_extract(tmp_path, (45, 2), (38, 3), (1, 60),
                                             extra_ways=[road]))
    assert "1 ways tagged foot=no were left out" in caplog.text
    assert 'walk_access = "ignore_foot_no"' in caplog.text


# --------------------------------------------------------------------------- #
# Linkable ways (R5's TypeOfEdgeLabeler)
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(("tags", "linkable"), [
    ({"highway": "footway", "tunnel": "yes"}, False),
    ({"highway": "footway", "covered": "yes"}, False),
    ({"highway": "motorway", "foot": "yes"}, False),
    ({"highway": "footway", "tunnel": "building_passage"}, True),
    ({"highway": "footway", "covered": "arcade"}, True),
    ({"highway": "motorway_link", "foot": "yes"}, True),
    ({"highway": "footway"}, True),
])
def test_linkable_flags(tmp_path: Path, tags: dict[str, str], linkable: bool) -> None:
    nodes = {1: (0.0, 0.0), 2: (100.0, 0.0), 3: (200.0, 0.0)}
    ways = [(1, [1, 2], {"highway": "residential"}), (2, [2, 3], tags)]
    net = load_street_network(_osm.write_osm_xml(tmp_path / "link.osm", nodes, ways))
    flags = {seg: True for seg in _segments(net)}
    if net.edge_linkable is not None:
        rows = np.repeat(np.arange(net.n_nodes), np.diff(net.indptr))
        for u, v, ok in zip(rows, net.indices, net.edge_linkable, strict=True):
            flags[(int(min(net.node_osm_ids[u], net.node_osm_ids[v])),
                   int(max(net.node_osm_ids[u], net.node_osm_ids[v])))] = bool(ok)
    assert flags == {(1, 2): True, (2, 3): linkable}


def test_linkable_flags_round_trip_through_arrays(tmp_path: Path) -> None:
    nodes = {1: (0.0, 0.0), 2: (100.0, 0.0), 3: (200.0, 0.0)}
    ways = [(1, [1, 2], {"highway": "residential"}),
            (2, [2, 3], {"highway": "footway", "tunnel": "yes"})]
    net = load_street_network(_osm.write_osm_xml(tmp_path / "link.osm", nodes, ways))
    assert net.edge_linkable is not None
    again = network_from_arrays(network_to_arrays(net))
    np.testing.assert_array_equal(again.edge_linkable, net.edge_linkable)
    bad = {**network_to_arrays(net), "edge_linkable": np.ones(3, dtype=bool)}
    with pytest.raises(CacheError, match="'edge_linkable' must be a 1-d bool array of 4 edges"):
        network_from_arrays(bad)
