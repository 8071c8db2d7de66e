"""Fare-limited access per zone (routes/access/fare_access.py) on the hand-made line study.

The line study of ``_evaluate_fixtures`` (every boarding £3 by default). With a
budget of 0 p only walking counts: jobs within 20 min Z1 200 (J1 on foot),
Z2 0, Z3 1000 (J2 on foot), Z4 0; shared spaces within 15 min Z1 0 (S1 needs
bus R1), Z2 1 (S1 on foot), Z3 0, Z4 1 (S2 on the spot). With 300 p, one bus:
Z1 also reaches S1 by R1 (11 5/6 min); nothing else changes on the baseline.
"""

from __future__ import annotations

import pytest
from _evaluate_fixtures import ZONE_IDS, write_line_study

import routes
from routes.access.fare_access import compute_fare_access, fare_columns, fare_horizon_min
from routes.fares.compile import compile_study_fares


@pytest.fixture(scope="module")
def line(tmp_path_factory: pytest.TempPathFactory) -> routes.Study:
    return routes.load_study(write_line_study(tmp_path_factory.mktemp("line")))


@pytest.mark.parametrize(("budget", "jobs", "spaces"), [
    (0, [200, 0, 1000, 0], [0, 1, 0, 1]),
    (299, [200, 0, 1000, 0], [0, 1, 0, 1]),
    (300, [200, 0, 1000, 0], [1, 1, 0, 1]),
])
def test_counts_within_the_cutoff_and_the_budget(line: routes.Study, budget: int,
                                                  jobs: list[int], spaces: list[int]) -> None:
    fares = compile_study_fares(line.area, line.network.timetable)
    table = compute_fare_access(line.area, line.network, line.zones, line.layers, fares, budget,
                                cache=line.cache)
    assert list(table.columns) == [f"jobs_within_20min_fare{budget}p",
                                   f"spaces_within_15min_fare{budget}p"]
    assert list(table.columns) == fare_columns(line.area, line.layers, budget)
    assert table.loc[ZONE_IDS].to_numpy().T.tolist() == [jobs, spaces]


def test_the_horizon_is_the_larger_cutoff(line: routes.Study) -> None:
    assert fare_horizon_min(line.area, line.layers) == 20
    assert fare_horizon_min(line.area, ()) == line.area.routing.max_trip_min
