"""The fare of the fastest journey, per zone: what the quickest way to the jobs costs.

For each weighted layer (jobs) and each zone, over the opportunities within
the job cutoff ``T`` *whatever the fare* (the fastest journey at the study's
first percentile, as ``<layer>_within_<T>min``):

* ``fastest_fare_<layer>_<T>min_p``: the weighted median (by the layer's
  weight: half the jobs are reached for at most it) of the **fare of the
  fastest journey**, minor units; NaN when nothing is within ``T`` or when
  more than half of it costs more than ``[scoring] fare_report_max``;
* ``<layer>_within_<T>min_over_fare<B>p_share``: the share of that weight
  whose fastest journey costs more than the fare budget ``B`` (and the same
  for ``fare_report_max``, which tells a NaN median "more than" from
  "nothing within reach");
* ``<layer>_within_<T>min_two_operators_share``: the share whose fastest
  journey needs two operators (ticket groups).

**Definition.** For one origin, destination and departure minute, the fare of
the fastest journey is the cheapest fare among the journeys that arrive at the
time-only earliest arrival. Over the departure window, with times taken at
the study's percentile ``p`` (an order statistic of the per-minute times), it
is the smallest budget ``B`` at which "the fastest journey costing at most
``B``" at percentile ``p``, ``T_B``, equals the time-only ``T_inf``: at one
departure minute these are the same thing.

**How it is computed, and why it is exact.** The fare engine
(:func:`routes.engine.fare_raptor.compute_fare_travel_time_array`, unchanged)
gives ``T_B`` for a list of budgets; we pass the levels of
:func:`routes.fares.levels.fare_levels` (every fare a journey can cost up to
the limit ``L = fare_report_max``, the budget included) and
``UNLIMITED_BUDGET``, and take for each pair the smallest level ``b`` with
``T_b == T_inf``. Proof that this is the fastest fare ``B*``:

1. Per minute, the earliest arrival within ``B`` is non-increasing in ``B``
   and changes only at values of ``B`` that are fares of some journey (the
   set of journeys allowed grows only when ``B`` passes a journey's fare).
   An order statistic of non-increasing step functions is a non-increasing
   step function with steps at the same points, so ``T_B`` is non-increasing
   in ``B``, steps only at journeys' fares, and reaches ``T_inf`` once ``B``
   is at least the dearest fastest fare: ``B*`` is the first such step, a
   journey's fare (or 0).
2. For every ``B < B*``, ``T_B > T_inf`` (by minimality, and ``T_B >=
   T_inf`` always); for every ``B >= B*``, ``T_B = T_inf`` (monotonicity).
3. So over any increasing set of levels, the first level ``b`` with ``T_b =
   T_inf`` is the smallest level ``>= B*``. When the levels hold every
   journey's fare up to ``L`` (and 0) and ``B* <= L``, that level is ``B*``
   itself; when ``B* > L``, no level up to ``L`` qualifies and only
   ``UNLIMITED_BUDGET`` does: "more than ``L``". With rounded levels
   (multiples of a step, when the exact ones are too many) the level is
   ``B*`` "rounded up to" the next multiple. The budget ``B`` and ``L`` are
   always levels, so "more than ``B``" (``T_B > T_inf``) and "more than ``L``"
   are exact either way.

Times are compared exactly (the engine's whole seconds, in minutes the same
way for every budget); a pair beyond the horizon within a budget (NaN) is
never equal to a time within it.

**Two operators.** A second pass with :func:`routes.fares.levels.one_operator_fares`
and budget 1 gives ``T_one``, the fastest journey using one operator (ticket
group) at percentile ``p``; the fastest journey needs two when ``T_one >
T_inf`` (or ``T_one`` is beyond the horizon). With one operator running every
bus this cannot happen and the pass is skipped: the share is 0.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from routes.access.fare_access import (
    distinct_places,
    fare_minutes,
    fares_digest,
    places_key,
    weighted_layers,
)
from routes.cache import NetworkCache, hash_inputs
from routes.columns import ColumnKind, column_name
from routes.config.study_area import StudyArea
from routes.engine.fare_raptor import UNLIMITED_BUDGET
from routes.engine.request import TravelTimeRequest
from routes.fares.compiled import CompiledFares
from routes.fares.levels import FareLevels, one_operator_fares, operators_running
from routes.inputs.destinations import Destinations
from routes.inputs.zones import Zones
from routes.network.transit import TransitNetwork

__all__ = ["FastestFareTimes", "compute_fastest_fare_access", "fastest_fare_columns",
           "fastest_fare_of_pairs", "weighted_median"]


@dataclass(frozen=True, slots=True)
class FastestFareTimes:
    """What is cached: minutes from each zone to each distinct coordinate, per level.

    Attributes
    ----------
    levels_minor
        int64 [n_levels + 1]: the budgets, the last :data:`UNLIMITED_BUDGET`.
    minutes
        float32 [n_zones, n_levels + 1, n_points]: the fastest journey within
        each budget at the study's first percentile (NaN beyond the horizon).
    one_operator
        float32 [n_zones, n_points]: the fastest journey using one operator.
    """

    levels_minor: NDArray[np.int64]
    minutes: NDArray[np.float32]
    one_operator: NDArray[np.float32]


def fastest_fare_columns(study: StudyArea, layers: tuple[Destinations, ...], budget_minor: int,
                         report_max_minor: int) -> list[str]:
    """Names of the columns :func:`compute_fastest_fare_access` returns, in order."""
    cutoff = study.scoring.job_cutoff_min
    names: list[str] = []
    for d in weighted_layers(study, layers):
        names.append(column_name(ColumnKind.FASTEST_FARE, layer=d.name, cutoff_min=cutoff))
        for limit in dict.fromkeys((budget_minor, report_max_minor)):
            names.append(column_name(ColumnKind.OVER_FARE_SHARE, layer=d.name,
                                     cutoff_min=cutoff, budget_minor=limit))
        names.append(column_name(ColumnKind.TWO_OPERATORS_SHARE, layer=d.name,
                                 cutoff_min=cutoff))
    return names


def fastest_fare_of_pairs(levels_minor: NDArray[np.int64],
                          minutes: NDArray[np.floating]) -> NDArray[np.float64]:
    """Return the fare of the fastest journey of each pair (the module docstring's proof).

    Parameters
    ----------
    levels_minor
        [n_levels + 1] increasing budgets, the last :data:`UNLIMITED_BUDGET`.
    minutes
        [..., n_levels + 1, n_points] times within each budget.

    Returns
    -------
    numpy.ndarray
        [..., n_points]: the smallest level whose time equals the unlimited
        one; ``inf`` when only the unlimited budget does ("more than" the
        last level below it); NaN where the pair is beyond the horizon.

    Examples
    --------
    >>> import numpy as np
    >>> levels = np.array([0, 300, 600, UNLIMITED_BUDGET])
    >>> t = np.array([[10.0, 30.0, np.nan], [10.0, 20.0, np.nan], [10.0, 20.0, 40.0],
    ...               [10.0, 20.0, 25.0]])
    >>> fastest_fare_of_pairs(levels, t).tolist()
    [0.0, 300.0, inf]
    """
    unlimited = minutes[..., -1:, :]
    equal = minutes == unlimited  # NaN never equal: beyond the horizon
    first = np.argmax(equal, axis=-2)
    values = np.asarray(levels_minor, np.float64).copy()
    values[-1] = np.inf
    fare = values[first]
    return np.where(np.isnan(unlimited[..., 0, :]), np.nan, fare)


def weighted_median(values: NDArray[np.floating], weights: NDArray[np.floating]) -> float:
    """Return the lower weighted median: the smallest value with half the weight at or below it.

    NaN values are left out; NaN when no weight is left.

    Examples
    --------
    >>> import numpy as np
    >>> weighted_median(np.array([0.0, 600.0]), np.array([200.0, 1000.0]))
    600.0
    >>> weighted_median(np.array([300.0, np.inf]), np.array([1.0, 1.0]))
    300.0
    """
    ok = ~np.isnan(values) & (weights > 0)
    v, w = values[ok], weights[ok]
    total = float(w.sum())
    if total <= 0:
        return float("nan")
    order = np.argsort(v, kind="stable")
    cum = np.cumsum(w[order])
    return float(v[order][np.searchsorted(cum, total / 2.0 - 1e-9 * total, side="left")])


def compute_fastest_fare_access(
    study: StudyArea,
    network: TransitNetwork,
    zones: Zones,
    layers: tuple[Destinations, ...],
    fares: CompiledFares,
    levels: FareLevels,
    budget_minor: int,
    report_max_minor: int,
    *,
    cache: NetworkCache | None = None,
) -> pd.DataFrame:
    """Per-zone fare of the fastest journey, share over budget, share needing two operators.

    Parameters
    ----------
    study
        Gives the job cutoff, the routing and the shared-space categories.
    network
        Baseline or scenario network (the built-in engine routes on it).
    zones, layers
        Origins and destination layers (the weighted layers are used).
    fares
        The fares compiled against ``network.timetable``.
    levels
        From :func:`routes.fares.levels.fare_levels` for these fares; must
        hold ``budget_minor`` and ``report_max_minor``.
    budget_minor, report_max_minor
        The fare budget and the reporting limit, minor units.
    cache
        Network cache for the times.

    Returns
    -------
    pandas.DataFrame
        Indexed by zone id (str), the columns of :func:`fastest_fare_columns`.
    """
    index = zones.table.index.astype(str)
    columns = fastest_fare_columns(study, layers, budget_minor, report_max_minor)
    result = pd.DataFrame(index=index)
    weighted = weighted_layers(study, layers)
    if not weighted:
        return result
    missing = {budget_minor, report_max_minor} - set(levels.levels_minor)
    if missing:
        raise ValueError(f"the fare levels lack {sorted(missing)}: pass them as required")
    cutoff = study.scoring.job_cutoff_min
    lon = np.concatenate([d.points.lon for d in weighted])
    lat = np.concatenate([d.points.lat for d in weighted])
    places, inverse = distinct_places(lon, lat)
    routing = replace(study.routing, max_trip_min=min(study.routing.max_trip_min, cutoff))
    request = TravelTimeRequest.from_routing(routing, percentiles=routing.percentiles[:1])
    budgets = [*levels.levels_minor, UNLIMITED_BUDGET]
    several = operators_running(fares) > 1
    cache = cache if cache is not None else NetworkCache()
    key = hash_inputs([], {
        "value": "fastest-journey fares between coordinates",
        "network": network.digest, "routing": repr(routing), "budgets": budgets,
        **places_key(zones, places), "fares": fares_digest(fares), "one_operator": several,
    })

    def build() -> FastestFareTimes:
        minutes = fare_minutes(network, zones, places, request, fares, budgets)[:, :, 0, :]
        if several:
            one = fare_minutes(network, zones, places, request, one_operator_fares(fares),
                               [1])[:, 0, 0, :]
        else:  # every journey is run by the one operator: its time is the unlimited one
            one = minutes[:, -1, :]
        return FastestFareTimes(np.asarray(budgets, np.int64), minutes.astype(np.float32),
                                one.astype(np.float32))

    times = cache.get_or_build("fastest_fares", key, FastestFareTimes, build,
                               f"fastest-journey fares {network.digest[:12]}")
    fare = fastest_fare_of_pairs(times.levels_minor, times.minutes)[:, inverse]
    unlimited = times.minutes[:, -1, :][:, inverse]
    one = times.one_operator[:, inverse]
    two = ~(one == unlimited)  # NaN (beyond the horizon on one operator) counts as needing two
    within = unlimited <= cutoff
    start = 0
    names = iter(columns)
    for layer in weighted:
        n = len(layer.points.ids)
        weight = layer.table["weight"].to_numpy(dtype=np.float64)  # in the points' order
        block = slice(start, start + n)
        start += n
        w = np.where(within[:, block], weight[None, :], 0.0)
        total = w.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            median = np.array([weighted_median(fare[z, block], w[z]) for z in range(len(index))])
            result[next(names)] = np.where(np.isinf(median), np.nan, median)
            for limit in dict.fromkeys((budget_minor, report_max_minor)):
                over = (w * (fare[:, block] > limit)).sum(axis=1)
                result[next(names)] = np.where(total > 0, over / total, np.nan)
            needs_two = (w * two[:, block]).sum(axis=1)
            result[next(names)] = np.where(total > 0, needs_two / total, np.nan)
    return result
