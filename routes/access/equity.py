"""How evenly accessibility is shared: Gini, Palma and deprivation-decile splits.

The inequality measures treat each zone as ``weight`` people who all have the
zone's value (population weights as replication), so weights ``[3, 1]`` on
values ``[0, 1]`` give exactly the result of values ``[0, 0, 0, 1]``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
from numpy.typing import NDArray

from routes.errors import InputError, join_problems

__all__ = ["compute_by_decile", "compute_gini", "compute_palma"]

_DECILES = tuple(range(1, 11))


def compute_gini(values: npt.ArrayLike, weights: npt.ArrayLike | None = None) -> float:
    r"""Population-weighted Gini coefficient of a non-negative quantity.

    Parameters
    ----------
    values
        One value per zone (e.g. jobs within 45 min), non-negative and not
        NaN.
    weights
        People per zone (non-negative, not all zero); equal weights when
        omitted.

    Returns
    -------
    float
        The Gini coefficient, dimensionless: 0 when everyone has the same
        value (including all zero), approaching 1 when one person holds
        everything.

    Raises
    ------
    InputError
        If the inputs are empty, of different lengths, not one-dimensional,
        NaN, infinite or negative, or the weights sum to 0.

    Notes
    -----
    With values :math:`x_i`, weights :math:`w_i`, :math:`W = \sum_i w_i` and
    the weighted mean :math:`\mu = \sum_i w_i x_i / W`:

    .. math:: G = \frac{\sum_i \sum_j w_i w_j |x_i - x_j|}{2 W^2 \mu}

    half the relative mean absolute difference over all ordered pairs of
    people, self-pairs included (the "population" convention, without the
    :math:`n/(n-1)` small-sample correction). It gives 0.75 for
    ``[0, 0, 0, 1]``, :math:`(n-1)/n` at most for :math:`n` equal weights,
    and :math:`(n-1)/(3n)` for the values :math:`1, \dots, n`. It is computed
    in :math:`O(n \log n)` from values sorted ascending as
    :math:`\sum_i \sum_j w_i w_j |x_i - x_j| = 2 \sum_i w_i x_i (W_{<i} - W_{>i})`,
    with :math:`W_{<i}` and :math:`W_{>i}` the weight before and after
    :math:`i` in that order.

    Examples
    --------
    >>> compute_gini([0, 0, 0, 1])
    0.75
    >>> compute_gini([0, 1], weights=[3, 1])
    0.75
    """
    x, w = _values_and_weights(values, weights, "compute_gini")
    total_weight = w.sum()
    mean = float(np.dot(w, x) / total_weight)
    if mean == 0.0:
        return 0.0
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    after = np.cumsum(w)
    before = after - w
    pair_sum = 2.0 * np.dot(w * x, before - (total_weight - after))
    return float(pair_sum / (2.0 * total_weight**2 * mean))


def compute_palma(values: npt.ArrayLike, weights: npt.ArrayLike | None = None) -> float:
    r"""Palma ratio: share held by the top 10 % of people over that of the bottom 40 %.

    Parameters
    ----------
    values
        One value per zone (e.g. jobs within 45 min), non-negative and not
        NaN.
    weights
        People per zone (non-negative, not all zero); equal weights when
        omitted.

    Returns
    -------
    float
        The Palma ratio, dimensionless: 0.25 when everyone has the same
        value, larger when the top is richer. ``inf`` when the bottom 40 %
        hold nothing but the total is positive; NaN when every value is 0.

    Raises
    ------
    InputError
        As :func:`compute_gini`.

    Notes
    -----
    People are ranked by value. With :math:`L(p)` the Lorenz curve (the
    share of the total held by the poorest fraction :math:`p` of people),

    .. math:: \text{Palma} = \frac{1 - L(0.9)}{L(0.4)}

    A zone's weight is split where a boundary falls inside it: with zones
    sorted ascending, cumulative weight :math:`F_k` up to and including zone
    :math:`k`, and :math:`W` the total weight, the amount held by the poorest
    :math:`q = pW` people is

    .. math:: H(q) = \sum_k x_k \, \min\bigl(w_k, \max(0, q - F_{k-1})\bigr)

    and :math:`L(p) = H(pW) / H(W)`. The top share :math:`1 - L(0.9)` is
    computed directly as the amount held by the richest :math:`0.1 W`
    people, :math:`\sum_k x_k \min(w_k, \max(0, F_k - 0.9 W)) / H(W)`.
    With integer weights whose total is a multiple of 10 this equals the
    unweighted Palma of the replicated people. For incomes 1 to 10 it gives
    :math:`(10/55) / (10/55) = 1`.

    Examples
    --------
    >>> compute_palma(range(1, 11))
    1.0
    >>> round(compute_palma([1, 3]), 12)  # bottom 40 %: 0.8 x 1; top 10 %: 0.2 x 3
    0.75
    """
    x, w = _values_and_weights(values, weights, "compute_palma")
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    total_weight = w.sum()
    total = float(np.dot(w, x))
    if total == 0.0:
        return float("nan")
    after = np.cumsum(w)
    before = after - w
    # Weight of each zone among the poorest 40 % and among the richest 10 %.
    bottom = float(np.dot(x, np.clip(0.4 * total_weight - before, 0.0, w)))
    top = float(np.dot(x, np.clip(after - 0.9 * total_weight, 0.0, w)))
    if bottom == 0.0:
        return float("inf")
    return top / bottom


def compute_by_decile(
    zone_table: pd.DataFrame,
    value_col: str,
    *,
    population_col: str = "population",
    decile_col: str = "deprivation_decile",
) -> pd.DataFrame:
    r"""Population-weighted mean of a per-zone value in each deprivation decile.

    Parameters
    ----------
    zone_table
        One row per zone with ``value_col``, ``population_col`` and
        ``decile_col``.
    value_col
        The per-zone quantity to average, e.g. ``delta_jobs_within_45min``;
        NaN values (e.g. nothing reachable) are left out of the mean.
    population_col
        Residents per zone (non-negative).
    decile_col
        Deprivation decile per zone, whole numbers 1 (most deprived) to 10.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``decile_col`` with one row per decile 1 to 10 (deciles
        with no zones included), with the columns

        - ``n_zones``: zones in the decile (``int64``);
        - ``population``: their residents;
        - ``population_with_value``: residents of those zones whose value is
          not NaN (the denominator of the mean);
        - ``<value_col>``: population-weighted mean of the value, in its own
          unit; NaN when ``population_with_value`` is 0.

    Raises
    ------
    InputError
        If a column is missing, the values are not numbers, a population is
        missing or negative, or a decile is not a whole number from 1 to 10.

    Notes
    -----
    For decile :math:`d` with zones :math:`i \in d`, population :math:`p_i`
    and value :math:`v_i` (zones with NaN :math:`v_i` left out):

    .. math:: \bar v_d = \frac{\sum_{i \in d} p_i v_i}{\sum_{i \in d} p_i}
    """
    if not isinstance(zone_table, pd.DataFrame):
        msg = f"compute_by_decile: expected a pandas DataFrame, got {type(zone_table).__name__}"
        raise InputError(msg)
    missing = [c for c in (value_col, population_col, decile_col) if c not in zone_table.columns]
    if missing:
        msg = f"compute_by_decile: zone table lacks column(s) {missing}"
        raise InputError(msg)
    problems: list[str] = []
    v = _numeric(zone_table[value_col], value_col, problems)
    population = _numeric(zone_table[population_col], population_col, problems)
    decile = _numeric(zone_table[decile_col], decile_col, problems)
    if not problems:
        bad = ~np.isfinite(population) | (population < 0)
        if bad.any():
            problems.append(
                f"column {population_col!r}: {int(bad.sum())} population(s) are missing, "
                f"infinite or negative (first at row {int(np.flatnonzero(bad)[0])})"
            )
        bad = ~np.isin(decile, _DECILES)
        if bad.any():
            problems.append(
                f"column {decile_col!r}: {int(bad.sum())} value(s) are not whole numbers 1-10 "
                f"(first at row {int(np.flatnonzero(bad)[0])}: {decile[bad][0]!r}); "
                "1 is the most deprived decile"
            )
    if problems:
        raise InputError("compute_by_decile: " + join_problems(problems))

    has_value = ~np.isnan(v)
    index = pd.Index(_DECILES, name=decile_col)
    frame = pd.DataFrame(
        {
            "decile": decile.astype(np.int64),
            "population": population,
            "population_with_value": np.where(has_value, population, 0.0),
            "weighted": np.where(has_value, population * v, 0.0),
            "one": np.ones(len(v), dtype=np.int64),
        }
    )
    sums = frame.groupby("decile").sum().reindex(index, fill_value=0)
    weighted = sums["weighted"].to_numpy(dtype=np.float64)
    denominator = sums["population_with_value"].to_numpy(dtype=np.float64)
    mean = np.full(len(index), np.nan)
    np.divide(weighted, denominator, out=mean, where=denominator > 0)
    return pd.DataFrame(
        {
            "n_zones": sums["one"].to_numpy(dtype=np.int64),
            "population": sums["population"].to_numpy(dtype=np.float64),
            "population_with_value": denominator,
            value_col: mean,
        },
        index=index,
    )


def _numeric(values: pd.Series, column: str, problems: list[str]) -> NDArray[np.float64]:
    """Return a numeric column as ``float64`` (NaN for missing), or note a problem."""
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        problems.append(f"column {column!r}: expected numbers, got dtype {values.dtype}")
        return np.full(len(values), np.nan)
    return np.asarray(values.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)


def _values_and_weights(
    values: npt.ArrayLike, weights: npt.ArrayLike | None, what: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Validate values and weights; return them as ``float64`` arrays."""
    x = _as_vector(values, f"{what}: values")
    w = np.ones_like(x) if weights is None else _as_vector(weights, f"{what}: weights")
    problems = []
    if x.size == 0:
        problems.append(f"{what}: values are empty; give at least one zone")
    if w.shape != x.shape:
        problems.append(f"{what}: {x.size} values but {w.size} weights; give one weight per value")
    for array, name in ((x, "values"), (w, "weights")):
        bad = ~np.isfinite(array) | (array < 0)
        if bad.any():
            position = int(np.flatnonzero(bad)[0])
            problems.append(
                f"{what}: {int(bad.sum())} {name} are NaN, infinite or negative "
                f"(first at position {position}: {array[position]!r}); drop or fix them"
            )
    if not problems and w.sum() <= 0:
        problems.append(f"{what}: weights sum to 0; give at least one zone a positive weight")
    if problems:
        raise InputError(join_problems(problems))
    return x, w


def _as_vector(values: npt.ArrayLike, what: str) -> NDArray[np.float64]:
    """Convert to a one-dimensional ``float64`` array."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as err:
        msg = f"{what} must be numbers: {err}"
        raise InputError(msg) from err
    if array.ndim != 1:
        msg = f"{what} must be one-dimensional, got shape {array.shape}"
        raise InputError(msg)
    return array
