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
from routes.proposal.costing import ProposalCost

NAN = math.nan


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> StudyArea:
    """The line study area: jobs (cutoff 20 min), spaces and reach (15 min), deciles 1-3."""
    return load_study_area(write_line_study(tmp_path_factory.mktemp("line")))


COST = ProposalCost("p", (), route_km=1.5, peak_vehicles=2, annual_vehicle_hours=500.0,
                    annual_vehicle_km=1000.0)


def changes_table(*, deciles: bool = True) -> pd.DataFrame:
    """Three zones, as :func:`compute_zone_changes` lays them out.

    ====  ====  ======  ====  ====  =======  ========  =======  ======
    zone  pop.  decile  jobs  jobs  nearest  nearest   Δ reach  new
                        base  scen  base     scen               pairs
    ====  ====  ======  ====  ====  =======  ========  =======  ======
    A     100   1       10    30    10       8         5        1
    B     300   5       50    40    —        12        10       0
    C     0     2       0     20    5        5         —        2
    ====  ====  ======  ====  ====  =======  ========  =======  ======
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
        "baseline_reach_other_groups_15min": [0.0, 0.0, NAN],
        "scenario_reach_other_groups_15min": [5.0, 10.0, NAN],
        "new_zone_pairs_within_15min": [1, 0, 2],
    }, index=pd.Index(["A", "B", "C"], name="id"))
    for metric in ("jobs_within_20min", "nearest_space_min", "reach_other_groups_15min"):
        table[f"delta_{metric}"] = table[f"scenario_{metric}"] - table[f"baseline_{metric}"]
    return table


#: Hand-scored: job gains (+20, -10, +20); deprived A and C (C has nobody).
HAND_SCORES = {
    "deprived_residents_gaining_jobs": 100,  # A; C gains but has no residents
    "residents_gaining_jobs": 100,  # B loses
    "mean_gain_jobs_deprived": 20,  # (100 x 20 + 0 x 20) / 100
    "total_gain_jobs": -1000,  # 100 x 20 - 300 x 10
    "total_gain_jobs_deprived": 2000,
    # baseline (10, 50, 0): mean 40, pairs 2 x 100 x 300 x 40 / (2 x 400² x 40)
    "gini_jobs_baseline": 0.1875,
    # poorest 160 people hold 100 x 10 + 60 x 50 = 4000, richest 40 hold 40 x 50 = 2000
    "palma_jobs_baseline": 0.5,
    "gini_jobs_scenario": 0.05,  # mean 37.5, 2 x 100 x 300 x 10 / (2 x 400² x 37.5)
    "palma_jobs_scenario": 8 / 27,  # 40 x 40 / (100 x 30 + 60 x 40)
    "benefit_per_vehicle_hour": 4,  # 2000 / 500
    "mean_change_nearest_space_min": -2,  # A -2 (100), C 0 (0); B reached none before
    "residents_newly_reaching_a_space": 300,  # B
    "mean_gain_reach_other_groups": 8.75,  # (100 x 5 + 300 x 10) / 400; C is NaN
    "new_zone_pairs": 3,
    "route_km": 1.5,
    "peak_vehicles": 2,
    "annual_vehicle_hours": 500,
    "annual_vehicle_km": 1000,
}
DEPRIVED_KEYS = {"deprived_residents_gaining_jobs", "mean_gain_jobs_deprived",
                 "total_gain_jobs_deprived", "benefit_per_vehicle_hour"}


def test_scorecard_by_hand(study: StudyArea) -> None:
    scorecard = score_proposal(study, changes_table(), COST, "p")
    assert scorecard.proposal == "p"
    assert [i.key for i in scorecard.indicators] == list(HAND_SCORES)
    for key, value in HAND_SCORES.items():
        assert scorecard.value(key) == pytest.approx(value, rel=1e-12), key


def test_every_indicator_follows_its_source(study: StudyArea) -> None:
    table = changes_table()
    zones = table.reset_index()
    costs = {"route_km": 1.5, "peak_vehicles": 2, "annual_vehicle_hours": 500.0,
             "annual_vehicle_km": 1000.0}
    for indicator in score_proposal(study, table, COST, "p").indicators:
        if indicator.source in ("proposal costing", "ceil(cycle time / headway) per route, summed"):
            assert indicator.value == costs[indicator.key]
        else:
            assert indicator.value == pytest.approx(
                recompute_indicator(indicator.source, zones, costs), rel=1e-12), indicator.key


def test_without_deciles_the_deprived_indicators_are_not_available(study: StudyArea) -> None:
    scorecard = score_proposal(study, changes_table(deciles=False), COST, "p")
    for key, value in HAND_SCORES.items():
        if key in DEPRIVED_KEYS:
            assert math.isnan(scorecard.value(key)), key
        else:
            assert scorecard.value(key) == pytest.approx(value, rel=1e-12), key
    rows = {row["key"]: row["value"] for row in scorecard.to_dict()["indicators"]}
    assert all(rows[key] is None for key in DEPRIVED_KEYS)


def test_no_vehicle_hours_gives_no_benefit_rate(study: StudyArea) -> None:
    free = ProposalCost("p", (), route_km=0.0, peak_vehicles=0, annual_vehicle_hours=0.0,
                        annual_vehicle_km=0.0)
    assert math.isnan(score_proposal(study, changes_table(), free, "p")
                      .value("benefit_per_vehicle_hour"))


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
        {"key": "a", "label": "A", "value": 1.5, "unit": "km", "source": "proposal costing"},
        {"key": "b", "label": "B", "value": None, "unit": "ratio", "source": "x"},
        {"key": "c", "label": "C", "value": None, "unit": "residents", "source": "y"},
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
            A    0   20    —            A    0   15   14      A: B and C newly within 15
            B   10    0    —            B   16    0    —      B: A lost, nothing new
            C    —    —    0            C    3   15    0      C: A and B new
    """
    baseline = access_result(zone_frame([5.0, 0.0, 7.0]),
                             [[0, 20, NAN], [10, 0, NAN], [NAN, NAN, 0]])
    scenario_zones = zone_frame([6.0, 0.0, 2.0]).assign(only_here=1.0)
    scenario = access_result(scenario_zones, [[0, 15, 14], [16, 0, NAN], [3, 15, 0]])
    changes = compute_zone_changes(study, baseline, scenario)
    assert changes.index.tolist() == ["A", "B", "C"]
    assert list(changes.columns) == [
        "name", "population", "deprivation_decile", "group_a", "group_b", "deprived",
        "baseline_jobs_within_20min", "scenario_jobs_within_20min", "delta_jobs_within_20min",
        "new_zone_pairs_within_15min",
    ]  # text columns and metrics of one side only are left out
    assert changes["deprived"].tolist() == [True, False, False]  # C has no decile
    assert changes["delta_jobs_within_20min"].tolist() == [1.0, 0.0, -5.0]
    assert changes["new_zone_pairs_within_15min"].tolist() == [2, 0, 2]


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
        for column in re.findall(r"\b(?:baseline|scenario|delta|new_zone_pairs)_\w+",
                                 indicator.source):
            assert column in table.columns, (indicator.key, column)
