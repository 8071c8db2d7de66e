"""Rank evaluated proposals: benefit, cost, value for money and equity, best first.

``routes compare`` writes the ranking as ``ranking.csv`` and renders it
(:mod:`routes.render.comparison`) in a comparison folder (:mod:`routes.runs.compare`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from routes.evaluation.scoring import job_layer_of

if TYPE_CHECKING:
    from routes.evaluation.evaluate import Evaluation

__all__ = ["compute_ranking"]

logger = logging.getLogger(__name__)


def _value(evaluation: Any, key: str) -> float:
    try:
        return float(evaluation.scorecard.value(key))
    except KeyError:
        return float("nan")


def compute_ranking(evaluations: Sequence[Evaluation]) -> pd.DataFrame:
    """Benefit, cost, value for money and equity of each proposal, best first.

    Benefit is the total gain in jobs reachable within the job cutoff summed
    over the residents of deprived neighbourhoods (resident-jobs) or, when the
    zones have no deprivation deciles, over all residents.

    Returns
    -------
    pandas.DataFrame
        One row per proposal, ranked by ``benefit_per_vehicle_hour`` (highest
        first; ties and missing values by ``benefit``), with columns
        ``rank``; ``proposal``; ``benefit_group`` (``deprived residents`` or
        ``all residents``); ``residents_gaining`` (residents); ``benefit``
        (resident-jobs); ``annual_vehicle_hours`` (hours);
        ``benefit_per_vehicle_hour`` (resident-jobs per vehicle-hour);
        ``peak_vehicles`` (vehicles); ``route_km`` (km);
        ``annual_vehicle_km`` (km); ``gini_baseline``, ``gini_scenario`` and
        ``gini_change`` (index 0-1; negative = fairer);
        ``mean_gain_reach_other_groups`` (residents);
        ``mean_change_nearest_space_min`` (minutes; negative = closer);
        ``new_zone_pairs`` (pairs). With ``[[periods]]``, each period's
        ``residents_gaining_<period>`` and ``benefit_<period>``, defined as
        above on the period's columns.
    """
    rows = []
    for e in evaluations:
        job = job_layer_of(e.scorecard) or "jobs"
        deprived = _value(e, f"total_gain_{job}_deprived")
        use_deprived = math.isfinite(deprived)
        benefit = deprived if use_deprived else _value(e, f"total_gain_{job}")
        gaining = _value(e, f"deprived_residents_gaining_{job}" if use_deprived
                         else f"residents_gaining_{job}")
        hours = _value(e, "annual_vehicle_hours")
        gini_b, gini_s = _value(e, f"gini_{job}_baseline"), _value(e, f"gini_{job}_scenario")
        rows.append({
            "proposal": e.scorecard.proposal,
            "benefit_group": "deprived residents" if use_deprived else "all residents",
            "residents_gaining": gaining,
            "benefit": benefit,
            "annual_vehicle_hours": hours,
            "benefit_per_vehicle_hour": benefit / hours if hours > 0 else float("nan"),
            "peak_vehicles": _value(e, "peak_vehicles"),
            "route_km": _value(e, "route_km"),
            "annual_vehicle_km": _value(e, "annual_vehicle_km"),
            "gini_baseline": gini_b,
            "gini_scenario": gini_s,
            "gini_change": gini_s - gini_b,
            "mean_gain_reach_other_groups": _value(e, "mean_gain_reach_other_groups"),
            "mean_change_nearest_space_min": _value(e, "mean_change_nearest_space_min"),
            "new_zone_pairs": _value(e, "new_zone_pairs"),
        })
        for card in e.scorecard.periods:  # only with [[periods]]
            values = {i.key: i.value for i in card.indicators}
            suffix = f"_{card.name}"
            group = "_deprived" if use_deprived else ""
            gaining_key = (f"deprived_residents_gaining_{job}" if use_deprived
                           else f"residents_gaining_{job}")
            rows[-1][f"residents_gaining{suffix}"] = values.get(gaining_key + suffix, math.nan)
            rows[-1][f"benefit{suffix}"] = values.get(f"total_gain_{job}{group}{suffix}",
                                                      math.nan)
    table = pd.DataFrame(rows)
    if table.empty:
        return table.assign(rank=pd.Series(dtype=int))
    key = (-table["benefit_per_vehicle_hour"].fillna(-np.inf),
           -table["benefit"].fillna(-np.inf))
    order = np.lexsort((key[1].to_numpy(), key[0].to_numpy()))
    table = table.iloc[order].reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table


