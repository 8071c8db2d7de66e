"""The walking street network as a CSR graph (:class:`StreetNetwork`), and as plain arrays.

:func:`network_to_arrays` and :func:`network_from_arrays` turn it into named
arrays and back, checking dtypes and the CSR structure (for the cache). Reading
it from OpenStreetMap is :mod:`routes.streets.osm`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from routes.errors import CacheError, join_problems

if TYPE_CHECKING:
    import scipy.sparse

__all__ = ["StreetNetwork", "network_from_arrays", "network_to_arrays"]

# osmium, pyproj and scipy are imported where they are used, so that modules which
# only need the StreetNetwork type (the engine, the cache) import this one cheaply.


@dataclass(frozen=True, slots=True)
class StreetNetwork:
    """An undirected walk graph in a local metric CRS, stored as CSR arrays.

    Every edge is stored in both directions. Walking islands smaller than
    R5's 40 vertices are removed (:mod:`routes.streets.osm`), but several
    components may remain: not every node can reach every other.

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
    edge_linkable
        Whether points and stops may link to each edge (``bool``, both
        directions alike): false on ``tunnel=yes``, ``covered=yes`` and
        ``highway=motorway`` ways, as R5's ``LINKABLE`` flag. ``None``: every
        edge is linkable.
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
    edge_linkable: NDArray[np.bool_] | None = None

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
        One entry per ``StreetNetwork`` field, keyed by field name (none for an
        ``edge_linkable`` of ``None``). ``crs`` is a
        0-d unicode array, so the dict can be saved with ``allow_pickle=False``.
        The node and edge arrays are the network's own (not copies).
    """
    arrays: dict[str, np.ndarray] = {"crs": np.array(network.crs, dtype=np.str_)}
    for field in dataclasses.fields(network):
        if field.name != "crs" and getattr(network, field.name) is not None:
            arrays[field.name] = getattr(network, field.name)
    return arrays


def network_from_arrays(arrays: Mapping[str, np.ndarray]) -> StreetNetwork:
    """Rebuild a network from :func:`network_to_arrays` output, checking its consistency.

    Parameters
    ----------
    arrays
        A mapping holding at least the ``StreetNetwork`` field names (the
        optional ``edge_linkable`` may be absent), such as an ``NpzFile``.
        Extra keys are ignored.

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
    linkable = None
    if "edge_linkable" in arrays:
        linkable = np.asarray(arrays["edge_linkable"])
        n_edges = len(out.get("indices", ()))
        if linkable.dtype != np.bool_ or linkable.shape != (n_edges,):
            problems.append(f"'edge_linkable' must be a 1-d bool array of {n_edges} edges, got "
                            f"{linkable.dtype} of shape {linkable.shape}")
        linkable = np.ascontiguousarray(linkable)
    if not problems:
        problems.extend(_csr_problems(out))
    if problems:
        msg = (
            f"street-network cache: {join_problems(problems)}\n"
            "delete the cached network (`routes cache clear`) so it is rebuilt from the OSM extract"
        )
        raise CacheError(msg)
    return StreetNetwork(crs=crs, **out, edge_linkable=linkable)


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
