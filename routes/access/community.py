"""Community metrics per zone: reach to other groups, mix and meeting potential at spaces.

Each function takes a long travel-time matrix (``from_id``, ``to_id`` and a
minutes column; see :mod:`routes.access.metrics`) and returns a table indexed
by zone or space id, with the column names of :func:`routes.columns.column_name`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import NDArray

from routes.access._checks import _frame_ids, _zone_group_counts
from routes.access._od import Matrix, _named, _od_pairs, _safe_divide, _within_matrix
from routes.columns import ColumnKind, column_name

__all__ = ["compute_meeting_potential", "compute_reach_other_groups", "compute_space_mix"]

_DEPRIVED_DECILES_DEFAULT = (1, 2, 3)
_FALLBACK_GROUPS = ("deprived", "not_deprived")
"""Names of the two halves of the fallback without community groups."""


def compute_reach_other_groups(
    matrix: Matrix,
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
        In the fallback without groups the column is
        ``reach_across_deprivation_<T>min``: residents of reachable zones on
        the other side of the deprivation line.

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
    kind = ColumnKind.REACH_OTHER_GROUPS if groups else ColumnKind.REACH_ACROSS_DEPRIVATION
    column = column_name(kind, cutoff_min=cutoff_min)
    zone_ids, counts = _zone_group_counts(zones, groups, deprived_deciles)
    pairs = _od_pairs(matrix, percentile, zone_ids, zone_ids, "zones", origins_strict=True)
    linked = _within_matrix(pairs, cutoff_min)
    return pd.DataFrame(
        {column: _other_group_residents(linked, counts)}, index=_named(zone_ids, "from_id")
    )


def compute_space_mix(
    matrix: Matrix,
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
        - ``reachable_<group>_<T>min``, one per group (in the order of
          ``groups``; ``deprived`` and ``not_deprived`` in the fallback):
          those residents by group (residents);
        - ``simpson_diversity_<T>min``: Simpson diversity (dimensionless,
          0 = one group only, up to :math:`1 - 1/G`) of those residents; NaN
          when nobody reaches the space. In the fallback it is the mix of
          residents of deprived and other zones.

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
    names = list(groups) if groups else list(_FALLBACK_GROUPS)
    by_group = {column_name(ColumnKind.REACHABLE_GROUP, group=g, cutoff_min=cutoff_min): mix[:, k]
                for k, g in enumerate(names)}
    return pd.DataFrame(
        {residents_column: total, **by_group, diversity_column: diversity},
        index=_named(space_ids, "space_id"),
    )


def compute_meeting_potential(
    matrix: Matrix,
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
