"""The fastest journey's fare per zone (routes/access/fare_fastest.py): pairs, medians, columns.

The whole chain (engine, levels, zones) is checked by hand on the line study in
tests/evaluation/test_fares.py and against enumerated journeys in
tests/fares/test_levels.py; here the pieces, by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from _evaluate_fixtures import ZONE_IDS, write_line_study

import routes
from routes.access.fare_fastest import (
    compute_fastest_fare_access,
    fastest_fare_columns,
    fastest_fare_of_pairs,
    weighted_median,
)
from routes.engine.fare_raptor import UNLIMITED_BUDGET
from routes.fares.compile import compile_study_fares
from routes.fares.levels import FareLevels, fare_levels


@pytest.fixture(scope="module")
def line(tmp_path_factory: pytest.TempPathFactory) -> routes.Study:
    folder = tmp_path_factory.mktemp("line")
    toml = write_line_study(folder)
    toml.write_text(toml.read_text(encoding="utf-8") + "\n[fares]\nsingle = 3.00\n",
                    encoding="utf-8")
    return routes.load_study(toml)


def test_the_first_level_as_fast_as_unlimited_is_the_fare() -> None:
    levels = np.array([0, 300, 600, UNLIMITED_BUDGET])
    # Per destination: free; 300; 600; more than 600; beyond the horizon; reached
    # within 300 only beyond the horizon at 0 (NaN never equals a time).
    t = np.array([[5.0, 40.0, 50.0, 50.0, np.nan, np.nan],
                  [5.0, 30.0, 50.0, 50.0, np.nan, 20.0],
                  [5.0, 30.0, 35.0, 50.0, np.nan, 20.0],
                  [5.0, 30.0, 35.0, 45.0, np.nan, 20.0]])
    got = fastest_fare_of_pairs(levels, t)
    np.testing.assert_array_equal(got, [0.0, 300.0, 600.0, math.inf, math.nan, 300.0])
    # Leading axes (zones) are kept.
    assert fastest_fare_of_pairs(levels, np.stack([t, t])).shape == (2, 6)


@pytest.mark.parametrize(("values", "weights", "expected"), [
    ([0.0, 600.0], [200.0, 1000.0], 600.0),
    ([0.0, 600.0], [600.0, 600.0], 0.0),  # exactly half at 0: the lower median
    ([300.0, math.inf, 0.0], [1.0, 5.0, 1.0], math.inf),
    ([300.0, math.nan], [1.0, 5.0], 300.0),  # NaN left out
    ([300.0, 600.0], [0.0, 0.0], math.nan),
])
def test_weighted_median(values: list[float], weights: list[float], expected: float) -> None:
    got = weighted_median(np.array(values), np.array(weights))
    assert got == expected or (math.isnan(expected) and math.isnan(got))


def test_columns_and_levels_on_the_line_study(line: routes.Study) -> None:
    fares = compile_study_fares(line.area, line.network.timetable)
    levels = fare_levels(fares, line.area.routing.max_rides, 600, required_minor=(300,))
    assert levels == FareLevels((0, 300, 600), 0)
    table = compute_fastest_fare_access(line.area, line.network, line.zones, line.layers, fares,
                                        levels, 300, 600, cache=line.cache)
    assert list(table.columns) == fastest_fare_columns(line.area, line.layers, 300, 600) == [
        "fastest_fare_jobs_20min_p", "jobs_within_20min_over_fare300p_share",
        "jobs_within_20min_over_fare600p_share", "jobs_within_20min_two_operators_share"]
    # Z1 and Z3 reach their jobs on foot (0 p); Z2 and Z4 reach none within 20 min.
    np.testing.assert_array_equal(table.loc[ZONE_IDS, "fastest_fare_jobs_20min_p"],
                                  [0.0, np.nan, 0.0, np.nan])
    assert fastest_fare_columns(line.area, line.layers, 300, 300)[1:] == [
        "jobs_within_20min_over_fare300p_share", "jobs_within_20min_two_operators_share"]
    with pytest.raises(ValueError, match=r"the fare levels lack \[600\]"):
        compute_fastest_fare_access(line.area, line.network, line.zones, line.layers, fares,
                                    FareLevels((0, 300), 0), 300, 600)
