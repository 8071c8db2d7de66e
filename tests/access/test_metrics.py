"""Tests for routes.access.metrics.

Three kinds of check:

1. tiny hand-made tables whose answers are derived by hand in the fixture
   docstrings;
2. comparison with deliberately naive pure-Python re-implementations (nested
   loops over a dict of travel times, sharing no code with the library) on
   seeded random tables;
3. invariants (hypothesis): no origin's access falls when some travel times
   fall, and access is monotone in the cutoff.
"""

from __future__ import annotations

import doctest
import math
from collections.abc import Sequence

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

from routes.access import metrics as accessibility
from routes.access.community import (
    compute_meeting_potential,
    compute_reach_other_groups,
    compute_space_mix,
)
from routes.access.metrics import (
    compute_cumulative_opportunities,
    compute_decay_opportunities,
    compute_nearest,
)
from routes.errors import InputError, RoutesWarning

NAN = math.nan
T_COL = "travel_time_p50_min"
CATEGORIES = ("library", "park", "place_of_worship")


def long_matrix(table: dict[str, dict[str, float | None]]) -> pd.DataFrame:
    """Long matrix from {from_id: {to_id: minutes}}; ``None`` means "no row"."""
    rows = [
        (origin, destination, time)
        for origin, row in table.items()
        for destination, time in row.items()
        if time is not None
    ]
    return pd.DataFrame(rows, columns=["from_id", "to_id", T_COL])


# --------------------------------------------------------------------------- hand-made


@pytest.fixture
def jobs_case() -> tuple[pd.DataFrame, pd.Series]:
    """Three origins, three job zones (minutes; NaN unreachable; '-' no row).

    ::

                X (100 jobs)   Y (20 jobs)   Z (5 jobs)
        A           10             45            60
        B           NaN            30            -
        C           50             NaN           NaN

    Within 45 min (inclusive): A = 100 + 20 = 120, B = 20, C = 0.
    Exponential decay, half-life 10 min (weight 2^(-t/10)):
    A = 100*2^-1 + 20*2^-4.5 + 5*2^-6, B = 20*2^-3, C = 100*2^-5.
    """
    matrix = long_matrix(
        {
            "A": {"X": 10, "Y": 45, "Z": 60},
            "B": {"X": NAN, "Y": 30, "Z": None},
            "C": {"X": 50, "Y": NAN, "Z": NAN},
        }
    )
    weights = pd.Series({"X": 100.0, "Y": 20.0, "Z": 5.0})
    return matrix, weights


def test_cumulative_hand_example(jobs_case: tuple[pd.DataFrame, pd.Series]) -> None:
    matrix, weights = jobs_case
    result = compute_cumulative_opportunities(matrix, weights, 45)
    expected = pd.DataFrame(
        {"jobs_within_45min": [120.0, 20.0, 0.0]}, index=pd.Index(["A", "B", "C"], name="from_id")
    )
    pd.testing.assert_frame_equal(result, expected, check_index_type=False)


def test_decay_hand_example(jobs_case: tuple[pd.DataFrame, pd.Series]) -> None:
    matrix, weights = jobs_case
    result = compute_decay_opportunities(matrix, weights, 10)
    expected = [100 * 2**-1 + 20 * 2**-4.5 + 5 * 2**-6, 20 * 2**-3, 100 * 2**-5]
    assert list(result.columns) == ["jobs_decay_h10min"]
    np.testing.assert_allclose(result["jobs_decay_h10min"].to_numpy(), expected, rtol=1e-12)


def test_layer_name_and_percentile_pick_the_column(
    jobs_case: tuple[pd.DataFrame, pd.Series],
) -> None:
    matrix, weights = jobs_case
    # A slower p90 column: everything 20 min later, so only A->X (30) is within 45.
    matrix = matrix.assign(travel_time_p90_min=matrix[T_COL] + 20)
    result = compute_cumulative_opportunities(matrix, weights, 45, percentile=90, name="employment")
    assert list(result.columns) == ["employment_within_45min"]
    assert result["employment_within_45min"].tolist() == [100.0, 0.0, 0.0]


def test_explicit_origins_keep_order_and_unreached(
    jobs_case: tuple[pd.DataFrame, pd.Series],
) -> None:
    matrix, weights = jobs_case
    result = compute_cumulative_opportunities(matrix, weights, 45, origins=["Q", "A"])
    assert result.index.tolist() == ["Q", "A"]
    assert result.index.name == "from_id"
    assert result["jobs_within_45min"].tolist() == [0.0, 120.0]


@pytest.fixture
def spaces_case() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Three origins, four community spaces (minutes; NaN unreachable; '-' no row).

    ::

                L1 library   L2 library   P1 park   W1 place_of_worship
        A           12            8         NaN            40
        B           NaN           NaN       NaN            NaN
        C           31            -         30              5

    Nearest (any / library / park / place_of_worship) and count within 30 min:
    A: 8 / 8 / NaN / 40, count 2 (L1, L2);
    B: NaN everywhere, count 0;
    C: 5 / 31 / 30 / 5, count 2 (P1 at exactly 30, W1).
    """
    matrix = long_matrix(
        {
            "A": {"L1": 12, "L2": 8, "P1": NAN, "W1": 40},
            "B": {"L1": NAN, "L2": NAN, "P1": NAN, "W1": NAN},
            "C": {"L1": 31, "L2": None, "P1": 30, "W1": 5},
        }
    )
    spaces = pd.DataFrame(
        {
            "id": ["L1", "L2", "P1", "W1"],
            "category": ["library", "library", "park", "place_of_worship"],
        }
    )
    return matrix, spaces


def test_nearest_hand_example(spaces_case: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    matrix, spaces = spaces_case
    result = compute_nearest(matrix, spaces, 30)
    expected = pd.DataFrame(
        {
            "nearest_space_min": [8.0, NAN, 5.0],
            "nearest_space_library_min": [8.0, NAN, 31.0],
            "nearest_space_park_min": [NAN, NAN, 30.0],
            "nearest_space_place_of_worship_min": [40.0, NAN, 5.0],
            "spaces_within_30min": np.array([2, 0, 2], dtype=np.int64),
        },
        index=pd.Index(["A", "B", "C"], name="from_id"),
    )
    pd.testing.assert_frame_equal(result, expected, check_index_type=False)


def test_nearest_without_categories(spaces_case: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    matrix, spaces = spaces_case
    result = compute_nearest(matrix, spaces.drop(columns="category"), 30, category_col=None)
    assert list(result.columns) == ["nearest_space_min", "spaces_within_30min"]


@pytest.fixture
def zones_case() -> pd.DataFrame:
    """Five zones with two groups x, y (residents) and deprivation deciles.

    ::

        zone   x    y    P = x + y   decile (deprived = 1-3)
        A     100    0     100        1  deprived
        B       0   50      50        5
        C      30   10      40        2  deprived
        D       0   20      20        9
        E       0    0       0        3  deprived, nobody lives here
    """
    return pd.DataFrame(
        {
            "id": ["A", "B", "C", "D", "E"],
            "x": [100, 0, 30, 0, 0],
            "y": [0, 50, 10, 20, 0],
            "population": [100, 50, 40, 20, 0],
            "deprivation_decile": [1, 5, 2, 9, 3],
        }
    )


@pytest.fixture
def zone_matrix() -> pd.DataFrame:
    """Zone-to-zone minutes; with T = 30 each zone reaches the cells <= 30.

    ::

              A    B    C    D    E
        A     0   20   40  NaN  NaN      A reaches A, B
        B    25    0  NaN  NaN  NaN      B reaches A, B
        C    35   10    0  NaN  NaN      C reaches B, C
        D   NaN  NaN  NaN    0  NaN      D reaches D
        E     5  NaN  NaN  NaN    0      E reaches A, E

    Reach of other groups, R_i = sum_j [t_ij <= 30] sum_g s_ig (P_j - n_jg):

    - A, shares (1, 0): A gives 1*(100-100) = 0, B gives 1*(50-0) = 50; R = 50.
    - B, shares (0, 1): A gives 100 - 0 = 100, B gives 50 - 50 = 0; R = 100.
    - C, shares (.75, .25): B gives .75*50 + .25*0 = 37.5,
      C gives .75*(40-30) + .25*(40-10) = 15; R = 52.5.
    - D, shares (0, 1): D gives 20 - 20 = 0; R = 0.
    - E has no residents, so no group mix: R = NaN.

    Fallback (deprived vs not, population): A (deprived) reaches B's 50;
    B (not) reaches A's 100; C (deprived) reaches B's 50; D reaches only
    itself: 0; E: NaN.
    """
    ids = ["A", "B", "C", "D", "E"]
    rows = [
        [0, 20, 40, NAN, NAN],
        [25, 0, NAN, NAN, NAN],
        [35, 10, 0, NAN, NAN],
        [NAN, NAN, NAN, 0, NAN],
        [5, NAN, NAN, NAN, 0],
    ]
    return long_matrix(
        {i: dict(zip(ids, row, strict=True)) for i, row in zip(ids, rows, strict=True)}
    )


def test_reach_hand_example(zones_case: pd.DataFrame, zone_matrix: pd.DataFrame) -> None:
    result = compute_reach_other_groups(zone_matrix, zones_case, 30, groups=["x", "y"])
    assert list(result.columns) == ["reach_other_groups_30min"]
    assert result.index.tolist() == ["A", "B", "C", "D", "E"]
    assert result.index.name == "from_id"
    np.testing.assert_allclose(
        result["reach_other_groups_30min"].to_numpy(), [50, 100, 52.5, 0, NAN]
    )


def test_reach_fallback_to_deprivation(zones_case: pd.DataFrame, zone_matrix: pd.DataFrame) -> None:
    result = compute_reach_other_groups(zone_matrix, zones_case, 30)
    assert list(result.columns) == ["reach_across_deprivation_30min"]  # not "other groups"
    np.testing.assert_allclose(result["reach_across_deprivation_30min"].to_numpy(),
                               [50, 100, 50, 0, NAN])


def test_reach_zones_indexed_by_id(zones_case: pd.DataFrame, zone_matrix: pd.DataFrame) -> None:
    by_column = compute_reach_other_groups(zone_matrix, zones_case, 30, groups=["x", "y"])
    by_index = compute_reach_other_groups(
        zone_matrix, zones_case.set_index("id"), 30, groups=["x", "y"]
    )
    pd.testing.assert_frame_equal(by_column, by_index)


@pytest.fixture
def space_matrix() -> pd.DataFrame:
    """Zone-to-space minutes for the zones of ``zones_case``; T = 30.

    ::

              S1   S2   S3
        A     10   40  NaN
        B     25  NaN  NaN
        C     45    5  NaN
        D    NaN  NaN  NaN
        E     15  NaN  NaN

    Per space: S1 is reached by A, B, E: x = 100, y = 50, 150 residents,
    Simpson 1 - (2/3)^2 - (1/3)^2 = 4/9. S2 by C: x = 30, y = 10, 40 residents,
    Simpson 1 - .75^2 - .25^2 = 0.375. S3 by nobody: 0 residents, Simpson NaN.

    Zones sharing a space: A, B, E share S1; C has S2 to itself; D reaches
    none. Meeting potential = the reach formula over the sharing zones:
    A: A 0 + B 50 + E 0 = 50; B: A 100 + B 0 = 100; C: C alone = 15; D: 0;
    E: NaN (no residents).
    """
    spaces = ["S1", "S2", "S3"]
    rows = {
        "A": [10, 40, NAN],
        "B": [25, NAN, NAN],
        "C": [45, 5, NAN],
        "D": [NAN, NAN, NAN],
        "E": [15, NAN, NAN],
    }
    return long_matrix({z: dict(zip(spaces, row, strict=True)) for z, row in rows.items()})


SPACES = pd.DataFrame({"id": ["S1", "S2", "S3"], "category": ["library", "park", "park"]})


def test_space_mix_hand_example(zones_case: pd.DataFrame, space_matrix: pd.DataFrame) -> None:
    result = compute_space_mix(space_matrix, zones_case, SPACES, 30, groups=["x", "y"])
    assert list(result.columns) == ["reachable_residents_30min", "reachable_x_30min",
                                    "reachable_y_30min", "simpson_diversity_30min"]
    assert result.index.tolist() == ["S1", "S2", "S3"]
    assert result.index.name == "space_id"
    np.testing.assert_allclose(result["reachable_residents_30min"].to_numpy(), [150, 40, 0])
    np.testing.assert_allclose(result["reachable_x_30min"].to_numpy(), [100, 30, 0])
    np.testing.assert_allclose(result["reachable_y_30min"].to_numpy(), [50, 10, 0])
    np.testing.assert_allclose(result["simpson_diversity_30min"].to_numpy(), [4 / 9, 0.375, NAN])


def test_meeting_potential_hand_example(
    zones_case: pd.DataFrame, space_matrix: pd.DataFrame
) -> None:
    result = compute_meeting_potential(space_matrix, zones_case, SPACES, 30, groups=["x", "y"])
    assert list(result.columns) == ["meeting_potential_30min"]
    assert result.index.tolist() == ["A", "B", "C", "D", "E"]
    np.testing.assert_allclose(result["meeting_potential_30min"].to_numpy(), [50, 100, 15, 0, NAN])


def test_single_group_zones_only_meet_the_other_group() -> None:
    """Two single-group zones sharing one space each meet the other's residents."""
    zones = pd.DataFrame({"id": ["P", "Q"], "a": [10, 0], "b": [0, 7]})
    matrix = long_matrix({"P": {"S": 5}, "Q": {"S": 25}})
    spaces = pd.DataFrame({"id": ["S"]})
    result = compute_meeting_potential(matrix, zones, spaces, 30, groups=["a", "b"])
    assert result["meeting_potential_30min"].tolist() == [7.0, 10.0]


# --------------------------------------------------------------------------- naive oracles


def _times(matrix: pd.DataFrame, column: str = T_COL) -> dict[tuple[str, str], float]:
    return {
        (o, d): float(t)
        for o, d, t in zip(matrix["from_id"], matrix["to_id"], matrix[column], strict=True)
    }


def _within(times: dict[tuple[str, str], float], o: str, d: str, cutoff: float) -> bool:
    t = times.get((o, d), NAN)
    return not math.isnan(t) and t <= cutoff


def naive_cumulative(
    matrix: pd.DataFrame, weights: dict[str, float], origins: list[str], cutoff: float
) -> list[float]:
    times = _times(matrix)
    out = []
    for o in origins:
        total = 0.0
        for d, w in weights.items():
            if _within(times, o, d, cutoff):
                total += w
        out.append(total)
    return out


def naive_decay(
    matrix: pd.DataFrame, weights: dict[str, float], origins: list[str], half_life: float
) -> list[float]:
    times = _times(matrix)
    out = []
    for o in origins:
        total = 0.0
        for d, w in weights.items():
            t = times.get((o, d), NAN)
            if not math.isnan(t):
                total += w * math.exp(-math.log(2) * t / half_life)
        out.append(total)
    return out


def naive_nearest(
    matrix: pd.DataFrame, categories: dict[str, str], origins: list[str], cutoff: float
) -> dict[str, list[float]]:
    times = _times(matrix)
    out: dict[str, list[float]] = {"nearest_space_min": []}
    for c in sorted(set(categories.values())):
        out[f"nearest_space_{c}_min"] = []
    out[f"spaces_within_{cutoff}min"] = []
    for o in origins:
        best: dict[str | None, float] = {}
        count = 0
        for s, c in categories.items():
            t = times.get((o, s), NAN)
            if math.isnan(t):
                continue
            for key in (None, c):
                if key not in best or t < best[key]:
                    best[key] = t
            if t <= cutoff:
                count += 1
        out["nearest_space_min"].append(best.get(None, NAN))
        for c in sorted(set(categories.values())):
            out[f"nearest_space_{c}_min"].append(best.get(c, NAN))
        out[f"spaces_within_{cutoff}min"].append(count)
    return out


def _other_group_residents_naive(
    counts: dict[str, list[float]], origin: str, linked: list[str]
) -> float:
    own = counts[origin]
    own_total = sum(own)
    if own_total == 0:
        return NAN
    total = 0.0
    for k in linked:
        other = counts[k]
        for g in range(len(own)):
            share = own[g] / own_total
            total += share * (sum(other) - other[g])
    return total


def naive_reach(matrix: pd.DataFrame, counts: dict[str, list[float]], cutoff: float) -> list[float]:
    times = _times(matrix)
    zones = list(counts)
    return [
        _other_group_residents_naive(counts, i, [j for j in zones if _within(times, i, j, cutoff)])
        for i in zones
    ]


def naive_space_mix(
    matrix: pd.DataFrame, counts: dict[str, list[float]], spaces: list[str], cutoff: float
) -> tuple[list[float], list[float]]:
    times = _times(matrix)
    n_groups = len(next(iter(counts.values())))
    residents, diversity = [], []
    for s in spaces:
        mix = [0.0] * n_groups
        for z, c in counts.items():
            if _within(times, z, s, cutoff):
                for g in range(n_groups):
                    mix[g] += c[g]
        total = sum(mix)
        residents.append(total)
        diversity.append(NAN if total == 0 else 1 - sum((m / total) ** 2 for m in mix))
    return residents, diversity


def naive_meeting(
    matrix: pd.DataFrame, counts: dict[str, list[float]], spaces: list[str], cutoff: float
) -> list[float]:
    times = _times(matrix)
    zones = list(counts)
    out = []
    for i in zones:
        linked = [
            k
            for k in zones
            if any(_within(times, i, s, cutoff) and _within(times, k, s, cutoff) for s in spaces)
        ]
        out.append(_other_group_residents_naive(counts, i, linked))
    return out


# --------------------------------------------------------------------------- random cases

GROUPS = ["white_british", "asian", "black"]


def random_matrix(
    rng: np.random.Generator, from_ids: Sequence[str], to_ids: Sequence[str]
) -> pd.DataFrame:
    """Whole-minute times (so cutoff ties happen), ~15 % NaN, ~10 % missing rows.

    The first origin always has a row for each destination, so no destination
    is absent from the matrix (which would warn).
    """
    rows = []
    for n, o in enumerate(from_ids):
        for d in to_ids:
            u = rng.random()
            if u < 0.10 and n > 0:
                continue
            time = NAN if u < 0.25 else float(rng.integers(0, 80))
            rows.append((o, d, time))
    order = rng.permutation(len(rows))
    frame = pd.DataFrame(rows, columns=["from_id", "to_id", T_COL])
    return frame.iloc[order].reset_index(drop=True)


def random_zones(rng: np.random.Generator, n: int) -> pd.DataFrame:
    counts = rng.integers(0, 60, size=(n, len(GROUPS))).astype(float)
    counts[rng.integers(0, n)] = 0.0  # one zone with nobody: NaN results
    zones = pd.DataFrame(counts, columns=GROUPS)
    zones.insert(0, "id", [f"z{i:02d}" for i in range(n)])
    zones["population"] = counts.sum(axis=1)
    zones["deprivation_decile"] = rng.integers(1, 11, size=n)
    return zones


def _counts(zones: pd.DataFrame, groups: list[str] | None) -> dict[str, list[float]]:
    if groups:
        return {
            z: [float(v) for v in row]
            for z, row in zip(zones["id"], zones[groups].to_numpy(), strict=True)
        }
    return {
        z: [float(p), 0.0] if d in (1, 2, 3) else [0.0, float(p)]
        for z, p, d in zip(
            zones["id"], zones["population"], zones["deprivation_decile"], strict=True
        )
    }


SEEDS = range(6)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("cutoff", [15, 30, 60])
def test_cumulative_matches_naive(seed: int, cutoff: int) -> None:
    rng = np.random.default_rng(seed)
    origins = [f"o{i}" for i in range(6)]
    weights = {f"d{j}": float(rng.uniform(0, 1000)) for j in range(8)}
    matrix = random_matrix(rng, origins, list(weights))
    result = compute_cumulative_opportunities(matrix, pd.Series(weights), cutoff, origins=origins)
    expected = naive_cumulative(matrix, weights, origins, cutoff)
    np.testing.assert_allclose(result[f"jobs_within_{cutoff}min"].to_numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("half_life", [5, 20])
def test_decay_matches_naive(seed: int, half_life: int) -> None:
    rng = np.random.default_rng(seed)
    origins = [f"o{i}" for i in range(6)]
    weights = {f"d{j}": float(rng.uniform(0, 1000)) for j in range(8)}
    matrix = random_matrix(rng, origins, list(weights))
    result = compute_decay_opportunities(matrix, pd.Series(weights), half_life, origins=origins)
    expected = naive_decay(matrix, weights, origins, half_life)
    np.testing.assert_allclose(
        result[f"jobs_decay_h{half_life}min"].to_numpy(), expected, rtol=1e-12
    )


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("cutoff", [15, 30])
def test_nearest_matches_naive(seed: int, cutoff: int) -> None:
    rng = np.random.default_rng(seed)
    origins = [f"o{i}" for i in range(6)]
    categories = {f"s{j}": str(rng.choice(CATEGORIES)) for j in range(7)}
    matrix = random_matrix(rng, origins, list(categories))
    spaces = pd.DataFrame({"id": list(categories), "category": list(categories.values())})
    result = compute_nearest(matrix, spaces, cutoff, origins=origins)
    expected = naive_nearest(matrix, categories, origins, cutoff)
    assert list(result.columns) == list(expected)
    for column, values in expected.items():
        np.testing.assert_array_equal(result[column].to_numpy(), values, err_msg=column)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("groups", [GROUPS, None], ids=["groups", "deprivation"])
@pytest.mark.parametrize("cutoff", [20, 45])
def test_reach_matches_naive(seed: int, groups: list[str] | None, cutoff: int) -> None:
    rng = np.random.default_rng(seed)
    zones = random_zones(rng, 9)
    matrix = random_matrix(rng, list(zones["id"]), list(zones["id"]))
    result = compute_reach_other_groups(matrix, zones, cutoff, groups=groups)
    expected = naive_reach(matrix, _counts(zones, groups), cutoff)
    kind = "other_groups" if groups else "across_deprivation"
    np.testing.assert_allclose(
        result[f"reach_{kind}_{cutoff}min"].to_numpy(), expected, rtol=1e-12
    )


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("groups", [GROUPS, None], ids=["groups", "deprivation"])
@pytest.mark.parametrize("cutoff", [20, 45])
def test_space_mix_and_meeting_match_naive(
    seed: int, groups: list[str] | None, cutoff: int
) -> None:
    rng = np.random.default_rng(seed)
    zones = random_zones(rng, 9)
    space_ids = [f"s{j}" for j in range(5)]
    matrix = random_matrix(rng, list(zones["id"]), space_ids)
    spaces = pd.DataFrame({"id": space_ids})
    counts = _counts(zones, groups)

    mix = compute_space_mix(matrix, zones, spaces, cutoff, groups=groups)
    residents, diversity = naive_space_mix(matrix, counts, space_ids, cutoff)
    np.testing.assert_allclose(mix[f"reachable_residents_{cutoff}min"].to_numpy(), residents)
    np.testing.assert_allclose(
        mix[f"simpson_diversity_{cutoff}min"].to_numpy(), diversity, rtol=1e-12
    )

    meeting = compute_meeting_potential(matrix, zones, spaces, cutoff, groups=groups)
    expected = naive_meeting(matrix, counts, space_ids, cutoff)
    np.testing.assert_allclose(
        meeting[f"meeting_potential_{cutoff}min"].to_numpy(), expected, rtol=1e-12
    )


# --------------------------------------------------------------------------- invariants


@st.composite
def faster_scenarios(draw: st.DrawFn) -> tuple[list[float], list[float], int, int]:
    """A full n x m matrix and a copy where some times fall (NaN may become finite)."""
    n = draw(st.integers(1, 4))
    m = draw(st.integers(1, 4))
    time = st.one_of(st.just(NAN), st.integers(0, 90).map(float))
    before = draw(st.lists(time, min_size=n * m, max_size=n * m))
    after = []
    for t in before:
        if math.isnan(t):
            after.append(draw(st.one_of(st.just(NAN), st.integers(0, 90).map(float))))
        else:
            after.append(t - draw(st.integers(0, int(t))))
    return before, after, n, m


def _full_matrix(times: list[float], from_ids: list[str], to_ids: list[str]) -> pd.DataFrame:
    pairs = [(o, d) for o in from_ids for d in to_ids]
    return pd.DataFrame(
        {"from_id": [p[0] for p in pairs], "to_id": [p[1] for p in pairs], T_COL: times}
    )


def _no_lower(before: pd.Series, after: pd.Series) -> bool:
    """True where ``after >= before``, with NaN (no residents) matching NaN."""
    same_nan = before.isna() & after.isna()
    return bool((same_nan | (after >= before - 1e-9)).all())


@settings(max_examples=60, deadline=None)
@given(scenario=faster_scenarios(), cutoff=st.sampled_from([10, 30, 60]))
def test_access_no_lower_when_times_fall(
    scenario: tuple[list[float], list[float], int, int], cutoff: int
) -> None:
    before_times, after_times, n, m = scenario
    origins = [f"o{i}" for i in range(n)]
    destinations = [f"d{j}" for j in range(m)]
    weights = pd.Series(np.arange(1.0, m + 1), index=destinations)
    before = _full_matrix(before_times, origins, destinations)
    after = _full_matrix(after_times, origins, destinations)

    for compute, arg in (
        (compute_cumulative_opportunities, cutoff),
        (compute_decay_opportunities, 15),
    ):
        a = compute(before, weights, arg).iloc[:, 0]
        b = compute(after, weights, arg).iloc[:, 0]
        assert _no_lower(a, b)

    spaces = pd.DataFrame({"id": destinations, "category": ["park"] * m})
    near_before = compute_nearest(before, spaces, cutoff)
    near_after = compute_nearest(after, spaces, cutoff)
    for column in ("nearest_space_min", "nearest_space_park_min"):
        assert bool((near_after[column].fillna(np.inf) <= near_before[column].fillna(np.inf)).all())
    assert _no_lower(near_before.iloc[:, -1], near_after.iloc[:, -1])

    zones = pd.DataFrame(
        {
            "id": origins,
            "a": [(3 * i) % 5 for i in range(n)],
            "b": [(2 * i + 1) % 4 for i in range(n)],
        }
    )
    for compute_zonal in (compute_meeting_potential, compute_space_mix):
        a = compute_zonal(before, zones, spaces, cutoff, groups=["a", "b"]).iloc[:, 0]
        b = compute_zonal(after, zones, spaces, cutoff, groups=["a", "b"]).iloc[:, 0]
        assert _no_lower(a, b)


@settings(max_examples=40, deadline=None)
@given(scenario=faster_scenarios(), cutoff=st.sampled_from([10, 30, 60]))
def test_reach_no_lower_when_times_fall(
    scenario: tuple[list[float], list[float], int, int], cutoff: int
) -> None:
    before_times, after_times, n, m = scenario
    k = min(n, m)  # use a square k x k corner as a zone-to-zone matrix
    keep = [i * m + j for i in range(k) for j in range(k)]
    ids = [f"z{i}" for i in range(k)]
    zones = pd.DataFrame({"id": ids, "a": [5 * (i % 2) for i in range(k)], "b": [3] * k})
    before = _full_matrix([before_times[x] for x in keep], ids, ids)
    after = _full_matrix([after_times[x] for x in keep], ids, ids)
    a = compute_reach_other_groups(before, zones, cutoff, groups=["a", "b"]).iloc[:, 0]
    b = compute_reach_other_groups(after, zones, cutoff, groups=["a", "b"]).iloc[:, 0]
    assert _no_lower(a, b)


@pytest.mark.parametrize("seed", range(3))
def test_cumulative_monotone_in_cutoff(seed: int) -> None:
    rng = np.random.default_rng(seed)
    origins = [f"o{i}" for i in range(5)]
    weights = pd.Series(rng.uniform(0, 100, 6), index=[f"d{j}" for j in range(6)])
    matrix = random_matrix(rng, origins, list(weights.index))
    counts = [
        compute_cumulative_opportunities(matrix, weights, t).iloc[:, 0].to_numpy()
        for t in (10, 20, 40, 80)
    ]
    assert all((hi >= lo).all() for lo, hi in zip(counts[:-1], counts[1:], strict=True))


def test_inputs_are_not_modified(zones_case: pd.DataFrame, space_matrix: pd.DataFrame) -> None:
    matrix_copy, zones_copy, spaces_copy = space_matrix.copy(), zones_case.copy(), SPACES.copy()
    compute_meeting_potential(space_matrix, zones_case, SPACES, 30)
    compute_nearest(space_matrix, SPACES, 30)
    pd.testing.assert_frame_equal(space_matrix, matrix_copy)
    pd.testing.assert_frame_equal(zones_case, zones_copy)
    pd.testing.assert_frame_equal(SPACES, spaces_copy)


# --------------------------------------------------------------------------- errors and warnings


def _jobs() -> tuple[pd.DataFrame, pd.Series]:
    matrix = long_matrix({"A": {"X": 10, "Y": 20}, "B": {"X": 5, "Y": NAN}})
    return matrix, pd.Series({"X": 1.0, "Y": 2.0})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m.drop(columns="from_id"), "column 'from_id' is missing"),
        (
            lambda m: m.rename(columns={T_COL: "travel_time_p90_min"}),
            "'travel_time_p50_min' is missing",
        ),
        (lambda m: m.assign(to_id=[1, 2, 1, 2]), "ids must be strings"),
        (lambda m: m.assign(from_id=["A", None, "B", "B"]), "missing id"),
        (lambda m: m.assign(**{T_COL: [10, -1, 5, NAN]}), "negative"),
        (lambda m: m.assign(**{T_COL: ["a", "b", "c", "d"]}), "expected minutes as numbers"),
        (lambda m: pd.concat([m, m.iloc[:1]]), "duplicate"),
        (lambda m: m.drop(columns="to_id").assign(**{T_COL: -1.0}), "2 problems"),
        (lambda m: m.assign(to_id=["P", "Q", "P", "Q"]), "no row links"),
    ],
)
def test_bad_matrix_is_an_input_error(change, message: str) -> None:  # type: ignore[no-untyped-def]
    matrix, weights = _jobs()
    with pytest.raises(InputError, match=message):
        compute_cumulative_opportunities(change(matrix), weights, 30)


def test_matrix_must_be_a_dataframe() -> None:
    with pytest.raises(InputError, match="expected a pandas DataFrame"):
        not_a_frame = [("A", "X", 1.0)]
        compute_cumulative_opportunities(not_a_frame, pd.Series({"X": 1.0}), 30)


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        (pd.Series({"X": -1.0, "Y": 2.0}), "negative"),
        (pd.Series({"X": NAN, "Y": 2.0}), "missing"),
        (pd.Series(["a", "b"], index=["X", "Y"]), "expected numbers"),
        (pd.Series([1.0, 2.0], index=["X", "X"]), "duplicate"),
        (pd.Series([1.0, 2.0], index=[1, 2]), "ids must be strings"),
        ({"X": 1.0}, "expected a pandas Series"),
    ],
)
def test_bad_weights_are_an_input_error(weights: object, message: str) -> None:
    matrix, _ = _jobs()
    with pytest.raises(InputError, match=message):
        compute_cumulative_opportunities(matrix, weights, 30)


@pytest.mark.parametrize("cutoff", [22.5, 0, -5])
def test_cutoff_must_be_whole_positive_minutes(cutoff: float) -> None:
    matrix, weights = _jobs()
    with pytest.raises(InputError, match="whole number of minutes"):
        compute_cumulative_opportunities(matrix, weights, cutoff)


def test_destination_missing_from_matrix_warns() -> None:
    matrix, _ = _jobs()
    weights = pd.Series({"X": 1.0, "Y": 2.0, "Z": 4.0})
    with pytest.warns(RoutesWarning, match="1 of 3 jobs destinations never appear") as record:
        result = compute_cumulative_opportunities(matrix, weights, 30)
    assert record[0].filename == __file__  # points at the caller
    assert result["jobs_within_30min"].tolist() == [3.0, 1.0]


def test_spaces_missing_from_matrix_warn_at_the_caller(
    spaces_case: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    matrix, spaces = spaces_case
    extra = pd.DataFrame({"id": ["N1"], "category": ["park"]})
    with pytest.warns(RoutesWarning, match="1 of 5 community spaces") as record:
        compute_nearest(matrix, pd.concat([spaces, extra]), 30)
    assert record[0].filename == __file__


def test_origins_must_not_be_a_string(jobs_case: tuple[pd.DataFrame, pd.Series]) -> None:
    matrix, weights = jobs_case
    with pytest.raises(InputError, match="list of ids"):
        compute_cumulative_opportunities(matrix, weights, 30, origins="AB")


def test_unknown_zone_origin_is_an_error(
    zones_case: pd.DataFrame, zone_matrix: pd.DataFrame
) -> None:
    extra = pd.DataFrame({"from_id": ["Q"], "to_id": ["A"], T_COL: [3.0]})
    with pytest.raises(InputError, match="1 from_id value.*not zone ids.*'Q'"):
        compute_reach_other_groups(pd.concat([zone_matrix, extra]), zones_case, 30)


@pytest.mark.parametrize(
    ("change", "groups", "message"),
    [
        (lambda z: z, ["x", "missing"], "group column 'missing' is missing"),
        (lambda z: z.assign(x=[1, -1, 0, 0, 0]), ["x", "y"], "zones column 'x'.*negative"),
        (lambda z: z.assign(x=["1", "2", "3", "4", "5"]), ["x", "y"], "expected numbers"),
        (lambda z: z.assign(deprivation_decile=[0, 5, 2, 9, 3]), None, "not whole numbers 1-10"),
        (lambda z: z.assign(deprivation_decile=[1.5, 5, 2, 9, 3]), None, "not whole numbers 1-10"),
        (lambda z: z.drop(columns="population"), None, "column 'population' is missing"),
        (lambda z: z.assign(id=["A", "A", "C", "D", "E"]), ["x", "y"], "duplicate"),
        (lambda z: z, "x", "list of column names"),
    ],
)
def test_bad_zones_are_an_input_error(  # type: ignore[no-untyped-def]
    zones_case: pd.DataFrame, zone_matrix: pd.DataFrame, change, groups, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        compute_reach_other_groups(zone_matrix, change(zones_case), 30, groups=groups)


def test_bad_deprived_deciles(zones_case: pd.DataFrame, zone_matrix: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="deprived_deciles"):
        compute_reach_other_groups(zone_matrix, zones_case, 30, deprived_deciles=[0, 1])


@pytest.mark.parametrize(
    ("category", "message"),
    [
        (["library", None, "park", "park"], "no category"),
        (["library", "Place of Worship", "park", "park"], "snake_case"),
        ([1, 2, 3, 4], "must be strings"),
    ],
)
def test_bad_categories_are_an_input_error(
    spaces_case: tuple[pd.DataFrame, pd.DataFrame], category: list[object], message: str
) -> None:
    matrix, spaces = spaces_case
    with pytest.raises(InputError, match=message):
        compute_nearest(matrix, spaces.assign(category=category), 30)


def test_docstring_examples() -> None:
    result = doctest.testmod(accessibility, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


@pytest.mark.parametrize("dtype", ["object", "category", "string"])
def test_id_dtypes_come_out_as_plain_strings(
    jobs_case: tuple[pd.DataFrame, pd.Series], dtype: str
) -> None:
    matrix, weights = jobs_case
    matrix = matrix.astype({"from_id": dtype, "to_id": dtype})
    result = compute_cumulative_opportunities(matrix, weights, 45)
    assert result.index.dtype == pd.Index(["A"]).astype("str").dtype
    assert result["jobs_within_45min"].tolist() == [120.0, 20.0, 0.0]
