"""The map's isochrones: which zones are drawn by default (routes.evaluation.isochrones).

The isochrones themselves are checked in tests/engine/test_isochrones.py and on
the written maps of tests/runs/test_evaluate.py.
"""

from __future__ import annotations

from _pages import JOB_COLUMN, tiny_changes

from routes.evaluation.isochrones import choose_isochrone_zones


def test_default_isochrone_zones_are_the_most_deprived_that_gain() -> None:
    changes = tiny_changes()
    assert choose_isochrone_zones(changes, JOB_COLUMN, n=1) == ["Z1"]
    assert choose_isochrone_zones(changes, JOB_COLUMN, n=5) == ["Z1", "Z2"]


def test_default_isochrone_zones_without_deciles_have_the_lowest_access() -> None:
    changes = tiny_changes(deciles=False)
    changes.loc["Z2", f"baseline_{JOB_COLUMN}"] = 10.0
    assert choose_isochrone_zones(changes, JOB_COLUMN, n=1) == ["Z2"]


def test_default_isochrone_zones_when_nobody_gains() -> None:
    changes = tiny_changes()
    changes[f"delta_{JOB_COLUMN}"] = 0.0
    assert choose_isochrone_zones(changes, JOB_COLUMN, n=2) == ["Z1", "Z2"]


def test_default_isochrone_zones_lose_when_nobody_gains() -> None:
    changes = tiny_changes()
    # Z1 (decile 1) and Z3 (decile 8) lose, Z2 (decile 2) does not change: a withdrawal.
    changes[f"delta_{JOB_COLUMN}"] = [-50.0, 0.0, -800.0]
    assert choose_isochrone_zones(changes, JOB_COLUMN, n=5) == ["Z1", "Z3"]
