"""Monitoring on the line study area of ``tests/_evaluate_fixtures.py``: route R1 withdrawn.

Hand-derived (see that module's docstring; one departure at 08:00): R1 carries
Z1 from A (08:02) to B (08:06), whence Z2 (6 min) and the library S1 (11 5/6
min). Without R1, Z1 walks only: J1 (5 min); Z2 and S1 are out of reach
(1,000 m and more, over the 10-minute walk). Every other zone walks anyway
(R2 has left at 07:00). So, from the timetable with R1 to the one without:

- ``jobs_within_20min`` stays [200, 0, 1000, 0] (Z1 never reached J2);
- ``nearest_space_min`` of Z1 goes from 11 5/6 to none: Z1's 100 residents
  (decile 1, all of group a) no longer reach a shared space;
- ``spaces_within_15min`` [1, 1, 0, 1] -> [0, 1, 0, 1];
- ``reach_other_groups_15min`` of Z1 100 (Z2's 100 of group b) -> 0;
- the population-weighted mean of ``spaces_within_15min`` is
  (100 + 200 + 0 + 400) / 1000 = 0.7 with R1 and (200 + 400) / 1000 = 0.6 without.

A withdrawn route never increases access: no delta of a "more is better"
metric is above 0 and no nearest time is shorter.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from _evaluate_fixtures import ZONE_IDS
from _monitor_fixtures import write_withdrawn

from routes.cache import NetworkCache
from routes.errors import InputError
from routes.evaluation.monitor import check_same_study, compute_monitoring
from routes.evaluation.study import compute_baseline, load_study


def _monitor(tmp_path: Path, *configs: Path):  # type: ignore[no-untyped-def]
    cache = NetworkCache(tmp_path / "cache")
    studies = [load_study(c, cache=cache) for c in configs]
    return compute_monitoring(studies, [compute_baseline(s) for s in studies])


def _values(table, column: str) -> list[float]:  # type: ignore[no-untyped-def]
    return [float(v) for v in table.loc[ZONE_IDS, column]]


def test_withdrawn_route_shows_who_loses(tmp_path: Path) -> None:
    before, after = write_withdrawn(tmp_path / "s")
    m = _monitor(tmp_path, before, after)
    zones = m.zones
    assert _values(zones, "before_jobs_within_20min") == [200, 0, 1000, 0]
    assert _values(zones, "after_jobs_within_20min") == [200, 0, 1000, 0]
    assert _values(zones, "delta_jobs_within_20min") == [0, 0, 0, 0]
    assert math.isclose(zones.loc["Z1", "before_nearest_space_min"], 11 + 5 / 6, abs_tol=1e-5)
    assert math.isnan(zones.loc["Z1", "after_nearest_space_min"])
    assert _values(zones, "before_spaces_within_15min") == [1, 1, 0, 1]
    assert _values(zones, "after_spaces_within_15min") == [0, 1, 0, 1]
    assert _values(zones, "delta_reach_other_groups_15min") == [-100, 0, 0, 0]
    by_decile = m.by_decile.set_index("decile")
    assert by_decile.loc["1", "residents_farther_from_a_space"] == 100
    assert by_decile["residents_farther_from_a_space"].sum() == 100
    assert by_decile["residents_nearer_a_space"].sum() == 0
    assert list(by_decile["zones"]) == [1, 1, 1, 1]
    by_group = m.by_community.set_index("community")
    assert by_group.loc["group_a", "residents_farther_from_a_space"] == 100
    assert by_group.loc["group_b", "residents_farther_from_a_space"] == 0
    trend = m.trend.set_index("metric")
    assert list(trend.loc["spaces_within_15min"]) == pytest.approx([0.7, 0.6])


def test_withdrawn_route_never_increases_access(tmp_path: Path) -> None:
    before, after = write_withdrawn(tmp_path / "s")
    zones = _monitor(tmp_path, before, after).zones
    more_is_better = [c for c in zones if c.startswith("delta_")
                      and not c.startswith(("delta_nearest_space", "delta_travel_time"))]
    assert more_is_better
    values = zones[more_is_better].to_numpy(dtype=float)
    assert np.all(np.isnan(values) | (values <= 1e-9))
    for column in [c for c in zones if c.startswith("before_nearest_space")]:
        b = zones[column].astype(float)
        a = zones["after_" + column[len("before_"):]].astype(float)
        assert not ((a < b) | (b.isna() & a.notna())).any(), column


def test_three_timetables_give_a_trend(tmp_path: Path) -> None:
    before, after = write_withdrawn(tmp_path / "s")
    restored = before.with_name("restored.toml")
    restored.write_text(before.read_text(encoding="utf-8"), encoding="utf-8")
    m = _monitor(tmp_path, before, after, restored)
    assert len(set(m.labels)) == 3
    assert _values(m.zones, "t2_spaces_within_15min") == [0, 1, 0, 1]
    assert _values(m.zones, "delta_spaces_within_15min") == [0, 0, 0, 0]  # last minus first
    row = m.trend.set_index("metric").loc["spaces_within_15min"]
    assert list(row) == pytest.approx([0.7, 0.6, 0.7])


def test_different_zones_are_refused(tmp_path: Path) -> None:
    before, _ = write_withdrawn(tmp_path / "s")
    other = tmp_path / "s" / "zones_other.csv"
    text = (tmp_path / "s" / "zones.csv").read_text(encoding="utf-8")
    other.write_text(text.replace(",100,1,100,0", ",150,1,150,0"), encoding="utf-8")
    changed = before.with_name("changed.toml")
    changed.write_text(before.read_text(encoding="utf-8").replace(
        'file = "zones.csv"', 'file = "zones_other.csv"'), encoding="utf-8")
    cache = NetworkCache(tmp_path / "cache")
    studies = [load_study(before, cache=cache), load_study(changed, cache=cache)]
    with pytest.raises(InputError, match=r"changed\.toml against .*routes\.toml: the zones "
                                         r"differ \(population differs, e\.g\. at 'Z1'\)") as err:
        check_same_study(studies)
    assert "\n" not in str(err.value)


def test_monitor_agrees_with_evaluating_the_withdrawal(tmp_path: Path) -> None:
    """Two routes to one answer: a feed without R1 (monitor) and ``remove_route`` R1 (evaluate)."""
    from _evaluate_fixtures import modification_feature, write_proposal

    from routes.evaluation.evaluate import evaluate_proposal

    before, after = write_withdrawn(tmp_path / "s")
    monitored = _monitor(tmp_path, before, after).zones
    proposal = write_proposal(tmp_path / "cut.geojson",
                              modification_feature("remove_route", "feed:R1"))
    study = load_study(before, cache=NetworkCache(tmp_path / "cache"))
    evaluated = evaluate_proposal(study, proposal, n_map_zones=0).zones
    deltas = [c for c in evaluated if c.startswith("delta_")]
    assert deltas
    for column in deltas:
        assert np.allclose(monitored.loc[ZONE_IDS, column].to_numpy(dtype=float),
                           evaluated.loc[ZONE_IDS, column].to_numpy(dtype=float),
                           equal_nan=True), column
