"""GraphML street networks (osmnx's file format): reading, writing, and round trips through osmnx.

The hand-made graph
-------------------
:func:`hand_graph` writes a GraphML file in osmnx's layout (every attribute a
string, a ``crs`` graph attribute) on the lattice of ``tests/_osm.py`` (x metres
east, y metres north of lattice node 1, at 0.5° E on the equator)::

      y (m)
      200    7                        S = (150, 160), a point 10 m north of
             !                            the bend of 5 ~ 6
      150    !              +         ~~~~ 5-6, simplified: geometry 5 -> (150, 150) -> 6,
             !            ~   ~            no length (two 70.71 m pieces), both directions
      100    4 ========= 5      6     ==== 4-5 twice: length 120 (residential) and 100
             |                  $          (service); the shorter is kept
             |                  $     $$$$ 3-6 service, access=private
        0    1 -------- 2 ---- 3 xx 9 ---- 1-2 (100, both directions), 2-3 (100, one
             :                             direction only), 1-4 footway (100)
     -100   12                        !!!! 4-7 foot=no      xx 3-9 construction
    x (m)    0        100     200  300  .... 1-12: no tags, no length (a street; 100 m)
                                          2-5 highway ['residential', 'motorway'] (left out)
                                          10-11 at x = 500-600: an island (dropped)

Hand-derived network (walk_access strict): nodes 1 2 3 4 5 6 12 and the bend
vertex; segments 1-2, 2-3, 1-4, 4-5 (100 m), 1-12 (100 m geodesic), and 5-bend,
bend-6 (70.71 m each, i.e. 50·√2). Shortest walks from node 1: 2, 4 and 12 at
100 m, 3 and 5 at 200 m, 6 at 200 + 2·70.71 = 341.42 m. At 4.8 km/h
(4/3 m/s) node 6 is 256.07 s away, and point S is 10 m off the bend, so
S → node 1 walks 10 + 70.71 + 200 = 280.71 m, 210.53 s.
``permissive`` adds 3-6 and 4-7 (6 at 300 m, 7 at 200 m); ``ignore_foot_no``
adds 4-7 only.
"""

from __future__ import annotations

import gzip
import math
import os
import re
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import _osm
import numpy as np
import pytest
from _study import write_study_area
from click.testing import CliRunner
from scipy.sparse.csgraph import dijkstra

import cli
from routes.config.study_area import load_study_area
from routes.errors import InputError, OsmError, OutputExistsError
from routes.inputs.destinations import load_osm_destinations
from routes.streets.graph import StreetNetwork
from routes.streets.graphml import load_graphml_segments, write_graphml
from routes.streets.osm import load_street_network
from routes.streets.snapping import snap_points
from routes.streets.walking import compute_walk_legs

WALK_M_S = 4.8 / 3.6
BEND = (150.0, 150.0)
DIAGONAL_M = 50.0 * math.sqrt(2.0)


# --------------------------------------------------------------------------- helpers


def graphml_text(
    nodes: Mapping[str, Mapping[str, str]],
    edges: Sequence[tuple[str, str, Mapping[str, str]]],
    graph: Mapping[str, str] | None = None,
) -> str:
    """A GraphML document laid out as osmnx.save_graphml writes it (all values strings)."""
    graph = {"crs": "epsg:4326"} if graph is None else graph
    names = {
        "graph": sorted(graph),
        "node": sorted({k for attrs in nodes.values() for k in attrs}),
        "edge": sorted({k for _, _, attrs in edges for k in attrs}),
    }
    key_id = {(domain, name): f"d{i}" for i, (domain, name) in enumerate(
        (d, n) for d, ns in names.items() for n in ns)}
    lines = ["<?xml version='1.0' encoding='utf-8'?>",
             '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">']
    lines += [f'  <key id="{k}" for="{d}" attr.name="{n}" attr.type="string" />'
              for (d, n), k in key_id.items()]
    lines.append('  <graph edgedefault="directed">')
    lines += [f'    <data key="{key_id["graph", n]}">{escape(v)}</data>' for n, v in graph.items()]

    def data(domain: str, attrs: Mapping[str, str]) -> str:
        return "".join(f'<data key="{key_id[domain, n]}">{escape(v)}</data>'
                       for n, v in attrs.items())

    lines += [f"    <node id={quoteattr(i)}>{data('node', a)}</node>" for i, a in nodes.items()]
    lines += [f"    <edge source={quoteattr(s)} target={quoteattr(t)}>{data('edge', a)}</edge>"
              for s, t, a in edges]
    lines += ["  </graph>", "</graphml>"]
    return "\n".join(lines) + "\n"


def node_at(x_m: float, y_m: float) -> dict[str, str]:
    lon, lat = _osm.lonlat(x_m, y_m)
    return {"x": repr(lon), "y": repr(lat)}


def wkt(*points_m: tuple[float, float]) -> str:
    coords = ", ".join(f"{lon!r} {lat!r}" for lon, lat in (_osm.lonlat(*p) for p in points_m))
    return f"LINESTRING ({coords})"


HAND_XY = {"1": (0, 0), "2": (100, 0), "3": (200, 0), "4": (0, 100), "5": (100, 100),
           "6": (200, 100), "7": (0, 200), "9": (300, 0), "10": (500, 0), "11": (600, 0),
           "12": (0, -100)}


def hand_edges() -> list[tuple[str, str, dict[str, str]]]:
    res = {"highway": "residential"}
    shape = [HAND_XY["5"], BEND, HAND_XY["6"]]
    return [
        ("1", "2", {**res, "length": "100"}), ("2", "1", {**res, "length": "100"}),
        ("2", "3", {**res, "length": "100"}),
        ("1", "4", {"highway": "footway", "length": "100"}),
        ("4", "1", {"highway": "footway", "length": "100"}),
        ("4", "5", {**res, "length": "120"}), ("4", "5", {"highway": "service", "length": "100"}),
        ("5", "4", {**res, "length": "120"}),
        ("2", "5", {"highway": "['residential', 'motorway']", "length": "100"}),
        ("5", "6", {**res, "geometry": wkt(*shape)}),
        ("6", "5", {**res, "geometry": wkt(*shape[::-1])}),
        ("3", "6", {"highway": "service", "access": "private", "length": "100"}),
        ("4", "7", {"highway": "residential", "foot": "no", "length": "100"}),
        ("3", "9", {"highway": "construction", "length": "100"}),
        ("10", "11", {**res, "length": "100"}),
        ("1", "12", {}),
    ]


def hand_graph(path: Path) -> Path:
    nodes = {i: node_at(*xy) for i, xy in HAND_XY.items()}
    path.write_text(graphml_text(nodes, hand_edges()), encoding="utf-8")
    return path


def index_of(net: StreetNetwork, node_id: int) -> int:
    i = int(np.searchsorted(net.node_osm_ids, node_id))
    assert net.node_osm_ids[i] == node_id
    return i


def distances_from(net: StreetNetwork, node_id: int) -> dict[int, float]:
    d = dijkstra(net.to_csr_matrix(), directed=False, indices=index_of(net, node_id))
    return {int(i): float(x) for i, x in zip(net.node_osm_ids, d, strict=True)}


def assert_same_network(a: StreetNetwork, b: StreetNetwork) -> None:
    assert a.crs == b.crs
    for name in ("node_osm_ids", "node_lon", "node_lat", "node_x_m", "node_y_m", "indptr",
                 "indices", "length_m"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def osmnx_or_skip() -> Any:
    """osmnx (in the test dependency group): skip where missing, fail when CI is set."""
    try:
        import osmnx
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("osmnx is missing; CI installs it with the test dependency group")
        pytest.skip("osmnx not installed")
    return osmnx


def grid_osm_for_osmnx(path: Path) -> Path:
    """The grid extract of tests/_osm.py without way 117 (its node 999 is missing: osmnx fails)."""
    ways = [w for w in _osm.GRID_WAYS if w[0] != 117]
    return _osm.write_osm_xml(path, _osm.GRID_NODE_XY, ways, _osm.GRID_NODE_TAGS)


# --------------------------------------------------------------------------- reading


def test_hand_graph_gives_the_hand_derived_network(tmp_path: Path) -> None:
    net = load_street_network(hand_graph(tmp_path / "hand.graphml"))
    real = [1, 2, 3, 4, 5, 6, 12]
    assert sorted(net.node_osm_ids.tolist()) == [-1, *real]  # -1: the bend of 5 ~ 6
    assert net.n_edges == 2 * 7
    bend = index_of(net, -1)
    lon, lat = _osm.lonlat(*BEND)
    assert (net.node_lon[bend], net.node_lat[bend]) == (lon, lat)
    dist = distances_from(net, 1)
    expected = {1: 0, 2: 100, 4: 100, 12: 100, 3: 200, 5: 200, 6: 200 + 2 * DIAGONAL_M,
                -1: 200 + DIAGONAL_M}
    for node, metres in expected.items():
        assert dist[node] == pytest.approx(metres, abs=0.02), node
    assert dist[6] / WALK_M_S == pytest.approx(256.07, abs=0.02)


def test_points_link_to_the_shape_of_a_simplified_edge(tmp_path: Path) -> None:
    net = load_street_network(hand_graph(tmp_path / "hand.graphml"))
    s_lon, s_lat = _osm.lonlat(150.0, 160.0)
    one_lon, one_lat = _osm.lonlat(0.0, 0.0)
    points = snap_points(net, [s_lon, one_lon], [s_lat, one_lat])
    assert points.offstreet_m[0] == pytest.approx(10.0, abs=0.02)  # 60 m from the chord 5-6
    legs = compute_walk_legs(net, points.take([0]), points.take([1]), 1000.0)
    walk_m = legs.distance_m[0]
    assert walk_m == pytest.approx(10.0 + DIAGONAL_M + 200.0, abs=0.05)
    assert walk_m / WALK_M_S == pytest.approx(210.53, abs=0.05)


@pytest.mark.parametrize(
    ("walk_access", "ignore_foot_no", "to_6_m", "to_7_m"),
    [("permissive", False, 300.0, 200.0), ("strict", True, 200 + 2 * DIAGONAL_M, 200.0)],
)
def test_walk_access_rules_apply_to_edge_tags(
    tmp_path: Path, walk_access: str, ignore_foot_no: bool, to_6_m: float, to_7_m: float
) -> None:
    net = load_street_network(hand_graph(tmp_path / "hand.graphml"), walk_access=walk_access,
                              ignore_foot_no=ignore_foot_no)
    dist = distances_from(net, 1)
    assert dist[6] == pytest.approx(to_6_m, abs=0.02)
    assert dist[7] == pytest.approx(to_7_m, abs=0.02)
    assert 9 not in dist and 10 not in dist  # construction; the island


def test_the_rule_sees_every_combination_of_merged_tags(tmp_path: Path) -> None:
    seen: list[dict[str, str | None]] = []

    def rule(tags: Mapping[str, str | None]) -> bool:
        seen.append(dict(tags))
        return tags["highway"] != "motorway"

    segments = load_graphml_segments(hand_graph(tmp_path / "hand.graphml"), is_walkable=rule)
    assert {"highway": "motorway", "foot": None, "access": None, "railway": None,
            "public_transport": None} in seen
    assert segments.n_edges_read == len(hand_edges())
    assert segments.n_edges_walkable == len(hand_edges()) - 1  # 2-5 alone is refused


def test_a_projected_graph_is_placed_by_its_crs(tmp_path: Path) -> None:
    from pyproj import Transformer

    to_utm = Transformer.from_crs("EPSG:4326", _osm.GRID_CRS, always_xy=True)
    nodes = {}
    for i, xy in HAND_XY.items():
        x, y = to_utm.transform(*_osm.lonlat(*xy))
        nodes[i] = {"x": repr(x), "y": repr(y)}
    edges = [e for e in hand_edges() if "geometry" not in e[2]]
    shaped = [HAND_XY["5"], BEND, HAND_XY["6"]]
    utm = ", ".join(" ".join(map(repr, to_utm.transform(*_osm.lonlat(*p)))) for p in shaped)
    edges.append(("5", "6", {"highway": "residential", "geometry": f"LINESTRING ({utm})"}))
    projected = tmp_path / "projected.graphml"
    projected.write_text(graphml_text(nodes, edges, {"crs": _osm.GRID_CRS}), encoding="utf-8")
    ours = load_street_network(projected)
    plain = load_street_network(hand_graph(tmp_path / "hand.graphml"))
    np.testing.assert_array_equal(ours.node_osm_ids, plain.node_osm_ids)
    np.testing.assert_allclose(ours.node_lon, plain.node_lon, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours.node_lat, plain.node_lat, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours.length_m, plain.length_m, rtol=0, atol=1e-6)


# --------------------------------------------------------------------------- writing


@pytest.mark.parametrize("name", ["grid.graphml", "grid.graphml.gz"])
def test_written_graphml_reads_back_as_the_same_network(tmp_path: Path, name: str) -> None:
    net = load_street_network(_osm.write_grid_osm(tmp_path / "grid.osm"))
    path = write_graphml(net, tmp_path / name)
    assert_same_network(load_street_network(path), net)
    again = write_graphml(net, tmp_path / "again" / name)
    assert path.read_bytes() == again.read_bytes()  # bytes depend on the network only
    if name.endswith(".gz"):
        assert gzip.decompress(path.read_bytes()).startswith(b"<?xml")


def test_write_refuses_other_names_and_existing_files(tmp_path: Path) -> None:
    net = load_street_network(_osm.write_grid_osm(tmp_path / "grid.osm"))
    with pytest.raises(InputError, match=r"streets\.xml: name the GraphML file \.graphml"):
        write_graphml(net, tmp_path / "streets.xml")
    path = write_graphml(net, tmp_path / "streets.graphml")
    with pytest.raises(OutputExistsError, match="exists"):
        write_graphml(net, path)
    write_graphml(net, path, overwrite=True)


# --------------------------------------------------------------------------- osmnx


@pytest.mark.parametrize("simplify", [False, True])
def test_osmnx_saved_walk_network_matches_the_osm_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, simplify: bool
) -> None:
    ox = osmnx_or_skip()
    osm = grid_osm_for_osmnx(tmp_path / "grid.osm")
    monkeypatch.setattr(ox.settings, "useful_tags_way",
                        [*ox.settings.useful_tags_way, "foot", "railway", "public_transport"])
    graph = ox.graph_from_xml(osm, simplify=simplify, retain_all=True)
    ox.save_graphml(graph, tmp_path / "grid.graphml")
    ours = load_street_network(tmp_path / "grid.graphml")
    reference = load_street_network(osm)
    real = set(reference.node_osm_ids.tolist())
    kept = set(ours.node_osm_ids.tolist())
    if simplify:  # 18 and 19, inside the square's outline, come back as new vertices
        assert kept - real == {-1, -2} and real - kept == {18, 19}
    else:
        assert kept == set(_osm.GRID_KEPT_NODE_IDS)
    # osmnx measures great circles, the OSM reader the ellipsoid: within 0.6 % here
    ref_dist, our_dist = distances_from(reference, 20), distances_from(ours, 20)
    for node in real & kept:
        assert our_dist[node] == pytest.approx(ref_dist[node], rel=0.006), node
    if not simplify:  # every segment is osmnx's edge, with osmnx's length
        for a, b in _osm.GRID_KEPT_SEGMENTS:
            i, j = index_of(ours, a), index_of(ours, b)
            row = slice(ours.indptr[i], ours.indptr[i + 1])
            length = ours.length_m[row][ours.indices[row] == j]
            assert length.tolist() == [min(d["length"] for d in graph[a][b].values())]


def test_without_foot_in_osmnx_tags_foot_no_ways_are_walked(tmp_path: Path) -> None:
    ox = osmnx_or_skip()
    assert "foot" not in ox.settings.useful_tags_way  # osmnx's default
    graph = ox.graph_from_xml(grid_osm_for_osmnx(tmp_path / "grid.osm"), simplify=False)
    ox.save_graphml(graph, tmp_path / "grid.graphml")
    ours = load_street_network(tmp_path / "grid.graphml")
    assert 12 in ours.node_osm_ids  # 3-12 is foot=no, a tag the file does not hold


def test_osmnx_opens_what_we_write(tmp_path: Path) -> None:
    ox = osmnx_or_skip()
    import networkx as nx

    from routes.streets.graphml import osmnx_graph_from_network

    net = load_street_network(_osm.write_grid_osm(tmp_path / "grid.osm"))
    graph = ox.load_graphml(write_graphml(net, tmp_path / "grid.graphml"))
    assert graph.graph["crs"] == "epsg:4326" and graph.graph["simplified"] is False
    assert sorted(graph.nodes) == net.node_osm_ids.tolist()
    assert graph.number_of_edges() == net.n_edges
    lon, lat = (float(f"{c:.7f}") for c in _osm.lonlat(-100, 0))  # as the OSM XML holds them
    assert graph.nodes[20] == {"x": lon, "y": lat, "street_count": 1}
    theirs = nx.single_source_dijkstra_path_length(graph, 20, weight="length")
    assert theirs == pytest.approx(distances_from(net, 20), abs=1e-9)
    nodes, edges = ox.graph_to_gdfs(graph)
    assert len(nodes) == net.n_nodes and len(edges) == net.n_edges
    in_memory = osmnx_graph_from_network(net)
    assert sorted(in_memory.edges(data="length")) == sorted(graph.edges(data="length"))


def test_missing_osmnx_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from routes._optional import OptionalDependencyError
    from routes.streets.graphml import osmnx_graph_from_network

    net = load_street_network(_osm.write_grid_osm(tmp_path / "grid.osm"))
    monkeypatch.setitem(sys.modules, "osmnx", None)
    with pytest.raises(OptionalDependencyError,
                       match=r'osmnx is not installed.*pip install "community-routes\[osmnx\]"'):
        osmnx_graph_from_network(net)
    assert load_street_network(write_graphml(net, tmp_path / "grid.graphml")).n_nodes == 14


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from routes.demo.study_area import write_demo_study_area

    return write_demo_study_area(tmp_path_factory.mktemp("demo")).folder


def demo_times(folder: Path, osm: str, cache_dir: Path) -> np.ndarray:
    """Travel times between 8 demo zones (64 OD pairs), minutes, with ``osm`` as the streets."""
    from routes.cache import NetworkCache
    from routes.engine.raptor import compute_travel_time_array
    from routes.engine.request import TravelTimeRequest
    from routes.inputs.points import Points, load_layer, points_from_layer
    from routes.network.transit import build_network

    toml = folder / "routes.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(re.sub(r'(?m)^osm = ".*"$', f'osm = "{osm}"', text), encoding="utf-8")
    study = load_study_area(toml)
    assert study.osm_path.name == Path(osm).name
    network = build_network(study, cache=NetworkCache(cache_dir))
    zones = points_from_layer(load_layer(study.zones.path, id_column=study.zones.id_column))
    pick = slice(0, len(zones.ids), max(1, len(zones.ids) // 8))
    points = Points(zones.ids[pick][:8], zones.lon[pick][:8], zones.lat[pick][:8])
    return compute_travel_time_array(network, points, None,
                                     TravelTimeRequest.from_routing(study.routing))


@pytest.mark.slow
def test_demo_town_round_trip_through_osmnx_keeps_travel_times(
    demo_folder: Path, tmp_path: Path
) -> None:
    ox = osmnx_or_skip()
    town = tmp_path / "town"
    shutil.copytree(demo_folder, town)
    baseline = demo_times(town, "osm/demo_town.osm", tmp_path / "cache")
    streets = load_street_network(town / "osm" / "demo_town.osm")
    graph = ox.load_graphml(write_graphml(streets, tmp_path / "ours.graphml"))
    ox.save_graphml(graph, town / "osm" / "resaved.graphml")
    ox.save_graphml(ox.simplify_graph(graph), town / "osm" / "simplified.graphml")
    resaved = demo_times(town, "osm/resaved.graphml", tmp_path / "cache")
    simplified = demo_times(town, "osm/simplified.graphml", tmp_path / "cache")
    assert np.isfinite(baseline).sum() >= 48  # most of the 64 pairs are reachable
    np.testing.assert_array_equal(resaved, baseline)
    np.testing.assert_allclose(simplified, baseline, rtol=0, atol=1e-9)
    assert_same_network(load_street_network(town / "osm" / "resaved.graphml"), streets)


# --------------------------------------------------------------------------- study areas


def test_study_area_reads_a_graphml_street_network(tmp_path: Path) -> None:
    toml = write_study_area(tmp_path / "study", osm="streets.graphml")
    grid = load_street_network(tmp_path / "study" / "grid.osm")
    write_graphml(grid, tmp_path / "study" / "streets.graphml")
    study = load_study_area(toml)
    assert study.osm_path.name == "streets.graphml"
    assert_same_network(load_street_network(study.osm_path), grid)


def test_osm_tags_layers_need_an_osm_extract(tmp_path: Path) -> None:
    toml = write_study_area(tmp_path / "study", osm="streets.graphml")
    write_graphml(load_street_network(tmp_path / "study" / "grid.osm"),
                  tmp_path / "study" / "streets.graphml")
    with toml.open("a", encoding="utf-8") as fh:
        fh.write('\n[[destinations]]\nname = "spaces"\nosm_tags = {amenity = ["library"]}\n')
    with pytest.raises(InputError, match=r"\[\[destinations\]\]\[0\]\.osm_tags.*GraphML street "
                                         r"network \(streets\.graphml\).*give the layer a `file`"):
        load_study_area(toml)
    with pytest.raises(OsmError, match=r"streets\.graphml: is a GraphML street network.*`file`"):
        load_osm_destinations(tmp_path / "study" / "streets.graphml", {"amenity": ["library"]},
                              name="spaces")


def test_r5_refuses_a_graphml_street_network(tmp_path: Path) -> None:
    from routes.engine.r5.backend import osm_pbf_for_r5

    with pytest.raises(OsmError, match=r"x\.graphml: R5 builds its street network from "
                                       r"OpenStreetMap data, not GraphML"):
        osm_pbf_for_r5(tmp_path / "x.graphml")


def test_cli_exports_the_study_area_streets(tmp_path: Path) -> None:
    toml = write_study_area(tmp_path / "study")
    out = tmp_path / "streets.graphml"
    runner = CliRunner()
    result = runner.invoke(cli.main, ["--config", str(toml), "streets", "export",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "9 nodes, 12 street segments" in result.output
    assert_same_network(load_street_network(out),
                        load_street_network(tmp_path / "study" / "grid.osm"))
    again = runner.invoke(cli.main, ["--config", str(toml), "streets", "export",
                                     "--out", str(out)])
    assert again.exit_code == 1 and "pass --force" in again.output
    wrong = runner.invoke(cli.main, ["--config", str(toml), "streets", "export",
                                     "--out", str(tmp_path / "streets.osm")])
    assert wrong.exit_code == 2 and "use a .graphml file" in wrong.output


# --------------------------------------------------------------------------- bad files


def one_edge(edge: Mapping[str, str] | None = None, *, graph: Mapping[str, str] | None = None,
             nodes: Mapping[str, Mapping[str, str]] | None = None,
             source: str = "1", target: str = "2") -> str:
    nodes = {"1": node_at(0, 0), "2": node_at(100, 0)} if nodes is None else nodes
    edge = {"highway": "residential", "length": "100"} if edge is None else edge
    return graphml_text(nodes, [(source, target, edge)], graph)


BAD_FILES: list[tuple[str, str | bytes, str]] = [
    ("not_xml.graphml", "this is not XML", r"not well-formed XML at line 1, column 0"),
    ("osm_named_graphml.graphml", _osm.osm_xml({1: (0.5, 0.01)}, []),
     r"is not GraphML: its root element is <osm> \(OpenStreetMap XML: name it \.osm\)"),
    ("no_graph.graphml", "<graphml/>", r"GraphML without a <graph>"),
    ("two_graphs.graphml", "<graphml><graph/><graph/></graphml>", r"more than one <graph>"),
    ("no_crs.graphml", one_edge(graph={}), r"the graph has no 'crs' attribute"),
    ("unknown_crs.graphml", one_edge(graph={"crs": "epsg:999999"}),
     r"the graph's crs 'epsg:999999' is not a coordinate reference system pyproj knows"),
    ("node_without_x.graphml", one_edge(nodes={"1": node_at(0, 0), "2": {"y": "0.01"}}),
     r"node '2' has no numeric 'x' and 'y'"),
    ("projected_coordinates.graphml",
     one_edge(nodes={"1": {"x": "500000", "y": "1100"}, "2": {"x": "500100", "y": "1100"}}),
     r"2 nodes lie off the globe in the graph's crs 'epsg:4326', which may be the wrong one "
     r"\(e\.g\. node '1' \(x=500000, y=1100\), node '2'"),
    ("unknown_node.graphml", one_edge(target="99"),
     r"edge '1'->'99' joins a node that is not in the file"),
    ("length_with_unit.graphml", one_edge({"highway": "residential", "length": "100 m"}),
     r"edge '1'->'2' \('100 m'\) has a 'length' that is not a number of metres >= 0"),
    ("length_in_km.graphml", one_edge({"highway": "residential", "length": "0.1"}),
     r"edge '1'->'2' \(0\.1 m long, its shape 100\.0 m\) is shorter than its shape, so its "
     r"'length' is not metres"),
    ("geometry_point.graphml", one_edge({"geometry": "POINT (0.5 0.01)"}),
     r"edge '1'->'2' \('POINT \(0\.5 0\.01\)'\) has a 'geometry' that is not a WKT LINESTRING"),
    ("geometry_elsewhere.graphml", one_edge({"geometry": wkt((0, 500), (50, 500), (100, 500))}),
     r"edge '1'->'2' has a 'geometry' that does not run from one of its nodes to the other"),
    ("motorway_only.graphml", one_edge({"highway": "motorway", "length": "100"}),
     r"none of its 1 edges is a walkable street"),
    ("no_edges.graphml", graphml_text({"1": node_at(0, 0)}, []), r"holds no edges"),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD_FILES,
                         ids=[name for name, _, _ in BAD_FILES])
def test_bad_graphml_gives_a_one_line_error(
    tmp_path: Path, name: str, content: str | bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8") if isinstance(content, str) else \
        path.write_bytes(content)
    with pytest.raises(OsmError, match=message) as caught:
        load_street_network(path)
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith(f"{path}: ")


def test_several_problems_are_listed_together(tmp_path: Path) -> None:
    nodes = {"1": node_at(0, 0), "2": node_at(100, 0), "3": {"x": "east"}}
    edges = [("1", "2", {"length": "-5"}), ("2", "7", {}), ("7", "8", {}), ("1", "3", {})]
    path = tmp_path / "many.graphml"
    path.write_text(graphml_text(nodes, edges), encoding="utf-8")
    with pytest.raises(OsmError) as caught:
        load_street_network(path)
    lines = str(caught.value).splitlines()
    assert lines[0] == f"{path}: 3 problems:"
    assert lines[1:4] == [
        "  - node '3' has no numeric 'x' and 'y'",
        "  - 2 edges join nodes that are not in the file (e.g. '2'->'7', '7'->'8')",
        "  - edge '1'->'2' ('-5') has a 'length' that is not a number of metres >= 0",
    ]
    assert lines[4] == "fix the file, or save the graph again with osmnx.save_graphml"


@pytest.mark.parametrize("problem", ["missing", "folder", "truncated_gz"])
def test_unreadable_graphml_files(tmp_path: Path, problem: str) -> None:
    path = tmp_path / "streets.graphml"
    if problem == "folder":
        path.mkdir()
    elif problem == "truncated_gz":
        path = tmp_path / "streets.graphml.gz"
        path.write_bytes(gzip.compress(one_edge().encode())[:40])
    expected = {"missing": "street network not found", "folder": "is not a file",
                "truncated_gz": "cannot be read"}[problem]
    with pytest.raises(OsmError, match=expected) as caught:
        load_street_network(path)
    assert "\n" not in str(caught.value)
