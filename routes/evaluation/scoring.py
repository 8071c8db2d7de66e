"""Scoring a proposal: scenario minus baseline per zone, and the scorecard.

Every scorecard number is computed from a column of the per-zone table that
is written to ``zones.csv``; each indicator records which column and how.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from routes.access.equity import compute_gini, compute_palma
from routes.access.interaction import compute_majority_groups
from routes.access.zone_access import AccessResult, space_layer_names
from routes.columns import ColumnKind, column_name
from routes.config.study_area import StudyArea
from routes.evaluation.interaction import InteractionChange, add_interaction_indicators
from routes.proposal.costing import ProposalCost, describe_running_cost

__all__ = [
    "Indicator",
    "PeriodScorecard",
    "Scorecard",
    "compute_zone_changes",
    "job_layer_of",
    "score_proposal",
    "zone_pairs_column",
]

AddIndicator = Callable[..., None]


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
        How it follows from ``zones.csv`` columns (or the proposal's costing,
        or the rows of ``spaces.csv``, ``community_pairs.csv``, ``group_pairs.csv``).
    description
        One line more where the label needs it: what a technical unit means,
        why a value is not computed, or the running cost in plain words.
    """

    key: str
    label: str
    value: float
    unit: str
    source: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class PeriodScorecard:
    """The indicators of one period (``[[periods]]``, :mod:`routes.evaluation.periods`).

    Attributes
    ----------
    name, window, date
        The period: name, departure window (``19:00-21:00``), ISO date.
    indicators
        As the scorecard's, keys and sources with the period's suffix.
    helps
        Whether anyone gains in the period
        (:func:`routes.evaluation.periods.period_helps`).

    The :class:`Scorecard` of a study area with ``[[periods]]`` holds one per
    period (``periods``), the sentence saying when the proposal helps
    (``when_it_helps``) and the study's own window (``window``, e.g.
    ``07:00-09:00 on 2026-03-10``).
    """

    name: str
    window: str
    date: str
    indicators: tuple[Indicator, ...]
    helps: bool = False


@dataclass(frozen=True, slots=True)
class Scorecard:
    """What a proposal changes, for whom, at what running cost.

    Attributes
    ----------
    proposal
        Proposal name.
    indicators
        The scorecard lines, in display order.
    interaction
        The tables behind the shared-space and social-interaction indicators
        (spaces with names and catchments, community pairs newly able to meet
        and where, group pairs); ``None`` when there are no shared spaces.
        Not part of :meth:`to_dict` (a run writes them as CSV files).
    """

    proposal: str
    indicators: tuple[Indicator, ...]
    interaction: InteractionChange | None = field(default=None, compare=False, repr=False)
    periods: tuple[PeriodScorecard, ...] = ()
    when_it_helps: str = ""
    window: str = ""

    def value(self, key: str) -> float:
        """Return the value of one indicator."""
        for indicator in self.indicators:
            if indicator.key == key:
                return indicator.value
        msg = f"scorecard has no indicator {key!r}"
        raise KeyError(msg)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (NaN and infinities become ``None``)."""
        rows = [_indicator_row(i) for i in self.indicators]
        out: dict[str, Any] = {"proposal": self.proposal, "indicators": rows}
        if self.periods:  # only with [[periods]]: scorecard.json is otherwise as before
            out["when_it_helps"] = self.when_it_helps
            out["periods"] = [{"name": p.name, "departure_window": p.window, "date": p.date,
                               "helps": p.helps,
                               "indicators": [_indicator_row(i) for i in p.indicators]}
                              for p in self.periods]
        return out

    def to_frame(self) -> pd.DataFrame:
        """Tidy ``indicator``/``value``/``unit`` rows."""
        return pd.DataFrame(
            [(i.label, i.value, i.unit) for i in self.indicators],
            columns=["indicator", "value", "unit"],
        )


def _indicator_row(indicator: Indicator) -> dict[str, Any]:
    row = asdict(indicator)
    if not math.isfinite(row["value"]):
        row["value"] = None
    return row


def compute_zone_changes(
    study: StudyArea, baseline: AccessResult, scenario: AccessResult
) -> pd.DataFrame:
    r"""Per-zone baseline, scenario and change of every metric.

    Parameters
    ----------
    study
        Gives the deprived deciles, the groups and the reach cutoff.
    baseline, scenario
        Accessibility on the two networks (same zones).

    Returns
    -------
    pandas.DataFrame
        Indexed by zone id: the zone attributes (``population``,
        ``deprivation_decile``, groups, ``name``), ``deprived`` (bool),
        ``majority_group`` (the largest group, first listed on ties; only
        with groups), then for each metric ``baseline_<m>``, ``scenario_<m>``
        and ``delta_<m>`` (scenario minus baseline, in the metric's unit), and
        the zone pairs connected within the reach cutoff ``T`` (counts):

        - ``new_zone_pairs_within_<T>min``: other zones newly connected with
          this one;
        - ``lost_zone_pairs_within_<T>min``: other zones no longer connected;
        - ``new_zone_pairs_across_groups_within_<T>min`` and
          ``lost_zone_pairs_across_groups_within_<T>min``: those of them whose
          majority group differs (only with groups).

    Notes
    -----
    Zones :math:`i \ne k` are *connected* when either can reach the other
    within :math:`T`: :math:`t_{ik} \le T` or :math:`t_{ki} \le T`. A pair is
    new when connected in the scenario and not on the baseline, lost the other
    way round. Each pair counts once for each of its two zones, so the
    number of pairs is half the column's sum; a zone is never paired with itself.
    """
    group_names = [g for g in _group_names(study) if g in baseline.zones.columns]
    attributes = [c for c in ("name", "population", "deprivation_decile")
                  if c in baseline.zones.columns] + group_names
    metric_cols = [c for c in baseline.zones.columns if c not in attributes
                   and pd.api.types.is_numeric_dtype(baseline.zones[c])
                   and c in scenario.zones.columns]
    table = baseline.zones[attributes].copy()
    decile = table.get("deprivation_decile")
    table["deprived"] = (decile.isin(study.scoring.deprived_deciles).fillna(False).astype(bool)
                         if decile is not None else False)
    majority = None
    if group_names:
        majority = compute_majority_groups(table.reset_index(names="id"), group_names)
        table["majority_group"] = majority.to_numpy()
    for col in metric_cols:
        b = baseline.zones[col].astype(float)
        s = scenario.zones[col].astype(float)
        table[f"baseline_{col}"] = b
        table[f"scenario_{col}"] = s
        table[column_name_delta(col)] = s - b
    cutoff = study.scoring.space_cutoff_min
    before, after = _connected(baseline, cutoff), _connected(scenario, cutoff)
    new, lost = after & ~before, before & ~after
    table[zone_pairs_column("new", cutoff)] = new.sum(axis=1)
    table[zone_pairs_column("lost", cutoff)] = lost.sum(axis=1)
    if majority is not None:
        groups = majority.to_numpy(dtype=object)
        known = majority.notna().to_numpy()
        across = (groups[:, None] != groups[None, :]) & known[:, None] & known[None, :]
        table[zone_pairs_column("new", cutoff, across=True)] = (new & across).sum(axis=1)
        table[zone_pairs_column("lost", cutoff, across=True)] = (lost & across).sum(axis=1)
    return table


def zone_pairs_column(change: str, cutoff_min: float, *, across: bool = False) -> str:
    """``<new|lost>_zone_pairs[_across_groups]_within_<T>min``: the zone-pair counts."""
    return f"{change}_zone_pairs{'_across_groups' if across else ''}_within_{int(cutoff_min)}min"


def column_name_delta(name: str) -> str:
    """``delta_<name>``: the scenario-minus-baseline column of a metric."""
    return f"delta_{name}"


def _group_names(study: StudyArea) -> list[str]:
    return list(study.zones.group_columns) if study.zones is not None else []


def _connected(result: AccessResult, cutoff_min: float) -> NDArray[np.bool_]:
    """Zone-by-zone: either zone reaches the other within the cutoff (diagonal false)."""
    times = result.travel_times
    cols = np.flatnonzero(times.point_layer == "zones")
    within = np.nan_to_num(times.minutes[:, cols], nan=np.inf) <= cutoff_min
    connected = within | within.T
    np.fill_diagonal(connected, False)
    return connected


def _weighted_mean(values: pd.Series, weights: pd.Series) -> float:
    """Mean of ``values`` weighted by ``weights`` (aligned on the index); NaN if no weight."""
    weights = weights.reindex(values.index)
    ok = values.notna() & weights.notna()
    total = float(weights[ok].sum())
    return float((values[ok] * weights[ok]).sum() / total) if total > 0 else float("nan")


def score_proposal(
    study: StudyArea,
    changes: pd.DataFrame,
    cost: ProposalCost,
    proposal_name: str,
    *,
    interaction: InteractionChange | None = None,
) -> Scorecard:
    r"""Summarise per-zone changes, shared spaces and running cost into a scorecard.

    Parameters
    ----------
    study
        Gives the cutoffs, deprived deciles and groups.
    changes
        From :func:`compute_zone_changes`.
    cost
        The proposal's running cost, modifications included.
    proposal_name
        Name shown on the scorecard.
    interaction
        From :func:`routes.evaluation.interaction.compute_interaction_change`:
        the indicators on shared spaces, community pairs and
        social-interaction potential (keys ``social_interaction_...``) come
        from it; none without it.

    Returns
    -------
    Scorecard
        Indicators, each naming the ``zones.csv`` columns (or the rows of
        ``spaces.csv``, ``community_pairs.csv``, ``group_pairs.csv``) it comes
        from, and its population in words. Indicators across community groups
        are there only when the study area has groups.

    Notes
    -----
    With population :math:`P_i`, job access :math:`A_i` (opportunities of the
    first weighted layer within the job cutoff) and deprived zones
    :math:`D`: deprived residents gaining = :math:`\sum_{i \in D} P_i [\Delta A_i > 0]`
    (losing: :math:`< 0`); the mean gain over the deprived who gain is
    :math:`\sum_{i \in D, \Delta A_i > 0} P_i \Delta A_i / \sum_{i \in D, \Delta A_i > 0} P_i`;
    total gain = :math:`\sum_i P_i \Delta A_i` (resident-jobs); benefit per
    net vehicle-hour = :math:`\sum_{i \in D} P_i \Delta A_i` / net annual
    vehicle-hours (new service minus service saved), not computed when the
    proposal saves running time. Gini and Palma of :math:`A` are
    population-weighted (:mod:`routes.access.equity`).
    """
    rows: list[Indicator] = []

    def add(key: str, label: str, value: float, unit: str, source: str,
            description: str = "") -> None:
        rows.append(Indicator(key, label, float(value), unit, source, description))

    spaces = space_layer_names(study)
    job_layer = next((d.name for d in study.destinations if d.name not in spaces), None)
    if job_layer is not None:
        _job_indicators(add, study, changes, cost, job_layer)
    if spaces:
        _space_indicators(add, changes, interaction)
    _pair_indicators(add, study, changes)
    if interaction is not None:
        add_interaction_indicators(add, study, changes, interaction)
    _cost_indicators(add, cost)
    return Scorecard(proposal_name, tuple(rows), interaction)


def _population(changes: pd.DataFrame) -> pd.Series:
    if "population" in changes:
        return changes["population"].astype(float)
    return pd.Series(1.0, index=changes.index)


def _job_indicators(add: AddIndicator, study: StudyArea, changes: pd.DataFrame,
                    cost: ProposalCost, job: str) -> None:
    s = study.scoring
    pop = _population(changes)
    deprived = changes["deprived"].astype(bool)
    decile = changes.get("deprivation_decile")
    has_deciles = decile is not None and bool(decile.notna().any())
    nan = float("nan")
    within = f"{job} within {s.job_cutoff_min:g} min"
    a = column_name(ColumnKind.WITHIN, layer=job, cutoff_min=s.job_cutoff_min)
    d = column_name_delta(a)
    gain = changes[d].fillna(0.0)
    unit_note = (f"resident-{job}: one resident who can newly reach one more of the {job} "
                 f"within {s.job_cutoff_min:g} min counts 1; it measures access gained, not "
                 f"{job} created")
    add(f"deprived_residents_gaining_{job}",
        f"residents of deprived neighbourhoods who gain {within}",
        pop[deprived & (gain > 0)].sum() if has_deciles else nan, "residents",
        f"sum of population where deprived and {d} > 0")
    add(f"deprived_residents_losing_{job}",
        f"residents of deprived neighbourhoods who lose {within}",
        pop[deprived & (gain < 0)].sum() if has_deciles else nan, "residents",
        f"sum of population where deprived and {d} < 0")
    add(f"residents_gaining_{job}", f"all residents who gain {within}",
        pop[gain > 0].sum(), "residents", f"sum of population where {d} > 0")
    add(f"residents_losing_{job}", f"all residents who lose {within}",
        pop[gain < 0].sum(), "residents", f"sum of population where {d} < 0")
    add(f"mean_gain_{job}_deprived_gainers",
        f"mean gain in {within}, over deprived residents who gain",
        _weighted_mean(gain[deprived & (gain > 0)], pop) if has_deciles else nan, job,
        f"population-weighted mean of {d} over deprived zones where {d} > 0")
    add(f"mean_loss_{job}_deprived_losers",
        f"mean loss in {within}, over deprived residents who lose",
        -_weighted_mean(gain[deprived & (gain < 0)], pop) if has_deciles else nan, job,
        f"minus the population-weighted mean of {d} over deprived zones where {d} < 0")
    add(f"mean_gain_{job}_gainers", f"mean gain in {within}, over all residents who gain",
        _weighted_mean(gain[gain > 0], pop), job,
        f"population-weighted mean of {d} where {d} > 0")
    add(f"mean_loss_{job}_losers", f"mean loss in {within}, over all residents who lose",
        -_weighted_mean(gain[gain < 0], pop), job,
        f"minus the population-weighted mean of {d} where {d} < 0")
    add(f"mean_gain_{job}_deprived",
        f"mean change in {within}, over all deprived residents (gains net of losses)",
        _weighted_mean(gain[deprived], pop[deprived]), job,
        f"population-weighted mean of {d} over deprived zones")
    add(f"total_gain_{job}", f"total change in access to {job}, all residents (net)",
        (pop * gain).sum(), f"resident-{job}", f"sum of population x {d}", unit_note)
    deprived_total = (pop * gain)[deprived].sum() if has_deciles else nan
    add(f"total_gain_{job}_deprived",
        f"total change in access to {job}, deprived residents (net)", deprived_total,
        f"resident-{job}", f"sum of population x {d} over deprived zones", unit_note)
    for which in ("baseline", "scenario"):
        values = changes[f"{which}_{a}"].fillna(0.0).to_numpy()
        add(f"gini_{job}_{which}", f"Gini of {job} access, {which}",
            compute_gini(values, pop.to_numpy()), "index 0-1",
            f"population-weighted Gini of {which}_{a}")
        add(f"palma_{job}_{which}", f"Palma ratio of {job} access, {which}",
            compute_palma(values, pop.to_numpy()), "ratio",
            f"population-weighted Palma of {which}_{a}")
    hours = cost.net.annual_vehicle_hours
    note = unit_note
    if hours <= 0:
        note = ("not computed: the proposal saves running time (net vehicle-hours "
                f"{hours:,.0f} a year); " + unit_note)
    add("benefit_per_vehicle_hour",
        f"access to {job} gained by deprived residents per net annual vehicle-hour",
        deprived_total / hours if hours > 0 else nan, f"resident-{job} per vehicle-hour",
        f"total_gain_{job}_deprived / net annual vehicle-hours", note)


def _space_indicators(add: AddIndicator, changes: pd.DataFrame,
                      interaction: InteractionChange | None) -> None:
    pop = _population(changes)
    n = column_name(ColumnKind.NEAREST_SPACE)
    if f"baseline_{n}" not in changes:
        return
    d = column_name_delta(n)
    add("mean_change_nearest_space_min",
        "mean change in minutes to the nearest shared space, over residents who reach one "
        "before and after (negative = closer)", _weighted_mean(changes[d], pop), "minutes",
        f"population-weighted mean of {d} (zones reaching a space in both)")
    newly = changes[f"baseline_{n}"].isna() & changes[f"scenario_{n}"].notna()
    add("residents_newly_reaching_a_space", "residents who newly reach a shared space",
        pop[newly].sum(), "residents", f"sum of population where baseline_{n} is empty "
        f"and scenario_{n} is not")
    add("residents_no_longer_reaching_a_space", "residents who no longer reach any shared space",
        pop[changes[f"scenario_{n}"].isna() & changes[f"baseline_{n}"].notna()].sum(),
        "residents", f"sum of population where scenario_{n} is empty and baseline_{n} is not")
    count = next((c for c in changes.columns
                  if c.startswith("delta_spaces_within_") and c.endswith("min")), None)
    if count is not None:
        minutes = count.removeprefix("delta_spaces_within_").removesuffix("min") + " min"
        add("residents_with_more_shared_spaces",
            f"residents who can reach more shared spaces within {minutes}",
            pop[changes[count] > 0].sum(), "residents", f"sum of population where {count} > 0")
        add("residents_with_fewer_shared_spaces",
            f"residents who can reach fewer shared spaces within {minutes}",
            pop[changes[count] < 0].sum(), "residents", f"sum of population where {count} < 0")
    table = interaction.spaces if interaction is not None else pd.DataFrame()
    column = next((c for c in table.columns if c.startswith("delta_reachable_residents_")), None)
    if column is not None:
        add("shared_spaces_wider_catchment",
            "shared spaces that more residents can reach", (table[column] > 0).sum(), "spaces",
            f"rows of spaces.csv where {column} > 0")
        add("shared_spaces_narrower_catchment",
            "shared spaces that fewer residents can reach", (table[column] < 0).sum(),
            "spaces", f"rows of spaces.csv where {column} < 0")


def _pair_indicators(add: AddIndicator, study: StudyArea, changes: pd.DataFrame) -> None:
    s = study.scoring
    pop = _population(changes)
    r = column_name_delta(column_name(ColumnKind.REACH_OTHER_GROUPS,
                                      cutoff_min=s.space_cutoff_min))
    if r in changes:
        add("mean_gain_reach_other_groups",
            f"mean change in residents of other community groups reachable within "
            f"{s.space_cutoff_min:g} min, over all residents",
            _weighted_mean(changes[r], pop), "residents", f"population-weighted mean of {r}")
    r = column_name_delta(column_name(ColumnKind.REACH_ACROSS_DEPRIVATION,
                                      cutoff_min=s.space_cutoff_min))
    if r in changes:
        add("mean_gain_reach_across_deprivation",
            f"mean change in residents reachable within {s.space_cutoff_min:g} min who live "
            "on the other side of the deprivation line (deprived or not), over all residents",
            _weighted_mean(changes[r], pop), "residents", f"population-weighted mean of {r}",
            "no community groups are given, so neighbourhoods are split into deprived "
            f"(deciles {', '.join(map(str, s.deprived_deciles))}) and the rest")
    cutoff = s.space_cutoff_min
    within = f"within {cutoff:g} min"
    for change, words in (("new", "newly connected"), ("lost", "no longer connected")):
        column = zone_pairs_column(change, cutoff)
        add(f"{change}_zone_pairs", f"pairs of neighbourhoods {words} {within} (either way, "
            "each pair once)", changes[column].sum() / 2, "pairs", f"half the sum of {column}")
        across = zone_pairs_column(change, cutoff, across=True)
        if across not in changes:
            continue
        add(f"{change}_zone_pairs_across_groups",
            f"pairs of neighbourhoods of different majority groups {words} {within}",
            changes[across].sum() / 2, "pairs", f"half the sum of {across}")
        if change == "new":
            add(f"{change}_zone_pairs_within_groups",
                f"pairs of neighbourhoods of the same majority group {words} {within}",
                (changes[column].sum() - changes[across].sum()) / 2, "pairs",
                f"half the sum of {column} minus half the sum of {across}")


def _cost_indicators(add: AddIndicator, cost: ProposalCost) -> None:
    net, new, saved = cost.net, cost.new, cost.saved
    add("route_km", "new route length (one direction)", cost.route_km, "km", "proposal costing")
    for key, what, unit in (("peak_vehicles", "buses needed at the peak", "vehicles"),
                            ("annual_vehicle_hours", "vehicle-hours a year", "hours"),
                            ("annual_vehicle_km", "vehicle-km a year", "km")):
        add(f"{key}_new", f"{what}: new service (new routes and more frequent ones)",
            getattr(new, key), unit, f"proposal costing: {key}, new")
        add(f"{key}_saved", f"{what}: service saved (removed or less frequent routes)",
            getattr(saved, key), unit, f"proposal costing: {key}, saved")
        add(key, f"{what}: net (new minus saved; negative = a saving)", getattr(net, key),
            unit, f"proposal costing: {key}, new minus saved", describe_running_cost(cost)
            if key == "annual_vehicle_hours" else "")


def job_layer_of(scorecard: Scorecard) -> str | None:
    """Return the job layer a scorecard measures (from its ``residents_gaining_<layer>`` key)."""
    for indicator in scorecard.indicators:
        if indicator.key.startswith("residents_gaining_"):
            return indicator.key.removeprefix("residents_gaining_")
    return None
