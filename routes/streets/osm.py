"""The walkable street network from an OpenStreetMap extract (or an osmnx GraphML file).

:func:`load_street_network` builds a :class:`routes.streets.graph.StreetNetwork`
(the interface agreed with the routing engine) from an ``.osm.pbf`` or ``.osm``
extract: walkable ways, their edges, without R5's walking islands. A
``.graphml`` walk network (saved by osmnx) is read by :mod:`routes.streets.graphml`
and goes through the same walk rules, island filter and assembly.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from routes._crs import local_metric_crs, project_lonlat
from routes._csr import offsets_from_keys
from routes._progress import ProgressCallback, no_progress
from routes.errors import InputError, OsmError
from routes.inputs.osm_file import check_osm_path, is_graphml_path, iter_osm
from routes.streets.graph import StreetNetwork

if TYPE_CHECKING:
    import osmium

# osmium, pyproj and scipy are imported where they are used, so that modules which
# only need the StreetNetwork type (the engine, the cache) import this one cheaply.

__all__ = ["MIN_ISLAND_VERTICES", "WALK_ACCESS_POLICIES", "load_street_network"]

logger = logging.getLogger(__name__)


# highway=* values of ways that do not exist on the ground (yet or any more).
_HIGHWAY_NOT_BUILT = frozenset(
    {"construction", "proposed", "planned", "abandoned", "disused", "razed", "demolished", "no"}
)
# highway=* values closed to pedestrians unless foot=* explicitly allows them.
_HIGHWAY_NO_FOOT = frozenset(
    {"motorway", "motorway_link", "raceway", "bus_guideway", "busway", "escape"}
)
_FOOT_ALLOWED = frozenset({"yes", "designated", "permissive"})
_FOOT_FORBIDDEN = frozenset({"no", "private"})
_ACCESS_FORBIDDEN = frozenset({"no", "private"})

WALK_ACCESS_POLICIES: tuple[str, ...] = ("strict", "permissive")
"""Values of ``walk_access`` in :func:`load_street_network`: ``"strict"`` (the default)
honours ``foot=*`` and ``access=*`` restrictions; ``"permissive"`` ignores them."""
_UNDEFINED_COORDINATE = 2**31 - 1  # osmium's fixed-point value of a missing location
_COORDINATE_PRECISION = 10_000_000  # osmium stores degrees × 1e7 as integers
_N_STAGES = 4
# Log a warning when the smaller components hold more than this share of the nodes,
# and at least this many nodes.
_DROPPED_SHARE_WARN = 0.05
_DROPPED_NODES_WARN = 100
_INT32_MAX = np.iinfo(np.int32).max

MIN_ISLAND_VERTICES = 40
"""R5's ``StreetLayer.MIN_SUBGRAPH_SIZE``: walking islands with fewer vertices are removed."""


def load_street_network(
    osm_path: Path,
    *,
    walk_access: str = "strict",
    ignore_foot_no: bool = False,
    progress: ProgressCallback | None = None,
) -> StreetNetwork:
    """Read the walkable street network from an OpenStreetMap extract.

    Parameters
    ----------
    osm_path
        An OSM extract: ``.osm.pbf`` / ``.pbf``, or ``.osm`` XML optionally
        compressed as ``.osm.gz`` / ``.osm.bz2``. Ways must come after the
        nodes they use, as in every extract written by OSM tools. Or a walk
        network saved by ``osmnx.save_graphml``: ``.graphml`` (``.graphml.gz``),
        read as :func:`routes.streets.graphml.load_graphml_segments` says, with
        the tag rules below applied to its edges where it has the tags, and an
        edge without ``highway`` taken as a street.
    walk_access
        Which legal restrictions decide whether pedestrians may use a way:

        - ``"strict"`` (default, as R5): ways tagged ``foot=no``/``private``,
          or ``access=no``/``private`` without a ``foot`` tag allowing walking,
          are left out.
        - ``"permissive"``: ``foot=*`` and ``access=*`` are ignored, so private
          service roads, bus corridors (``access=no``) and carriageways whose
          sidewalks are mapped separately (``foot=no``) are walked too. Roads
          that are not built and motorway-class roads (unless ``foot`` allows
          walking) stay excluded. This is close to what osm4routing-based
          routers such as ferrobus walk on; use it to compare with them, not
          for accessibility results: people cannot walk through gated
          condominiums or along busways, and points and stops link to the
          nearest segment of *any* kept way, which may be a carriageway or
          corridor joined to the sidewalks only at its ends.
    ignore_foot_no
        Treat ``foot=no`` ways as walkable (``foot=private`` stays excluded).
        For car-routing extracts that lack footways: there ``foot=no`` usually
        marks a road whose sidewalks are mapped as separate ways, and without
        those ways the walk network falls apart into islands.
    progress
        Called as ``progress(done, total)`` after each of the 4 stages
        (read the file, build edges, drop walking islands, project and build
        the CSR arrays).

    Returns
    -------
    StreetNetwork
        Nodes sorted by OSM id, projected to the UTM zone of the network's
        extent; edge lengths are geodesic on the WGS84 ellipsoid, metres (from
        GraphML: the file's ``length``, and new negative ids for the vertices
        of edge shapes).

    Raises
    ------
    InputError
        If ``walk_access`` is not one of :data:`WALK_ACCESS_POLICIES`.
    OsmError
        If the file is missing, has an unsupported extension, cannot be read as
        OSM data (or GraphML), or holds no walkable ways.

    Notes
    -----
    A way is walkable when it has a ``highway`` tag (or is a
    ``railway``/``public_transport`` ``platform``) and

    - ``highway`` is not a road that is not built (``construction``,
      ``proposed``, ``planned``, ``abandoned``, ``disused``, ``razed``...);
    - ``highway`` is not closed to pedestrians (``motorway``,
      ``motorway_link``, ``raceway``, ``bus_guideway``, ``busway``, ``escape``)
      unless ``foot`` is ``yes``/``designated``/``permissive``. Trunk roads
      are kept unless tagged otherwise;
    - ``foot`` is not ``no`` (unless ``ignore_foot_no``) or ``private``;
    - ``access`` is not ``no`` or ``private``, unless ``foot`` allows walking.

    With ``walk_access="permissive"`` the last two rules are dropped.

    ``area=yes`` ways (pedestrian squares) are kept as their outline. Every pair
    of consecutive way nodes becomes an edge; nodes are not contracted. Way
    nodes missing from the extract are skipped (their edges are dropped).
    Parallel edges between the same two nodes are merged (straight segments
    between the same nodes have the same length).

    Walking islands are removed as R5 removes them (``StreetLayer.loadFromOsm``
    runs ``TarjanIslandPruner`` with ``MIN_SUBGRAPH_SIZE = 40``): connected
    components with fewer than :data:`MIN_ISLAND_VERTICES` (40) R5 vertices
    are dropped, larger ones are all kept, so the network may have several
    components. R5's vertices are intersections and way ends; here they are
    counted as the way ends and the nodes referenced twice by the walkable
    ways read (R5 counts references by every way of its OSM store, so it may
    see a few more intersections and keep a few more islands). If no
    component has 40, the one with the most is kept. A warning is logged when
    the dropped islands hold more than 5 % of the walkable nodes (and at
    least 100 nodes).

    Edges of ways tagged ``tunnel=yes``, ``covered=yes`` or
    ``highway=motorway`` are walked but never linked to
    (``StreetNetwork.edge_linkable``; R5's ``TypeOfEdgeLabeler``).
    """
    if walk_access not in WALK_ACCESS_POLICIES:
        msg = (
            f"walk_access must be one of {', '.join(map(repr, WALK_ACCESS_POLICIES))}, "
            f"got {walk_access!r}"
        )
        raise InputError(msg)
    report = progress or no_progress
    started = time.perf_counter()
    osm_path = Path(osm_path)
    fmt = None if is_graphml_path(osm_path) else check_osm_path(osm_path)

    honour_access = walk_access == "strict"
    if not honour_access:
        foot_forbidden: frozenset[str] = frozenset()
    elif ignore_foot_no:
        foot_forbidden = _FOOT_FORBIDDEN - {"no"}
    else:
        foot_forbidden = _FOOT_FORBIDDEN
    length_m: NDArray[np.float64] | None = None  # geodesic, from the coordinates
    n_foot_no_ways = 0
    if fmt is None:
        edges, length_m = _read_graphml(osm_path, foot_forbidden, honour_access=honour_access)
        report(1, _N_STAGES)
    else:
        raw = _read_walkable_ways(osm_path, fmt, foot_forbidden, honour_access=honour_access)
        report(1, _N_STAGES)
        n_foot_no_ways = raw.n_foot_no_ways
        edges = _build_edges(raw, osm_path)
    report(2, _N_STAGES)

    n_nodes = len(edges.node_ids)
    keep, n_components, n_kept = _walking_islands(n_nodes, edges.edge_a, edges.edge_b,
                                                  edges.r5_vertex)
    new_index = np.cumsum(keep, dtype=np.int64) - 1
    edge_keep = keep[edges.edge_a]
    edge_a, edge_b = new_index[edges.edge_a[edge_keep]], new_index[edges.edge_b[edge_keep]]
    n_dropped = n_nodes - int(keep.sum())
    _log_dropped_components(osm_path, n_dropped, n_nodes, n_components - n_kept,
                            n_foot_no_ways)
    node_ids, node_lon, node_lat = (edges.node_ids[keep], edges.node_lon[keep],
                                    edges.node_lat[keep])
    report(3, _N_STAGES)

    network = _assemble(node_ids, node_lon, node_lat, edge_a, edge_b,
                        edges.edge_linkable[edge_keep], osm_path,
                        None if length_m is None else length_m[edge_keep])
    report(4, _N_STAGES)
    logger.info(
        "street network: %s nodes, %s edges; %.1f s",
        f"{network.n_nodes:,}",
        f"{network.n_edges:,}",
        time.perf_counter() - started,
    )
    return network


def _read_graphml(
    path: Path, foot_forbidden: frozenset[str], *, honour_access: bool
) -> tuple[_Edges, NDArray[np.float64]]:
    """Read a GraphML walk network's segments, with the OSM reader's walk rules.

    A GraphML file holds no way ends or shared references, so R5's vertices
    (for the island filter) are taken as the file's own nodes (osmnx keeps
    intersections and dead ends when simplified, every OSM node otherwise; so
    no island R5 keeps is dropped) and any junction among the inner vertices
    of edge shapes. Its edges carry no ``covered`` tag, so every edge is linkable.
    """
    from routes.streets.graphml import load_graphml_segments

    def is_walkable(tags: Mapping[str, str | None]) -> bool:
        # An edge without highway is a street of the graph: OSM's highway=road, of unknown kind.
        return _is_walkable(tags["highway"] or "road", tags["foot"], tags["access"],
                            tags["railway"], tags["public_transport"], foot_forbidden,
                            honour_access=honour_access)

    g = load_graphml_segments(path, is_walkable=is_walkable)
    degree = np.bincount(np.concatenate([g.edge_a, g.edge_b]), minlength=len(g.node_ids))
    edges = _Edges(g.node_ids, g.node_lon, g.node_lat, g.edge_a, g.edge_b,
                   np.ones(len(g.edge_a), dtype=np.bool_), (g.node_ids >= 0) | (degree != 2))
    return edges, g.length_m


def _log_dropped_components(
    osm_path: Path, n_dropped: int, n_nodes: int, n_components: int, n_foot_no_ways: int
) -> None:
    """Log how many nodes the ``n_components`` dropped islands held, as a warning if many."""
    share = n_dropped / n_nodes
    if share <= _DROPPED_SHARE_WARN or n_dropped < _DROPPED_NODES_WARN:
        logger.debug("dropped %d walking islands of %d nodes in all", n_components, n_dropped)
        return
    if n_foot_no_ways:
        hint = (
            f"{n_foot_no_ways:,} ways tagged foot=no were left out: if the extract lacks "
            "footways (e.g. one made for car routing), set walk_access = \"ignore_foot_no\" in "
            "[study_area] of routes.toml"
        )
    else:
        hint = "check that the extract includes the footways and paths that join them"
    logger.warning(
        "%s: %s of %s walkable nodes (%.1f%%), in %s walking islands of fewer than %d "
        "intersections, are cut off from the street network and were dropped (R5's rule), "
        "so points there link to other streets; %s",
        osm_path,
        f"{n_dropped:,}",
        f"{n_nodes:,}",
        100.0 * share,
        f"{n_components:,}",
        MIN_ISLAND_VERTICES,
        hint,
    )


@dataclass(frozen=True, slots=True)
class _RawWays:
    """Node references of walkable ways, concatenated, with osmium fixed-point coordinates."""

    refs: NDArray[np.int64]
    x: NDArray[np.int64]
    y: NDArray[np.int64]
    way_start: NDArray[np.bool_]  # True at the first node of each way
    linkable: NDArray[np.bool_]  # whether the node's way may take links (R5's LINKABLE)
    n_ways: int
    n_foot_no_ways: int  # ways left out because of foot=no


def _read_walkable_ways(
    osm_path: Path, fmt: str, foot_forbidden: frozenset[str], *, honour_access: bool = True
) -> _RawWays:
    """Read every walkable way's node ids and locations in one pass over the file."""
    import osmium

    processor = (
        osmium.FileProcessor(osmium.io.File(str(osm_path), fmt), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway", "railway", "public_transport"))
    )
    refs: list[int] = []
    xs: list[int] = []
    ys: list[int] = []
    way_lengths: list[int] = []
    way_linkable: list[bool] = []
    n_foot_no_ways = 0
    add_ref, add_x, add_y = refs.append, xs.append, ys.append
    for way in _iter_checked(processor, osm_path):
        tags = way.tags
        foot = tags.get("foot")
        other = (tags.get("access"), tags.get("railway"), tags.get("public_transport"))
        highway = tags.get("highway")
        if not _is_walkable(highway, foot, *other, foot_forbidden, honour_access=honour_access):
            # Count the ways left out only because of foot=no, for the warning's hint.
            n_foot_no_ways += foot == "no" and _is_walkable(highway, None, *other)
            continue
        nodes = way.nodes
        if len(nodes) < 2:
            continue
        for node in nodes:
            add_ref(node.ref)
            add_x(node.x)
            add_y(node.y)
        way_lengths.append(len(nodes))
        way_linkable.append(_is_linkable(highway, tags.get("tunnel"), tags.get("covered")))
    lengths = np.asarray(way_lengths, dtype=np.int64)
    way_start = np.zeros(len(refs), dtype=np.bool_)
    way_start[np.cumsum(lengths) - lengths] = True
    logger.debug(
        "read %d walkable ways with %d way nodes from %s", len(lengths), len(refs), osm_path
    )
    return _RawWays(
        refs=np.asarray(refs, dtype=np.int64),
        x=np.asarray(xs, dtype=np.int64),
        y=np.asarray(ys, dtype=np.int64),
        way_start=way_start,
        linkable=np.repeat(np.asarray(way_linkable, dtype=np.bool_), lengths),
        n_ways=len(lengths),
        n_foot_no_ways=n_foot_no_ways,
    )


def _iter_checked(processor: osmium.FileProcessor, osm_path: Path) -> Iterator[osmium.osm.Way]:
    """Iterate ``processor``, turning osmium's read errors into OsmError."""
    import osmium

    for obj in iter_osm(processor, osm_path):
        if isinstance(obj, osmium.osm.Way):  # always, given the entity filter
            yield obj


def _is_walkable(
    highway: str | None,
    foot: str | None,
    access: str | None,
    railway: str | None,
    public_transport: str | None,
    foot_forbidden: frozenset[str] = _FOOT_FORBIDDEN,
    *,
    honour_access: bool = True,
) -> bool:
    """Decide from a way's tags whether pedestrians may use it (see load_street_network).

    ``honour_access=False`` (``walk_access="permissive"``) ignores ``access=*``;
    pass an empty ``foot_forbidden`` to ignore ``foot=no``/``private`` too.
    """
    foot = foot.strip().lower() if foot else None
    if foot in foot_forbidden:
        return False
    foot_allowed = foot in _FOOT_ALLOWED
    if (
        honour_access
        and access
        and access.strip().lower() in _ACCESS_FORBIDDEN
        and not foot_allowed
    ):
        return False
    if highway is None:
        return railway == "platform" or public_transport == "platform"
    if highway in _HIGHWAY_NOT_BUILT:
        return False
    return highway not in _HIGHWAY_NO_FOOT or foot_allowed


def _is_linkable(highway: str | None, tunnel: str | None, covered: str | None) -> bool:
    """Whether points and stops may link to a way (R5's ``TypeOfEdgeLabeler``).

    R5 gives every way the ``LINKABLE`` flag unless it has ``tunnel=yes``,
    ``covered=yes`` or ``highway=motorway`` (exact values: ``tunnel=building_passage``
    or ``highway=motorway_link`` stay linkable).
    """
    return not (tunnel == "yes" or covered == "yes" or highway == "motorway")


@dataclass(frozen=True, slots=True)
class _Edges:
    """Unique undirected edges ``a < b`` over sorted node ids, and per-node facts."""

    node_ids: NDArray[np.int64]
    node_lon: NDArray[np.float64]
    node_lat: NDArray[np.float64]
    edge_a: NDArray[np.int64]
    edge_b: NDArray[np.int64]
    edge_linkable: NDArray[np.bool_]  # any of the ways drawing the edge is linkable
    r5_vertex: NDArray[np.bool_]  # a way end, or a node two walkable ways share (R5's vertex)


def _build_edges(raw: _RawWays, osm_path: Path) -> _Edges:
    """Turn consecutive way nodes into unique undirected edges ``a < b`` over sorted node ids."""
    valid = (raw.x != _UNDEFINED_COORDINATE) & (raw.y != _UNDEFINED_COORDINATE)
    consecutive = ~raw.way_start[1:] & valid[:-1] & valid[1:] & (raw.refs[:-1] != raw.refs[1:])
    u_pos = np.flatnonzero(consecutive)
    n_missing = int((~valid).sum())
    if n_missing:
        logger.debug(
            "%d way nodes have no location in %s; their edges are skipped", n_missing, osm_path
        )
    if len(u_pos) == 0:
        if raw.n_ways:
            detail = f"{raw.n_ways:,} walkable ways were found but none has two located nodes"
        else:
            detail = "no walkable highway=* ways were found"
        msg = (
            f"{osm_path}: {detail}; use an extract that covers the study area's streets "
            "(with its nodes), not one filtered to other features"
        )
        raise OsmError(msg)
    end_pos = np.concatenate([u_pos, u_pos + 1])
    node_ids, first, inverse = np.unique(raw.refs[end_pos], return_index=True, return_inverse=True)
    node_pos = end_pos[first]
    node_lon = raw.x[node_pos] / _COORDINATE_PRECISION
    node_lat = raw.y[node_pos] / _COORDINATE_PRECISION
    u, v = inverse[: len(u_pos)], inverse[len(u_pos) :]
    # Straight segments between the same two nodes have the same length, so merging
    # parallel edges by their end points keeps the shortest.
    key, edge_of = np.unique(np.minimum(u, v) * len(node_ids) + np.maximum(u, v),
                             return_inverse=True)
    edge_a, edge_b = np.divmod(key, len(node_ids))
    linkable = np.zeros(len(key), dtype=np.bool_)
    np.logical_or.at(linkable, edge_of.ravel(), raw.linkable[u_pos])
    # R5's street vertices: nodes referenced twice by the ways read (intersections,
    # closed ways) and way ends (osm-lib's intersection detection, StreetLayer.makeEdges).
    way_end = raw.way_start | np.r_[raw.way_start[1:], True]
    ref_ids, n_refs = np.unique(raw.refs[valid], return_counts=True)
    shared = np.zeros(len(node_ids), dtype=np.bool_)
    at = np.searchsorted(ref_ids, node_ids)
    shared[:] = n_refs[np.minimum(at, len(ref_ids) - 1)] >= 2
    ends = np.isin(node_ids, raw.refs[way_end & valid])
    return _Edges(node_ids, node_lon, node_lat, edge_a, edge_b, linkable, shared | ends)


def _walking_islands(
    n_nodes: int, edge_a: NDArray[np.int64], edge_b: NDArray[np.int64],
    r5_vertex: NDArray[np.bool_],
) -> tuple[NDArray[np.bool_], int, int]:
    """Keep the connected components with at least :data:`MIN_ISLAND_VERTICES` R5 vertices.

    R5 removes walking islands with ``TarjanIslandPruner(streetLayer,
    MIN_SUBGRAPH_SIZE = 40, StreetMode.WALK)`` (``StreetLayer.loadFromOsm``):
    strongly connected components of fewer than 40 *vertices* lose their
    pedestrian permission, larger ones stay. R5's vertices are intersections
    and way ends, not every OSM node, so ``r5_vertex`` marks the nodes that
    count. Walking goes both ways, so strong components are connected
    components. When no component reaches 40 vertices (a tiny extract, on which
    R5 would route nothing) the one with the most vertices is kept.

    Returns
    -------
    keep, n_components, n_kept
        Mask of the nodes kept, the number of components, and of those kept.
    """
    import scipy.sparse
    from scipy.sparse.csgraph import connected_components

    graph = scipy.sparse.coo_matrix(
        (np.ones(len(edge_a), dtype=np.int8), (edge_a, edge_b)), shape=(n_nodes, n_nodes)
    ).tocsr()
    n_components, labels = connected_components(graph, directed=False)
    vertices = np.bincount(labels, weights=r5_vertex, minlength=n_components)
    kept = vertices >= MIN_ISLAND_VERTICES
    if not kept.any():
        nodes = np.bincount(labels, minlength=n_components)
        kept[np.lexsort((-nodes, -vertices))[0]] = True
    return kept[labels], int(n_components), int(kept.sum())


def _assemble(
    node_ids: NDArray[np.int64],
    node_lon: NDArray[np.float64],
    node_lat: NDArray[np.float64],
    edge_a: NDArray[np.int64],
    edge_b: NDArray[np.int64],
    edge_linkable: NDArray[np.bool_],
    osm_path: Path,
    length_m: NDArray[np.float64] | None = None,
) -> StreetNetwork:
    """Project the nodes, measure the edges (unless given) and lay both directions out as CSR."""
    from pyproj import Geod

    n = len(node_ids)
    if n > _INT32_MAX or 2 * len(edge_a) > _INT32_MAX:
        msg = (
            f"{osm_path}: the walk network has {n:,} nodes and {2 * len(edge_a):,} edges, "
            "more than int32 indexes hold; clip the extract to the study area"
        )
        raise OsmError(msg)
    crs = local_metric_crs(node_lon.min(), node_lat.min(), node_lon.max(), node_lat.max())
    node_x_m, node_y_m = project_lonlat(node_lon, node_lat, crs)
    if length_m is None:
        _, _, length = Geod(ellps="WGS84").inv(
            node_lon[edge_a], node_lat[edge_a], node_lon[edge_b], node_lat[edge_b]
        )
    else:
        length = length_m
    rows = np.concatenate([edge_a, edge_b])
    cols = np.concatenate([edge_b, edge_a])
    order = np.lexsort((cols, rows))
    indptr = offsets_from_keys(rows, n, dtype=np.int32)
    return StreetNetwork(
        crs=crs,
        node_osm_ids=node_ids.astype(np.int64, copy=False),
        node_lon=node_lon,
        node_lat=node_lat,
        node_x_m=node_x_m,
        node_y_m=node_y_m,
        indptr=indptr,
        indices=cols[order].astype(np.int32),
        length_m=np.concatenate([length, length])[order].astype(np.float64, copy=False),
        edge_linkable=(None if edge_linkable.all()
                       else np.concatenate([edge_linkable, edge_linkable])[order]),
    )


