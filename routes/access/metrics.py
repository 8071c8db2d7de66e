"""Accessibility per origin zone from a long travel-time matrix.

Every function here is a pure function over tidy tables:

- the travel-time matrix, a long :class:`pandas.DataFrame` with string
  ``from_id`` and ``to_id`` and one column per percentile,
  ``travel_time_p<P>_min`` (minutes, NaN = unreachable); a pair that has no
  row counts as unreachable too;
- zones (the origins), a frame keyed by an ``id`` column (or indexed by
  ``id``) with ``population``, ``deprivation_decile`` and optional
  community-group count columns;
- destination layers, keyed by ``id`` in the same way (weights as a
  :class:`pandas.Series` indexed by destination id).

Each returns a new frame indexed by ``from_id`` (or ``space_id``) that holds
every origin (or space), including those that reach nothing. Column names come
from :func:`routes.columns.column_name`. Rows of the matrix whose origin or
destination is not among those asked about are ignored, so one matrix can hold
several destination layers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from routes.access._checks import _frame_column, _frame_ids
from routes.access._od import Matrix, _inf_to_nan, _od_pairs, _weighted_sum
from routes.access.decay import DecayKind, compute_decay_weights
from routes.columns import ColumnKind, column_name
from routes.errors import InputError

__all__ = ["compute_cumulative_opportunities", "compute_decay_opportunities", "compute_nearest"]

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- public


def compute_cumulative_opportunities(
    matrix: Matrix,
    weights: pd.Series,
    cutoff_min: float,
    *,
    percentile: int = 50,
    name: str = "jobs",
    origins: Iterable[str] | None = None,
) -> pd.DataFrame:
    r"""Count the opportunities each origin reaches within a travel-time cutoff.

    Parameters
    ----------
    matrix
        Long travel-time matrix with ``from_id``, ``to_id`` and
        ``travel_time_p<percentile>_min`` (minutes, NaN = unreachable).
    weights
        Opportunities at each destination (e.g. jobs), indexed by ``to_id``;
        non-negative.
    cutoff_min
        Cutoff ``T``, whole minutes; a destination at exactly ``T`` counts.
    percentile
        Which travel-time percentile column of the matrix to use.
    name
        Name of the destination layer, used in the column name.
    origins
        Origin ids to report on, in this order; defaults to the matrix's
        ``from_id`` values in order of first appearance.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``from_id``, one row per origin, with the column
        ``<name>_within_<T>min`` (e.g. ``jobs_within_45min``): opportunities
        reachable, in the unit of ``weights`` (0 when none).

    Raises
    ------
    InputError
        If the matrix or weights are malformed (missing columns, non-string
        ids, duplicate pairs, negative times or weights), or no matrix row
        links a requested origin to a weighted destination.

    Warns
    -----
    RoutesWarning
        If some weighted destinations never appear as ``to_id`` in the matrix
        (they count as unreachable).

    Notes
    -----
    .. math:: A_i = \sum_j w_j \, [t_{ij} \le T]

    with :math:`t_{ij}` the travel time at the chosen percentile and
    :math:`w_j` the weight of destination :math:`j`.

    Examples
    --------
    >>> m = pd.DataFrame({"from_id": ["a", "a", "b"], "to_id": ["x", "y", "x"],
    ...                   "travel_time_p50_min": [10.0, 50.0, float("nan")]})
    >>> w = pd.Series({"x": 100.0, "y": 20.0})
    >>> compute_cumulative_opportunities(m, w, 45)  # doctest: +NORMALIZE_WHITESPACE
             jobs_within_45min
    from_id
    a                    100.0
    b                      0.0
    """
    column = column_name(ColumnKind.WITHIN, layer=name, cutoff_min=cutoff_min)
    values = _weighted_sum(
        matrix,
        weights,
        percentile,
        origins,
        name,
        lambda t: compute_decay_weights(t, DecayKind.STEP, cutoff_min=cutoff_min),
    )
    return values.to_frame(column)


def compute_decay_opportunities(
    matrix: Matrix,
    weights: pd.Series,
    half_life_min: float,
    *,
    percentile: int = 50,
    name: str = "jobs",
    origins: Iterable[str] | None = None,
) -> pd.DataFrame:
    r"""Sum the opportunities each origin reaches, discounted by travel time.

    Parameters
    ----------
    matrix
        Long travel-time matrix with ``from_id``, ``to_id`` and
        ``travel_time_p<percentile>_min`` (minutes, NaN = unreachable).
    weights
        Opportunities at each destination (e.g. jobs), indexed by ``to_id``;
        non-negative.
    half_life_min
        Half-life ``h``, whole minutes: an opportunity ``h`` minutes away
        counts half.
    percentile
        Which travel-time percentile column of the matrix to use.
    name
        Name of the destination layer, used in the column name.
    origins
        Origin ids to report on, in this order; defaults to the matrix's
        ``from_id`` values in order of first appearance.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``from_id``, one row per origin, with the column
        ``<name>_decay_h<h>min`` (e.g. ``jobs_decay_h20min``): decay-weighted
        opportunities, in the unit of ``weights`` (0 when none reachable).

    Raises
    ------
    InputError
        As :func:`compute_cumulative_opportunities`.

    Warns
    -----
    RoutesWarning
        As :func:`compute_cumulative_opportunities`.

    Notes
    -----
    .. math:: A_i = \sum_j w_j \, \exp(-\ln 2 \cdot t_{ij} / h)

    Unreachable pairs (NaN or no row) contribute 0. See
    :func:`routes.access.decay.compute_decay_weights`.
    """
    column = column_name(ColumnKind.DECAY, layer=name, half_life_min=half_life_min)
    values = _weighted_sum(
        matrix,
        weights,
        percentile,
        origins,
        name,
        lambda t: compute_decay_weights(t, DecayKind.EXPONENTIAL, half_life_min=half_life_min),
    )
    return values.to_frame(column)


def compute_nearest(
    matrix: Matrix,
    destinations: pd.DataFrame,
    cutoff_min: float,
    *,
    percentile: int = 50,
    category_col: str | None = "category",
    origins: Iterable[str] | None = None,
) -> pd.DataFrame:
    r"""Time to the nearest shared space (overall and per category) and spaces within a cutoff.

    Parameters
    ----------
    matrix
        Long travel-time matrix with ``from_id``, ``to_id`` and
        ``travel_time_p<percentile>_min`` (minutes, NaN = unreachable).
    destinations
        The community spaces, keyed by an ``id`` column (or indexed by id).
    cutoff_min
        Cutoff ``T`` for the count, whole minutes (inclusive).
    percentile
        Which travel-time percentile column of the matrix to use.
    category_col
        Column of ``destinations`` holding each space's category
        (lowercase snake_case, e.g. ``library``); ``None`` for no
        per-category columns.
    origins
        Origin ids to report on, in this order; defaults to the matrix's
        ``from_id`` values in order of first appearance.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``from_id``, one row per origin, with the columns

        - ``nearest_space_min``: minutes to the nearest space (NaN when none
          is reachable);
        - ``nearest_space_<category>_min``, one per category present in
          ``destinations`` (sorted): minutes to the nearest space of that
          category (NaN when none is reachable);
        - ``spaces_within_<T>min``: number of spaces reachable within ``T``
          (``int64``, 0 when none).

    Raises
    ------
    InputError
        If the matrix or destinations are malformed, a category is missing or
        not lowercase snake_case, or no matrix row links a requested origin to
        a space.

    Warns
    -----
    RoutesWarning
        If some spaces never appear as ``to_id`` in the matrix.

    Notes
    -----
    .. math::

        \text{nearest}_i = \min_{s} t_{is}, \qquad
        \text{nearest}_{i,c} = \min_{s : c_s = c} t_{is}, \qquad
        N_i = \sum_s [t_{is} \le T]

    where the minimum is over reachable spaces only.
    """
    count_column = column_name(ColumnKind.WITHIN, layer="spaces", cutoff_min=cutoff_min)
    space_ids = _frame_ids(destinations, "destinations")
    category_codes: NDArray[np.intp] | None = None
    category_columns: list[str] = []
    if category_col is not None:
        categories = _frame_column(destinations, category_col, "destinations")
        missing = categories.isna().to_numpy()
        if missing.any():
            msg = (
                f"destinations column {category_col!r}: {int(missing.sum())} space(s) have no "
                f"category (first at row {int(np.flatnonzero(missing)[0])}); "
                "fill it in, or pass category_col=None"
            )
            raise InputError(msg)
        if len(categories) and not pd.api.types.is_string_dtype(categories):
            msg = (
                f"destinations column {category_col!r}: categories must be strings, got "
                f"dtype {categories.dtype} (e.g. {categories.iloc[0]!r})"
            )
            raise InputError(msg)
        labels = sorted(set(categories))
        try:
            category_columns = [
                column_name(ColumnKind.NEAREST_SPACE, category=label) for label in labels
            ]
        except InputError as err:
            msg = f"destinations column {category_col!r}: {err}"
            raise InputError(msg) from err
        category_codes = pd.Index(labels).get_indexer(categories.to_numpy())

    pairs = _od_pairs(matrix, percentile, origins, space_ids, "community spaces")
    n_origins = len(pairs.origin_ids)
    time = pairs.time_min
    finite = np.isfinite(time)

    nearest = np.full(n_origins, np.inf)
    np.minimum.at(nearest, pairs.origin[finite], time[finite])
    result = {column_name(ColumnKind.NEAREST_SPACE): _inf_to_nan(nearest)}
    if category_codes is not None:
        by_category = np.full((n_origins, len(category_columns)), np.inf)
        np.minimum.at(
            by_category,
            (pairs.origin[finite], category_codes[pairs.destination[finite]]),
            time[finite],
        )
        for k, column in enumerate(category_columns):
            result[column] = _inf_to_nan(by_category[:, k])
    within = finite & (time <= cutoff_min)
    result[count_column] = np.bincount(pairs.origin[within], minlength=n_origins).astype(np.int64)
    return pd.DataFrame(result, index=pairs.origin_ids)


