"""The travel-time matrix as origin-destination index pairs, and safe array arithmetic."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import NDArray

from routes.access._checks import _check_ids, _check_weights, _id_problems
from routes.access.decay import DecayKind, compute_decay_weights
from routes.columns import ColumnKind, column_name
from routes.errors import InputError, RoutesWarning, join_problems

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------- matrix


@dataclass(frozen=True, slots=True)
class DenseMatrix:
    """A travel-time matrix as an origin-by-destination array: the long table without its strings.

    Every metric of :mod:`routes.access` takes it wherever it takes a long
    matrix, with the same result: it stands for the long table whose rows are
    the pairs in row-major order (``from_id`` repeated, ``to_id`` tiled) and
    whose one time column is ``time_column``
    (:meth:`routes.access.zone_access.TravelTimes.long_table` of the same
    points), and it skips building, validating and indexing that table.

    Attributes
    ----------
    from_ids, to_ids
        String ids of the rows and of the columns.
    minutes
        Shape ``(len(from_ids), len(to_ids))``, minutes, NaN = unreachable.
    time_column
        The long table's time column, ``travel_time_p<P>_min``.
    """

    from_ids: NDArray[np.object_]
    to_ids: NDArray[np.object_]
    minutes: NDArray[np.floating]
    time_column: str

    def __len__(self) -> int:
        """Rows of the long table it stands for."""
        return len(self.from_ids) * len(self.to_ids)

    def columns(self, keep: NDArray[np.bool_]) -> DenseMatrix:
        """Return the matrix of the destinations where ``keep`` holds (order kept)."""
        return DenseMatrix(self.from_ids, self.to_ids[keep], self.minutes[:, keep],
                           self.time_column)

    def to_frame(self) -> pd.DataFrame:
        """Return the long table it stands for."""
        n_o, n_d = len(self.from_ids), len(self.to_ids)
        return pd.DataFrame({
            "from_id": np.repeat(self.from_ids.astype(str), n_d),
            "to_id": np.tile(self.to_ids.astype(str), n_o),
            self.time_column: np.asarray(self.minutes, dtype=np.float64).ravel(),
        })


Matrix: TypeAlias = pd.DataFrame | DenseMatrix
"""A long travel-time matrix, or the same as a :class:`DenseMatrix`."""


@dataclass(frozen=True, slots=True)
class _OdPairs:
    """Matrix rows between known origins and destinations, as integer codes."""

    origin_ids: pd.Index
    destination_ids: pd.Index
    origin: NDArray[np.intp]
    destination: NDArray[np.intp]
    time_min: NDArray[np.float64]


def _od_pairs(
    matrix: Matrix,
    percentile: int,
    origins: Iterable[str] | None,
    destination_ids: pd.Index,
    destinations_what: str,
    *,
    origins_strict: bool = False,
    stacklevel: int = 3,
) -> _OdPairs:
    """Validate the matrix and map its ids to contiguous integer codes.

    Rows whose ``to_id`` is not a destination are ignored. Rows whose
    ``from_id`` is not an origin are ignored too, unless ``origins_strict``
    (the origins are the zones, so any other ``from_id`` is an error).
    ``stacklevel`` points warnings at the caller of the public function.
    """
    time_column = column_name(ColumnKind.TRAVEL_TIME, percentile=percentile)
    if isinstance(matrix, DenseMatrix):
        return _dense_pairs(matrix, time_column, origins, destination_ids, destinations_what,
                            origins_strict=origins_strict, stacklevel=stacklevel + 1)
    _check_matrix(matrix, time_column)
    origin_ids = _origin_index(origins, matrix["from_id"])
    origin = origin_ids.get_indexer(matrix["from_id"])
    destination = destination_ids.get_indexer(matrix["to_id"])

    if origins_strict and (origin < 0).any():
        _refuse_other_origins(pd.unique(matrix["from_id"][origin < 0]))
    keep = (origin >= 0) & (destination >= 0)
    if len(matrix) and len(origin_ids) and len(destination_ids) and not keep.any():
        _refuse_unlinked(destinations_what, matrix["from_id"].iloc[0], matrix["to_id"].iloc[0])
    n_missing = len(destination_ids) - len(np.unique(destination[destination >= 0]))
    _warn_missing(n_missing, len(destination_ids), destinations_what, stacklevel)
    time = matrix[time_column].to_numpy(dtype=np.float64, na_value=np.nan)
    logger.debug(
        "travel-time matrix: %d of %d rows link %d origins to %d %s",
        int(keep.sum()),
        len(matrix),
        len(origin_ids),
        len(destination_ids),
        destinations_what,
    )
    return _OdPairs(
        origin_ids=_named(origin_ids, "from_id"),
        destination_ids=destination_ids,
        origin=origin[keep],
        destination=destination[keep],
        time_min=time[keep],
    )


def _origin_index(origins: Iterable[str] | None, from_ids: Iterable[object]) -> pd.Index:
    """Return the origins asked about (default: the matrix's, in first-seen order), checked."""
    if origins is None:
        origin_ids = pd.Index(pd.unique(pd.Series(from_ids)))
    elif isinstance(origins, pd.Index):
        origin_ids = origins
    elif isinstance(origins, str):
        msg = f"origins must be a list of ids, got the string {origins!r}"
        raise InputError(msg)
    else:
        origin_ids = pd.Index(list(origins))
    _check_ids(origin_ids, "origins")
    return origin_ids


def _refuse_other_origins(unknown: Any) -> None:
    """Raise: the matrix has from_ids that are not zones (``origins_strict``)."""
    msg = (f"travel-time matrix: {len(unknown)} from_id value(s) are not zone ids "
           f"(first: {unknown[0]!r}); compute the matrix from these zones")
    raise InputError(msg)


def _refuse_unlinked(destinations_what: str, from_id: object, to_id: object) -> None:
    """Raise: no row of the matrix joins an origin to a destination."""
    msg = (f"travel-time matrix: no row links the origins to the {destinations_what} "
           f"(e.g. from_id {from_id!r}, to_id {to_id!r}); check that the ids match the zone "
           "and destination id columns, as strings")
    raise InputError(msg)


def _warn_missing(n_missing: int, n_destinations: int, destinations_what: str,
                  stacklevel: int) -> None:
    """Warn that destinations never appear as to_id (they count as unreachable).

    ``stacklevel`` as the caller's own (this function adds its frame).
    """
    if n_missing:
        warnings.warn(
            f"{n_missing} of {n_destinations} {destinations_what} never appear as "
            "to_id in the travel-time matrix and count as unreachable; check that they "
            "were snapped and that the ids match",
            RoutesWarning,
            stacklevel=stacklevel + 1,
        )


def _dense_pairs(
    matrix: DenseMatrix,
    time_column: str,
    origins: Iterable[str] | None,
    destination_ids: pd.Index,
    destinations_what: str,
    *,
    origins_strict: bool,
    stacklevel: int,
) -> _OdPairs:
    """:func:`_od_pairs` of a :class:`DenseMatrix`: the same pairs, in the same order.

    The long table's checks hold by construction (one time column of numbers,
    one row per pair once the ids are unique) or cost one pass over the array
    (negative times); ids are looked up once per row and column, not per pair.
    """
    problems = []
    for ids, column in ((matrix.from_ids, "from_id"), (matrix.to_ids, "to_id")):
        problems.extend(_id_problems(pd.Series(ids, dtype=object),
                                     f"travel-time matrix column {column!r}"))
    if time_column != matrix.time_column:
        problems.append(
            f"travel-time matrix: column {time_column!r} is missing (has "
            f"{[matrix.time_column]}); choose a percentile the matrix was computed for")
    minutes = np.asarray(matrix.minutes, dtype=np.float64)
    negative = minutes < 0
    if not problems and negative.any():
        problems.append(
            f"travel-time matrix column {time_column!r}: {int(negative.sum())} negative "
            f"time(s) (first at row {int(np.flatnonzero(negative.ravel())[0])}); use NaN for "
            "unreachable")
    if not problems and len(matrix):
        for ids, column in ((matrix.from_ids, "from_id"), (matrix.to_ids, "to_id")):
            index = pd.Index(ids)
            if index.has_duplicates:
                problems.append(
                    f"travel-time matrix: duplicate {column} {index[index.duplicated()][0]!r}; "
                    "keep one row per pair")
    if problems:
        raise InputError(join_problems(problems))
    origin_ids = _origin_index(origins, matrix.from_ids)
    row = origin_ids.get_indexer(pd.Index(matrix.from_ids))
    col = destination_ids.get_indexer(pd.Index(matrix.to_ids))
    if origins_strict and (row < 0).any():
        _refuse_other_origins(matrix.from_ids[row < 0])
    rows, cols = np.flatnonzero(row >= 0), np.flatnonzero(col >= 0)
    if len(matrix) and len(origin_ids) and len(destination_ids) and not (len(rows) and len(cols)):
        _refuse_unlinked(destinations_what, matrix.from_ids[0], matrix.to_ids[0])
    n_missing = len(destination_ids) - (len(np.unique(col[cols])) if len(matrix.from_ids) else 0)
    _warn_missing(n_missing, len(destination_ids), destinations_what, stacklevel)
    time = minutes[np.ix_(rows, cols)] if len(rows) < len(row) or len(cols) < len(col) \
        else minutes
    logger.debug("travel-time matrix: %d of %d pairs link %d origins to %d %s",
                 len(rows) * len(cols), len(matrix), len(origin_ids), len(destination_ids),
                 destinations_what)
    return _OdPairs(
        origin_ids=_named(origin_ids, "from_id"),
        destination_ids=destination_ids,
        origin=np.repeat(row[rows], len(cols)).astype(np.intp),
        destination=np.tile(col[cols], len(rows)).astype(np.intp),
        time_min=time.ravel(),
    )


def _check_matrix(matrix: pd.DataFrame, time_column: str) -> None:
    """Raise one InputError listing every problem of the travel-time matrix."""
    if not isinstance(matrix, pd.DataFrame):
        msg = f"travel-time matrix: expected a pandas DataFrame, got {type(matrix).__name__}"
        raise InputError(msg)
    problems = []
    for column in ("from_id", "to_id"):
        if column not in matrix.columns:
            problems.append(f"travel-time matrix: column {column!r} is missing")
        else:
            problems.extend(_id_problems(matrix[column], f"travel-time matrix column {column!r}"))
    if time_column not in matrix.columns:
        available = [c for c in matrix.columns if str(c).startswith("travel_time_p")]
        problems.append(
            f"travel-time matrix: column {time_column!r} is missing (has {available}); "
            "choose a percentile the matrix was computed for"
        )
    elif not pd.api.types.is_numeric_dtype(matrix[time_column]):
        problems.append(
            f"travel-time matrix column {time_column!r}: expected minutes as numbers, "
            f"got dtype {matrix[time_column].dtype}"
        )
    else:
        negative = matrix[time_column].to_numpy(dtype=np.float64, na_value=np.nan) < 0
        if negative.any():
            problems.append(
                f"travel-time matrix column {time_column!r}: {int(negative.sum())} negative "
                f"time(s) (first at row {int(np.flatnonzero(negative)[0])}); use NaN for "
                "unreachable"
            )
    if not problems:
        duplicated = matrix.duplicated(["from_id", "to_id"]).to_numpy()
        if duplicated.any():
            problems.append(
                f"travel-time matrix: {int(duplicated.sum())} duplicate (from_id, to_id) "
                f"pair(s) (first at row {int(np.flatnonzero(duplicated)[0])}); keep one row "
                "per pair"
            )
    if problems:
        raise InputError(join_problems(problems))


def _within_matrix(pairs: _OdPairs, cutoff_min: float) -> sp.csr_array:
    """Sparse 0/1 origin-by-destination matrix of pairs within the cutoff."""
    within = compute_decay_weights(pairs.time_min, DecayKind.STEP, cutoff_min=cutoff_min) > 0
    shape = (len(pairs.origin_ids), len(pairs.destination_ids))
    data = np.ones(int(within.sum()), dtype=np.float64)
    return sp.csr_array(
        sp.coo_array((data, (pairs.origin[within], pairs.destination[within])), shape=shape)
    )


# --------------------------------------------------------------------------- arrays


def _safe_divide(
    numerator: NDArray[np.float64], denominator: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Elementwise ``numerator / denominator``, NaN where the denominator is 0."""
    shape = np.broadcast_shapes(numerator.shape, denominator.shape)
    out = np.full(shape, np.nan)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def _inf_to_nan(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Replace ``inf`` (nothing reachable) with NaN."""
    return np.where(np.isinf(values), np.nan, values)


def _named(index: pd.Index, name: str) -> pd.Index:
    """Return a copy of a validated id index as plain strings, with a name.

    Categorical or pyarrow-backed ids come out as the default string dtype, so
    results from different inputs join cleanly.
    """
    return index.astype("str").rename(name)


def _weighted_sum(
    matrix: Matrix,
    weights: pd.Series,
    percentile: int,
    origins: Iterable[str] | None,
    name: str,
    kernel: Callable[[NDArray[np.float64]], NDArray[np.float64]],
) -> pd.Series:
    """Sum ``w_j * kernel(t_ij)`` over destinations for every origin."""
    destination_ids, weight = _check_weights(weights, name)
    pairs = _od_pairs(
        matrix, percentile, origins, destination_ids, f"{name} destinations", stacklevel=4
    )
    contribution = weight[pairs.destination] * kernel(pairs.time_min)
    totals = np.bincount(pairs.origin, weights=contribution, minlength=len(pairs.origin_ids))
    return pd.Series(totals.astype(np.float64), index=pairs.origin_ids)
