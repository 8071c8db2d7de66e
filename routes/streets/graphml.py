"""Street networks in GraphML, the file format of osmnx (``save_graphml`` / ``load_graphml``).

:func:`load_graphml_segments` reads the walkable street segments of a GraphML
walk network, for :func:`routes.streets.osm.load_street_network`, which builds
the :class:`~routes.streets.graph.StreetNetwork` from them as from an OSM
extract; :func:`write_graphml` writes a street network as GraphML that
``osmnx.load_graphml`` opens; :func:`osmnx_graph_from_network` hands it to osmnx
in memory (the optional ``osmnx`` extra). The XML is read in
``_graphml_xml.py`` and checked and turned into segments in ``_graphml_build.py``.

GraphML is XML, read with the standard library's streaming parser: a walk
network needs a handful of attributes, which does not call for networkx, whose
reader would hold the whole graph as Python dicts before it became arrays.
"""

from __future__ import annotations

import gzip
import io
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING
from xml.sax.saxutils import escape

import numpy as np
from numpy.typing import NDArray

from routes._csr import owners
from routes._optional import import_optional_dependency
from routes.errors import InputError, OsmError
from routes.inputs.osm_file import is_graphml_path
from routes.streets import _graphml_build as build
from routes.streets._graphml_build import EdgeRule
from routes.streets._graphml_xml import WALK_TAGS, Problems, read_raw_graph
from routes.streets.graph import StreetNetwork

if TYPE_CHECKING:
    import networkx

__all__ = [
    "WALK_TAGS",
    "EdgeRule",
    "GraphmlSegments",
    "load_graphml_segments",
    "osmnx_graph_from_network",
    "write_graphml",
]

logger = logging.getLogger(__name__)

_GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"


@dataclass(frozen=True, slots=True)
class GraphmlSegments:
    """The walkable street segments of a GraphML file, before the component filter.

    Attributes
    ----------
    node_ids
        Node ids, ``int64``, sorted: the file's where they are integers (OSM
        node ids in osmnx files), and new negative ones, below every other, for
        the rest and for the inner vertices of edge shapes.
    node_lon, node_lat
        WGS84 coordinates of each node, degrees.
    edge_a, edge_b
        Indexes into the node arrays of the two ends of each segment,
        ``int64``, ``edge_a < edge_b``, every pair once.
    length_m
        Length of each segment, metres.
    n_edges_read
        Edges in the file, counting each direction.
    n_edges_walkable
        Of those, the edges ``is_walkable`` kept.
    """

    node_ids: NDArray[np.int64]
    node_lon: NDArray[np.float64]
    node_lat: NDArray[np.float64]
    edge_a: NDArray[np.int64]
    edge_b: NDArray[np.int64]
    length_m: NDArray[np.float64]
    n_edges_read: int
    n_edges_walkable: int


def load_graphml_segments(path: Path, *, is_walkable: EdgeRule | None = None) -> GraphmlSegments:
    """Read the walkable street segments of a GraphML walk network, such as osmnx saves.

    Parameters
    ----------
    path
        A ``.graphml`` file (``.graphml.gz`` if gzip-compressed), e.g. written
        by ``osmnx.save_graphml`` or :func:`write_graphml`.
    is_walkable
        Called per edge with one value of each of :data:`WALK_TAGS` (``None``
        where absent); edges it refuses are left out. ``None`` keeps them all.

    Returns
    -------
    GraphmlSegments
        Nodes and undirected segments with their lengths in metres.

    Raises
    ------
    OsmError
        If the file is missing, is not GraphML or has no walkable edge; or
        listing every kind of problem found in it, with a count and examples:
        a missing or unknown ``crs``, nodes without numeric ``x``/``y``,
        duplicate node ids, edges between unknown nodes, lengths that are not
        metres, geometries that are not LineStrings between their nodes.

    Notes
    -----
    What is read, and what is assumed:

    - **Coordinates**: node ``x``/``y`` in the graph's ``crs`` attribute:
      osmnx writes ``epsg:4326``, or for a projected graph its CRS, which is
      transformed back to WGS84. The CRS is never guessed: without ``crs`` the
      file is refused.
    - **Directions**: pedestrians walk both ways, so every edge is a street
      segment walked in both directions, whichever directions the file holds
      (osmnx walk networks hold both). The two directions of a street, and
      parallel edges along the same line, are one segment (the shortest).
    - **Shapes**: an edge with a ``geometry`` (a WKT LineString, as in
      simplified osmnx graphs) follows it: its inner vertices become nodes
      (with negative ids), so points link to the street where it runs, not to
      the straight line between its ends. Edges never share inner vertices: ways
      that cross without a common node are not joined.
    - **Lengths**: ``length`` (metres; osmnx's great-circle length) when
      present, shared among the pieces of a shape in proportion to their
      geodesic lengths; otherwise the geodesic length on the WGS84 ellipsoid,
      as the OSM reader measures. A ``length`` more than 1 % + 1 m shorter than
      the edge's shape is refused (it is not in metres).
    - **Tags**: ``highway``, ``foot``, ``access``, ``railway`` and
      ``public_transport`` go to ``is_walkable``. An edge that merges ways with
      different values (osmnx writes a list, e.g. ``['footway', 'steps']``)
      must be walkable with every combination of them. Tags the file lacks
      are ``None``; by default osmnx keeps ``highway`` and ``access`` but not
      ``foot`` (add it to ``osmnx.settings.useful_tags_way`` before
      downloading to keep it).
    """
    path = Path(path)
    _check_path(path)
    raw = read_raw_graph(path)
    problems = Problems()
    to_lonlat = build.to_lonlat_transform(raw.graph_attrs.get("crs"), problems)
    lon, lat = build.node_coordinates(raw, to_lonlat, problems)
    u, v = build.edge_ends(raw, problems)
    walkable = build.walkable_edges(raw, is_walkable) & (u >= 0) & (v >= 0)
    given_m = build.edge_lengths(raw, problems)
    chains = build.edge_chains(raw, walkable, u, v, lon, lat, to_lonlat, problems)
    problems.raise_if_any(path)

    pieces = build.Pieces.build(walkable, u, v, given_m, chains, len(raw.node_ids))
    lon = np.concatenate([lon, pieces.vertex_lon])
    lat = np.concatenate([lat, pieces.vertex_lat])
    length_m = pieces.lengths(lon, lat, given_m, raw, problems)
    problems.raise_if_any(path)
    if not raw.edge_source:
        msg = f"{path}: holds no edges; save the street network with its streets"
        raise OsmError(msg)
    if not np.any(pieces.a != pieces.b):
        msg = (
            f"{path}: none of its {len(raw.edge_source):,} edges is a walkable street "
            "(its highway, foot or access tags exclude them all); save a walk network "
            '(osmnx network_type="walk"), or set walk_access = "permissive" in routes.toml'
        )
        raise OsmError(msg)
    ids, lon, lat, a, b, length_m = build.merge_segments(pieces, length_m, lon, lat,
                                                         raw.node_ids)
    logger.debug("%s: %d of %d edges walkable; %d nodes, %d segments", path,
                 int(walkable.sum()), len(raw.edge_source), len(ids), len(a))
    return GraphmlSegments(node_ids=ids, node_lon=lon, node_lat=lat, edge_a=a, edge_b=b,
                           length_m=length_m, n_edges_read=len(raw.edge_source),
                           n_edges_walkable=int(walkable.sum()))


def _check_path(path: Path) -> None:
    if not path.exists():
        msg = f"{path}: street network not found; check the path (the study area's `osm` setting)"
        raise OsmError(msg)
    if not path.is_file():
        msg = f"{path}: is not a file; point the study area's `osm` setting at a GraphML file"
        raise OsmError(msg)


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------


def write_graphml(network: StreetNetwork, path: Path, *, overwrite: bool = False) -> Path:
    """Write a street network as GraphML that ``osmnx.load_graphml`` opens.

    Parameters
    ----------
    network
        The walk network, e.g. from :func:`routes.streets.osm.load_street_network`.
    path
        The file to write: ``.graphml``, or ``.graphml.gz`` to compress it
        (osmnx and networkx read both).
    overwrite
        Replace an existing file; otherwise refuse.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    InputError
        If ``path`` does not end in ``.graphml`` or ``.graphml.gz``.
    OutputExistsError
        If ``path`` exists and ``overwrite`` is false.

    Notes
    -----
    The graph is an osmnx walk network, unsimplified: a ``MultiDiGraph`` with
    ``crs`` ``epsg:4326``; nodes keyed by OSM node id with ``x`` (longitude),
    ``y`` (latitude) and ``street_count``; every street segment as two edges,
    one each way, with ``length`` (metres, as routed), ``oneway`` ``False`` and
    ``reversed``. Way tags and ids are not kept: the network holds none.
    Numbers are written in full precision, so reading the file back (osmnx, or
    ``[study_area] osm = "....graphml"``) gives the same coordinates and
    lengths, and so the same walks. The bytes depend only on the network (and
    the package version, in ``created_with``).
    """
    from routes.io import atomic_path  # imported here: it loads geopandas

    path = Path(path)
    if not is_graphml_path(path):
        msg = f"{path}: name the GraphML file .graphml (or .graphml.gz to compress it)"
        raise InputError(msg)
    with atomic_path(path, overwrite=overwrite) as tmp:
        with tmp.open("wb") as binary:
            if path.name.lower().endswith(".gz"):
                with gzip.GzipFile(filename="", mode="wb", fileobj=binary, mtime=0) as packed:
                    _write_text(network, packed)
            else:
                _write_text(network, binary)
        os.chmod(tmp, 0o644)
    logger.info("wrote %s nodes and %s edges to %s", f"{network.n_nodes:,}",
                f"{network.n_edges:,}", path)
    return path


def _write_text(network: StreetNetwork, binary: IO[bytes] | gzip.GzipFile) -> None:
    text = io.TextIOWrapper(binary, encoding="utf-8", newline="\n")
    for chunk in _graphml_chunks(network):
        text.write(chunk)
    text.flush()
    text.detach()


_KEYS = (
    ("d0", "graph", "created_with"), ("d1", "graph", "crs"), ("d2", "graph", "simplified"),
    ("d3", "node", "y"), ("d4", "node", "x"), ("d5", "node", "street_count"),
    ("d6", "edge", "oneway"), ("d7", "edge", "reversed"), ("d8", "edge", "length"),
)


def _graphml_chunks(network: StreetNetwork) -> Iterator[str]:
    """Yield the GraphML document in chunks of a few thousand lines."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        created_with = f"community-routes {version('community-routes')}"
    except PackageNotFoundError:  # a source tree that is not installed
        created_with = "community-routes"
    head = [
        "<?xml version='1.0' encoding='utf-8'?>",
        f'<graphml xmlns="{_GRAPHML_NS}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{_GRAPHML_NS} {_GRAPHML_NS}/1.0/graphml.xsd">',
        *(f'  <key id="{k}" for="{domain}" attr.name="{name}" attr.type="string" />'
          for k, domain, name in _KEYS),
        '  <graph edgedefault="directed">',
        f'    <data key="d0">{escape(created_with)}</data>',
        '    <data key="d1">epsg:4326</data>',
        '    <data key="d2">False</data>',
    ]
    yield "\n".join(head) + "\n"
    ids = network.node_osm_ids.tolist()
    lon, lat = network.node_lon.tolist(), network.node_lat.tolist()
    degree = np.diff(network.indptr).tolist()
    step = 4096
    for start in range(0, network.n_nodes, step):
        yield "".join(
            f'    <node id="{ids[i]}"><data key="d3">{lat[i]!r}</data>'
            f'<data key="d4">{lon[i]!r}</data><data key="d5">{degree[i]}</data></node>\n'
            for i in range(start, min(start + step, network.n_nodes))
        )
    rows = owners(network.indptr).tolist()
    cols = network.indices.tolist()
    length = network.length_m.tolist()
    for start in range(0, network.n_edges, step):
        yield "".join(
            f'    <edge source="{ids[rows[e]]}" target="{ids[cols[e]]}" id="0">'
            f'<data key="d6">False</data><data key="d7">{rows[e] > cols[e]}</data>'
            f'<data key="d8">{length[e]!r}</data></edge>\n'
            for e in range(start, min(start + step, network.n_edges))
        )
    yield "  </graph>\n</graphml>\n"


def osmnx_graph_from_network(network: StreetNetwork) -> networkx.MultiDiGraph:
    """Return a street network as an osmnx graph, in memory.

    Parameters
    ----------
    network
        The walk network.

    Returns
    -------
    networkx.MultiDiGraph
        The graph ``osmnx.load_graphml`` makes of :func:`write_graphml`'s
        file (see there for its attributes), ready for osmnx's functions.

    Raises
    ------
    OptionalDependencyError
        If osmnx is not installed (``pip install "community-routes[osmnx]"``).
    """
    ox = import_optional_dependency("osmnx", extra="osmnx", purpose="for osmnx graphs")
    graph: networkx.MultiDiGraph = ox.load_graphml(graphml_str="".join(_graphml_chunks(network)))
    return graph
