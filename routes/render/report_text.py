"""The scorecard in plain language, and the numbers behind the report's charts."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from routes._format import format_number
from routes.columns import ColumnKind, column_name
from routes.config.study_area import ScoringParams
from routes.evaluation.scoring import Scorecard, job_layer_of

__all__ = ["compute_decile_benefit", "describe_scorecard"]


# --------------------------------------------------------------------------- numbers


def _value(scorecard: Scorecard, key: str) -> float:
    try:
        return scorecard.value(key)
    except KeyError:
        return float("nan")


def _finite(value: float) -> bool:
    return value is not None and math.isfinite(value)


def _deciles_text(deciles: Sequence[int]) -> str:
    items = [str(d) for d in sorted(deciles)]
    if len(items) > 2 and items == [str(i) for i in range(int(items[0]), int(items[-1]) + 1)]:
        return f"deprivation deciles {items[0]} to {items[-1]}"
    if len(items) > 1:
        return f"deprivation deciles {', '.join(items[:-1])} and {items[-1]}"
    return f"deprivation decile {items[0]}" if items else "no deprivation deciles"


def _change_words(before: float, after: float) -> str:
    if not (_finite(before) and _finite(after)):
        return "cannot be computed"
    if abs(after - before) < 0.0005:
        return f"is unchanged ({format_number(before, digits=3)})"
    verb = "falls" if after < before else "rises"
    return f"{verb} from {format_number(before, digits=3)} to {format_number(after, digits=3)}"


def describe_scorecard(scorecard: Scorecard, *, scoring: ScoringParams | None = None,
                       changes: pd.DataFrame | None = None) -> list[str]:
    """Describe the scorecard in plain-language sentences, most important first.

    Parameters
    ----------
    scorecard
        The proposal's scorecard.
    scoring
        Cutoffs and deprived deciles (default: DESIGN's).
    changes
        The per-zone table; when given, residents who lose access are counted
        too (population of zones whose ``delta_<jobs>_within_<T>min`` < 0).

    Returns
    -------
    list[str]
        Sentences (plain text, not yet escaped), e.g. "2,340 residents of the
        most deprived neighbourhoods (deprivation deciles 1 to 3) gain access
        to 1,200 more jobs within 45 minutes, on average."
    """
    s = scoring or ScoringParams()
    job = job_layer_of(scorecard) or "jobs"
    t = f"{s.job_cutoff_min:g} minutes"
    out: list[str] = []
    n_dep = _value(scorecard, f"deprived_residents_gaining_{job}")
    gain_dep = _value(scorecard, f"total_gain_{job}_deprived")
    n_all = _value(scorecard, f"residents_gaining_{job}")
    gain_all = _value(scorecard, f"total_gain_{job}")
    if _finite(n_dep):
        if n_dep > 0:
            out.append(f"{format_number(n_dep)} residents of the most deprived neighbourhoods "
                       f"({_deciles_text(s.deprived_deciles)}) gain access to "
                       f"{format_number(gain_dep / n_dep)} more {job} within {t}, on average.")
        else:
            out.append(f"No resident of the most deprived neighbourhoods "
                       f"({_deciles_text(s.deprived_deciles)}) gains access to more {job} "
                       f"within {t}.")
        if _finite(n_all) and n_all > 0:
            out.append(f"Across all neighbourhoods, {format_number(n_all)} residents gain "
                       f"access to more {job} within {t}.")
    elif _finite(n_all):
        if n_all > 0:
            out.append(f"{format_number(n_all)} residents gain access to "
                       f"{format_number(gain_all / n_all)} more {job} within {t}, on average. "
                       "The neighbourhoods have no deprivation deciles, so the gains cannot be "
                       "split by deprivation.")
        else:
            out.append(f"No resident gains access to more {job} within {t}.")
    if changes is not None and "population" in changes:
        delta = f"delta_{column_name(ColumnKind.WITHIN, layer=job, cutoff_min=s.job_cutoff_min)}"
        if delta in changes:
            losing = float(changes.loc[changes[delta] < 0, "population"].sum())
            if losing > 0:
                out.append(f"{format_number(losing)} residents can reach fewer {job} within "
                           f"{t} than today.")
    reach = _value(scorecard, "mean_gain_reach_other_groups")
    if _finite(reach) and abs(reach) >= 0.5:
        more = "more" if reach > 0 else "fewer"
        out.append(f"On average, residents can reach {format_number(abs(reach))} {more} people "
                   f"of other community groups within {s.space_cutoff_min:g} minutes.")
    newly = _value(scorecard, "residents_newly_reaching_a_space")
    if _finite(newly) and newly > 0:
        out.append(f"{format_number(newly)} residents can reach a shared community space by "
                   "bus and on foot for the first time.")
    nearer = _value(scorecard, "mean_change_nearest_space_min")
    if _finite(nearer) and abs(nearer) >= 0.05:
        word = "closer" if nearer < 0 else "further away"
        out.append(f"On average the nearest shared community space is "
                   f"{format_number(abs(nearer), digits=1)} minutes {word}.")
    pairs = _value(scorecard, "new_zone_pairs")
    if _finite(pairs) and pairs > 0:
        out.append(f"{format_number(pairs)} pairs of neighbourhoods come within "
                   f"{s.space_cutoff_min:g} minutes of each other.")
    gini = (_value(scorecard, f"gini_{job}_baseline"), _value(scorecard, f"gini_{job}_scenario"))
    if _finite(gini[0]):
        out.append(f"Inequality of access to {job} (Gini index, 0 = everyone equal) "
                   f"{_change_words(*gini)}.")
    vehicles = _value(scorecard, "peak_vehicles")
    hours = _value(scorecard, "annual_vehicle_hours")
    if _finite(hours) and hours > 0:
        out.append(f"Running it needs {format_number(vehicles)} buses at the busiest time and "
                   f"{format_number(hours)} vehicle-hours "
                   f"({format_number(_value(scorecard, 'annual_vehicle_km'))} vehicle-km) "
                   f"a year, on {format_number(_value(scorecard, 'route_km'))} km of new route.")
        per_hour = _value(scorecard, "benefit_per_vehicle_hour")
        if _finite(per_hour):
            out.append(f"For each hour a bus is in service, deprived residents between them "
                       f"gain {format_number(per_hour)} {job} within reach (benefit per "
                       "vehicle-hour).")
        elif _finite(gain_all):
            out.append(f"For each hour a bus is in service, residents between them gain "
                       f"{format_number(gain_all / hours)} {job} within reach (benefit per "
                       "vehicle-hour).")
    return out


def compute_decile_benefit(changes: pd.DataFrame, job_metric: str) -> pd.DataFrame:
    """Benefit by deprivation decile (or, without deciles, by baseline-access quintile).

    Parameters
    ----------
    changes
        Per-zone table with ``population``, ``deprivation_decile`` and
        ``baseline_``/``delta_`` columns of ``job_metric``.
    job_metric
        E.g. ``jobs_within_45min``.

    Returns
    -------
    pandas.DataFrame
        One row per group, columns ``group`` (label), ``residents``,
        ``residents_gaining`` (population of zones whose metric rises),
        ``mean_gain`` (population-weighted mean of ``delta_<metric>``, in the
        metric's unit) and ``total_gain`` (Σ population × delta). The frame's
        ``attrs["by"]`` is ``"decile"`` or ``"quintile"``.
    """
    pop = (changes["population"] if "population" in changes
           else pd.Series(1.0, index=changes.index)).astype(float).fillna(0.0)
    delta = changes[f"delta_{job_metric}"].astype(float).fillna(0.0)
    decile = changes.get("deprivation_decile")
    if decile is not None and bool(decile.notna().any()):
        groups = decile.astype("Float64")
        labels = {d: f"{int(d)}" for d in range(1, 11)}
        by = "decile"
    else:
        base = changes[f"baseline_{job_metric}"].astype(float)
        order = np.argsort(base.fillna(-np.inf).to_numpy(), kind="stable")
        # Each zone goes to the fifth of residents its middle resident falls in.
        sorted_pop = pop.to_numpy()[order]
        share = np.empty(len(order))
        share[order] = (np.cumsum(sorted_pop) - sorted_pop / 2) / max(float(pop.sum()), 1e-12)
        groups = pd.Series(np.clip(np.floor(share * 5) + 1, 1, 5), index=changes.index)
        labels = {q: f"Q{q}" for q in range(1, 6)}
        by = "quintile"
    rows = []
    for key, label in labels.items():
        mask = (groups == key).fillna(False).to_numpy(dtype=bool)
        p = float(pop[mask].sum())
        rows.append({
            "group": label, "residents": p,
            "residents_gaining": float(pop[mask & (delta > 0).to_numpy()].sum()),
            "mean_gain": float((pop[mask] * delta[mask]).sum() / p) if p > 0 else float("nan"),
            "total_gain": float((pop[mask] * delta[mask]).sum()),
        })
    frame = pd.DataFrame(rows)
    frame.attrs["by"] = by
    return frame
