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
import warnings
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import NDArray

from routes.access.decay import DecayKind, compute_decay_weights
from routes.columns import ColumnKind, column_name
from routes.errors import InputError, RoutesWarning, join_problems

__all__ = [
    "compute_cumulative_opportunities",
    "compute_decay_opportunities",
    "compute_meeting_potential",
    "compute_nearest",
    "compute_reach_other_groups",
    "compute_space_mix",
]

logger = logging.getLogger(__name__)

_DEPRIVED_DECILES_DEFAULT = (1, 2, 3)


# --------------------------------------------------------------------------- public


def compute_cumulative_opportunities(
    matrix: pd.DataFrame,
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
    matrix: pd.DataFrame,
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
    matrix: pd.DataFrame,
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


def compute_reach_other_groups(
    matrix: pd.DataFrame,
    zones: pd.DataFrame,
    cutoff_min: float,
    *,
    groups: Sequence[str] | None = None,
    deprived_deciles: Collection[int] = _DEPRIVED_DECILES_DEFAULT,
    percentile: int = 50,
) -> pd.DataFrame:
    r"""Residents of other community groups each zone reaches within a cutoff.

    Parameters
    ----------
    matrix
        Zone-to-zone long travel-time matrix (``from_id`` and ``to_id`` are
        zone ids) with ``travel_time_p<percentile>_min`` (minutes, NaN =
        unreachable). A zone's own residents count only if the matrix holds
        its ``(i, i)`` pair within ``T`` (engines report 0 minutes).
    zones
        The zones, keyed by an ``id`` column (or indexed by id), with the
        group count columns (residents) or, without groups,
        ``population`` (residents) and ``deprivation_decile`` (1 = most
        deprived ... 10).
    cutoff_min
        Cutoff ``T``, whole minutes (inclusive).
    groups
        Names of the community-group count columns of ``zones``. ``None`` or
        empty: fall back to two groups, residents of deprived zones and of
        other zones (see Notes).
    deprived_deciles
        Deciles that make a zone deprived in the fallback.
    percentile
        Which travel-time percentile column of the matrix to use.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``from_id`` (every zone, in the order of ``zones``), with
        ``reach_other_groups_<T>min``: expected number of residents of a
        different group from a randomly chosen resident of the zone that
        live in zones reachable within ``T`` (residents; 0 when none; NaN
        for a zone with no residents, where the group mix is undefined).

    Raises
    ------
    InputError
        If the matrix or zones are malformed (missing, non-numeric or
        negative counts, deciles outside 1-10, duplicate ids), or no matrix
        row links two zones.

    Warns
    -----
    RoutesWarning
        If some zones never appear as ``to_id`` in the matrix.

    Notes
    -----
    With :math:`n_{jg}` the residents of group :math:`g` in zone :math:`j`,
    :math:`P_j = \sum_g n_{jg}` and the group shares of the origin
    :math:`s_{ig} = n_{ig} / P_i`:

    .. math::

        R_i = \sum_j [t_{ij} \le T] \sum_g s_{ig} (P_j - n_{jg})
            = \sum_j [t_{ij} \le T] \sum_g (1 - s_{ig}) \, n_{jg}

    That is the expected number of reachable residents who belong to a
    different group from a resident of :math:`i` drawn at random. A zone of a
    single group counts everyone reachable outside that group; a zone split
    evenly between two groups counts half of each. :math:`P_j` is the sum of
    the group counts, not the ``population`` column, so the shares are
    consistent when the groups do not cover everyone.

    Fallback without group data: each zone's whole ``population`` belongs to
    one of two groups, *deprived* (its ``deprivation_decile`` is in
    ``deprived_deciles``) or *not deprived*, so :math:`R_i` is the
    population of reachable zones on the other side of the deprivation line.
    """
    column = column_name(ColumnKind.REACH_OTHER_GROUPS, cutoff_min=cutoff_min)
    zone_ids, counts = _zone_group_counts(zones, groups, deprived_deciles)
    pairs = _od_pairs(matrix, percentile, zone_ids, zone_ids, "zones", origins_strict=True)
    linked = _within_matrix(pairs, cutoff_min)
    return pd.DataFrame(
        {column: _other_group_residents(linked, counts)}, index=_named(zone_ids, "from_id")
    )


def compute_space_mix(
    matrix: pd.DataFrame,
    zones: pd.DataFrame,
    spaces: pd.DataFrame,
    cutoff_min: float,
    *,
    groups: Sequence[str] | None = None,
    deprived_deciles: Collection[int] = _DEPRIVED_DECILES_DEFAULT,
    percentile: int = 50,
) -> pd.DataFrame:
    r"""Residents who can reach each shared space, and how mixed they are.

    Parameters
    ----------
    matrix
        Zone-to-space long travel-time matrix (``from_id`` zone ids,
        ``to_id`` space ids) with ``travel_time_p<percentile>_min``
        (minutes, NaN = unreachable).
    zones
        As in :func:`compute_reach_other_groups`.
    spaces
        The community spaces, keyed by an ``id`` column (or indexed by id).
    cutoff_min
        Cutoff ``T``, whole minutes (inclusive).
    groups
        As in :func:`compute_reach_other_groups` (same fallback).
    deprived_deciles
        As in :func:`compute_reach_other_groups`.
    percentile
        Which travel-time percentile column of the matrix to use.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``space_id`` (every space, in the order of ``spaces``),
        with

        - ``reachable_residents_<T>min``: residents (sum of group counts) of
          the zones that reach the space within ``T``;
        - ``simpson_diversity_<T>min``: Simpson diversity (dimensionless,
          0 = one group only, up to :math:`1 - 1/G`) of those residents; NaN
          when nobody reaches the space.

    Raises
    ------
    InputError
        As :func:`compute_reach_other_groups`.

    Warns
    -----
    RoutesWarning
        If some spaces never appear as ``to_id`` in the matrix.

    Notes
    -----
    With :math:`n_{ig}` the residents of group :math:`g` in zone :math:`i`,
    the residents of group :math:`g` who reach space :math:`s` are
    :math:`M_{sg} = \sum_i [t_{is} \le T] \, n_{ig}`, their total is
    :math:`M_s = \sum_g M_{sg}`, and

    .. math:: D_s = 1 - \sum_g \left( M_{sg} / M_s \right)^2

    the probability that two residents drawn at random (with replacement)
    from those who can reach :math:`s` belong to different groups.
    """
    residents_column = column_name(ColumnKind.REACHABLE_RESIDENTS, cutoff_min=cutoff_min)
    diversity_column = column_name(ColumnKind.SIMPSON_DIVERSITY, cutoff_min=cutoff_min)
    zone_ids, counts = _zone_group_counts(zones, groups, deprived_deciles)
    space_ids = _frame_ids(spaces, "spaces")
    pairs = _od_pairs(
        matrix, percentile, zone_ids, space_ids, "community spaces", origins_strict=True
    )
    reach = _within_matrix(pairs, cutoff_min)
    mix = np.asarray(reach.T @ counts, dtype=np.float64)
    total = mix.sum(axis=1)
    shares = _safe_divide(mix, total[:, None])
    diversity = 1.0 - np.sum(shares**2, axis=1)
    return pd.DataFrame(
        {residents_column: total, diversity_column: diversity},
        index=_named(space_ids, "space_id"),
    )


def compute_meeting_potential(
    matrix: pd.DataFrame,
    zones: pd.DataFrame,
    spaces: pd.DataFrame,
    cutoff_min: float,
    *,
    groups: Sequence[str] | None = None,
    deprived_deciles: Collection[int] = _DEPRIVED_DECILES_DEFAULT,
    percentile: int = 50,
) -> pd.DataFrame:
    r"""Other-group residents each zone can meet at the shared spaces it reaches.

    Parameters
    ----------
    matrix
        Zone-to-space long travel-time matrix (``from_id`` zone ids,
        ``to_id`` space ids) with ``travel_time_p<percentile>_min``
        (minutes, NaN = unreachable).
    zones
        As in :func:`compute_reach_other_groups`.
    spaces
        The community spaces, keyed by an ``id`` column (or indexed by id).
    cutoff_min
        Cutoff ``T``, whole minutes (inclusive), applied to both sides of a
        meeting.
    groups
        As in :func:`compute_reach_other_groups` (same fallback).
    deprived_deciles
        As in :func:`compute_reach_other_groups`.
    percentile
        Which travel-time percentile column of the matrix to use.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``from_id`` (every zone, in the order of ``zones``), with
        ``meeting_potential_<T>min``: expected number of residents of a
        different group from a randomly chosen resident of the zone who can
        reach, within ``T``, at least one space that the zone also reaches
        within ``T`` (residents; 0 when the zone reaches no space; NaN for a
        zone with no residents).

    Raises
    ------
    InputError
        As :func:`compute_reach_other_groups`.

    Warns
    -----
    RoutesWarning
        If some spaces never appear as ``to_id`` in the matrix.

    Notes
    -----
    Zones :math:`i` and :math:`k` *share a space* when some space :math:`s`
    is within :math:`T` of both:
    :math:`C_{ik} = [\exists s : t_{is} \le T \wedge t_{ks} \le T]`,
    computed as the non-zero pattern of :math:`B B^\top` with the sparse
    boolean zone-by-space matrix :math:`B_{is} = [t_{is} \le T]`. Then, with
    the notation of :func:`compute_reach_other_groups`,

    .. math:: MP_i = \sum_k C_{ik} \sum_g (1 - s_{ig}) \, n_{kg}

    Each resident is counted once however many shared spaces they could meet
    at. A zone that reaches any space shares it with itself, so its own
    residents of other groups count.
    """
    column = column_name(ColumnKind.MEETING_POTENTIAL, cutoff_min=cutoff_min)
    zone_ids, counts = _zone_group_counts(zones, groups, deprived_deciles)
    space_ids = _frame_ids(spaces, "spaces")
    pairs = _od_pairs(
        matrix, percentile, zone_ids, space_ids, "community spaces", origins_strict=True
    )
    reach = _within_matrix(pairs, cutoff_min)
    shared = sp.csr_array(reach @ reach.T)
    shared.data[:] = 1.0
    return pd.DataFrame(
        {column: _other_group_residents(shared, counts)}, index=_named(zone_ids, "from_id")
    )


# --------------------------------------------------------------------------- matrix


@dataclass(frozen=True, slots=True)
class _OdPairs:
    """Matrix rows between known origins and destinations, as integer codes."""

    origin_ids: pd.Index
    destination_ids: pd.Index
    origin: NDArray[np.intp]
    destination: NDArray[np.intp]
    time_min: NDArray[np.float64]


def _od_pairs(
    matrix: pd.DataFrame,
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
    _check_matrix(matrix, time_column)
    if origins is None:
        origin_ids = pd.Index(pd.unique(matrix["from_id"]))
    elif isinstance(origins, pd.Index):
        origin_ids = origins
    elif isinstance(origins, str):
        msg = f"origins must be a list of ids, got the string {origins!r}"
        raise InputError(msg)
    else:
        origin_ids = pd.Index(list(origins))
    _check_ids(origin_ids, "origins")
    origin = origin_ids.get_indexer(matrix["from_id"])
    destination = destination_ids.get_indexer(matrix["to_id"])

    if origins_strict and (origin < 0).any():
        unknown = pd.unique(matrix["from_id"][origin < 0])
        msg = (
            f"travel-time matrix: {len(unknown)} from_id value(s) are not zone ids "
            f"(first: {unknown[0]!r}); compute the matrix from these zones"
        )
        raise InputError(msg)
    keep = (origin >= 0) & (destination >= 0)
    if len(matrix) and len(origin_ids) and len(destination_ids) and not keep.any():
        msg = (
            f"travel-time matrix: no row links the origins to the {destinations_what} "
            f"(e.g. from_id {matrix['from_id'].iloc[0]!r}, to_id {matrix['to_id'].iloc[0]!r}); "
            "check that the ids match the zone and destination id columns, as strings"
        )
        raise InputError(msg)
    n_missing = len(destination_ids) - len(np.unique(destination[destination >= 0]))
    if n_missing:
        warnings.warn(
            f"{n_missing} of {len(destination_ids)} {destinations_what} never appear as "
            "to_id in the travel-time matrix and count as unreachable; check that they "
            "were snapped and that the ids match",
            RoutesWarning,
            stacklevel=stacklevel,
        )
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


# --------------------------------------------------------------------------- inputs


def _weighted_sum(
    matrix: pd.DataFrame,
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


def _check_weights(weights: pd.Series, name: str) -> tuple[pd.Index, NDArray[np.float64]]:
    """Validate destination weights; return their ids and values."""
    what = f"{name} weights"
    if not isinstance(weights, pd.Series):
        msg = f"{what}: expected a pandas Series indexed by to_id, got {type(weights).__name__}"
        raise InputError(msg)
    problems = _id_problems(weights.index.to_series(), f"{what} index")
    if not problems and weights.index.has_duplicates:
        problems.append(
            f"{what}: duplicate ids, e.g. {weights.index[weights.index.duplicated()][0]!r}"
        )
    problems.extend(_count_problems(weights, what))
    if problems:
        raise InputError(join_problems(problems))
    return weights.index, weights.to_numpy(dtype=np.float64, na_value=np.nan)


def _zone_group_counts(
    zones: pd.DataFrame,
    groups: Sequence[str] | None,
    deprived_deciles: Collection[int],
) -> tuple[pd.Index, NDArray[np.float64]]:
    """Zone ids and a zones-by-groups array of residents (see the fallback)."""
    zone_ids = _frame_ids(zones, "zones")
    if groups:
        if isinstance(groups, str):
            msg = f"groups must be a list of column names, got the string {groups!r}"
            raise InputError(msg)
        problems = []
        for group in groups:
            if group not in zones.columns:
                problems.append(f"zones: group column {group!r} is missing")
            else:
                problems.extend(_count_problems(zones[group], f"zones column {group!r}"))
        if problems:
            raise InputError(join_problems(problems))
        counts = zones[list(groups)].to_numpy(dtype=np.float64, na_value=np.nan)
        return zone_ids, counts

    bad_deciles = [d for d in deprived_deciles if d not in range(1, 11)]
    if bad_deciles:
        msg = f"deprived_deciles must be whole numbers from 1 to 10, got {bad_deciles!r}"
        raise InputError(msg)
    population = _frame_column(zones, "population", "zones")
    decile = _frame_column(zones, "deprivation_decile", "zones")
    problems = _count_problems(population, "zones column 'population'")
    problems.extend(_decile_problems(decile, "zones column 'deprivation_decile'"))
    if problems:
        raise InputError(join_problems(problems))
    people = population.to_numpy(dtype=np.float64, na_value=np.nan)
    deprived = decile.isin(list(deprived_deciles)).to_numpy()
    counts = np.column_stack([np.where(deprived, people, 0.0), np.where(deprived, 0.0, people)])
    return zone_ids, counts


def _other_group_residents(
    linked: sp.csr_array, counts: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``sum_k linked_ik sum_g (1 - s_ig) n_kg`` per origin; NaN where ``P_i = 0``."""
    reached = np.asarray(linked @ counts, dtype=np.float64)
    total = counts.sum(axis=1)
    shares = _safe_divide(counts, total[:, None])
    result = np.asarray(np.sum((1.0 - shares) * reached, axis=1), dtype=np.float64)
    result[total == 0] = np.nan
    return result


def _frame_ids(frame: pd.DataFrame, what: str) -> pd.Index:
    """Ids of a zones or destinations frame: its ``id`` column, else its index."""
    if not isinstance(frame, pd.DataFrame):
        msg = f"{what}: expected a pandas DataFrame, got {type(frame).__name__}"
        raise InputError(msg)
    ids = pd.Index(frame["id"]) if "id" in frame.columns else frame.index
    _check_ids(ids, what)
    return ids


def _frame_column(frame: pd.DataFrame, column: str, what: str) -> pd.Series:
    """Return a column of a frame, positionally aligned (index dropped)."""
    if column not in frame.columns:
        msg = f"{what}: column {column!r} is missing; add it or check the column mapping"
        raise InputError(msg)
    return frame[column].reset_index(drop=True)


def _check_ids(ids: pd.Index, what: str) -> None:
    """Raise unless ids are unique non-missing strings."""
    problems = _id_problems(ids.to_series(), f"{what} ids")
    if not problems and ids.has_duplicates:
        problems.append(
            f"{what} ids: {int(ids.duplicated().sum())} duplicate(s), "
            f"e.g. {ids[ids.duplicated()][0]!r}; ids must be unique"
        )
    if problems:
        raise InputError(join_problems(problems))


def _id_problems(ids: pd.Series, what: str) -> list[str]:
    """Problems with an id column: missing values or non-string ids."""
    if ids.isna().any():
        position = int(np.flatnonzero(ids.isna().to_numpy())[0])
        return [f"{what}: {int(ids.isna().sum())} missing id(s) (first at row {position})"]
    if len(ids) and not pd.api.types.is_string_dtype(ids):
        return [
            f"{what}: ids must be strings, got dtype {ids.dtype} "
            f"(e.g. {ids.iloc[0]!r}); read ids with dtype=str"
        ]
    return []


def _count_problems(values: pd.Series, what: str) -> list[str]:
    """Problems with a column of counts: non-numeric, missing, infinite or negative."""
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return [f"{what}: expected numbers, got dtype {values.dtype}"]
    array = values.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(array) | (array < 0)
    if bad.any():
        position = int(np.flatnonzero(bad)[0])
        return [
            f"{what}: {int(bad.sum())} value(s) are missing, infinite or negative "
            f"(first at row {position}: {array[position]!r}); use 0 or more"
        ]
    return []


def _decile_problems(values: pd.Series, what: str) -> list[str]:
    """Problems with a deprivation-decile column (whole numbers 1 to 10)."""
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return [f"{what}: expected whole numbers 1-10, got dtype {values.dtype}"]
    array = values.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isin(array, np.arange(1, 11))
    if bad.any():
        position = int(np.flatnonzero(bad)[0])
        return [
            f"{what}: {int(bad.sum())} value(s) are not whole numbers 1-10 "
            f"(first at row {position}: {array[position]!r}); 1 is the most deprived decile"
        ]
    return []


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
