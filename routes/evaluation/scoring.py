"""Scoring a proposal: scenario minus baseline per zone, and the scorecard.

Every scorecard number is computed from a column of the per-zone table that
is written to ``zones.csv``; each indicator records which column and how.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from routes.access.equity import compute_gini, compute_palma
from routes.access.zone_access import AccessResult, space_layer_names
from routes.columns import ColumnKind, column_name
from routes.config.study_area import StudyArea
from routes.proposal.costing import ProposalCost

__all__ = ["Indicator", "Scorecard", "compute_zone_changes", "job_layer_of", "score_proposal"]


@dataclass(frozen=True, slots=True)
class Indicator:
    """One line of a scorecard.

    Attributes
    ----------
    key
        Stable machine name, e.g. ``deprived_residents_gaining_jobs``.
    label
        Plain-language label.
    value
        The number (NaN when it cannot be computed).
    unit
        Its unit.
    source
        How it follows from ``zones.csv`` columns (or the proposal's costing).
    """

    key: str
    label: str
    value: float
    unit: str
    source: str


@dataclass(frozen=True, slots=True)
class Scorecard:
    """What a proposal changes, for whom, at what running cost.

    Attributes
    ----------
    proposal
        Proposal name.
    indicators
        The scorecard lines, in display order.
    """

    proposal: str
    indicators: tuple[Indicator, ...]

    def value(self, key: str) -> float:
        """Return the value of one indicator."""
        for indicator in self.indicators:
            if indicator.key == key:
                return indicator.value
        msg = f"scorecard has no indicator {key!r}"
        raise KeyError(msg)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (NaN and infinities become ``None``)."""
        rows = []
        for i in self.indicators:
            row = asdict(i)
            if not math.isfinite(row["value"]):
                row["value"] = None
            rows.append(row)
        return {"proposal": self.proposal, "indicators": rows}

    def to_frame(self) -> pd.DataFrame:
        """Tidy ``indicator``/``value``/``unit`` rows."""
        return pd.DataFrame(
            [(i.label, i.value, i.unit) for i in self.indicators],
            columns=["indicator", "value", "unit"],
        )


def compute_zone_changes(
    study: StudyArea, baseline: AccessResult, scenario: AccessResult
) -> pd.DataFrame:
    """Per-zone baseline, scenario and change of every metric.

    Parameters
    ----------
    study
        Gives the deprived deciles and the reach cutoff.
    baseline, scenario
        Accessibility on the two networks (same zones).

    Returns
    -------
    pandas.DataFrame
        Indexed by zone id: the zone attributes (``population``,
        ``deprivation_decile``, groups, ``name``), ``deprived`` (bool), then for
        each metric ``baseline_<m>``, ``scenario_<m>`` and ``delta_<m>``
        (scenario minus baseline, in the metric's unit), and
        ``new_zone_pairs_within_<T>min``: zones newly reachable within the
        reach cutoff (count).
    """
    groups = [c for c in baseline.zones.columns if c in _group_columns(study)]
    attributes = [c for c in ("name", "population", "deprivation_decile")
                  if c in baseline.zones.columns] + groups
    metric_cols = [c for c in baseline.zones.columns if c not in attributes
                   and pd.api.types.is_numeric_dtype(baseline.zones[c])
                   and c in scenario.zones.columns]
    table = baseline.zones[attributes].copy()
    decile = table.get("deprivation_decile")
    table["deprived"] = (decile.isin(study.scoring.deprived_deciles).fillna(False).astype(bool)
                         if decile is not None else False)
    for col in metric_cols:
        b = baseline.zones[col].astype(float)
        s = scenario.zones[col].astype(float)
        table[f"baseline_{col}"] = b
        table[f"scenario_{col}"] = s
        table[column_name_delta(col)] = s - b
    cutoff = study.scoring.space_cutoff_min
    b_times = _zone_block(baseline)
    s_times = _zone_block(scenario)
    newly = (s_times <= cutoff) & ~(b_times <= cutoff)
    table[f"new_zone_pairs_within_{int(cutoff)}min"] = newly.sum(axis=1)
    return table


def column_name_delta(name: str) -> str:
    """``delta_<name>``: the scenario-minus-baseline column of a metric."""
    return f"delta_{name}"


def _group_columns(study: StudyArea) -> set[str]:
    return set(study.zones.group_columns) if study.zones is not None else set()


def _zone_block(result: AccessResult) -> np.ndarray:
    times = result.travel_times
    cols = np.flatnonzero(times.point_layer == "zones")
    return np.nan_to_num(times.minutes[:, cols], nan=np.inf)


def _weighted_mean(values: pd.Series, weights: pd.Series) -> float:
    ok = values.notna() & weights.notna()
    total = float(weights[ok].sum())
    return float((values[ok] * weights[ok]).sum() / total) if total > 0 else float("nan")


def score_proposal(
    study: StudyArea, changes: pd.DataFrame, cost: ProposalCost, proposal_name: str
) -> Scorecard:
    r"""Summarise per-zone changes and running cost into a scorecard.

    Parameters
    ----------
    study
        Gives the cutoffs and deprived deciles.
    changes
        From :func:`compute_zone_changes`.
    cost
        The proposal's running cost.
    proposal_name
        Name shown on the scorecard.

    Returns
    -------
    Scorecard
        Indicators, each naming the ``zones.csv`` columns it comes from.

    Notes
    -----
    With population :math:`P_i`, job access :math:`A_i` (opportunities of the
    first weighted layer within the job cutoff) and deprived zones
    :math:`D`: residents gaining = :math:`\sum_{i \in D} P_i [\Delta A_i > 0]`;
    total gain = :math:`\sum_i P_i \Delta A_i`; benefit per vehicle-hour =
    :math:`\sum_{i \in D} P_i \Delta A_i` / annual vehicle-hours. Gini and
    Palma of :math:`A` are population-weighted (:mod:`routes.access.equity`).
    """
    s = study.scoring
    pop = changes["population"].astype(float) if "population" in changes else pd.Series(
        1.0, index=changes.index)
    deprived = changes["deprived"].astype(bool)
    decile = changes.get("deprivation_decile")
    has_deciles = decile is not None and bool(decile.notna().any())
    nan = float("nan")
    spaces = space_layer_names(study)
    job_layer = next((d.name for d in study.destinations if d.name not in spaces), None)
    rows: list[Indicator] = []

    def add(key: str, label: str, value: float, unit: str, source: str) -> None:
        rows.append(Indicator(key, label, float(value), unit, source))

    if job_layer is not None:
        a = column_name(ColumnKind.WITHIN, layer=job_layer, cutoff_min=s.job_cutoff_min)
        d = column_name_delta(a)
        gain = changes[d].fillna(0.0)
        add(f"deprived_residents_gaining_{job_layer}",
            f"residents of deprived neighbourhoods who gain {job_layer} within "
            f"{s.job_cutoff_min:g} min",
            pop[deprived & (gain > 0)].sum() if has_deciles else nan, "residents",
            f"sum of population where deprived and {d} > 0")
        add(f"residents_gaining_{job_layer}", f"all residents who gain {job_layer} within "
            f"{s.job_cutoff_min:g} min", pop[gain > 0].sum(), "residents",
            f"sum of population where {d} > 0")
        add(f"mean_gain_{job_layer}_deprived",
            f"mean gain in {job_layer} within {s.job_cutoff_min:g} min, deprived residents",
            _weighted_mean(gain[deprived], pop[deprived]), job_layer,
            f"population-weighted mean of {d} over deprived zones")
        add(f"total_gain_{job_layer}", f"total gain in {job_layer} reachable, all residents",
            (pop * gain).sum(), f"resident-{job_layer}", f"sum of population x {d}")
        deprived_total = (pop * gain)[deprived].sum() if has_deciles else nan
        add(f"total_gain_{job_layer}_deprived",
            f"total gain in {job_layer} reachable, deprived residents", deprived_total,
            f"resident-{job_layer}", f"sum of population x {d} over deprived zones")
        for which in ("baseline", "scenario"):
            values = changes[f"{which}_{a}"].fillna(0.0).to_numpy()
            add(f"gini_{job_layer}_{which}", f"Gini of {job_layer} access, {which}",
                compute_gini(values, pop.to_numpy()), "index 0-1",
                f"population-weighted Gini of {which}_{a}")
            add(f"palma_{job_layer}_{which}", f"Palma ratio of {job_layer} access, {which}",
                compute_palma(values, pop.to_numpy()), "ratio",
                f"population-weighted Palma of {which}_{a}")
        vh = cost.annual_vehicle_hours
        add("benefit_per_vehicle_hour",
            f"deprived residents' gain in {job_layer} per annual vehicle-hour",
            deprived_total / vh if vh > 0 else float("nan"),
            f"resident-{job_layer} per vehicle-hour",
            f"total_gain_{job_layer}_deprived / annual vehicle-hours")
    if spaces:
        n = column_name(ColumnKind.NEAREST_SPACE)
        d = column_name_delta(n)
        add("mean_change_nearest_space_min",
            "mean change in minutes to the nearest shared space (negative = closer)",
            _weighted_mean(changes[d], pop), "minutes",
            f"population-weighted mean of {d} (zones reaching a space in both)")
        newly = changes[f"baseline_{n}"].isna() & changes[f"scenario_{n}"].notna()
        add("residents_newly_reaching_a_space", "residents who newly reach a shared space",
            pop[newly].sum(), "residents", f"sum of population where baseline_{n} is empty "
            f"and scenario_{n} is not")
    r = column_name(ColumnKind.REACH_OTHER_GROUPS, cutoff_min=s.space_cutoff_min)
    if column_name_delta(r) in changes:
        add("mean_gain_reach_other_groups",
            f"mean gain in residents of other groups reachable within "
            f"{s.space_cutoff_min:g} min", _weighted_mean(changes[column_name_delta(r)], pop),
            "residents", f"population-weighted mean of {column_name_delta(r)}")
    pairs = f"new_zone_pairs_within_{int(s.space_cutoff_min)}min"
    add("new_zone_pairs", f"neighbourhood pairs newly connected within "
        f"{s.space_cutoff_min:g} min", changes[pairs].sum(), "pairs", f"sum of {pairs}")
    add("route_km", "new route length (one direction)", cost.route_km, "km", "proposal costing")
    add("peak_vehicles", "buses needed at the peak", cost.peak_vehicles, "vehicles",
        "ceil(cycle time / headway) per route, summed")
    add("annual_vehicle_hours", "annual vehicle-hours", cost.annual_vehicle_hours, "hours",
        "proposal costing")
    add("annual_vehicle_km", "annual vehicle-km", cost.annual_vehicle_km, "km",
        "proposal costing")
    return Scorecard(proposal_name, tuple(rows))


def job_layer_of(scorecard: Scorecard) -> str | None:
    """Return the job layer a scorecard measures (from its ``residents_gaining_<layer>`` key)."""
    for indicator in scorecard.indicators:
        if indicator.key.startswith("residents_gaining_"):
            return indicator.key.removeprefix("residents_gaining_")
    return None
