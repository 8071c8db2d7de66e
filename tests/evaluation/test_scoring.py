"""Scoring: per-zone changes and the scorecard, on hand-made tables.

The end-to-end checks (a real scenario on the line study area, and Porto
Alegre) are in ``tests/runs/test_evaluate.py``; here every number comes from a
three-zone table small enough to score by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from _evaluate_fixtures import naive_gini, naive_palma, recompute_indicator, write_line_study

from routes.access.zone_access import AccessResult, TravelTimes
from routes.config.study_area import StudyArea, load_study_area
from routes.evaluation.scoring import Indicator, Scorecard, compute_zone_changes, score_proposal
from routes.proposal.costing import ProposalCost, RunningCost

NAN = math.nan


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> StudyArea:
    """The line study area: jobs (cutoff 20 min), spaces and reach (15 min), deciles 1-3."""
    return load_study_area(write_line_study(tmp_path_factory.mktemp("line")))


COST = ProposalCost("p", (), 1.5, RunningCost(2, 500.0, 1000.0))


def changes_table(*, deciles: bool = True) -> pd.DataFrame:
    """Three zones, as :func:`compute_zone_changes` lays them out.

    ====  ====  ======  ====  ====  =======  ========  ======  =======  =====  ======
    zone  pop.  decile  jobs  jobs  nearest  nearest   spaces  Δ reach  new    across
                        base  scen  base     scen      b -> s           pairs  groups
    ====  ====  ======  ====  ====  =======  ========  ======  =======  =====  ======
    A     100   1       10    30    10       8         2 -> 1  5        1      1
    B     300   5       50    40    —        12        0 -> 1  10       1      0
    C     0     2       0     20    5        5         2 -> 2  —        2      1
    ====  ====  ======  ====  ====  =======  ========  ======  =======  =====  ======

    New zone pairs: A-C (across majority groups) and B-C (within one).
    """
    decile = pd.array([1, 5, 2] if deciles else [pd.NA] * 3, dtype="Int64")
    table = pd.DataFrame({
        "name": ["A", "B", "C"],
        "population": [100.0, 300.0, 0.0],
        "deprivation_decile": decile,
        "deprived": [True, False, True] if deciles else [False] * 3,
        "baseline_jobs_within_20min": [10.0, 50.0, 0.0],
        "scenario_jobs_within_20min": [30.0, 40.0, 20.0],
        "baseline_nearest_space_min": [10.0, NAN, 5.0],
        "scenario_nearest_space_min": [8.0, 12.0, 5.0],
        "baseline_spaces_within_15min": [2.0, 0.0, 2.0],
        "scenario_spaces_within_15min": [1.0, 1.0, 2.0],
        "baseline_reach_other_groups_15min": [0.0, 0.0, NAN],
        "scenario_reach_other_groups_15min": [5.0, 10.0, NAN],
        "new_zone_pairs_within_15min": [1, 1, 2],
        "lost_zone_pairs_within_15min": [0, 0, 0],
        "new_zone_pairs_across_groups_within_15min": [1, 0, 1],
        "lost_zone_pairs_across_groups_within_15min": [0, 0, 0],
    }, index=pd.Index(["A", "B", "C"], name="id"))
    for metric in ("jobs_within_20min", "nearest_space_min", "spaces_within_15min",
                   "reach_other_groups_15min"):
        table[f"delta_{metric}"] = table[f"scenario_{metric}"] - table[f"baseline_{metric}"]
    return table


#: Hand-scored: job gains (+20, -10, +20); deprived A and C (C has nobody).
HAND_SCORES = {
    "deprived_residents_gaining_jobs": 100,  # A; C gains but has no residents
    "deprived_residents_losing_jobs": 0,
    "residents_gaining_jobs": 100,
    "residents_losing_jobs": 300,  # B
    "mean_gain_jobs_deprived_gainers": 20,  # A +20 (100 residents), C +20 (nobody)
    "mean_loss_jobs_deprived_losers": NAN,  # no deprived resident loses
    "mean_gain_jobs_gainers": 20,
    "mean_loss_jobs_losers": 10,  # B -10
    "mean_gain_jobs_deprived": 20,  # (100 x 20 + 0 x 20) / 100
    "total_gain_jobs": -1000,  # 100 x 20 - 300 x 10
    "total_gain_jobs_deprived": 2000,
    # baseline (10, 50, 0): mean 40, pairs 2 x 100 x 300 x 40 / (2 x 400² x 40)
    "gini_jobs_baseline": 0.1875,
    # poorest 160 people hold 100 x 10 + 60 x 50 = 4000, richest 40 hold 40 x 50 = 2000
    "palma_jobs_baseline": 0.5,
    "gini_jobs_scenario": 0.05,  # mean 37.5, 2 x 100 x 300 x 10 / (2 x 400² x 37.5)
    "palma_jobs_scenario": 8 / 27,  # 40 x 40 / (100 x 30 + 60 x 40)
    "benefit_per_vehicle_hour": 4,  # 2000 / 500 net vehicle-hours
    "mean_change_nearest_space_min": -2,  # A -2 (100), C 0 (0); B reached none before
    "residents_newly_reaching_a_space": 300,  # B
    "residents_no_longer_reaching_a_space": 0,
    "residents_with_more_shared_spaces": 300,  # B 0 -> 1
    "residents_with_fewer_shared_spaces": 100,  # A 2 -> 1
    "mean_gain_reach_other_groups": 8.75,  # (100 x 5 + 300 x 10) / 400; C is NaN
    "new_zone_pairs": 2,  # A-C, B-C: (1 + 1 + 2) / 2
    "new_zone_pairs_across_groups": 1,  # A-C
    "new_zone_pairs_within_groups": 1,  # B-C
    "lost_zone_pairs": 0,
    "lost_zone_pairs_across_groups": 0,
    "route_km": 1.5,
    "peak_vehicles_new": 2,
    "peak_vehicles_saved": 0,
    "peak_vehicles": 2,
    "annual_vehicle_hours_new": 500,
    "annual_vehicle_hours_saved": 0,
    "annual_vehicle_hours": 500,
    "annual_vehicle_km_new": 1000,
    "annual_vehicle_km_saved": 0,
    "annual_vehicle_km": 1000,
}
DEPRIVED_KEYS = {"deprived_residents_gaining_jobs", "deprived_residents_losing_jobs",
                 "mean_gain_jobs_deprived_gainers", "mean_loss_jobs_deprived_losers",
                 "mean_gain_jobs_deprived", "total_gain_jobs_deprived",
                 "benefit_per_vehicle_hour"}
COSTS = {"route_km": 1.5, "peak_vehicles": 2, "peak_vehicles_new": 2, "peak_vehicles_saved": 0,
         "annual_vehicle_hours": 500.0, "annual_vehicle_hours_new": 500.0,
         "annual_vehicle_hours_saved": 0.0, "annual_vehicle_km": 1000.0,
         "annual_vehicle_km_new": 1000.0, "annual_vehicle_km_saved": 0.0}


def test_scorecard_by_hand(study: StudyArea) -> None:
    scorecard = score_proposal(study, changes_table(), COST, "p")
    assert scorecard.proposal == "p"
    assert [i.key for i in scorecard.indicators] == list(HAND_SCORES)
    for key, value in HAND_SCORES.items():
        assert scorecard.value(key) == pytest.approx(value, rel=1e-12, nan_ok=True), key


def test_every_indicator_follows_its_source(study: StudyArea) -> None:
    table = changes_table()
    zones = table.reset_index()
    for indicator in score_proposal(study, table, COST, "p").indicators:
        assert indicator.value == pytest.approx(
            recompute_indicator(indicator.source, zones, COSTS), rel=1e-12, nan_ok=True
        ), indicator.key


def test_means_say_over_whom(study: StudyArea) -> None:
    labels = {i.key: i.label for i in score_proposal(study, changes_table(), COST, "p").indicators}
    assert labels["mean_gain_jobs_deprived_gainers"] == (
        "mean gain in jobs within 20 min, over deprived residents who gain")
    assert labels["mean_loss_jobs_deprived_losers"] == (
        "mean loss in jobs within 20 min, over deprived residents who lose")
    assert labels["mean_gain_jobs_deprived"].endswith(
        "over all deprived residents (gains net of losses)")
    assert "over all residents" in labels["mean_gain_reach_other_groups"]


def test_technical_units_are_explained_and_not_read_as_jobs_created(study: StudyArea) -> None:
    rows = {i.key: i for i in score_proposal(study, changes_table(), COST, "p").indicators}
    total = rows["total_gain_jobs_deprived"]
    assert total.unit == "resident-jobs"
    assert total.description.startswith("resident-jobs: one resident who can newly reach one "
                                        "more of the jobs within 20 min counts 1")
    assert "not jobs created" in total.description
    rate = rows["benefit_per_vehicle_hour"]
    assert rate.label == "access to jobs gained by deprived residents per net annual vehicle-hour"
    assert rate.unit == "resident-jobs per vehicle-hour"


def test_without_deciles_the_deprived_indicators_are_not_available(study: StudyArea) -> None:
    scorecard = score_proposal(study, changes_table(deciles=False), COST, "p")
    for key, value in HAND_SCORES.items():
        if key in DEPRIVED_KEYS:
            assert math.isnan(scorecard.value(key)), key
        else:
            assert scorecard.value(key) == pytest.approx(value, rel=1e-12, nan_ok=True), key
    rows = {row["key"]: row["value"] for row in scorecard.to_dict()["indicators"]}
    assert all(rows[key] is None for key in DEPRIVED_KEYS)


def test_no_vehicle_hours_gives_no_benefit_rate(study: StudyArea) -> None:
    free = ProposalCost("p", (), 0.0, RunningCost(0, 0.0, 0.0))
    assert math.isnan(score_proposal(study, changes_table(), free, "p")
                      .value("benefit_per_vehicle_hour"))


def test_a_saving_is_netted_and_said_in_words(study: StudyArea) -> None:
    """New service 500 h, a removed route saving 800 h: net -300 h, no benefit rate."""
    cost = ProposalCost("p", (), 1.5, RunningCost(2, 500.0, 1000.0), RunningCost(5, 800.0, 9000.0))
    rows = {i.key: i for i in score_proposal(study, changes_table(), cost, "p").indicators}
    assert rows["peak_vehicles"].value == -3
    assert rows["annual_vehicle_hours"].value == -300
    assert rows["annual_vehicle_hours_saved"].value == 800
    assert rows["annual_vehicle_km"].value == -8000
    assert rows["annual_vehicle_hours"].description.startswith(
        "Saves money: 3 fewer buses at the peak and 300 fewer vehicle-hours")
    assert math.isnan(rows["benefit_per_vehicle_hour"].value)
    assert rows["benefit_per_vehicle_hour"].description.startswith(
        "not computed: the proposal saves running time (net vehicle-hours -300 a year)")


def test_fallback_reach_is_not_called_other_groups(study: StudyArea) -> None:
    table = changes_table().rename(columns=lambda c: c.replace("reach_other_groups",
                                                               "reach_across_deprivation"))
    table = table.drop(columns=[c for c in table.columns if "across_groups" in c])
    rows = {i.key: i for i in score_proposal(study, table, COST, "p").indicators}
    assert "mean_gain_reach_other_groups" not in rows
    assert not any("other groups" in i.label or "group" in i.key for i in rows.values())
    reach = rows["mean_gain_reach_across_deprivation"]
    assert reach.value == pytest.approx(8.75)
    assert "other side of the deprivation line" in reach.label
    assert reach.description.startswith("no community groups are given")


def test_naive_inequality_measures_agree_with_the_hand_values() -> None:
    """The brute-force Gini and Palma the source evaluator uses, on the hand table."""
    assert naive_gini([10, 50, 0], [100, 300, 0]) == pytest.approx(0.1875)
    assert naive_palma([10, 50, 0], [100, 300, 0]) == pytest.approx(0.5)
    assert naive_palma([0, 0, 1], [2, 2, 1]) == math.inf
    assert naive_gini(range(1, 11), [1] * 10) == pytest.approx(9 / 30)
    assert naive_palma(range(1, 11), [1] * 10) == pytest.approx(1.0)


# --------------------------------------------------------------------------- the Scorecard


def test_scorecard_serialises_non_finite_values_as_null() -> None:
    scorecard = Scorecard("p", (
        Indicator("a", "A", 1.5, "km", "proposal costing"),
        Indicator("b", "B", math.inf, "ratio", "x"),
        Indicator("c", "C", math.nan, "residents", "y"),
    ))
    assert scorecard.to_dict() == {"proposal": "p", "indicators": [
        {"key": "a", "label": "A", "value": 1.5, "unit": "km", "source": "proposal costing",
         "description": ""},
        {"key": "b", "label": "B", "value": None, "unit": "ratio", "source": "x",
         "description": ""},
        {"key": "c", "label": "C", "value": None, "unit": "residents", "source": "y",
         "description": ""},
    ]}
    frame = scorecard.to_frame()
    assert list(frame.columns) == ["indicator", "value", "unit"]
    assert frame["indicator"].tolist() == ["A", "B", "C"]
    with pytest.raises(KeyError, match="scorecard has no indicator 'd'"):
        scorecard.value("d")


# --------------------------------------------------------------------------- zone changes


def access_result(zones: pd.DataFrame, zone_minutes: list[list[float]]) -> AccessResult:
    """An AccessResult whose travel times hold a zone-to-zone block and one job site."""
    minutes = np.column_stack([np.array(zone_minutes), np.full(len(zones), 5.0)])
    layer = np.array(["zones"] * len(zones) + ["jobs"], dtype=object)
    ids = np.array([*zones.index, "J"], dtype=object)
    return AccessResult(zones, pd.DataFrame(), TravelTimes(minutes.astype(np.float32), layer, ids))


def zone_frame(jobs: list[float]) -> pd.DataFrame:
    return pd.DataFrame({
        "population": [10.0, 20.0, 30.0],
        "deprivation_decile": pd.array([3, 4, pd.NA], dtype="Int64"),
        "name": ["a", "b", "c"],
        "group_a": [10.0, 0.0, 30.0],
        "group_b": [0.0, 20.0, 0.0],
        "jobs_within_20min": jobs,
        "note": ["x", "y", "z"],
    }, index=pd.Index(["A", "B", "C"], name="id"))


def test_zone_changes_by_hand(study: StudyArea) -> None:
    """Zone-to-zone minutes, baseline then scenario (space cutoff 15 min)::

                 A    B    C                 A    B    C
            A    0   20    —            A    0   15   14
            B   10    0    —            B   16    0    —
            C    —    —    0            C    3   15    0

    A pair is connected when either zone reaches the other within 15 min:
    baseline {A, B} (B to A in 10); scenario {A, B} (A to B in 15), {A, C},
    {B, C} (C to B in 15). New: A-C and B-C; lost: none. Majority groups:
    A group_a, B group_b, C group_a: A-C within one group, B-C across.
    """
    baseline = access_result(zone_frame([5.0, 0.0, 7.0]),
                             [[0, 20, NAN], [10, 0, NAN], [NAN, NAN, 0]])
    scenario_zones = zone_frame([6.0, 0.0, 2.0]).assign(only_here=1.0)
    scenario = access_result(scenario_zones, [[0, 15, 14], [16, 0, NAN], [3, 15, 0]])
    changes = compute_zone_changes(study, baseline, scenario)
    assert changes.index.tolist() == ["A", "B", "C"]
    assert list(changes.columns) == [
        "name", "population", "deprivation_decile", "group_a", "group_b", "deprived",
        "majority_group", "baseline_jobs_within_20min", "scenario_jobs_within_20min",
        "delta_jobs_within_20min", "new_zone_pairs_within_15min", "lost_zone_pairs_within_15min",
        "new_zone_pairs_across_groups_within_15min", "lost_zone_pairs_across_groups_within_15min",
    ]  # text columns and metrics of one side only are left out
    assert changes["deprived"].tolist() == [True, False, False]  # C has no decile
    assert changes["majority_group"].tolist() == ["group_a", "group_b", "group_a"]
    assert changes["delta_jobs_within_20min"].tolist() == [1.0, 0.0, -5.0]
    assert changes["new_zone_pairs_within_15min"].tolist() == [1, 1, 2]
    assert changes["lost_zone_pairs_within_15min"].tolist() == [0, 0, 0]
    assert changes["new_zone_pairs_across_groups_within_15min"].tolist() == [0, 1, 1]


def test_zone_pairs_are_counted_once_and_never_with_themselves(study: StudyArea) -> None:
    """A zone off the streets (NaN to itself) or at 0 min from itself is no pair."""
    zones = zone_frame([5.0, 0.0, 7.0])
    baseline = access_result(zones, [[NAN, NAN, NAN], [NAN, 0, NAN], [NAN, NAN, 0]])
    scenario = access_result(zones, [[0, 5, NAN], [5, 0, NAN], [NAN, NAN, 0]])
    changes = compute_zone_changes(study, baseline, scenario)
    assert changes["new_zone_pairs_within_15min"].tolist() == [1, 1, 0]  # A-B, both ways once
    scorecard = score_proposal(study, changes, COST, "p")
    assert scorecard.value("new_zone_pairs") == 1
    assert scorecard.value("new_zone_pairs_across_groups") == 1  # group_a - group_b
    lost = compute_zone_changes(study, scenario, baseline)
    assert lost["lost_zone_pairs_within_15min"].tolist() == [1, 1, 0]
    assert score_proposal(study, lost, COST, "p").value("lost_zone_pairs") == 1


def test_zone_changes_do_not_change_their_inputs(study: StudyArea) -> None:
    zones = zone_frame([5.0, 0.0, 7.0])
    baseline = access_result(zones, [[0, 20, NAN], [10, 0, NAN], [NAN, NAN, 0]])
    before = zones.copy()
    compute_zone_changes(study, baseline, baseline)
    pd.testing.assert_frame_equal(zones, before)


def test_scorecard_sources_name_columns_of_the_table(study: StudyArea) -> None:
    """Every ``zones.csv`` column a source names exists in the changes table."""
    import re

    table = changes_table()
    for indicator in score_proposal(study, table, COST, "p").indicators:
        for column in re.findall(r"\b(?:baseline|scenario|delta|new_zone_pairs|lost_zone_pairs)"
                                 r"_\w+",
                                 indicator.source):
            assert column in table.columns, (indicator.key, column)
