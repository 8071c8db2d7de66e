"""What a proposal changes at shared community spaces: catchments, meetings, exposure.

:func:`compute_interaction_change` compares the baseline and scenario
accessibility of the shared spaces (:mod:`routes.access.interaction`) and
returns the tables a run writes (``spaces.csv``, ``community_pairs.csv``) and
the scorecard summarises (:func:`routes.evaluation.scoring.score_proposal`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from routes.access.interaction import (
    MEETING_PAIR_COLUMNS,
    compute_group_interaction,
    compute_meeting_pair_changes,
)
from routes.access.zone_access import AccessResult
from routes.columns import ColumnKind, column_name
from routes.config.study_area import StudyArea

__all__ = [
    "InteractionChange",
    "add_interaction_indicators",
    "compute_interaction_change",
    "compute_space_changes",
]


@dataclass(frozen=True, slots=True)
class InteractionChange:
    """The change at shared community spaces between baseline and scenario.

    Attributes
    ----------
    spaces
        ``spaces.csv`` (:func:`compute_space_changes`); empty when the zones
        have neither groups nor deprivation deciles.
    community_pairs
        ``community_pairs.csv``: pairs of neighbourhoods newly able to meet at
        a shared space, or no longer able to, and where
        (:func:`routes.access.interaction.compute_meeting_pair_changes`).
    group_pairs
        One row per unordered pair of community groups: ``group_a``,
        ``group_b``, ``resident_pairs`` and, for ``potential``,
        ``potential_per_pair``, ``pairs_able_to_meet`` and
        ``share_able_to_meet``
        (:func:`routes.access.interaction.compute_group_interaction`), the
        ``baseline_``, ``scenario_`` and ``delta_`` columns; empty without groups.
    groups
        The community groups (empty without groups).
    cutoff_min
        The cutoff of the shared spaces, minutes.
    """

    spaces: pd.DataFrame
    community_pairs: pd.DataFrame
    group_pairs: pd.DataFrame
    groups: tuple[str, ...]
    cutoff_min: float

    def tables(self) -> list[tuple[str, pd.DataFrame]]:
        """Return the files a run folder holds: ``(file name, table)``.

        ``spaces.csv`` and ``group_pairs.csv`` when they have rows,
        ``community_pairs.csv`` always (its header says that no pair changed).
        """
        tables = [("spaces.csv", self.spaces), ("community_pairs.csv", self.community_pairs),
                  ("group_pairs.csv", self.group_pairs)]
        return [(name, table) for name, table in tables
                if not table.empty or name == "community_pairs.csv"]


def compute_space_changes(baseline: AccessResult, scenario: AccessResult) -> pd.DataFrame:
    """Per shared space: its name and category, and each catchment column before and after.

    Returns
    -------
    pandas.DataFrame
        One row per shared space: ``space_id``, ``name``, ``category``, then
        for each numeric column ``c`` of :attr:`AccessResult.spaces`
        (``reachable_residents_<T>min``, ``reachable_<group>_<T>min``,
        ``simpson_diversity_<T>min``) ``baseline_c``, ``scenario_c`` and
        ``delta_c`` (scenario minus baseline, in the unit of ``c``). Empty when
        there are no catchments (no shared spaces, or zones with neither
        groups nor deprivation deciles).
    """
    b, s = baseline.spaces, scenario.spaces.reindex(baseline.spaces.index)
    if not any(pd.api.types.is_numeric_dtype(b[c]) for c in b.columns):
        return pd.DataFrame()
    table = b[[c for c in ("name", "category") if c in b.columns]].copy()
    for col in b.columns:
        if col in ("name", "category") or not pd.api.types.is_numeric_dtype(b[col]):
            continue
        table[f"baseline_{col}"] = b[col].astype(float)
        table[f"scenario_{col}"] = s[col].astype(float)
        table[f"delta_{col}"] = s[col].astype(float) - b[col].astype(float)
    return table.reset_index(names="space_id")


def compute_interaction_change(
    study: StudyArea, baseline: AccessResult, scenario: AccessResult
) -> InteractionChange | None:
    """Compare who can reach, and meet at, the shared spaces on the two networks.

    Parameters
    ----------
    study
        Gives the groups, the space cutoff and the percentile.
    baseline, scenario
        Accessibility on the two networks (same zones and spaces).

    Returns
    -------
    InteractionChange or None
        ``None`` when the study area has no shared spaces.
    """
    if baseline.space_layer is None:
        return None
    cutoff = study.scoring.space_cutoff_min
    pct = study.routing.percentiles[0]
    tcol = column_name(ColumnKind.TRAVEL_TIME, percentile=pct)
    groups = tuple(study.zones.group_columns) if study.zones is not None else ()
    groups = tuple(g for g in groups if g in baseline.zones.columns)
    zones = baseline.zones.reset_index(names="id")
    layer_spaces = baseline.spaces.reset_index(names="id")
    matrices = (baseline.space_times(tcol), scenario.space_times(tcol))
    if layer_spaces.empty or ("population" not in zones.columns and not groups):
        pairs = pd.DataFrame(columns=list(MEETING_PAIR_COLUMNS))
    else:
        pairs = compute_meeting_pair_changes(*matrices, zones, layer_spaces, cutoff,
                                             groups=list(groups), percentile=pct)
    group_pairs = pd.DataFrame()
    if groups and not layer_spaces.empty:
        before, after = (compute_group_interaction(m, zones, layer_spaces, cutoff,
                                                   groups=list(groups), percentile=pct)
                         for m in matrices)
        group_pairs = before[["group_a", "group_b", "residents_a", "residents_b",
                              "resident_pairs"]].copy()
        for col in ("potential", "potential_per_pair", "pairs_able_to_meet",
                    "share_able_to_meet"):
            group_pairs[f"baseline_{col}"] = before[col]
            group_pairs[f"scenario_{col}"] = after[col]
            group_pairs[f"delta_{col}"] = after[col] - before[col]
    return InteractionChange(compute_space_changes(baseline, scenario), pairs, group_pairs,
                             groups, cutoff)


_SUFFIX = {"baseline": "baseline", "scenario": "scenario", "delta": "change"}


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator > 0 else float("nan")


def _weighted_mean(values: pd.Series, weights: pd.Series) -> float:
    ok = values.notna() & weights.notna()
    total = float(weights[ok].sum())
    return float((values[ok] * weights[ok]).sum() / total) if total > 0 else float("nan")


def add_interaction_indicators(
    add: Callable[..., None],
    study: StudyArea,
    changes: pd.DataFrame,
    interaction: InteractionChange,
) -> None:
    r"""Add the community-pair and ``social_interaction_...`` indicators to a scorecard.

    Parameters
    ----------
    add
        Called as ``add(key, label, value, unit, source, description)`` for each.
    study
        Gives the deprived deciles.
    changes
        The per-zone table (``zones.csv``) of
        :func:`routes.evaluation.scoring.compute_zone_changes`.
    interaction
        From :func:`compute_interaction_change`.

    Notes
    -----
    Without community groups only the neighbourhood pairs newly (or no
    longer) able to meet are counted. With groups, from ``group_pairs.csv``
    summed over the pairs of different groups :math:`g < h`
    (:func:`routes.access.interaction.compute_group_interaction`):
    the potential :math:`\sum SIP_{gh}`, per pair of residents
    :math:`\sum SIP_{gh} / \sum P_g P_h`, and the share of those pairs able
    to meet :math:`\sum M_{gh} / \sum P_g P_h`; from ``zones.csv`` the
    exposure :math:`{}_xP_y^*` of deprived residents (and of everyone) to
    other groups; from ``community_pairs.csv`` the pairs of neighbourhoods of
    different (and the same) majority groups newly able to meet, and the
    residents of those neighbourhoods; from ``spaces.csv`` the spaces whose mix
    of groups widens or narrows.
    """
    cutoff = f"{interaction.cutoff_min:g} min"
    pairs = interaction.community_pairs
    is_new = pairs["change"] == "new"
    both = f"within {cutoff} of both"
    if not interaction.groups:
        add("neighbourhood_pairs_newly_meeting",
            f"pairs of neighbourhoods newly able to meet at a shared space {both}",
            is_new.sum(), "pairs", "rows of community_pairs.csv where change is new")
        add("neighbourhood_pairs_no_longer_meeting",
            f"pairs of neighbourhoods no longer able to meet at a shared space {both}",
            (~is_new).sum(), "pairs", "rows of community_pairs.csv where change is lost")
        return
    groups = interaction.group_pairs
    key = "social_interaction"
    explained = (
        "resident pairs x shared spaces: a resident of one group and a resident of another "
        f"who can both reach a shared space within {cutoff} count 1 for each such space "
        "(joint accessibility, Farber et al. 2013)")
    pairs_of = groups["resident_pairs"].sum()
    for which in ("baseline", "scenario", "delta"):
        word = _SUFFIX[which]
        add(f"{key}_potential_{word}",
            f"social-interaction potential between community groups, {word}",
            groups[f"{which}_potential"].sum(), "resident pairs x spaces",
            f"sum of {which}_potential in group_pairs.csv", explained)
    for which in ("baseline", "scenario", "delta"):
        word = _SUFFIX[which]
        add(f"{key}_per_pair_{word}",
            f"shared spaces a resident and a resident of another group can both reach within "
            f"{cutoff}, mean over all such pairs, {word}",
            _ratio(groups[f"{which}_potential"].sum(), pairs_of), "spaces",
            f"sum of {which}_potential / sum of resident_pairs in group_pairs.csv")
    for which in ("baseline", "scenario", "delta"):
        word = _SUFFIX[which]
        add(f"{key}_share_able_to_meet_{word}",
            f"share of pairs of residents of different groups who can both reach at least "
            f"one shared space within {cutoff}, {word}",
            _ratio(groups[f"{which}_pairs_able_to_meet"].sum(), pairs_of), "share 0-1",
            f"sum of {which}_pairs_able_to_meet / sum of resident_pairs in group_pairs.csv")
    exposure = column_name(ColumnKind.EXPOSURE, cutoff_min=interaction.cutoff_min)
    pop = changes["population"].astype(float)
    decile = changes.get("deprivation_decile")
    populations = [("", "all residents", pd.Series(True, index=changes.index))]
    if decile is not None and bool(decile.notna().any()):
        populations.insert(0, ("_deprived", "deprived residents",
                               changes["deprived"].astype(bool)))
    for tag, who, mask in populations:
        zones = "over deprived zones" if tag else ""
        for which in ("baseline", "scenario", "delta"):
            suffix = _SUFFIX[which]
            column = f"{which}_{exposure}"
            add(f"{key}_exposure{tag}_{suffix}",
                f"exposure of {who} to other groups at the shared spaces they reach: chance "
                f"that a person met there is of another group, {suffix}",
                _weighted_mean(changes.loc[mask, column], pop[mask]), "share 0-1",
                f"population-weighted mean of {column}{' ' + zones if zones else ''}",
                "Lieberson's exposure index xPy* (Massey & Denton 1988) through the shared "
                f"spaces within {cutoff}")
    across = pairs["across_groups"].fillna(False).astype(bool)
    for change, words in (("new", "newly able"), ("lost", "no longer able")):
        rows = pairs["change"] == change
        add(f"{key}_{change}_pairs_across_groups",
            f"pairs of neighbourhoods of different majority groups {words} to meet at a shared "
            f"space {both}", (rows & across).sum(), "pairs",
            f"rows of community_pairs.csv where change is {change} and across_groups is true")
        add(f"{key}_{change}_pairs_within_groups",
            f"pairs of neighbourhoods of the same majority group {words} to meet at a shared "
            f"space {both}", (rows & ~across).sum(), "pairs",
            f"rows of community_pairs.csv where change is {change} and across_groups is false")
        chosen = pairs[rows & across]
        ids = pd.unique(pd.concat([chosen["zone_a"], chosen["zone_b"]]).astype(str))
        add(f"{key}_residents_{'newly' if change == 'new' else 'no_longer'}_meeting_other_groups",
            f"residents of neighbourhoods {words} to meet a neighbourhood of another majority "
            "group at a shared space", pop.reindex(ids).sum(), "residents",
            f"sum of population of the zones in rows of community_pairs.csv where change is "
            f"{change} and across_groups is true")
    diversity = next((c for c in interaction.spaces.columns
                      if c.startswith("delta_simpson_diversity_")), None)
    if diversity is not None:
        table = interaction.spaces
        add(f"{key}_spaces_more_mixed",
            "shared spaces whose catchment becomes more mixed (Simpson diversity rises)",
            (table[diversity] > 0).sum(), "spaces", f"rows of spaces.csv where {diversity} > 0")
        add(f"{key}_spaces_less_mixed",
            "shared spaces whose catchment becomes less mixed (Simpson diversity falls)",
            (table[diversity] < 0).sum(), "spaces", f"rows of spaces.csv where {diversity} < 0")
    meets = (groups["baseline_pairs_able_to_meet"] == 0) & (groups["scenario_pairs_able_to_meet"]
                                                             > 0)
    gone = (groups["baseline_pairs_able_to_meet"] > 0) & (groups["scenario_pairs_able_to_meet"]
                                                           == 0)
    add(f"{key}_group_pairs_newly_meeting",
        f"pairs of community groups of which nobody could meet at a shared space {both} "
        "before, and some can now", meets.sum(), "group pairs",
        "rows of group_pairs.csv where baseline_pairs_able_to_meet is 0 and "
        "scenario_pairs_able_to_meet > 0")
    add(f"{key}_group_pairs_no_longer_meeting",
        f"pairs of community groups of which some could meet at a shared space {both} "
        "before, and nobody can now", gone.sum(), "group pairs",
        "rows of group_pairs.csv where scenario_pairs_able_to_meet is 0 and "
        "baseline_pairs_able_to_meet > 0")
