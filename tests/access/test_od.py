"""Travel times as an array (:class:`DenseMatrix`) give every metric the long table's result.

The long-table metrics are checked by hand and against naive loops in
``test_metrics.py`` and ``test_interaction.py``; here each metric is computed
from random dense matrices and from the long tables they stand for
(:meth:`DenseMatrix.to_frame`), and the two results must be equal bit for bit,
warnings and errors included.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from routes.access._od import DenseMatrix
from routes.access.community import (
    compute_meeting_potential,
    compute_reach_other_groups,
    compute_space_mix,
)
from routes.access.interaction import (
    compute_exposure,
    compute_group_interaction,
    compute_meeting_pair_changes,
)
from routes.access.metrics import (
    compute_cumulative_opportunities,
    compute_decay_opportunities,
    compute_nearest,
)
from routes.errors import InputError, RoutesWarning
from tests.access.test_metrics import GROUPS, random_zones

T_COL = "travel_time_p50_min"
SEEDS = range(5)
CATEGORIES = ["library", "park", "community_centre"]


def random_dense(rng: np.random.Generator, from_ids: list[str], to_ids: list[str]) -> DenseMatrix:
    """Whole minutes (cutoff ties), ~20 % NaN, float32 as the engine's arrays."""
    minutes = rng.integers(0, 80, size=(len(from_ids), len(to_ids))).astype(np.float32)
    minutes[rng.random(minutes.shape) < 0.2] = np.nan
    minutes[:, rng.random(len(to_ids)) < 0.1] = np.nan  # some destinations reach no one
    return DenseMatrix(np.array(from_ids, dtype=object), np.array(to_ids, dtype=object),
                       minutes, T_COL)


def both(function, dense: DenseMatrix, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Run ``function`` on the dense matrix and on its long table; results, warnings, errors."""
    out = []
    for matrix in (dense, dense.to_frame()):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = function(matrix, *args, **kwargs)
            except InputError as exc:
                result = f"InputError: {exc}"
        out.append((result, [str(w.message) for w in caught if w.category is RoutesWarning]))
    return out


def assert_same(pair):  # type: ignore[no-untyped-def]
    """Assert that both runs gave the same result and warnings; return the long table's."""
    (dense, dense_warnings), (long, long_warnings) = pair
    assert dense_warnings == long_warnings
    if isinstance(long, str):
        assert dense == long
    else:
        pd.testing.assert_frame_equal(dense, long, check_exact=True)
    return long, long_warnings


@pytest.fixture(params=SEEDS)
def rng(request: pytest.FixtureRequest) -> np.random.Generator:
    return np.random.default_rng(request.param)


def test_to_frame_is_the_long_table_row_major() -> None:
    dense = DenseMatrix(np.array(["a", "b"], dtype=object), np.array(["x", "y", "z"], dtype=object),
                        np.array([[1, np.nan, 3], [4, 5, 6]], dtype=np.float32), T_COL)
    frame = dense.to_frame()
    assert frame["from_id"].tolist() == ["a", "a", "a", "b", "b", "b"]
    assert frame["to_id"].tolist() == ["x", "y", "z", "x", "y", "z"]
    assert frame[T_COL].tolist()[2:] == [3.0, 4.0, 5.0, 6.0]
    assert math.isnan(frame[T_COL].iloc[1])
    assert len(dense) == 6
    assert dense.columns(np.array([False, True, True])).to_frame()["to_id"].tolist() == [
        "y", "z", "y", "z"]


def test_weighted_sums_and_nearest_match_the_long_table(rng: np.random.Generator) -> None:
    n_o, n_d = int(rng.integers(3, 12)), int(rng.integers(3, 15))
    zones = [f"z{i:02d}" for i in range(n_o)]
    dests = [f"d{i:02d}" for i in range(n_d)]
    # Extra origins and destinations the metrics must ignore.
    dense = random_dense(rng, [*zones, "other"], [*dests, "elsewhere"])
    weights = pd.Series(rng.integers(0, 100, n_d).astype(float), index=dests)
    origins = list(rng.permutation(zones))
    assert_same(both(compute_cumulative_opportunities, dense, weights, 45, origins=origins))
    assert_same(both(compute_cumulative_opportunities, dense, weights, 30))
    assert_same(both(compute_decay_opportunities, dense, weights, 20, name="shops",
                     origins=origins))
    spaces = pd.DataFrame({"id": dests, "category": rng.choice(CATEGORIES, n_d)})
    assert_same(both(compute_nearest, dense, spaces, 30, origins=origins))
    assert_same(both(compute_nearest, dense, spaces, 15, category_col=None))
    # Destinations the matrix lacks count as unreachable, with the same warning.
    more = pd.Series([5.0], index=["missing"])
    _, caught = assert_same(both(compute_cumulative_opportunities, dense,
                                 pd.concat([weights, more]), 45, origins=zones))
    assert any("never appear as to_id" in message for message in caught)


def test_community_and_interaction_metrics_match_the_long_table(
        rng: np.random.Generator) -> None:
    n_z, n_s = int(rng.integers(4, 12)), int(rng.integers(2, 8))
    zones = random_zones(rng, n_z)
    ids = zones["id"].tolist()
    spaces = pd.DataFrame({"id": [f"s{i}" for i in range(n_s)],
                           "name": [f"Space {i}" for i in range(n_s)],
                           "category": rng.choice(CATEGORIES, n_s)})
    between = random_dense(rng, ids, ids)
    for groups in (GROUPS, None):
        assert_same(both(compute_reach_other_groups, between, zones, 30, groups=groups))
    to_spaces = random_dense(rng, ids, spaces["id"].tolist())
    for groups in (GROUPS, None):
        assert_same(both(compute_meeting_potential, to_spaces, zones, spaces, 30, groups=groups))
        assert_same(both(compute_space_mix, to_spaces, zones, spaces, 30, groups=groups))
    assert_same(both(compute_exposure, to_spaces, zones, spaces, 30, groups=GROUPS))
    assert_same(both(compute_group_interaction, to_spaces, zones, spaces, 30, groups=GROUPS))
    after = random_dense(rng, ids, spaces["id"].tolist())
    dense_pairs = compute_meeting_pair_changes(to_spaces, after, zones, spaces, 30, groups=GROUPS)
    long_pairs = compute_meeting_pair_changes(to_spaces.to_frame(), after.to_frame(), zones,
                                              spaces, 30, groups=GROUPS)
    pd.testing.assert_frame_equal(dense_pairs, long_pairs, check_exact=True)


def test_errors_match_the_long_table() -> None:
    ids = np.array(["a", "b"], dtype=object)
    weights = pd.Series([1.0, 2.0], index=["a", "b"])
    negative = DenseMatrix(ids, ids, np.array([[0, -1], [2, 3]], dtype=np.float32), T_COL)
    result, _ = assert_same(both(compute_cumulative_opportunities, negative, weights, 45))
    assert "1 negative time(s)" in result
    dense = DenseMatrix(ids, ids, np.array([[0, 1], [2, 3]], dtype=np.float32), T_COL)
    result, _ = assert_same(both(compute_cumulative_opportunities, dense, weights, 45,
                                 percentile=90))
    assert "'travel_time_p90_min' is missing" in result
    unknown = pd.Series([1.0], index=["c"])
    result, _ = assert_same(both(compute_cumulative_opportunities, dense, unknown, 45))
    assert "no row links the origins" in result
    with pytest.raises(InputError, match="duplicate to_id 'a'"):
        compute_cumulative_opportunities(
            DenseMatrix(ids, np.array(["a", "a"], dtype=object), dense.minutes, T_COL),
            weights, 45)
    zones = pd.DataFrame({"id": ["a"], "population": [1.0], "deprivation_decile": [1]})
    result, _ = assert_same(both(compute_reach_other_groups, dense, zones, 30))
    assert "1 from_id value(s) are not zone ids" in result
