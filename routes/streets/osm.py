"""The walkable street network from an OpenStreetMap extract, as CSR arrays.

:class:`StreetNetwork` is the interface agreed with the routing engine.
:func:`load_street_network` builds one from an ``.osm.pbf`` or ``.osm`` extract;
:func:`network_to_arrays` and :func:`network_from_arrays` flatten it to, and
check it back from, plain arrays for the on-disk cache.
"""

from __future__ import annotations

import dataclasses
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
from routes.errors import CacheError, InputError, OsmError, join_problems

if TYPE_CHECKING:
    import osmium
    import scipy.sparse

# osmium, pyproj and scipy are imported where they are used, so that modules which
# only need the StreetNetwork type (the engine, the cache) import this one cheaply.

__all__ = [
    "OSM_EXTENSIONS",
    "WALK_ACCESS_POLICIES",
    "StreetNetwork",
    "load_street_network",
    "network_from_arrays",
    "network_to_arrays",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StreetNetwork:
    """An undirected walk graph in a local metric CRS, stored as CSR arrays.

    Every edge is stored in both directions. Only the largest connected
    component is kept, so every node can reach every other.

    Attributes
    ----------
    crs
        The local metric CRS of ``node_x_m``/``node_y_m`` (a UTM zone chosen
        from the extent), as an authority string such as ``"EPSG:32722"``.
    node_osm_ids
        OSM node id of each graph node, ``int64``.
    node_lon, node_lat
        WGS84 coordinates of each node, degrees.
    node_x_m, node_y_m
        Coordinates of each node in ``crs``, metres.
    indptr
        CSR row offsets, ``int32`` of length ``n_nodes + 1``.
    indices
        CSR column indexes (neighbour node of each edge), ``int32``.
    length_m
        Length of each edge, metres, ``float64``.
    """

    crs: str
    node_osm_ids: NDArray[np.int64]
    node_lon: NDArray[np.float64]
    node_lat: NDArray[np.float64]
    node_x_m: NDArray[np.float64]
    node_y_m: NDArray[np.float64]
    indptr: NDArray[np.int32]
    indices: NDArray[np.int32]
    length_m: NDArray[np.float64]

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_osm_ids)

    @property
    def n_edges(self) -> int:
        """Number of directed edges (twice the number of street segments)."""
        return len(self.indices)

    def to_csr_matrix(self) -> scipy.sparse.csr_matrix:
        """Return the graph as an ``n_nodes`` × ``n_nodes`` sparse matrix of edge lengths.

        Returns
        -------
        scipy.sparse.csr_matrix
            Entry ``[i, j]`` is the length in metres of the edge from node ``i``
            to node ``j``. The matrix shares memory with this network (do not
            modify it). Zero-length edges (distinct OSM nodes at the same
            position) are stored as explicit zeros, which
            ``scipy.sparse.csgraph`` treats as edges.
        """
        import scipy.sparse

        n = self.n_nodes
        return scipy.sparse.csr_matrix(
            (self.length_m, self.indices, self.indptr), shape=(n, n), copy=False
        )


OSM_EXTENSIONS: dict[str, str] = {
    ".osm.pbf": "pbf",
    ".pbf": "pbf",
    ".osm": "osm",
    ".osm.gz": "osm.gz",
    ".osm.bz2": "osm.bz2",
}
"""Accepted file-name endings (case-insensitive) and the osmium format each is read as."""

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
        nodes they use, as in every extract written by OSM tools.
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
        (read the file, build edges, keep the largest component, project and
        build the CSR arrays).

    Returns
    -------
    StreetNetwork
        Nodes sorted by OSM id, projected to the UTM zone of the network's
        extent; edge lengths are geodesic on the WGS84 ellipsoid, metres.

    Raises
    ------
    InputError
        If ``walk_access`` is not one of :data:`WALK_ACCESS_POLICIES`.
    OsmError
        If the file is missing, has an unsupported extension, cannot be read as
        OSM data, or holds no walkable ways.

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
    between the same nodes have the same length). Only the largest connected
    component is kept; a warning is logged when the other components hold
    more than 5 % of the walkable nodes (and at least 100 nodes).
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
    fmt = _check_osm_path(osm_path)

    honour_access = walk_access == "strict"
    if not honour_access:
        foot_forbidden: frozenset[str] = frozenset()
    elif ignore_foot_no:
        foot_forbidden = _FOOT_FORBIDDEN - {"no"}
    else:
        foot_forbidden = _FOOT_FORBIDDEN
    raw = _read_walkable_ways(osm_path, fmt, foot_forbidden, honour_access=honour_access)
    report(1, _N_STAGES)

    node_ids, node_lon, node_lat, edge_a, edge_b = _build_edges(raw, osm_path)
    report(2, _N_STAGES)

    keep, n_components = _largest_component(len(node_ids), edge_a, edge_b)
    new_index = np.cumsum(keep, dtype=np.int64) - 1
    edge_keep = keep[edge_a]
    edge_a, edge_b = new_index[edge_a[edge_keep]], new_index[edge_b[edge_keep]]
    n_dropped = len(node_ids) - int(keep.sum())
    _log_dropped_components(osm_path, n_dropped, len(node_ids), n_components, raw.n_foot_no_ways)
    node_ids, node_lon, node_lat = node_ids[keep], node_lon[keep], node_lat[keep]
    report(3, _N_STAGES)

    network = _assemble(node_ids, node_lon, node_lat, edge_a, edge_b, osm_path)
    report(4, _N_STAGES)
    logger.info(
        "street network: %s nodes, %s edges; %.1f s",
        f"{network.n_nodes:,}",
        f"{network.n_edges:,}",
        time.perf_counter() - started,
    )
    return network


def _log_dropped_components(
    osm_path: Path, n_dropped: int, n_nodes: int, n_components: int, n_foot_no_ways: int
) -> None:
    """Log how many nodes fell outside the largest component, as a warning if many did."""
    share = n_dropped / n_nodes
    if share <= _DROPPED_SHARE_WARN or n_dropped < _DROPPED_NODES_WARN:
        logger.debug(
            "kept the largest of %d connected components; dropped %d nodes",
            n_components,
            n_dropped,
        )
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
        "%s: %s of %s walkable nodes (%.1f%%), in %s smaller components, are cut off from "
        "the main street network and were dropped, so points there snap to distant "
        "streets; %s",
        osm_path,
        f"{n_dropped:,}",
        f"{n_nodes:,}",
        100.0 * share,
        f"{n_components - 1:,}",
        hint,
    )


def _check_osm_path(osm_path: Path) -> str:
    """Return the osmium format string for ``osm_path``, or raise OsmError."""
    name = osm_path.name.lower()
    fmt = next((f for ext, f in OSM_EXTENSIONS.items() if name.endswith(ext)), None)
    if fmt is None:
        accepted = ", ".join(OSM_EXTENSIONS)
        msg = (
            f"{osm_path}: unsupported OSM file extension; accepted are {accepted} "
            "(convert other formats with `osmium cat IN -o OUT.osm.pbf`)"
        )
        raise OsmError(msg)
    if not osm_path.exists():
        msg = f"{osm_path}: OSM extract not found; check the path (the study area's `osm` setting)"
        raise OsmError(msg)
    if not osm_path.is_file():
        msg = f"{osm_path}: is not a file; point the study area's `osm` setting at an OSM extract"
        raise OsmError(msg)
    return fmt


@dataclass(frozen=True, slots=True)
class _RawWays:
    """Node references of walkable ways, concatenated, with osmium fixed-point coordinates."""

    refs: NDArray[np.int64]
    x: NDArray[np.int64]
    y: NDArray[np.int64]
    way_start: NDArray[np.bool_]  # True at the first node of each way
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
        n_ways=len(lengths),
        n_foot_no_ways=n_foot_no_ways,
    )


def _iter_checked(processor: osmium.FileProcessor, osm_path: Path) -> Iterator[osmium.osm.Way]:
    """Iterate ``processor``, turning osmium's read errors into OsmError."""
    import osmium

    iterator = iter(processor)
    while True:
        try:
            obj = next(iterator)
        except StopIteration:
            return
        except (RuntimeError, ValueError, osmium.InvalidLocationError) as exc:
            raise OsmError(_unreadable_message(osm_path, exc)) from exc
        if isinstance(obj, osmium.osm.Way):  # always, given the entity filter
            yield obj


def _unreadable_message(osm_path: Path, exc: BaseException) -> str:
    """Describe a file osmium could not read, with a hint about what it might be."""
    with osm_path.open("rb") as fh:
        magic = fh.read(4)
    if magic.startswith(b"PK\x03\x04"):
        what = "is a ZIP archive, not an OSM extract; unzip it and use the .osm.pbf inside"
    elif magic.startswith(b"\x1f\x8b") and not osm_path.name.lower().endswith(".gz"):
        what = "is gzip-compressed; name it .osm.gz (if it is OSM XML) or decompress it"
    else:
        what = (
            "cannot be read as OpenStreetMap data; check that it is a complete OSM extract "
            "in the format its extension says (re-download it or re-export it with osmium)"
        )
    return f"{osm_path}: {what} (osmium: {exc})"


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


def _build_edges(
    raw: _RawWays, osm_path: Path
) -> tuple[
    NDArray[np.int64],
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.int64],
    NDArray[np.int64],
]:
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
    key = np.unique(np.minimum(u, v) * len(node_ids) + np.maximum(u, v))
    edge_a, edge_b = np.divmod(key, len(node_ids))
    return node_ids, node_lon, node_lat, edge_a, edge_b


def _largest_component(
    n_nodes: int, edge_a: NDArray[np.int64], edge_b: NDArray[np.int64]
) -> tuple[NDArray[np.bool_], int]:
    """Return a mask of the nodes in the largest connected component, and the component count."""
    import scipy.sparse
    from scipy.sparse.csgraph import connected_components

    graph = scipy.sparse.coo_matrix(
        (np.ones(len(edge_a), dtype=np.int8), (edge_a, edge_b)), shape=(n_nodes, n_nodes)
    ).tocsr()
    n_components, labels = connected_components(graph, directed=False)
    largest = np.argmax(np.bincount(labels))
    return labels == largest, int(n_components)


def _assemble(
    node_ids: NDArray[np.int64],
    node_lon: NDArray[np.float64],
    node_lat: NDArray[np.float64],
    edge_a: NDArray[np.int64],
    edge_b: NDArray[np.int64],
    osm_path: Path,
) -> StreetNetwork:
    """Project the nodes, measure the edges and lay both directions out as CSR arrays."""
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
    _, _, length = Geod(ellps="WGS84").inv(
        node_lon[edge_a], node_lat[edge_a], node_lon[edge_b], node_lat[edge_b]
    )
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
    )


_ARRAY_DTYPES: dict[str, type[np.generic]] = {
    "node_osm_ids": np.int64,
    "node_lon": np.float64,
    "node_lat": np.float64,
    "node_x_m": np.float64,
    "node_y_m": np.float64,
    "indptr": np.int32,
    "indices": np.int32,
    "length_m": np.float64,
}


def network_to_arrays(network: StreetNetwork) -> dict[str, np.ndarray]:
    """Return a network's fields as arrays, e.g. to save with ``numpy.savez``.

    Parameters
    ----------
    network
        The network to flatten.

    Returns
    -------
    dict of str to numpy.ndarray
        One entry per ``StreetNetwork`` field, keyed by field name. ``crs`` is a
        0-d unicode array, so the dict can be saved with ``allow_pickle=False``.
        The node and edge arrays are the network's own (not copies).
    """
    arrays: dict[str, np.ndarray] = {"crs": np.array(network.crs, dtype=np.str_)}
    for field in dataclasses.fields(network):
        if field.name != "crs":
            arrays[field.name] = getattr(network, field.name)
    return arrays


def network_from_arrays(arrays: Mapping[str, np.ndarray]) -> StreetNetwork:
    """Rebuild a network from :func:`network_to_arrays` output, checking its consistency.

    Parameters
    ----------
    arrays
        A mapping holding at least the ``StreetNetwork`` field names, such as
        an ``NpzFile``. Extra keys are ignored.

    Returns
    -------
    StreetNetwork
        A network whose arrays have the contract dtypes (converted only when
        that is lossless) and are C-contiguous.

    Raises
    ------
    CacheError
        Listing every problem found: missing arrays, wrong dtypes or shapes, CSR
        offsets that are not a valid CSR layout, indexes out of range, negative
        or non-finite lengths.
    """
    problems: list[str] = []
    missing = [name for name in ("crs", *_ARRAY_DTYPES) if name not in arrays]
    if missing:
        problems.append(f"missing arrays {missing!r}")
    crs = ""
    if "crs" in arrays:
        crs_array = np.asarray(arrays["crs"])
        if crs_array.ndim != 0 or crs_array.dtype.kind != "U" or not crs_array.item():
            problems.append(
                f"'crs' must be a non-empty 0-d unicode array, got {crs_array.dtype} "
                f"{crs_array.shape}"
            )
        else:
            crs = str(crs_array.item())
    out: dict[str, np.ndarray] = {}
    for name, dtype in _ARRAY_DTYPES.items():
        if name not in arrays:
            continue
        array = np.asarray(arrays[name])
        problem = _dtype_problem(name, array, np.dtype(dtype))
        if problem:
            problems.append(problem)
        else:
            out[name] = np.ascontiguousarray(array, dtype=dtype)
    if not problems:
        problems.extend(_csr_problems(out))
    if problems:
        msg = (
            f"street-network cache: {join_problems(problems)}\n"
            "delete the cached network (`routes cache clear`) so it is rebuilt from the OSM extract"
        )
        raise CacheError(msg)
    return StreetNetwork(crs=crs, **out)


def _dtype_problem(name: str, array: np.ndarray, dtype: np.dtype[np.generic]) -> str | None:
    """Describe why ``array`` cannot be converted losslessly to a 1-d ``dtype`` array."""
    wanted = "integer" if dtype.kind == "i" else "floating-point"
    kinds = "iu" if dtype.kind == "i" else "fiu"
    if array.ndim != 1 or array.dtype.kind not in kinds:
        return f"{name!r} must be a 1-d {wanted} array, got {array.dtype} of shape {array.shape}"
    if dtype.kind == "i" and not np.array_equal(array.astype(dtype), array):
        return f"{name!r} holds values outside the {dtype} range"
    return None


def _csr_problems(arrays: Mapping[str, np.ndarray]) -> list[str]:
    """List the ways in which complete, well-typed arrays do not form a valid network."""
    problems: list[str] = []
    n = len(arrays["node_osm_ids"])
    for name in ("node_lon", "node_lat", "node_x_m", "node_y_m"):
        if len(arrays[name]) != n:
            problems.append(f"{name!r} has {len(arrays[name])} entries for {n} nodes")
    indptr, indices, length_m = arrays["indptr"], arrays["indices"], arrays["length_m"]
    if len(length_m) != len(indices):
        problems.append(f"'length_m' has {len(length_m)} entries for {len(indices)} edges")
    if len(indptr) != n + 1:
        problems.append(f"'indptr' has {len(indptr)} entries, expected n_nodes + 1 = {n + 1}")
    elif indptr[0] != 0 or indptr[-1] != len(indices) or np.any(np.diff(indptr) < 0):
        problems.append("'indptr' must start at 0, never decrease and end at the edge count")
    if len(indices) and (indices.min() < 0 or indices.max() >= n):
        problems.append(f"'indices' holds node indexes outside 0..{n - 1}")
    if not np.all(np.isfinite(length_m) & (length_m >= 0)):
        problems.append("'length_m' holds negative or non-finite lengths")
    return problems
