"""Hand-made OpenStreetMap fixtures, and the real-data extracts from ``../shared/data``.

The grid extract
----------------
:func:`write_grid_osm` writes a tiny OSM XML file whose walk network can be
worked out by hand. Nodes sit on a 100 m lattice just north of the equator at
0.5° E (UTM zone 31N, EPSG:32631); ``x`` is metres east and ``y`` metres north
of node 1::

      y (m)
      300           14        18 ~~~~~~ 19
                     |         ~         ~
      200            7 ------- 8 ~~~~~~~ 9 ...... 11
                     |         |         |
      100            4 ======= 5 ------- 6 ################ 10
                     |         |         |
        0   20 ----- 1 ------- 2 ------- 3 xxxxxx 12
                     !         #
     -100           13        17
    x (m) -100       0       100       200       300       400

    ---- |  streets (residential, tertiary, living_street, unclassified; 20-1 trunk)
    ==== 4-5 drawn twice, by a residential street and a service road (merged)
    ~~~~ outline of an area=yes pedestrian square 8-9-19-18-8 (walked along)
    .... 9-11 footway                     7-14 track, access=private + foot=yes (kept)
    #### 6-10 motorway, 2-17 construction (both excluded)
    xxxx 3-12 residential, foot=no (excluded)
    !    1-13 service, access=private (excluded)
    Not drawn: way 3-999-6 whose node 999 is missing from the file (no edges);
    an isolated street 15-16 at x = 800-900 m, y = 0 (a smaller component, dropped);
    a building=yes ring 21-22-23 and a highway=bus_stop node 24 (ignored).

Hand-derived network: the 9 lattice nodes plus 11, 14, 18, 19, 20 — **14
nodes** — joined by the 12 lattice edges plus 9-11, 7-14, 9-19, 19-18, 18-8
and 20-1 — **18 street segments, 36 directed edges**, every one 100 m long.
Every kept edge runs east-west or north-south and every kept node can be reached
from node 20 going only east or north, so the shortest walk from node 20 (or 1)
to any kept node is the Manhattan distance (20 → 11 is 400 + 200 = 600 m).
Other pairs may need detours: 14 → 18 is 14-7-8-18 = 300 m, 14 → 19 is 400 m.

Degrees per metre use the WGS84 ellipsoid at the equator: 1° of latitude is
a(1 − e²)·π/180 = 110,574.27 m and 1° of longitude is a·π/180 = 111,319.49 m
(cos 0.013° ≈ 1 − 3·10⁻⁸). The XML holds 7 decimals (about 1 cm), so the
100 m edges measure 100 m to within 2 cm.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from xml.sax.saxutils import quoteattr

import osmium
import pytest

from routes.streets.graph import StreetNetwork
from routes.streets.osm import load_street_network

LON0 = 0.5
LAT0 = 0.01
M_PER_DEG_LAT = 110_574.27
M_PER_DEG_LON = 111_319.49
GRID_CRS = "EPSG:32631"

SHARED_DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"

#: ``(way id, node refs, tags)``
WaySpec = tuple[int, Sequence[int], Mapping[str, str]]


def lonlat(x_m: float, y_m: float) -> tuple[float, float]:
    """WGS84 lon/lat of a point ``x_m`` east and ``y_m`` north of grid node 1."""
    return LON0 + x_m / M_PER_DEG_LON, LAT0 + y_m / M_PER_DEG_LAT


GRID_NODE_XY: dict[int, tuple[float, float]] = {
    **{1 + c + 3 * r: (100.0 * c, 100.0 * r) for r in range(3) for c in range(3)},
    10: (400.0, 100.0),
    11: (300.0, 200.0),
    12: (300.0, 0.0),
    13: (0.0, -100.0),
    14: (0.0, 300.0),
    15: (800.0, 0.0),
    16: (900.0, 0.0),
    17: (100.0, -100.0),
    18: (100.0, 300.0),
    19: (200.0, 300.0),
    20: (-100.0, 0.0),
    21: (500.0, 500.0),
    22: (520.0, 500.0),
    23: (520.0, 520.0),
    24: (50.0, 10.0),  # a bus stop node, on no way
}

GRID_WAYS: list[WaySpec] = [
    (101, [1, 2, 3], {"highway": "residential", "name": "South Street"}),
    (102, [4, 5, 6], {"highway": "residential"}),
    (103, [7, 8, 9], {"highway": "tertiary"}),
    (104, [1, 4, 7], {"highway": "residential"}),
    (105, [2, 5, 8], {"highway": "living_street"}),
    (106, [3, 6, 9], {"highway": "unclassified"}),
    (107, [4, 5], {"highway": "service"}),  # duplicates 4-5
    (108, [6, 10], {"highway": "motorway"}),
    (109, [9, 11], {"highway": "footway"}),
    (110, [3, 12], {"highway": "residential", "foot": "no"}),
    (111, [1, 13], {"highway": "service", "access": "private"}),
    (112, [7, 14], {"highway": "track", "access": "private", "foot": "yes"}),
    (113, [15, 16], {"highway": "residential"}),
    (114, [2, 17], {"highway": "construction", "construction": "residential"}),
    (115, [8, 9, 19, 18, 8], {"highway": "pedestrian", "area": "yes"}),
    (116, [20, 1], {"highway": "trunk"}),
    (117, [3, 999, 6], {"highway": "residential"}),
    (118, [21, 22, 23, 21], {"building": "yes"}),
]
GRID_NODE_TAGS: dict[int, dict[str, str]] = {24: {"highway": "bus_stop"}}

GRID_KEPT_NODE_IDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 14, 18, 19, 20]
GRID_KEPT_SEGMENTS = [
    (1, 2), (2, 3), (4, 5), (5, 6), (7, 8), (8, 9),
    (1, 4), (4, 7), (2, 5), (5, 8), (3, 6), (6, 9),
    (9, 11), (7, 14), (9, 19), (18, 19), (8, 18), (1, 20),
]  # fmt: skip


def osm_xml(
    nodes: Mapping[int, tuple[float, float]],
    ways: Sequence[WaySpec],
    node_tags: Mapping[int, Mapping[str, str]] | None = None,
) -> str:
    """Return an OSM XML document with the given nodes (lon, lat) and ways."""
    node_tags = node_tags or {}
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="tests">']
    for node_id, (lon, lat) in sorted(nodes.items()):
        tags = node_tags.get(node_id, {})
        attrs = f'id="{node_id}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"'
        if not tags:
            lines.append(f"  <node {attrs}/>")
            continue
        lines.append(f"  <node {attrs}>")
        lines.extend(f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items())
        lines.append("  </node>")
    for way_id, refs, tags in ways:
        lines.append(f'  <way id="{way_id}" version="1">')
        lines.extend(f'    <nd ref="{ref}"/>' for ref in refs)
        lines.extend(f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items())
        lines.append("  </way>")
    lines.append("</osm>")
    return "\n".join(lines) + "\n"


def write_osm_xml(
    path: Path,
    nodes_xy: Mapping[int, tuple[float, float]],
    ways: Sequence[WaySpec],
    node_tags: Mapping[int, Mapping[str, str]] | None = None,
) -> Path:
    """Write an OSM XML file with nodes given in metres from grid node 1."""
    nodes = {node_id: lonlat(x, y) for node_id, (x, y) in nodes_xy.items()}
    path.write_text(osm_xml(nodes, ways, node_tags), encoding="utf-8")
    return path


def write_grid_osm(path: Path) -> Path:
    """Write the grid extract drawn in this module's docstring to ``path`` (.osm)."""
    return write_osm_xml(path, GRID_NODE_XY, GRID_WAYS, GRID_NODE_TAGS)


def convert_osm(src: Path, dst: Path) -> Path:
    """Copy an OSM file to another format (chosen from ``dst``'s extension) with pyosmium."""
    with osmium.SimpleWriter(str(dst), overwrite=True) as writer:
        for obj in osmium.FileProcessor(str(src)):
            writer.add(obj)
    return dst


@pytest.fixture
def grid_osm(tmp_path: Path) -> Path:
    """The grid extract of this module's docstring, as OSM XML in ``tmp_path``."""
    return write_grid_osm(tmp_path / "grid.osm")


@pytest.fixture(scope="session")
def shared_data_dir() -> Path:
    """The real-data folder ``../shared/data``; skips when absent, fails when ``CI`` is set."""
    if not SHARED_DATA_DIR.is_dir():
        msg = f"real-data folder {SHARED_DATA_DIR} not found"
        if os.environ.get("CI"):
            pytest.fail(f"{msg}; CI must provide it")
        pytest.skip(msg)
    return SHARED_DATA_DIR


@functools.cache
def load_real_network(path: Path) -> StreetNetwork:
    """Load a real extract once per test session (shared by every test module)."""
    return load_street_network(path)


@pytest.fixture(scope="session")
def rnv_network(shared_data_dir: Path) -> StreetNetwork:
    """The Rhein-Neckar (Mannheim / Heidelberg) walk network."""
    return load_real_network(shared_data_dir / "rnv" / "rnv.osm.pbf")


@pytest.fixture(scope="session")
def poa_network(shared_data_dir: Path) -> StreetNetwork:
    """The Porto Alegre walk network."""
    return load_real_network(shared_data_dir / "poa" / "poa_osm.pbf")
