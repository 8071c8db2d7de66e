"""The map's isochrones: which zones are drawn by default (routes.evaluation.isochrones).

The isochrones themselves are checked in tests/engine/test_isochrones.py and on
the written maps of tests/runs/test_evaluate.py.
"""

from __future__ import annotations

import pytest
from _pages import JOB_COLUMN, tiny_changes

from routes.errors import InputError
from routes.evaluation.isochrones import choose_isochrone_zones, resolve_zone_ids


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


def test_zones_are_found_by_id_or_by_name_in_any_case() -> None:
    ids, names = ["DT001", "DT002", "DT003"], ["Mill Hey", None, "Moorgate"]
    assert resolve_zone_ids(["DT002", "mill hey", " MOORGATE "], ids, names) == \
        ["DT002", "DT001", "DT003"]
    # An exact id wins over a name that happens to equal another zone's id.
    assert resolve_zone_ids(["DT003"], ids, ["DT003", None, None]) == ["DT003"]


def test_unknown_or_ambiguous_zone_names_are_refused() -> None:
    ids = ["A", "B", "C"]
    with pytest.raises(InputError, match=r"--zone 'mill hey' names 2 zones \(A, C\); give one "
                                         r"of their ids instead"):
        resolve_zone_ids(["mill hey"], ids, ["Mill Hey", "Moorgate", "Mill Hey"])
    with pytest.raises(InputError, match="or names from its name column"):
        resolve_zone_ids(["Nowhere"], ids, ["Mill Hey", "Moorgate", "Mill Hey"])
