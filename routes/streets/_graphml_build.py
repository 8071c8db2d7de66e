"""From a GraphML file's strings to checked street segments: coordinates, tags, shapes, lengths.

Used by :func:`routes.streets.graphml.load_graphml_segments`, whose Notes say
what is read and what is assumed.
"""

from __future__ import annotations

import ast
import itertools
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from routes.streets._graphml_xml import N_EXAMPLES, WALK_TAGS, Problems, RawGraph

__all__ = [
    "Chains",
    "EdgeRule",
    "Pieces",
    "Transform",
    "edge_chains",
    "edge_ends",
    "edge_lengths",
    "merge_segments",
    "node_coordinates",
    "to_lonlat_transform",
    "walkable_edges",
]

logger = logging.getLogger(__name__)

EdgeRule = Callable[[Mapping[str, str | None]], bool]
Transform = Callable[[NDArray[np.float64], NDArray[np.float64]],
                     tuple[NDArray[np.float64], NDArray[np.float64]]]

_END_TOLERANCE_DEG = 1e-5  # a geometry's ends must lie this close to its nodes (about 1 m)
_SHORT_FACTOR, _SHORT_SLACK_M = 0.99, 1.0  # a length under 0.99 x its shape - 1 m is an error


def _floats(values: list[str | None]) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Parse strings as finite floats: the values (NaN where absent or bad) and a bad mask."""
    absent = np.array([text is None for text in values], dtype=np.bool_)
    try:
        out = np.array(["nan" if text is None else text for text in values], dtype=np.float64)
    except ValueError:  # some text is not a number: parse one by one to find which
        out = np.array([_float_or_inf(text) for text in values], dtype=np.float64)
    bad = ~absent & ~np.isfinite(out)
    return np.where(bad, np.nan, out), bad


def _float_or_inf(text: str | None) -> float:
    """``float(text)``; NaN when absent, infinity (bad) when not a number."""
    if text is None:
        return math.nan
    try:
        return float(text)
    except ValueError:
        return math.inf


def to_lonlat_transform(crs_text: str | None, problems: Problems) -> Transform | None:
    """Return the transform from the graph's ``crs`` to WGS84 lon/lat (``None`` if unknown)."""
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError

    if not crs_text:
        problems.note("the graph has no 'crs' attribute, so its coordinates cannot be placed "
                      "(osmnx writes one, e.g. 'epsg:4326')")
        return None
    try:
        crs = CRS.from_user_input(crs_text)
    except CRSError:
        problems.note(f"the graph's crs {crs_text!r} is not a coordinate reference system "
                      "pyproj knows")
        return None
    if crs.to_epsg() == 4326:
        return lambda x, y: (x, y)
    transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    def transform(x: NDArray[np.float64],
                  y: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        lon, lat = transformer.transform(x, y)
        return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)

    return transform


def node_coordinates(raw: RawGraph, to_lonlat: Transform | None, problems: Problems
                     ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Node coordinates as WGS84 lon/lat, from ``x``/``y`` in the graph's ``crs``."""
    x, bad_x = _floats(raw.node_attrs["x"])
    y, bad_y = _floats(raw.node_attrs["y"])
    bad = np.flatnonzero(bad_x | bad_y | np.isnan(x) | np.isnan(y))
    problems.report(len(bad), (f"node {raw.node_ids[k]!r}" for k in bad[:N_EXAMPLES]),
                    one="{} has no numeric 'x' and 'y'",
                    many="{n} nodes have no numeric 'x' and 'y'")
    if to_lonlat is None:
        return x, y
    lon, lat = to_lonlat(x, y)
    with np.errstate(invalid="ignore"):
        outside = np.flatnonzero(np.isfinite(x + y) & ~(
            (np.abs(lon) <= 180.0) & (np.abs(lat) <= 90.0)))
    crs = raw.graph_attrs.get("crs")
    problems.report(len(outside), (f"node {raw.node_ids[k]!r} (x={x[k]:g}, y={y[k]:g})"
                                   for k in outside[:N_EXAMPLES]),
                    one=f"{{}} lies off the globe in the graph's crs {crs!r}: is it the right "
                        "one?",
                    many=f"{{n}} nodes lie off the globe in the graph's crs {crs!r}, which may "
                         "be the wrong one")
    return lon, lat


def edge_ends(raw: RawGraph, problems: Problems) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Node indexes of each edge's source and target (-1 for an unknown node, a problem)."""
    node_index: dict[str, int] = {}
    twice = [node_id for i, node_id in enumerate(raw.node_ids)
             if node_index.setdefault(node_id, i) != i]
    problems.report(len(twice), map(repr, twice), one="node id {} is used twice",
                    many="{n} node ids are used twice")
    u = np.array([node_index.get(s, -1) for s in raw.edge_source], dtype=np.int64)
    v = np.array([node_index.get(t, -1) for t in raw.edge_target], dtype=np.int64)
    unknown = np.flatnonzero((u < 0) | (v < 0))
    problems.report(len(unknown), (raw.edge_name(k) for k in unknown[:N_EXAMPLES]),
                    one="edge {} joins a node that is not in the file",
                    many="{n} edges join nodes that are not in the file")
    return u, v


def _tag_values(text: str | None) -> tuple[str | None, ...]:
    """Return one tag's values: osmnx writes merged ways' values as a Python list literal."""
    if text is None:
        return (None,)
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            values = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return (text,)
        if isinstance(values, list) and values:
            return tuple(str(value) for value in values)
    return (text,)


def walkable_edges(raw: RawGraph, is_walkable: EdgeRule | None) -> NDArray[np.bool_]:
    """Which edges ``is_walkable`` accepts with every combination of their tag values."""
    n = len(raw.edge_source)
    if is_walkable is None:
        return np.ones(n, dtype=np.bool_)
    decided: dict[tuple[str | None, ...], bool] = {}
    out = np.empty(n, dtype=np.bool_)
    columns = [raw.edge_attrs[tag] for tag in WALK_TAGS]
    for i, texts in enumerate(zip(*columns, strict=True)):
        ok = decided.get(texts)
        if ok is None:
            combos = itertools.product(*(_tag_values(t) for t in texts))
            ok = all(is_walkable(dict(zip(WALK_TAGS, combo, strict=True))) for combo in combos)
            decided[texts] = ok
        out[i] = ok
    return out


def edge_lengths(raw: RawGraph, problems: Problems) -> NDArray[np.float64]:
    """Edge ``length`` in metres, NaN where absent; values that are not metres are problems."""
    texts = raw.edge_attrs["length"]
    length, bad = _floats(texts)
    bad |= length < 0
    where = np.flatnonzero(bad)
    problems.report(len(where), (f"{raw.edge_name(k)} ({texts[k]!r})" for k in where[:N_EXAMPLES]),
                    one="edge {} has a 'length' that is not a number of metres >= 0",
                    many="{n} edges have a 'length' that is not a number of metres >= 0")
    return np.where(bad, np.nan, length)


@dataclass(frozen=True, slots=True)
class Chains:
    """The inner vertices of the walkable edges with a shape, in order from source to target."""

    edge: NDArray[np.int64]  # the edge of each chain
    ptr: NDArray[np.int64]  # CSR offsets into lon/lat, one row per chain
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]


_NO_CHAINS = Chains(np.zeros(0, np.int64), np.zeros(1, np.int64), np.zeros(0), np.zeros(0))


def edge_chains(raw: RawGraph, walkable: NDArray[np.bool_], u: NDArray[np.int64],
                v: NDArray[np.int64], node_lon: NDArray[np.float64],
                node_lat: NDArray[np.float64], to_lonlat: Transform | None,
                problems: Problems) -> Chains:
    """Parse the WKT shapes of walkable edges and keep the vertices between their ends."""
    import shapely

    texts = raw.edge_attrs["geometry"]
    edges = np.array([i for i in np.flatnonzero(walkable).tolist() if texts[i]], dtype=np.int64)
    if len(edges) == 0 or to_lonlat is None:
        return _NO_CHAINS
    geoms = shapely.from_wkt(np.array([texts[i] for i in edges], dtype=object),
                             on_invalid="ignore")
    bad = shapely.is_missing(geoms) | (shapely.get_type_id(geoms) != 1)  # 1: LineString
    problems.report(int(bad.sum()), (f"{raw.edge_name(i)} ({(texts[i] or '')[:40]!r})"
                                     for i in edges[bad][:N_EXAMPLES]),
                    one="edge {} has a 'geometry' that is not a WKT LINESTRING",
                    many="{n} edges have a 'geometry' that is not a WKT LINESTRING")
    edges, geoms = edges[~bad], geoms[~bad]
    if len(edges) == 0:
        return _NO_CHAINS
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    lon, lat = to_lonlat(coords[:, 0].copy(), coords[:, 1].copy())
    ptr = np.concatenate([[0], np.cumsum(np.bincount(owner, minlength=len(edges)))])
    first, last = ptr[:-1], ptr[1:] - 1

    def near(k: NDArray[np.int64], node: NDArray[np.int64]) -> NDArray[np.bool_]:
        return (np.abs(lon[k] - node_lon[node]) <= _END_TOLERANCE_DEG) & (
            np.abs(lat[k] - node_lat[node]) <= _END_TOLERANCE_DEG)

    forward = near(first, u[edges]) & near(last, v[edges])
    backward = ~forward & near(first, v[edges]) & near(last, u[edges])
    stray = np.flatnonzero(~forward & ~backward)
    problems.report(len(stray), (raw.edge_name(i) for i in edges[stray][:N_EXAMPLES]),
                    one="edge {} has a 'geometry' that does not run from one of its nodes to "
                        "the other",
                    many="{n} edges have a 'geometry' that does not run from one of their "
                         "nodes to the other")
    rows = [np.arange(first[k] + 1, last[k], dtype=np.int64) for k in range(len(edges))]
    rows = [row[::-1] if back else row for row, back in zip(rows, backward.tolist(), strict=True)]
    take = np.concatenate(rows)
    counts = np.array([len(row) for row in rows], dtype=np.int64)
    return Chains(edges, np.concatenate([[0], np.cumsum(counts)]), lon[take], lat[take])


def _chain_key(u: int, v: int, vertices: tuple[tuple[float, float], ...]) -> tuple[Any, ...]:
    """Return the same key for a shaped edge and for its reverse."""
    backwards = (v, u, vertices[::-1])
    if v < u or (u == v and vertices[::-1] < vertices):
        return backwards
    return (u, v, vertices)


@dataclass(frozen=True, slots=True)
class Pieces:
    """Straight pieces ``a``-``b``: indexes into the file's nodes, then the new inner vertices."""

    a: NDArray[np.int64]
    b: NDArray[np.int64]
    edge: NDArray[np.int64]  # the file edge each piece comes from
    vertex_lon: NDArray[np.float64]  # the inner vertices, numbered after the file's nodes
    vertex_lat: NDArray[np.float64]

    @classmethod
    def build(cls, walkable: NDArray[np.bool_], u: NDArray[np.int64], v: NDArray[np.int64],
              given_m: NDArray[np.float64], chains: Chains, n_nodes: int) -> Pieces:
        """Straight edges as one piece each; a shaped edge as a path through new vertices.

        A shaped street's two directions (the same vertices, reversed) make one
        path, which keeps the shorter ``length``.
        """
        shaped = np.zeros(len(u), dtype=np.bool_)
        unique: dict[tuple[Any, ...], int] = {}
        for k, i in enumerate(chains.edge.tolist()):
            start, stop = int(chains.ptr[k]), int(chains.ptr[k + 1])
            if start == stop:
                continue  # a straight shape: the edge is one piece
            shaped[i] = True
            vertices = tuple(zip(chains.lon[start:stop].tolist(),
                                 chains.lat[start:stop].tolist(), strict=True))
            key = _chain_key(int(u[i]), int(v[i]), vertices)
            seen = unique.get(key)
            if seen is None or given_m[i] < given_m[chains.edge[seen]]:
                unique[key] = k
        straight = np.flatnonzero(walkable & ~shaped)
        a, b, edge = [u[straight]], [v[straight]], [straight]
        vertex_lon, vertex_lat = [np.zeros(0)], [np.zeros(0)]
        next_vertex = n_nodes
        for k in sorted(unique.values()):
            i = int(chains.edge[k])
            start, stop = int(chains.ptr[k]), int(chains.ptr[k + 1])
            inner = np.arange(next_vertex, next_vertex + stop - start, dtype=np.int64)
            next_vertex += stop - start
            path = np.concatenate([[u[i]], inner, [v[i]]])
            a.append(path[:-1])
            b.append(path[1:])
            edge.append(np.full(len(path) - 1, i, dtype=np.int64))
            vertex_lon.append(chains.lon[start:stop])
            vertex_lat.append(chains.lat[start:stop])
        return cls(np.concatenate(a), np.concatenate(b), np.concatenate(edge),
                   np.concatenate(vertex_lon), np.concatenate(vertex_lat))

    def lengths(self, lon: NDArray[np.float64], lat: NDArray[np.float64],
                given_m: NDArray[np.float64], raw: RawGraph,
                problems: Problems) -> NDArray[np.float64]:
        """Piece lengths: each edge's ``length`` shared in proportion to geodesic lengths."""
        from pyproj import Geod

        _, _, geodesic_m = Geod(ellps="WGS84").inv(lon[self.a], lat[self.a],
                                                   lon[self.b], lat[self.b])
        geodesic_m = np.asarray(geodesic_m, dtype=np.float64)
        edges, inverse = np.unique(self.edge, return_inverse=True)
        shape_m = np.bincount(inverse, weights=geodesic_m, minlength=len(edges))
        n_pieces = np.bincount(inverse, minlength=len(edges))
        given = given_m[edges]
        short = np.flatnonzero(given < _SHORT_FACTOR * shape_m - _SHORT_SLACK_M)
        problems.report(len(short), (f"{raw.edge_name(edges[k])} ({given[k]:g} m long, its "
                                     f"shape {shape_m[k]:.1f} m)" for k in short[:N_EXAMPLES]),
                        one="edge {} is shorter than its shape, so its 'length' is not metres",
                        many="{n} edges are shorter than their shapes, so 'length' is not "
                             "metres")
        share = np.where(shape_m > 0, 0.0, 1.0 / n_pieces)[inverse]
        share += np.divide(geodesic_m, shape_m[inverse], out=np.zeros_like(geodesic_m),
                           where=shape_m[inverse] > 0)
        piece_given = given[inverse]
        return np.where(np.isnan(piece_given), geodesic_m, piece_given * share)


def merge_segments(
    pieces: Pieces, length_m: NDArray[np.float64], lon: NDArray[np.float64],
    lat: NDArray[np.float64], file_ids: list[str],
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64],
           NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """Merge pieces into unique segments ``a < b`` over the nodes they use, sorted by id.

    Returns node ids, lon, lat, then segment ends and lengths (the shortest of
    parallel pieces). Pieces from a node to itself are dropped.
    """
    keep = pieces.a != pieces.b
    a, b, length_m = pieces.a[keep], pieces.b[keep], length_m[keep]
    used = np.unique(np.concatenate([a, b]))
    ids = _node_ids(file_ids, len(lon))[used]
    order = np.argsort(ids, kind="stable")
    position = np.full(len(lon), -1, dtype=np.int64)
    position[used[order]] = np.arange(len(used))
    a, b = position[a], position[b]
    a, b = np.minimum(a, b), np.maximum(a, b)
    key = a * len(used) + b
    by_key = np.lexsort((length_m, key))  # the shortest of parallel pieces first
    first = np.ones(len(key), dtype=np.bool_)
    first[1:] = key[by_key][1:] != key[by_key][:-1]
    pick = by_key[first]
    logger.debug("GraphML: %d pieces, %d segments after merging parallel ones",
                 len(key), len(pick))
    return (ids[order], lon[used[order]], lat[used[order]], a[pick], b[pick], length_m[pick])


def _node_ids(file_ids: list[str], n_total: int) -> NDArray[np.int64]:
    """Integer node ids: the file's where they are distinct ``int64``, new negative ones else."""
    ids = np.zeros(n_total, dtype=np.int64)
    numbered = np.zeros(n_total, dtype=np.bool_)
    seen: set[int] = set()
    for i, text in enumerate(file_ids):
        try:
            value = int(text)
        except ValueError:
            continue
        if -(2**63) < value < 2**63 and value not in seen:  # "01" after "1": a new id
            ids[i], numbered[i] = value, True
            seen.add(value)
    start = min(0, min(seen, default=0)) - 1
    fresh = np.flatnonzero(~numbered)
    ids[fresh] = start - np.arange(len(fresh), dtype=np.int64)
    return ids
