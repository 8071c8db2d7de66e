"""Tests for routes.access.equity: textbook Gini and Palma values, naive oracles, decile split."""

from __future__ import annotations

import doctest
import math

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

from routes.access import equity
from routes.access.equity import compute_by_decile, compute_gini, compute_palma
from routes.errors import InputError

NAN = math.nan


# --------------------------------------------------------------------------- naive oracles


def naive_gini(values: list[float], weights: list[float]) -> float:
    """G = sum_i sum_j w_i w_j |x_i - x_j| / (2 W^2 mu), by a double loop."""
    total_weight = sum(weights)
    mean = sum(w * x for w, x in zip(weights, values, strict=True)) / total_weight
    if mean == 0:
        return 0.0
    pairs = 0.0
    for x_i, w_i in zip(values, weights, strict=True):
        for x_j, w_j in zip(values, weights, strict=True):
            pairs += w_i * w_j * abs(x_i - x_j)
    return pairs / (2 * total_weight**2 * mean)


def naive_palma_people(incomes: list[float]) -> float:
    """Unweighted Palma of a list of people whose count is a multiple of 10."""
    people = sorted(incomes)
    n = len(people)
    top = sum(people[n - n // 10 :])
    bottom = sum(people[: 4 * n // 10])
    return top / bottom


def naive_palma_weighted(values: list[float], weights: list[float]) -> float:
    """Walk zones in ascending order, splitting a zone's people at the boundaries."""
    zones = sorted(zip(values, weights, strict=True))
    total_weight = sum(weights)
    low, high = 0.4 * total_weight, 0.9 * total_weight
    bottom = top = 0.0
    start = 0.0
    for x, w in zones:
        end = start + w
        bottom += x * max(0.0, min(end, low) - start)
        top += x * max(0.0, end - max(start, high))
        start = end
    return top / bottom


# --------------------------------------------------------------------------- Gini


@pytest.mark.parametrize(
    ("values", "weights", "expected"),
    [
        ([5, 5, 5, 5], None, 0.0),
        ([3.2], None, 0.0),
        ([0, 0, 0], None, 0.0),  # all zero: perfectly equal by convention
        ([7, 7], [1, 100], 0.0),
        # ordered pairs with |diff| = 1: 3*1*2 = 6; W = 4, mu = 1/4: 6 / (2*16/4) = 0.75
        ([0, 0, 0, 1], None, 0.75),
        ([0, 1], [3, 1], 0.75),  # weights as replication of [0, 0, 0, 1]
        # 1..5: sum |i-j| over ordered pairs = 2*(4*1 + 3*2 + 2*3 + 1*4) = 40;
        # 40 / (2 * 25 * 3) = 4/15 = (n-1)/(3n)
        ([1, 2, 3, 4, 5], None, 4 / 15),
        ([5, 1, 4, 2, 3], None, 4 / 15),  # order does not matter
        # one of n holds everything: (n-1)/n
        ([0] * 9 + [10], None, 0.9),
        # [1, 3] with weights [1, 3] = people 1, 3, 3, 3; mu = 2.5;
        # pairs with |diff| 2: 2 * 1*3 = 6 -> 12 / (2 * 16 * 2.5) = 0.15
        ([1, 3], [1, 3], 0.15),
    ],
)
def test_gini_textbook(values: list[float], weights: list[float] | None, expected: float) -> None:
    assert compute_gini(values, weights) == pytest.approx(expected, abs=1e-12)


def test_gini_zero_weight_zones_do_not_count() -> None:
    assert compute_gini([0, 1, 100], [3, 1, 0]) == pytest.approx(0.75)


@pytest.mark.parametrize("seed", range(6))
def test_gini_matches_naive(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 30))
    values = rng.uniform(0, 100, n).round(1)
    values[rng.random(n) < 0.2] = 0.0
    weights = rng.uniform(0, 50, n)
    expected = naive_gini(values.tolist(), weights.tolist())
    assert compute_gini(values, weights) == pytest.approx(expected, rel=1e-12, abs=1e-15)


@settings(max_examples=60, deadline=None)
@given(
    zones=st.lists(
        st.tuples(st.integers(0, 50).map(float), st.integers(1, 6)), min_size=1, max_size=8
    ),
    scale=st.floats(0.1, 100),
)
def test_gini_replication_and_scale(zones: list[tuple[float, int]], scale: float) -> None:
    values = [v for v, _ in zones]
    weights = [w for _, w in zones]
    people = [v for v, w in zones for _ in range(w)]
    gini = compute_gini(values, weights)
    assert gini == pytest.approx(compute_gini(people), abs=1e-12)
    assert gini == pytest.approx(compute_gini(np.array(values) * scale, weights), abs=1e-12)
    assert 0.0 <= gini < 1.0


# --------------------------------------------------------------------------- Palma


@pytest.mark.parametrize(
    ("values", "weights", "expected"),
    [
        # incomes 1..10, total 55: top 10 % = {10}, bottom 40 % = {1,2,3,4} = 10
        (list(range(1, 11)), None, 1.0),
        # 5 people 1, 2, 3, 4, 10 (total 20): bottom 40 % = 2 people = 1 + 2 = 3;
        # top 10 % = half of the richest person = 5; Palma = 5/3
        ([1, 2, 3, 4, 10], None, 5 / 3),
        # 2 people 1 and 3: bottom 40 % = 0.8 of person 1 = 0.8;
        # top 10 % = 0.2 of person 3 = 0.6; Palma = 0.75
        ([1, 3], None, 0.75),
        # one zone of 10 people at 1 and one of 10 at 5 (total 60): bottom 8 people
        # hold 8; top 2 people hold 10; Palma = 1.25
        ([1, 5], [10, 10], 1.25),
        ([4, 4, 4], [2, 7, 1], 0.25),  # equal values: 0.1 / 0.4
        ([3, 1, 2, 10, 4], None, 5 / 3),  # order does not matter
    ],
)
def test_palma_textbook(values: list[float], weights: list[float] | None, expected: float) -> None:
    assert compute_palma(values, weights) == pytest.approx(expected, rel=1e-12)


def test_palma_bottom_with_nothing_is_infinite() -> None:
    assert compute_palma([0, 0, 0, 1]) == math.inf


def test_palma_all_zero_is_nan() -> None:
    assert math.isnan(compute_palma([0, 0, 0]))


@pytest.mark.parametrize("seed", range(6))
def test_palma_matches_naive_weighted(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 25))
    values = rng.uniform(1, 100, n)
    weights = rng.uniform(0.5, 40, n)
    expected = naive_palma_weighted(values.tolist(), weights.tolist())
    assert compute_palma(values, weights) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_palma_weights_as_replication(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 12))
    values = rng.integers(1, 100, n).astype(float)
    weights = rng.integers(1, 9, n)
    weights[0] += (-weights.sum()) % 10  # total a multiple of 10: no split people
    people = np.repeat(values, weights).tolist()
    assert compute_palma(values, weights) == pytest.approx(naive_palma_people(people), rel=1e-12)


# --------------------------------------------------------------------------- input errors


@pytest.mark.parametrize("compute", [compute_gini, compute_palma])
@pytest.mark.parametrize(
    ("values", "weights", "message"),
    [
        ([], None, "values are empty"),
        ([1, NAN], None, "NaN, infinite or negative"),
        ([1, -2], None, "1 values are NaN, infinite or negative .first at position 1"),
        ([1, 2], [1, 2, 3], "2 values but 3 weights"),
        ([1, 2], [0, 0], "weights sum to 0"),
        ([1, 2], [1, -1], "weights are NaN"),
        ([[1, 2], [3, 4]], None, "one-dimensional"),
        (["a", "b"], None, "must be numbers"),
    ],
)
def test_bad_inputs(compute, values, weights, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=message):
        compute(values, weights)


# --------------------------------------------------------------------------- by decile


def test_by_decile_hand_example() -> None:
    """Decile 1: zones (v=1, p=10) and (v=NaN, p=20) -> mean 1 over 10 of 30 people.

    Decile 2: (v=3, p=30) and (v=6, p=10) -> (90 + 60) / 40 = 3.75.
    Decile 10: one empty zone (p=0) -> NaN. Others: no zones.
    """
    zones = pd.DataFrame(
        {
            "delta_jobs_within_45min": [1.0, NAN, 3.0, 6.0, 5.0],
            "population": [10, 20, 30, 10, 0],
            "deprivation_decile": [1, 1, 2, 2, 10],
        }
    )
    result = compute_by_decile(zones, "delta_jobs_within_45min")
    assert result.index.name == "deprivation_decile"
    assert result.index.tolist() == list(range(1, 11))
    assert list(result.columns) == [
        "n_zones",
        "population",
        "population_with_value",
        "delta_jobs_within_45min",
    ]
    assert result["n_zones"].tolist() == [2, 2, 0, 0, 0, 0, 0, 0, 0, 1]
    assert result["n_zones"].dtype == np.int64
    assert result["population"].tolist()[:2] == [30.0, 40.0]
    assert result["population_with_value"].tolist()[:2] == [10.0, 40.0]
    means = result["delta_jobs_within_45min"].to_numpy()
    np.testing.assert_allclose(means[:2], [1.0, 3.75])
    assert np.isnan(means[2:]).all()


def test_by_decile_custom_columns() -> None:
    zones = pd.DataFrame({"v": [2.0, 4.0], "pop": [1, 3], "imd": [4, 4]})
    result = compute_by_decile(zones, "v", population_col="pop", decile_col="imd")
    assert result.index.name == "imd"
    assert result.loc[4, "v"] == pytest.approx(3.5)


@pytest.mark.parametrize("seed", range(4))
def test_by_decile_matches_naive(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 40
    zones = pd.DataFrame(
        {
            "value": rng.normal(10, 5, n),
            "population": rng.integers(0, 2000, n),
            "deprivation_decile": rng.integers(1, 11, n),
        }
    )
    zones.loc[rng.random(n) < 0.1, "value"] = NAN
    result = compute_by_decile(zones, "value")
    for decile in range(1, 11):
        num = den = 0.0
        for value, population, d in zones.itertuples(index=False):
            if d == decile and not math.isnan(value):
                num += population * value
                den += population
        expected = num / den if den > 0 else NAN
        assert result.loc[decile, "value"] == pytest.approx(expected, rel=1e-12, nan_ok=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda z: z.drop(columns="population"), r"lacks column\(s\) \['population'\]"),
        (lambda z: z.assign(deprivation_decile=[1, 11]), "not whole numbers 1-10"),
        (lambda z: z.assign(deprivation_decile=[1, 2.5]), "not whole numbers 1-10"),
        (lambda z: z.assign(deprivation_decile=[1, NAN]), "not whole numbers 1-10"),
        (lambda z: z.assign(population=[1, -1]), "missing, infinite or negative"),
        (lambda z: z.assign(v=["a", "b"]), "column 'v': expected numbers"),
        (lambda z: z.assign(v=["a", "b"], population=[1, -1], deprivation_decile=[0, 1]), "v"),
    ],
)
def test_by_decile_bad_inputs(change, message: str) -> None:  # type: ignore[no-untyped-def]
    zones = pd.DataFrame({"v": [1.0, 2.0], "population": [5, 6], "deprivation_decile": [1, 2]})
    with pytest.raises(InputError, match=message):
        compute_by_decile(change(zones), "v")


def test_docstring_examples() -> None:
    result = doctest.testmod(equity)
    assert result.attempted > 0
    assert result.failed == 0
