"""Tests for routes.inputs.destinations: file layers, OSM-tag layers, validation, real data."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import numpy as np
import pandas as pd
import pytest
import shapely

from routes.config.study_area import DestinationLayer
from routes.errors import InputError, OsmError, RoutesWarning
from routes.inputs.destinations import (
    DEFAULT_SPACE_TAGS,
    Destinations,
    load_destinations,
    load_osm_destinations,
)

# --------------------------------------------------------------------------- file layers

L_SHAPE = [
    [0.0, 0.0],
    [0.03, 0.0],
    [0.03, 0.01],
    [0.01, 0.01],
    [0.01, 0.03],
    [0.0, 0.03],
    [0.0, 0.0],
]


def write_geojson(path: Path, features: Sequence[tuple[dict[str, Any], dict[str, Any]]]) -> Path:
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": geometry, "properties": properties}
            for geometry, properties in features
        ],
    }
    path.write_text(json.dumps(collection), encoding="utf-8")
    return path


def point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


@pytest.fixture
def spaces_path(tmp_path: Path) -> Path:
    """Three spaces: two points and an L-shaped polygon::

    0.03 +-+
         | |            L-shaped park "p3": centroid (0.0083, 0.0083) is in the
    0.01 | +----+       corner's notch, outside; its representative point is the
         |  *   |       middle of the scan line y = 0.005: (0.015, 0.005)
    0.00 +------+
         0     0.03
    """
    return write_geojson(
        tmp_path / "spaces.geojson",
        [
            (point(0.1, 0.2), {"sid": "p1", "kind": "Community Centre", "name": "Hall", "n": 3}),
            (point(0.3, 0.4), {"sid": "p2", "kind": None, "name": None, "n": 0}),
            (
                {"type": "Polygon", "coordinates": [L_SHAPE]},
                {"sid": "p3", "kind": "Café / Library", "name": "Park", "n": 2.5},
            ),
        ],
    )


def test_file_layer_weights_categories_points(spaces_path: Path) -> None:
    layer = DestinationLayer(
        name="community_spaces",
        path=spaces_path,
        id_column="sid",
        weight_column="n",
        category_column="kind",
    )
    spaces = load_destinations(layer)
    assert isinstance(spaces, Destinations)
    assert spaces.name == "community_spaces"
    assert len(spaces) == 3
    table = spaces.table
    assert table.index.tolist() == ["p1", "p2", "p3"]
    assert table.index.name == "id"
    assert list(table.columns) == ["weight", "category", "name"]
    assert table["weight"].dtype == np.float64
    assert table["weight"].tolist() == [3.0, 0.0, 2.5]
    # snake_case words, accents dropped; a missing category is "other"
    assert table["category"].tolist() == ["community_centre", "other", "cafe_library"]
    assert table.loc["p1", "name"] == "Hall"
    assert pd.isna(table.loc["p2", "name"])
    assert spaces.weights.equals(table["weight"])
    assert spaces.points.ids.tolist() == ["p1", "p2", "p3"]
    assert spaces.points.lon[:2].tolist() == [0.1, 0.3]
    assert spaces.points.lat[:2].tolist() == [0.2, 0.4]
    # the polygon carries its whole weight at one point inside it
    assert (spaces.points.lon[2], spaces.points.lat[2]) == pytest.approx((0.005, 0.02))
    polygon = shapely.Polygon(L_SHAPE)
    assert not polygon.contains(polygon.centroid)
    assert polygon.contains(shapely.Point(spaces.points.lon[2], spaces.points.lat[2]))


def test_no_weight_column_counts_one_each(spaces_path: Path) -> None:
    spaces = load_destinations(DestinationLayer(name="spaces", path=spaces_path, id_column="sid"))
    assert spaces.table["weight"].tolist() == [1.0, 1.0, 1.0]
    assert spaces.table["category"].tolist() == ["other"] * 3


def test_ids_default_to_row_numbers(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "spaces_no_ids.geojson",
        [(point(0.1, 0.2), {"kind": "library"}), (point(0.3, 0.4), {"kind": "park"})],
    )
    spaces = load_destinations(DestinationLayer(name="spaces", path=path, category_column="kind"))
    assert spaces.table.index.tolist() == ["1", "2"]
    assert spaces.points.ids.tolist() == ["1", "2"]
    assert spaces.table["category"].tolist() == ["library", "park"]


def test_named_id_column_required(spaces_path: Path) -> None:
    layer = DestinationLayer(name="spaces", path=spaces_path, id_column="space_id")
    with pytest.raises(InputError, match=r"spaces\.geojson: no column 'space_id'"):
        load_destinations(layer)


def test_csv_layer(tmp_path: Path) -> None:
    path = tmp_path / "jobs.csv"
    path.write_text("id,lon,lat,jobs\n007,0.1,0.2,120\n8,0.3,0.4,0\n", encoding="utf-8")
    jobs = load_destinations(DestinationLayer(name="jobs", path=path, weight_column="jobs"))
    assert jobs.table.index.tolist() == ["007", "8"]  # ids stay strings
    assert jobs.weights.tolist() == [120.0, 0.0]


def test_missing_weights_count_as_zero(tmp_path: Path) -> None:
    path = tmp_path / "jobs_missing_weights.csv"
    path.write_text("id,lon,lat,jobs\na,0.1,0.2,10\nb,0.3,0.4,\nc,0.5,0.6,\n", encoding="utf-8")
    layer = DestinationLayer(name="jobs", path=path, weight_column="jobs")
    with pytest.warns(
        RoutesWarning,
        match=r"jobs_missing_weights\.csv column 'jobs': 2 of 3 destinations have no value "
        r"\(e\.g\. row 2 \(id 'b'\)\) and count as 0 jobs",
    ):
        jobs = load_destinations(layer)
    assert jobs.weights.tolist() == [10.0, 0.0, 0.0]


@pytest.mark.parametrize(
    ("defect", "rows", "layer", "match"),
    [
        (
            "negative_weight",
            "a,0.1,0.2,10,x\nb,0.3,0.4,-2,y\n",
            {"weight_column": "jobs"},
            r"jobs_negative_weight\.csv column 'jobs': 1 value\(s\) are negative "
            r"\(row 2 \(id 'b'\): -2",
        ),
        (
            "weight_not_numeric",
            "a,0.1,0.2,lots,x\nb,0.3,0.4,2,y\n",
            {"weight_column": "jobs"},
            r"column 'jobs': 1 value\(s\) are not numbers \(row 1 \(id 'a'\): 'lots'\)",
        ),
        (
            "weight_infinite",
            "a,0.1,0.2,inf,x\nb,0.3,0.4,2,y\n",
            {"weight_column": "jobs"},
            r"column 'jobs': 1 value\(s\) are infinite \(row 1 \(id 'a'\)",
        ),
        (
            "weight_column_missing",
            "a,0.1,0.2,1,x\n",
            {"weight_column": "employees"},
            r"no column 'employees' \(set by \[\[destinations\]\] 'jobs'\.weight\)",
        ),
        (
            "category_column_missing",
            "a,0.1,0.2,1,x\n",
            {"category_column": "sector"},
            r"no column 'sector' \(set by \[\[destinations\]\] 'jobs'\.category\)",
        ),
        ("duplicate_ids", "a,0.1,0.2,1,x\na,0.3,0.4,2,y\n", {}, r"'id' is not unique"),
    ],
    ids=lambda value: value if isinstance(value, str) and value.isidentifier() else "",
)
def test_invalid_file_layers(
    tmp_path: Path, defect: str, rows: str, layer: dict[str, Any], match: str
) -> None:
    path = tmp_path / f"jobs_{defect}.csv"
    path.write_text("id,lon,lat,jobs,kind\n" + rows, encoding="utf-8")
    with pytest.raises(InputError, match=match):
        load_destinations(DestinationLayer(name="jobs", path=path, **layer))


def test_line_geometry_rejected(tmp_path: Path) -> None:
    line = {"type": "LineString", "coordinates": [[0.0, 0.0], [0.1, 0.1]]}
    path = write_geojson(
        tmp_path / "spaces_line.geojson", [(point(0.1, 0.2), {"id": "a"}), (line, {"id": "b"})]
    )
    with pytest.raises(
        InputError,
        match=r"spaces_line\.geojson column 'geometry': 1 value\(s\) are not MultiPoint or "
        r"MultiPolygon or Point or Polygon \(feature 1 \(id 'b'\): LineString\)",
    ):
        load_destinations(DestinationLayer(name="spaces", path=path))


@pytest.mark.parametrize(
    ("layer", "osm_path", "match"),
    [
        (
            DestinationLayer(name="spaces"),
            None,
            r"\[\[destinations\]\] 'spaces': has neither a file nor osm_tags",
        ),
        (
            DestinationLayer(name="spaces", osm_tags={"amenity": ("library",)}),
            None,
            r"'spaces': is selected by osm_tags but no OSM extract was given",
        ),
        (
            DestinationLayer(
                name="spaces", path=Path("spaces.geojson"), osm_tags={"amenity": ("library",)}
            ),
            None,
            r"'spaces': has both a file and osm_tags",
        ),
    ],
    ids=["neither", "tags_without_extract", "both"],
)
def test_layer_source_errors(layer: DestinationLayer, osm_path: Path | None, match: str) -> None:
    with pytest.raises(InputError, match=match):
        load_destinations(layer, osm_path=osm_path)


# --------------------------------------------------------------------------- OSM

#: node id → (lon, lat, tags)
NodeSpec = Mapping[int, tuple[float, float, Mapping[str, str]]]
#: (way id, node refs, tags)
WaySpec = tuple[int, Sequence[int], Mapping[str, str]]
#: (relation id, [(member type, ref, role)], tags)
RelationSpec = tuple[int, Sequence[tuple[str, int, str]], Mapping[str, str]]


def osm_xml(nodes: NodeSpec, ways: Sequence[WaySpec], relations: Sequence[RelationSpec]) -> str:
    def tags(items: Mapping[str, str]) -> list[str]:
        return [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in items.items()]

    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="tests">']
    for node_id, (lon, lat, node_tags) in sorted(nodes.items()):
        lines.append(f'  <node id="{node_id}" version="1" lat="{lat:.7f}" lon="{lon:.7f}">')
        lines.extend([*tags(node_tags), "  </node>"])
    for way_id, refs, way_tags in ways:
        lines.append(f'  <way id="{way_id}" version="1">')
        lines.extend(f'    <nd ref="{ref}"/>' for ref in refs)
        lines.extend([*tags(way_tags), "  </way>"])
    for relation_id, members, relation_tags in relations:
        lines.append(f'  <relation id="{relation_id}" version="1">')
        lines.extend(
            f'    <member type="{kind}" ref="{ref}" role="{role}"/>' for kind, ref, role in members
        )
        lines.extend([*tags(relation_tags), "  </relation>"])
    lines.append("</osm>")
    return "\n".join(lines) + "\n"


TINY_NODES: dict[int, tuple[float, float, Mapping[str, str]]] = {
    1: (0.001, 0.001, {"amenity": "library", "name": "Central Library"}),
    2: (0.002, 0.001, {"amenity": "community_centre", "name": "Bastwell <Centre> & Hall"}),
    3: (0.003, 0.001, {"amenity": "bench"}),
    4: (0.004, 0.001, {"amenity": "place_of_worship", "name": "St Mary"}),
    5: (0.005, 0.001, {"leisure": "playground", "amenity": "arts_centre"}),
    # way 10: the park square
    11: (0.010, 0.010, {}),
    12: (0.012, 0.010, {}),
    13: (0.012, 0.012, {}),
    14: (0.010, 0.012, {}),
    # way 20: a building, not a space
    21: (0.015, 0.010, {}),
    22: (0.016, 0.010, {}),
    23: (0.016, 0.011, {}),
    # way 30: a street market along a lane (open way)
    31: (0.020, 0.000, {}),
    32: (0.020, 0.002, {}),
    33: (0.022, 0.002, {}),
    # relation 40: sports centre site, a square drawn by two outer ways 41 and 42
    51: (0.030, 0.030, {}),
    52: (0.034, 0.030, {}),
    53: (0.034, 0.034, {}),
    54: (0.030, 0.034, {}),
}
TINY_WAYS: list[WaySpec] = [
    (10, [11, 12, 13, 14, 11], {"leisure": "park", "name": "Queen's Park"}),
    (20, [21, 22, 23, 21], {"building": "yes"}),
    (30, [31, 32, 33], {"amenity": "marketplace"}),
    (41, [51, 52, 53], {}),
    (42, [53, 54, 51], {}),
]
TINY_RELATIONS: list[RelationSpec] = [
    (
        40,
        [("w", 41, "outer"), ("w", 42, "outer")],
        {"type": "multipolygon", "leisure": "sports_centre"},
    ),
    (60, [("n", 1, ""), ("n", 2, "")], {"type": "site", "amenity": "library"}),
]


@pytest.fixture
def tiny_osm(tmp_path: Path) -> Path:
    """A tiny extract (degrees east/north of 0, 0)::

        0.034      +---r40---+      relation 40: leisure=sports_centre multipolygon,
                   |    *    |      outer ways 41 + 42 → (0.032, 0.032)
        0.030      +---------+
        0.012   +--w10--+           way 10: leisure=park, closed → centre (0.011, 0.011)
                |   *   |
        0.010   +-------+  w20      way 20: building=yes (not a space)
        0.002              33--32   way 30: amenity=marketplace, open 31-32-33:
        0.001  1 2 3 4 5       |    halfway along is node 32 (0.020, 0.002)
        0.000                 31
              0.001 ... 0.005  0.010 0.012  0.020 0.022  0.030 0.034

    Nodes 1 library, 2 community_centre, 3 bench (no), 4 place_of_worship (not a
    default space), 5 playground + arts_centre (amenity listed first → arts_centre).
    Relation 60 is a type=site relation tagged amenity=library: skipped.
    """
    path = tmp_path / "tiny.osm"
    path.write_text(osm_xml(TINY_NODES, TINY_WAYS, TINY_RELATIONS), encoding="utf-8")
    return path


def test_osm_default_space_tags(tiny_osm: Path) -> None:
    spaces = load_osm_destinations(tiny_osm, DEFAULT_SPACE_TAGS, name="community_spaces")
    table = spaces.table
    assert table.index.tolist() == ["osm:n1", "osm:n2", "osm:n5", "osm:w10", "osm:w30", "osm:r40"]
    assert table["category"].tolist() == [
        "library",
        "community_centre",
        "arts_centre",
        "park",
        "marketplace",
        "sports_centre",
    ]
    assert table["weight"].tolist() == [1.0] * 6
    assert table.loc["osm:n1", "name"] == "Central Library"
    assert table.loc["osm:n2", "name"] == "Bastwell <Centre> & Hall"
    assert table.loc["osm:w10", "name"] == "Queen's Park"
    assert table["name"].isna().tolist() == [False, False, True, False, True, True]
    assert spaces.points.ids.tolist() == table.index.tolist()
    expected = [
        (0.001, 0.001),
        (0.002, 0.001),
        (0.005, 0.001),
        (0.011, 0.011),
        (0.020, 0.002),
        (0.032, 0.032),
    ]
    assert spaces.points.lon.tolist() == pytest.approx([x for x, _ in expected], abs=1e-7)
    assert spaces.points.lat.tolist() == pytest.approx([y for _, y in expected], abs=1e-7)


def test_osm_custom_tags_and_lone_value(tiny_osm: Path) -> None:
    spaces = load_osm_destinations(
        tiny_osm, {"amenity": "place_of_worship", "leisure": ["park"]}, name="faith"
    )
    assert spaces.table.index.tolist() == ["osm:n4", "osm:w10"]
    assert spaces.table["category"].tolist() == ["place_of_worship", "park"]


def test_osm_layer_through_load_destinations(tiny_osm: Path) -> None:
    layer = DestinationLayer(name="libraries", osm_tags={"amenity": ("library",)})
    libraries = load_destinations(layer, osm_path=tiny_osm)
    assert libraries.name == "libraries"
    assert libraries.table.index.tolist() == ["osm:n1"]  # relation 60 is a site, skipped


def test_osm_pbf_read(tiny_osm: Path, tmp_path: Path) -> None:
    import osmium

    pbf = tmp_path / "tiny.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(tiny_osm)):
            writer.add(obj)
    spaces = load_osm_destinations(pbf, DEFAULT_SPACE_TAGS, name="community_spaces")
    assert len(spaces) == 6


def test_osm_features_outside_extract_dropped(tmp_path: Path) -> None:
    ways = [*TINY_WAYS, (70, [901, 902, 903, 901], {"leisure": "park"})]
    path = tmp_path / "clipped.osm"
    path.write_text(osm_xml(TINY_NODES, ways, TINY_RELATIONS), encoding="utf-8")
    with pytest.warns(
        RoutesWarning,
        match=r"clipped\.osm: 1 of 7 features tagged amenity=.* have no node inside the extract "
        r"and were dropped from 'community_spaces'",
    ):
        spaces = load_osm_destinations(path, DEFAULT_SPACE_TAGS, name="community_spaces")
    assert "osm:w70" not in spaces.table.index
    assert len(spaces) == 6


def test_osm_relation_with_open_ring_placed_at_mean_of_nodes(tmp_path: Path) -> None:
    """Relation 80's only outer way runs 51-52-53 and never closes (clipped extract)."""
    relations = [(80, [("w", 41, "outer")], {"type": "multipolygon", "leisure": "park"})]
    path = tmp_path / "open_ring.osm"
    path.write_text(osm_xml(TINY_NODES, TINY_WAYS, relations), encoding="utf-8")
    parks = load_osm_destinations(path, {"leisure": ["park"]}, name="parks")
    assert parks.table.index.tolist() == ["osm:w10", "osm:r80"]
    # mean of nodes 51 (0.030, 0.030), 52 (0.034, 0.030), 53 (0.034, 0.034)
    assert parks.points.lon[1] == pytest.approx(0.098 / 3)
    assert parks.points.lat[1] == pytest.approx(0.094 / 3)


def test_osm_no_match(tiny_osm: Path) -> None:
    with pytest.raises(
        OsmError,
        match=r"tiny\.osm: no node, way or multipolygon with coordinates is tagged "
        r"amenity=townhall\|courthouse, shop=books, so the 'civic' layer would be empty; "
        r".*give this \[\[destinations\]\] layer a `file =` of points or polygons",
    ):
        load_osm_destinations(
            tiny_osm, {"amenity": ["townhall", "courthouse"], "shop": ["books"]}, name="civic"
        )


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("spaces.geojson", r"unsupported OSM file extension"),
        ("missing.osm.pbf", r"OSM extract not found"),
    ],
)
def test_osm_path_errors(tmp_path: Path, name: str, match: str) -> None:
    path = tmp_path / name
    if name.endswith(".geojson"):
        path.write_text("{}", encoding="utf-8")
    with pytest.raises(OsmError, match=match):
        load_osm_destinations(path, DEFAULT_SPACE_TAGS, name="spaces")


def test_osm_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "broken.osm.pbf"
    path.write_bytes(b"this is not a PBF file at all")
    with pytest.raises(OsmError, match=r"broken\.osm\.pbf: cannot be read as OpenStreetMap data"):
        load_osm_destinations(path, DEFAULT_SPACE_TAGS, name="spaces")


@pytest.mark.parametrize(
    ("tags", "match"),
    [({}, r"expected tags like"), ({"amenity": []}, r"'amenity' = \[\]; expected a tag key")],
    ids=["empty", "no_values"],
)
def test_osm_bad_tags(tiny_osm: Path, tags: Mapping[str, Sequence[str]], match: str) -> None:
    with pytest.raises(InputError, match=match):
        load_osm_destinations(tiny_osm, tags, name="spaces")


def test_default_space_tags_are_shared_spaces() -> None:
    assert set(DEFAULT_SPACE_TAGS) == {"amenity", "leisure"}
    assert {"community_centre", "library"} <= set(DEFAULT_SPACE_TAGS["amenity"])
    assert {"sports_centre", "park"} <= set(DEFAULT_SPACE_TAGS["leisure"])
    assert "place_of_worship" not in DEFAULT_SPACE_TAGS["amenity"]
    with pytest.raises(TypeError):
        DEFAULT_SPACE_TAGS["shop"] = ("books",)  # type: ignore[index]


# --------------------------------------------------------------------------- downstream


def test_table_feeds_accessibility(tiny_osm: Path) -> None:
    from routes.access.metrics import compute_nearest

    spaces = load_osm_destinations(tiny_osm, DEFAULT_SPACE_TAGS, name="community_spaces")
    matrix = pd.DataFrame(
        {
            "from_id": ["z"] * len(spaces),
            "to_id": spaces.table.index.tolist(),
            "travel_time_p50_min": [40.0, 35.0, 20.0, 12.0, 50.0, 25.0],
        }
    )
    nearest = compute_nearest(matrix, spaces.table, 30)
    assert nearest.loc["z", "nearest_space_min"] == 12.0
    assert nearest.loc["z", "nearest_space_library_min"] == 40.0
    assert nearest.loc["z", "spaces_within_30min"] == 3


# --------------------------------------------------------------------------- real data


def test_porto_alegre_jobs(poa_dir: Path) -> None:
    path = poa_dir / "poa_hexgrid.csv"
    layer = DestinationLayer(name="jobs", path=path, weight_column="jobs")
    with pytest.warns(RoutesWarning, match=r"column 'jobs': 5 of 1,227 destinations have no value"):
        jobs = load_destinations(layer)
    raw = pd.read_csv(path, dtype={"id": str})
    assert len(jobs) == 1227
    assert jobs.table.index.tolist() == raw["id"].tolist()
    assert jobs.weights.sum() == 337_921
    assert jobs.weights[raw.loc[raw["jobs"].isna(), "id"]].tolist() == [0.0] * 5
    assert (jobs.table["category"] == "other").all()
    np.testing.assert_array_equal(jobs.points.lon, raw["lon"].to_numpy())


def test_porto_alegre_osm_spaces(poa_dir: Path) -> None:
    """r5r's Porto Alegre extract is cut down to the street network.

    Of its 395 amenity nodes almost all are street furniture (waste baskets, benches,
    parking entrances); with the default tags it holds only a marketplace node, a
    sports-centre node and one park mapped as a multipolygon relation.
    """
    spaces = load_osm_destinations(
        poa_dir / "poa_osm.pbf", DEFAULT_SPACE_TAGS, name="community_spaces"
    )
    table = spaces.table
    assert table.index.tolist() == ["osm:n2165260154", "osm:n2271267022", "osm:r5324354"]
    assert table["category"].tolist() == ["marketplace", "sports_centre", "park"]
    assert table.loc["osm:r5324354", "name"] == "Praça Montevidéu"
    assert (spaces.points.lon[0], spaces.points.lat[0]) == (-51.2262116, -30.0381072)
    # the park's point lies inside its outer ring (way 129176993), in the city centre
    assert spaces.points.lon[2] == pytest.approx(-51.2285, abs=3e-4)
    assert spaces.points.lat[2] == pytest.approx(-30.0283, abs=3e-4)


def test_street_only_extract_has_no_spaces(rnv_dir: Path) -> None:
    with pytest.raises(OsmError, match=r"rnv\.osm\.pbf: no node, way or multipolygon.*`file =`"):
        load_osm_destinations(rnv_dir / "rnv.osm.pbf", DEFAULT_SPACE_TAGS, name="spaces")
