"""Social-interaction potential, exposure and community pairs, by hand and against naive loops.

The hand-derived cases are the four zones and two shared spaces of the line
study area (``tests/_evaluate_fixtures.py``, whose docstring derives every
number used here), before and after the Link proposal. The random cases
compare each function with a deliberately plain re-implementation that loops
over people, zones and spaces.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from _evaluate_fixtures import BASELINE_MIN, COMMUNITY_PAIRS, POINTS, SCENARIO_MIN, ZONES

from routes.access.interaction import (
    GROUP_PAIR_COLUMNS,
    MEETING_PAIR_COLUMNS,
    compute_exposure,
    compute_group_interaction,
    compute_majority_groups,
    compute_meeting_pair_changes,
)
from routes.errors import InputError
from tests.access.test_metrics import GROUPS, random_matrix, random_zones

T_COL = "travel_time_p50_min"
NAN = math.nan
LINE_GROUPS = ["group_a", "group_b"]


def space_matrix(minutes: dict[str, list[float]]) -> pd.DataFrame:
    """The zone-to-space part (S1, S2) of the line study's travel times."""
    rows = [(zone, space, row[POINTS.index(space)])
            for zone, row in minutes.items() for space in ("S1", "S2")]
    return pd.DataFrame(rows, columns=["from_id", "to_id", T_COL])


@pytest.fixture
def line_zones() -> pd.DataFrame:
    return pd.DataFrame(
        [(z, f"Zone {z[1]}", pop, a, b) for z, _, _, pop, _, a, b in ZONES],
        columns=["id", "name", "population", "group_a", "group_b"])


LINE_SPACES = pd.DataFrame({"id": ["S1", "S2"], "name": ["Library S1", "Park S2"],
                            "category": ["library", "park"]})
BEFORE, AFTER = space_matrix(BASELINE_MIN), space_matrix(SCENARIO_MIN)


# --------------------------------------------------------------------------- by hand


def test_majority_groups_break_ties_by_the_listed_order(line_zones: pd.DataFrame) -> None:
    majority = compute_majority_groups(line_zones, LINE_GROUPS)
    assert majority.index.tolist() == ["Z1", "Z2", "Z3", "Z4"]
    assert majority.tolist() == ["group_a", "group_a", "group_b", "group_a"]  # Z2 100/100
    assert compute_majority_groups(line_zones, ["group_b", "group_a"]).tolist() == [
        "group_a", "group_b", "group_b", "group_a"]


@pytest.mark.parametrize(("matrix", "potential", "meeting"), [
    (BEFORE, 50_000, 50_000),  # 200 x 100 at S1 + 300 x 100 at S2; Z1-Z2, Z2, Z4 pairs
    (AFTER, 450_000, 250_000),  # 500 x 500 + 400 x 500; everyone shares S1
])
def test_group_interaction_by_hand(line_zones: pd.DataFrame, matrix: pd.DataFrame,
                                   potential: float, meeting: float) -> None:
    table = compute_group_interaction(matrix, line_zones, LINE_SPACES, 15, groups=LINE_GROUPS)
    assert list(table.columns) == list(GROUP_PAIR_COLUMNS)
    [row] = table.to_dict("records")
    assert row == {
        "group_a": "group_a", "group_b": "group_b", "residents_a": 500.0, "residents_b": 500.0,
        "resident_pairs": 250_000.0, "potential": potential,
        "potential_per_pair": potential / 250_000, "pairs_able_to_meet": meeting,
        "share_able_to_meet": meeting / 250_000,
    }


@pytest.mark.parametrize(("matrix", "expected"), [
    (BEFORE, [1 / 3, 1 / 2, 0.0, 3 / 8]),
    (AFTER, [1 / 2, 1 / 2, 9 / 19, 39 / 76]),
])
def test_exposure_by_hand(line_zones: pd.DataFrame, matrix: pd.DataFrame,
                          expected: list[float]) -> None:
    result = compute_exposure(matrix, line_zones, LINE_SPACES, 15, groups=LINE_GROUPS)
    assert list(result.columns) == ["exposure_other_groups_15min"]
    assert result.index.tolist() == ["Z1", "Z2", "Z3", "Z4"]
    np.testing.assert_allclose(result.iloc[:, 0].to_numpy(), expected, rtol=1e-12)


def test_community_pairs_by_hand(line_zones: pd.DataFrame) -> None:
    pairs = compute_meeting_pair_changes(BEFORE, AFTER, line_zones, LINE_SPACES, 15,
                                         groups=LINE_GROUPS)
    assert list(pairs.columns) == list(MEETING_PAIR_COLUMNS)
    got = [(r.zone_a, r.zone_b, r.across_groups, r.space_ids, r.meeting_min)
           for r in pairs.itertuples()]
    assert got == [(a, b, across, ids, pytest.approx(t, abs=1e-4)) for a, b, across, ids, t in
                   COMMUNITY_PAIRS]
    first = pairs.iloc[0]
    assert (first.change, first.name_a, first.group_a, first.residents_a) == (
        "new", "Zone 3", "group_b", 300.0)
    assert (first.name_b, first.group_b, first.n_spaces) == ("Zone 4", "group_a", 2)
    assert (first.spaces, first.categories) == ("Park S2; Library S1", "park; library")
    # the reverse change: the same pairs, lost, where they could meet before
    lost = compute_meeting_pair_changes(AFTER, BEFORE, line_zones, LINE_SPACES, 15,
                                        groups=LINE_GROUPS)
    assert set(lost["change"]) == {"lost"}
    assert lost[["zone_a", "zone_b", "spaces"]].values.tolist()[0] == ["Z3", "Z4",
                                                                       "Park S2; Library S1"]


def test_community_pairs_without_groups(line_zones: pd.DataFrame) -> None:
    pairs = compute_meeting_pair_changes(BEFORE, AFTER, line_zones.drop(columns=LINE_GROUPS),
                                         LINE_SPACES, 15)
    assert pairs["group_a"].isna().all() and pairs["across_groups"].isna().all()
    # by residents of the pair: Z3-Z4 700, Z2-Z4 600, Z1-Z4 500, Z2-Z3 500, Z1-Z3 400
    assert [(a, b) for a, b in zip(pairs["zone_a"], pairs["zone_b"], strict=True)] == [
        ("Z3", "Z4"), ("Z2", "Z4"), ("Z1", "Z4"), ("Z2", "Z3"), ("Z1", "Z3")]


def test_no_zone_is_paired_with_itself(line_zones: pd.DataFrame) -> None:
    """Z3 newly reaches a space alone: it meets itself, which is not a pair."""
    before = space_matrix({z: [NAN] * 8 for z in ("Z1", "Z2", "Z3", "Z4")})
    after = before.assign(**{T_COL: np.where((before["from_id"] == "Z3")
                                             & (before["to_id"] == "S1"), 5.0, NAN)})
    pairs = compute_meeting_pair_changes(before, after, line_zones, LINE_SPACES, 15,
                                         groups=LINE_GROUPS)
    assert pairs.empty
    assert list(pairs.columns) == list(MEETING_PAIR_COLUMNS)
    # but its own two groups can now meet there
    table = compute_group_interaction(after, line_zones, LINE_SPACES, 15, groups=LINE_GROUPS)
    assert table["potential"].tolist() == [0.0]  # Z3 is all group b: nobody of a to meet


def test_groups_are_required(line_zones: pd.DataFrame) -> None:
    for function in (compute_group_interaction, compute_exposure):
        with pytest.raises(InputError, match=r"needs community groups .* routes.toml "
                                             r"\[zones\].groups"):
            function(BEFORE, line_zones, LINE_SPACES, 15, groups=[])


def test_cutoff_is_inclusive(line_zones: pd.DataFrame) -> None:
    """Z3 (all group b) at exactly 15 min from S1 joins its catchment (a 200, b 400)."""
    at_cutoff = BEFORE.copy()
    at_cutoff.loc[(at_cutoff["from_id"] == "Z3") & (at_cutoff["to_id"] == "S1"), T_COL] = 15.0
    result = compute_exposure(at_cutoff, line_zones, LINE_SPACES, 15, groups=LINE_GROUPS)
    assert result.loc["Z3"].iloc[0] == pytest.approx(200 / 600)
    result = compute_exposure(at_cutoff, line_zones, LINE_SPACES, 14, groups=LINE_GROUPS)
    assert result.loc["Z3"].iloc[0] == 0.0


# --------------------------------------------------------------------------- naive


def _reach(matrix: pd.DataFrame, cutoff: float) -> set[tuple[str, str]]:
    return {(o, d) for o, d, t in zip(matrix["from_id"], matrix["to_id"], matrix[T_COL],
                                      strict=True) if not math.isnan(t) and t <= cutoff}


def naive_group_interaction(matrix: pd.DataFrame, zones: pd.DataFrame, spaces: list[str],
                            cutoff: float) -> dict[tuple[str, str], tuple[float, float]]:
    """Loop over pairs of zones: residents x residents x common spaces, and [any common]."""
    reach = _reach(matrix, cutoff)
    out = {}
    for g, h in itertools.combinations(GROUPS, 2):
        potential = meeting = 0.0
        for _, zi in zones.iterrows():
            for _, zk in zones.iterrows():
                common = sum((zi.id, s) in reach and (zk.id, s) in reach for s in spaces)
                potential += zi[g] * zk[h] * common
                meeting += zi[g] * zk[h] * (common > 0)
        out[(g, h)] = (potential, meeting)
    return out


def naive_exposure(matrix: pd.DataFrame, zones: pd.DataFrame, spaces: list[str],
                   cutoff: float) -> list[float]:
    """For each zone: draw a reachable space (weight: its catchment), then a person there."""
    reach = _reach(matrix, cutoff)
    catchment = {s: {g: sum(z[g] for _, z in zones.iterrows() if (z.id, s) in reach)
                     for g in GROUPS} for s in spaces}
    out = []
    for _, z in zones.iterrows():
        people = sum(z[g] for g in GROUPS)
        if people == 0:
            out.append(NAN)
            continue
        mine = [s for s in spaces if (z.id, s) in reach]
        met = sum(sum(catchment[s].values()) for s in mine)
        chance = 0.0
        for g in GROUPS:
            other = sum(sum(catchment[s].values()) - catchment[s][g] for s in mine)
            chance += z[g] / people * (other / met if met else 0.0)
        out.append(chance)
    return out


def naive_pairs(before: pd.DataFrame, after: pd.DataFrame, zones: pd.DataFrame,
                spaces: list[str], cutoff: float) -> set[tuple[str, str, str, str]]:
    """(change, zone_a, zone_b, space ids) of every pair of different zones that changes."""
    b, a = _reach(before, cutoff), _reach(after, cutoff)
    ids = list(zones["id"])
    out = set()
    for i, k in itertools.combinations(ids, 2):
        common_b = [s for s in spaces if (i, s) in b and (k, s) in b]
        common_a = [s for s in spaces if (i, s) in a and (k, s) in a]
        if common_a and not common_b:
            out.add(("new", i, k, frozenset(common_a)))
        if common_b and not common_a:
            out.add(("lost", i, k, frozenset(common_b)))
    return out


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("cutoff", [20, 45])
def test_group_interaction_matches_naive(seed: int, cutoff: int) -> None:
    rng = np.random.default_rng(seed)
    zones = random_zones(rng, 8)
    spaces = [f"s{j}" for j in range(5)]
    matrix = random_matrix(rng, list(zones["id"]), spaces)
    table = compute_group_interaction(matrix, zones, pd.DataFrame({"id": spaces}), cutoff,
                                      groups=GROUPS)
    expected = naive_group_interaction(matrix, zones, spaces, cutoff)
    assert [(r.group_a, r.group_b) for r in table.itertuples()] == list(expected)
    for row in table.itertuples():
        potential, meeting = expected[(row.group_a, row.group_b)]
        assert row.potential == pytest.approx(potential, rel=1e-12)
        assert row.pairs_able_to_meet == pytest.approx(meeting, rel=1e-12)
        assert row.resident_pairs == zones[row.group_a].sum() * zones[row.group_b].sum()


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("cutoff", [20, 45])
def test_exposure_matches_naive(seed: int, cutoff: int) -> None:
    rng = np.random.default_rng(seed)
    zones = random_zones(rng, 8)
    spaces = [f"s{j}" for j in range(5)]
    matrix = random_matrix(rng, list(zones["id"]), spaces)
    result = compute_exposure(matrix, zones, pd.DataFrame({"id": spaces}), cutoff,
                              groups=GROUPS)
    np.testing.assert_allclose(result.iloc[:, 0].to_numpy(),
                               naive_exposure(matrix, zones, spaces, cutoff), rtol=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_community_pairs_match_naive(seed: int) -> None:
    rng = np.random.default_rng(seed)
    zones = random_zones(rng, 9)
    spaces = [f"s{j}" for j in range(6)]
    before = random_matrix(rng, list(zones["id"]), spaces)
    after = random_matrix(rng, list(zones["id"]), spaces)
    pairs = compute_meeting_pair_changes(before, after, zones, pd.DataFrame({"id": spaces}), 30,
                                         groups=GROUPS)
    got = {(r.change, r.zone_a, r.zone_b, frozenset(r.space_ids.split("; ")))
           for r in pairs.itertuples()}
    assert got == naive_pairs(before, after, zones, spaces, 30)
    assert len(got) == len(pairs)  # each pair once
    assert (pairs["zone_a"] != pairs["zone_b"]).all()
    majority = compute_majority_groups(zones, GROUPS)
    across = [majority[a] != majority[b] if pd.notna(majority[a]) and pd.notna(majority[b])
              else None for a, b in zip(pairs["zone_a"], pairs["zone_b"], strict=True)]
    assert [None if pd.isna(x) else bool(x) for x in pairs["across_groups"]] == across
