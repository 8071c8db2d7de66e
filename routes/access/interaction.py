r"""Social-interaction potential: who can meet whom at shared community spaces.

A shared community space (a library, a community centre, a park: see
:meth:`routes.config.parameters.ScoringParams.is_shared`) is where people of
different backgrounds may meet. Two residents *can meet* at a space when both
can reach it from home within the cutoff :math:`T`. The functions here count
such meetings between community groups, in the time-geographic sense of joint
accessibility (Farber et al., 2013), and measure how exposed the residents of a
zone are to other groups through the spaces they reach, with Lieberson's
exposure index :math:`{}_xP_y^*` (Massey & Denton, 1988).

Notation used in every docstring: zones :math:`i, k`; spaces :math:`s`;
community groups :math:`g, h`; :math:`n_{ig}` residents of group :math:`g` in
zone :math:`i`; :math:`P_g = \sum_i n_{ig}`; :math:`B_{is} = [t_{is} \le T]`,
zone :math:`i` reaches space :math:`s` within :math:`T` minutes (at the
study's travel-time percentile, from the zone's point); the *catchment* of
:math:`s` by group, :math:`N_g(s) = \sum_i B_{is} \, n_{ig}`, and in all
:math:`N(s) = \sum_g N_g(s)`.

Each function takes long travel-time matrices (``from_id`` zone ids, ``to_id``
space ids, ``travel_time_p<percentile>_min``; NaN = unreachable) as the other
metrics of :mod:`routes.access` do. They need community-group counts: without
groups there are no groups to meet (the per-space catchments of
:func:`routes.access.community.compute_space_mix` have a fallback; these do not).

References
----------
Farber, S., Neutens, T., Miller, H. J. & Li, X. (2013). The social interaction
potential of metropolitan regions: a time-geographic measurement approach
using joint accessibility. *Annals of the Association of American
Geographers* 103(2), 483-504.

Massey, D. S. & Denton, N. A. (1988). The dimensions of residential
segregation. *Social Forces* 67(2), 281-315 (the exposure index
:math:`{}_xP_y^*` of Lieberson, 1981).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import NDArray

from routes.access._checks import _count_problems, _frame_column, _frame_ids, _zone_group_counts
from routes.access._od import Matrix, _named, _od_pairs, _within_matrix
from routes.columns import ColumnKind, column_name
from routes.errors import InputError, join_problems

__all__ = [
    "GROUP_PAIR_COLUMNS",
    "MEETING_PAIR_COLUMNS",
    "compute_exposure",
    "compute_group_interaction",
    "compute_majority_groups",
    "compute_meeting_pair_changes",
]

GROUP_PAIR_COLUMNS = (
    "group_a", "group_b", "residents_a", "residents_b", "resident_pairs", "potential",
    "potential_per_pair", "pairs_able_to_meet", "share_able_to_meet",
)
"""Columns of :func:`compute_group_interaction`."""

MEETING_PAIR_COLUMNS = (
    "change", "zone_a", "name_a", "group_a", "residents_a", "zone_b", "name_b", "group_b",
    "residents_b", "across_groups", "n_spaces", "meeting_min", "spaces", "space_ids",
    "categories",
)
"""Columns of :func:`compute_meeting_pair_changes`."""

_SPACE_SEPARATOR = "; "


def _groups_required(groups: Sequence[str] | None, what: str) -> list[str]:
    if not groups or isinstance(groups, str):
        msg = (
            f"{what} needs community groups (a list of the zones' group count columns, "
            f"got {groups!r}); give them in routes.toml [zones].groups"
        )
        raise InputError(msg)
    return list(groups)


def _reach(
    matrix: Matrix,
    zones: pd.DataFrame,
    spaces: pd.DataFrame,
    cutoff_min: float,
    groups: Sequence[str],
    percentile: int,
) -> tuple[pd.Index, NDArray[np.float64], pd.Index, sp.csr_array]:
    """Zone ids, group counts, space ids and the zone-by-space 0/1 reach matrix."""
    zone_ids, counts = _zone_group_counts(zones, groups, ())
    space_ids = _frame_ids(spaces, "spaces")
    pairs = _od_pairs(matrix, percentile, zone_ids, space_ids, "shared spaces",
                      origins_strict=True, stacklevel=4)
    return zone_ids, counts, space_ids, _within_matrix(pairs, cutoff_min)


def _meet(reach: sp.csr_array) -> sp.csr_array:
    """Zone-by-zone 0/1 matrix: the two zones reach at least one common space."""
    shared = sp.csr_array(reach @ reach.T)
    shared.data[:] = 1.0
    return shared


def compute_majority_groups(zones: pd.DataFrame, groups: Sequence[str]) -> pd.Series:
    """Find the largest community group of each zone.

    Parameters
    ----------
    zones
        Keyed by an ``id`` column (or indexed by id), with the group count
        columns (residents).
    groups
        The group count columns, in the order that breaks ties.

    Returns
    -------
    pandas.Series
        Indexed by zone id (strings, in the order of ``zones``): the name of
        the group with the most residents (the first listed of those tied);
        ``<NA>`` for a zone with no residents in any group.

    Raises
    ------
    InputError
        If ``groups`` is empty or a column is missing or not counts.

    Examples
    --------
    >>> zones = pd.DataFrame({"id": ["A", "B", "C"], "x": [5, 1, 0], "y": [2, 1, 0]})
    >>> compute_majority_groups(zones, ["x", "y"]).tolist()
    ['x', 'x', <NA>]
    """
    names = _groups_required(groups, "the majority group of a zone")
    zone_ids, counts = _zone_group_counts(zones, names, ())
    best = np.asarray(names, dtype=object)[np.argmax(counts, axis=1)] if len(names) else []
    result = pd.Series(best, index=_named(zone_ids, "id"), dtype="string")
    result[counts.sum(axis=1) == 0] = pd.NA
    return result


def compute_group_interaction(
    matrix: Matrix,
    zones: pd.DataFrame,
    spaces: pd.DataFrame,
    cutoff_min: float,
    *,
    groups: Sequence[str],
    percentile: int = 50,
) -> pd.DataFrame:
    r"""Social-interaction potential between every pair of community groups.

    Parameters
    ----------
    matrix
        Zone-to-space long travel-time matrix.
    zones
        Keyed by an ``id`` column (or indexed by id), with the group count
        columns (residents).
    spaces
        The shared community spaces, keyed by an ``id`` column (or indexed by id).
    cutoff_min
        Cutoff :math:`T`, whole minutes (inclusive).
    groups
        The zones' community-group count columns (at least one).
    percentile
        Which travel-time percentile column of the matrix to use.

    Returns
    -------
    pandas.DataFrame
        One row per unordered pair of groups :math:`g < h` (in the order of
        ``groups``), with the columns of :data:`GROUP_PAIR_COLUMNS`:

        - ``group_a``, ``group_b``: the two groups;
        - ``residents_a``, ``residents_b``: :math:`P_g`, :math:`P_h` (residents);
        - ``resident_pairs``: :math:`P_g P_h`, pairs of one resident of each;
        - ``potential``: :math:`SIP_{gh}` (resident pairs, each counted once
          per shared space both can reach);
        - ``potential_per_pair``: :math:`SIP_{gh} / (P_g P_h)`, the mean
          number of shared spaces that a resident of :math:`g` and a resident
          of :math:`h` can both reach (spaces; NaN when a group is empty);
        - ``pairs_able_to_meet``: :math:`M_{gh}`, resident pairs who can both
          reach at least one common shared space (resident pairs);
        - ``share_able_to_meet``: :math:`M_{gh} / (P_g P_h)` (share 0-1; NaN
          when a group is empty).

    Raises
    ------
    InputError
        If there are no groups, or the inputs are malformed (as
        :func:`routes.access.community.compute_reach_other_groups`).

    Notes
    -----
    Farber et al. (2013) measure the social interaction potential of a region
    as the joint accessibility of pairs of people, summed over all pairs: the
    activity places both can reach within their time budgets (the intersection
    of their space-time prisms), weighted by how many people make each pair of
    trips. Here each resident's prism is the set of shared spaces within
    :math:`T` of home during the departure window, and the joint
    accessibility of zones :math:`i` and :math:`k` is the number of spaces
    both reach, :math:`JA_{ik} = \sum_s B_{is} B_{ks}`. Between two different
    groups :math:`g \ne h`:

    .. math::

        SIP_{gh} = \sum_i \sum_k n_{ig} \, n_{kh} \, JA_{ik}
                 = \sum_s N_g(s) \, N_h(s)

    (the second form is Farber et al.'s decomposition by meeting place), and

    .. math::

        M_{gh} = \sum_i \sum_k n_{ig} \, n_{kh} \, [JA_{ik} > 0]

    Residents of two groups who live in the same zone can meet at any space
    that zone reaches (:math:`JA_{ii}`). Summing over the rows gives the
    cross-group totals; divided by :math:`\sum_{g<h} P_g P_h` they are the
    means over all pairs of residents of different groups.

    Examples
    --------
    Two zones, one of each group, each reaching one space, both the library:

    >>> matrix = pd.DataFrame({"from_id": ["A", "A", "B", "B"],
    ...                        "to_id": ["lib", "park", "lib", "park"],
    ...                        "travel_time_p50_min": [10.0, 5.0, 20.0, None]})
    >>> zones = pd.DataFrame({"id": ["A", "B"], "x": [100, 0], "y": [0, 50]})
    >>> spaces = pd.DataFrame({"id": ["lib", "park"]})
    >>> row = compute_group_interaction(matrix, zones, spaces, 30, groups=["x", "y"]).iloc[0]
    >>> int(row.potential), float(row.potential_per_pair), float(row.share_able_to_meet)
    (5000, 1.0, 1.0)
    """
    names = _groups_required(groups, "social-interaction potential")
    _, counts, _, reach = _reach(matrix, zones, spaces, cutoff_min, names, percentile)
    catchment = np.asarray(reach.T @ counts, dtype=np.float64)  # N_g(s), spaces x groups
    potential = catchment.T @ catchment  # SIP_gh
    meeting = counts.T @ np.asarray(_meet(reach) @ counts, dtype=np.float64)  # M_gh
    totals = counts.sum(axis=0)
    rows = []
    for a, b in combinations(range(len(names)), 2):
        pairs = totals[a] * totals[b]
        rows.append((names[a], names[b], totals[a], totals[b], pairs, potential[a, b],
                     potential[a, b] / pairs if pairs else np.nan, meeting[a, b],
                     meeting[a, b] / pairs if pairs else np.nan))
    table = pd.DataFrame(rows, columns=list(GROUP_PAIR_COLUMNS))
    return table.astype({c: np.float64 for c in GROUP_PAIR_COLUMNS[2:]})


def compute_exposure(
    matrix: Matrix,
    zones: pd.DataFrame,
    spaces: pd.DataFrame,
    cutoff_min: float,
    *,
    groups: Sequence[str],
    percentile: int = 50,
) -> pd.DataFrame:
    r"""Exposure of each zone's residents to other groups at the shared spaces they reach.

    Parameters
    ----------
    matrix, zones, spaces, cutoff_min, groups, percentile
        As for :func:`compute_group_interaction`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``from_id`` (every zone, in the order of ``zones``), with
        ``exposure_other_groups_<T>min``: the chance that a person met at a
        shared space the zone's residents reach belongs to another group than
        the resident (share 0-1; 0 for a zone that reaches no space; NaN for
        a zone with no residents in any group).

    Raises
    ------
    InputError
        As :func:`compute_group_interaction`.

    Notes
    -----
    Lieberson's exposure index of group :math:`x` to group :math:`y`,
    :math:`{}_xP_y^* = \sum_i (x_i / X)(y_i / t_i)` over areal units
    :math:`i` (Massey & Denton, 1988), is the chance that someone who shares
    an area with a member of :math:`x` belongs to :math:`y`. Here the "area"
    of a resident of zone :math:`i` is the pooled catchment of the shared
    spaces :math:`i` reaches (a space counts once for each space a person
    could meet them at), and :math:`y` is every group but the resident's own:

    .. math::

        E_{ig} = \frac{\sum_s B_{is} \, (N(s) - N_g(s))}{\sum_s B_{is} \, N(s)},
        \qquad
        E_i = \sum_g \frac{n_{ig}}{P_i} \, E_{ig}

    with :math:`P_i = \sum_g n_{ig}`; :math:`E_{ig} = 0` when zone :math:`i`
    reaches no space (nobody to meet). The exposure of a set of residents
    (the deprived, or everyone) is the mean of :math:`E_i` weighted by
    residents: :math:`\sum_i P_i E_i / \sum_i P_i`, which is
    :math:`{}_xP_y^*` with :math:`x` those residents and :math:`y` "another
    group than theirs".

    Examples
    --------
    Zone A (100 of x) and zone B (50 of y) both reach the library, A also
    the park: A meets 100 x and 50 y at the library and its own 100 x at the
    park, so :math:`E_A = 50 / 250`; B meets 100 x and 50 y.

    >>> matrix = pd.DataFrame({"from_id": ["A", "A", "B", "B"],
    ...                        "to_id": ["lib", "park", "lib", "park"],
    ...                        "travel_time_p50_min": [10.0, 5.0, 20.0, None]})
    >>> zones = pd.DataFrame({"id": ["A", "B"], "x": [100, 0], "y": [0, 50]})
    >>> spaces = pd.DataFrame({"id": ["lib", "park"]})
    >>> compute_exposure(matrix, zones, spaces, 30, groups=["x", "y"]).round(3).iloc[:, 0].tolist()
    [0.2, 0.667]
    """
    names = _groups_required(groups, "exposure to other groups")
    zone_ids, counts, _, reach = _reach(matrix, zones, spaces, cutoff_min, names, percentile)
    catchment = np.asarray(reach.T @ counts, dtype=np.float64)  # N_g(s)
    own = np.asarray(reach @ catchment, dtype=np.float64)  # sum_s B_is N_g(s), zones x groups
    pooled = own.sum(axis=1)  # sum_s B_is N(s)
    residents = counts.sum(axis=1)
    exposure = np.zeros(len(zone_ids), dtype=np.float64)
    met = (pooled > 0) & (residents > 0)
    shares = counts[met] / residents[met, None]
    exposure[met] = np.sum(shares * (1.0 - own[met] / pooled[met, None]), axis=1)
    exposure[residents == 0] = np.nan
    column = column_name(ColumnKind.EXPOSURE, cutoff_min=cutoff_min)
    return pd.DataFrame({column: exposure}, index=_named(zone_ids, "from_id"))


def compute_meeting_pair_changes(
    baseline: Matrix,
    scenario: Matrix,
    zones: pd.DataFrame,
    spaces: pd.DataFrame,
    cutoff_min: float,
    *,
    groups: Sequence[str] | None = None,
    percentile: int = 50,
) -> pd.DataFrame:
    r"""Pairs of neighbourhoods newly able to meet at a shared space, or no longer able to.

    Parameters
    ----------
    baseline, scenario
        Zone-to-space long travel-time matrices of the two networks.
    zones
        Keyed by an ``id`` column (or indexed by id), with ``population``
        (residents) or the group count columns, and optionally ``name``.
    spaces
        The shared spaces, keyed by an ``id`` column (or indexed by id), with
        optionally ``name`` and ``category``.
    cutoff_min
        Cutoff :math:`T`, whole minutes (inclusive).
    groups
        The zones' community-group count columns; ``None`` or empty: no
        group columns in the result.
    percentile
        Which travel-time percentile column of the matrices to use.

    Returns
    -------
    pandas.DataFrame
        One row per unordered pair of different zones whose ability to meet
        changes, with the columns of :data:`MEETING_PAIR_COLUMNS`:

        - ``change``: ``"new"`` (no common shared space within :math:`T` on
          the baseline, at least one in the scenario) or ``"lost"`` (the
          reverse);
        - ``zone_a``, ``zone_b``: zone ids, ``zone_a`` first in ``zones``;
        - ``name_a``, ``name_b``: zone names (the ids when ``zones`` has no
          ``name``);
        - ``group_a``, ``group_b``: majority groups
          (:func:`compute_majority_groups`), ``<NA>`` without groups;
        - ``residents_a``, ``residents_b``: residents (the group counts
          summed, or ``population`` without groups);
        - ``across_groups``: whether the majority groups differ (``<NA>``
          without groups);
        - ``n_spaces``: common shared spaces within :math:`T` (in the scenario
          for new pairs, on the baseline for lost ones);
        - ``meeting_min``: at the first of those spaces, minutes until both
          can be there (the longer of the two journeys; to 4 decimals);
        - ``spaces``, ``space_ids``, ``categories``: names, ids and
          categories of those spaces, ``"; "``-separated, in order of
          ``meeting_min`` (then of ``spaces``).

        Sorted by ``change`` (new first), pairs across groups first, then by
        residents of the pair (most first). No row pairs a zone with itself.

    Raises
    ------
    InputError
        If the inputs are malformed (as
        :func:`routes.access.community.compute_space_mix`).

    Notes
    -----
    With :math:`JA_{ik}` the number of shared spaces zones :math:`i` and
    :math:`k` both reach within :math:`T` (see
    :func:`compute_group_interaction`), a pair :math:`\{i, k\}`, :math:`i \ne k`,
    is new when :math:`JA^{\text{base}}_{ik} = 0 < JA^{\text{scen}}_{ik}` and
    lost when :math:`JA^{\text{scen}}_{ik} = 0 < JA^{\text{base}}_{ik}`. Each
    pair is counted once.
    """
    names = list(groups) if groups else []
    if names:
        zone_ids, counts = _zone_group_counts(zones, names, ())
        residents = counts.sum(axis=1)
        majority = compute_majority_groups(zones, names).to_numpy(dtype=object)
    else:
        zone_ids = _frame_ids(zones, "zones")
        population = _frame_column(zones, "population", "zones")
        problems = _count_problems(population, "zones column 'population'")
        if problems:
            raise InputError(join_problems(problems))
        residents = population.to_numpy(dtype=np.float64)
        majority = np.full(len(zone_ids), pd.NA, dtype=object)
    space_ids = _frame_ids(spaces, "spaces")
    shape = (len(zone_ids), len(space_ids))
    minutes = []
    for matrix in (baseline, scenario):
        pairs = _od_pairs(matrix, percentile, zone_ids, space_ids, "shared spaces",
                          origins_strict=True, stacklevel=3)
        ok = np.isfinite(pairs.time_min) & (pairs.time_min <= cutoff_min)
        minutes.append(sp.csr_array(sp.coo_array(
            (pairs.time_min[ok], (pairs.origin[ok], pairs.destination[ok])), shape=shape)))
    meet_b, meet_s = (_meet(sp.csr_array((np.ones_like(m.data), m.indices, m.indptr),
                                         shape=shape)) for m in minutes)
    zone_names = _labels(zones, "name", zone_ids)
    space_names = _labels(spaces, "name", space_ids)
    categories = _labels(spaces, "category", space_ids, default="")
    rows = []
    for change, now, before, times in (("new", meet_s, meet_b, minutes[1]),
                                       ("lost", meet_b, meet_s, minutes[0])):
        diff = sp.coo_array(sp.triu(now - now.multiply(before), k=1))
        keep = diff.data > 0
        for i, k in zip(diff.row[keep], diff.col[keep], strict=True):
            where, both = _common_spaces(times, int(i), int(k))
            across = (pd.NA if majority[i] is pd.NA or majority[k] is pd.NA
                      else bool(majority[i] != majority[k]))
            rows.append((change, zone_ids[i], zone_names[i], majority[i], residents[i],
                         zone_ids[k], zone_names[k], majority[k], residents[k], across,
                         len(where), round(float(both[0]), 4),
                         _SPACE_SEPARATOR.join(space_names[where]),
                         _SPACE_SEPARATOR.join(space_ids[where].astype(str)),
                         _SPACE_SEPARATOR.join(categories[where])))
    table = pd.DataFrame(rows, columns=list(MEETING_PAIR_COLUMNS))
    table = table.astype({"zone_a": "string", "zone_b": "string", "name_a": "string",
                          "name_b": "string", "group_a": "string", "group_b": "string",
                          "residents_a": np.float64, "residents_b": np.float64,
                          "across_groups": "boolean", "n_spaces": np.int64,
                          "meeting_min": np.float64, "spaces": "string",
                          "space_ids": "string", "categories": "string"})
    order = [
        (table["change"] == "lost").to_numpy(),
        ~table["across_groups"].fillna(False).to_numpy(dtype=bool),
        -(table["residents_a"] + table["residents_b"]).to_numpy(),
    ]
    return table.iloc[np.lexsort(order[::-1])].reset_index(drop=True)


def _common_spaces(times: sp.csr_array, i: int, k: int
                   ) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """Spaces both zones reach, by the later arrival (then by space); and those minutes."""
    row_i = slice(times.indptr[i], times.indptr[i + 1])
    row_k = slice(times.indptr[k], times.indptr[k + 1])
    where, at_i, at_k = np.intersect1d(times.indices[row_i], times.indices[row_k],
                                       assume_unique=True, return_indices=True)
    both = np.maximum(times.data[row_i][at_i], times.data[row_k][at_k])
    order = np.lexsort((where, both))
    return where[order].astype(np.intp), both[order]


def _labels(frame: pd.DataFrame, column: str, ids: pd.Index, *,
            default: str | None = None) -> NDArray[np.object_]:
    """Return a text column in id order; the id (or ``default``) where it is empty."""
    fallback = ids.astype(str).to_numpy(dtype=object) if default is None else np.full(
        len(ids), default, dtype=object)
    if column not in frame.columns:
        return fallback
    values = frame[column].reset_index(drop=True)
    return np.where(values.isna().to_numpy(), fallback, values.astype(str).to_numpy(dtype=object))
