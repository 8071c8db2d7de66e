"""The map's isochrones: which zones are drawn by default, and a proposal's through an engine.

The isochrones themselves are checked in tests/engine/test_isochrones.py and on
the written maps of tests/runs/test_evaluate.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from _evaluate_fixtures import ZONE_IDS, write_line_study, write_link_proposal
from _pages import JOB_COLUMN, tiny_changes

from routes.cache import NetworkCache
from routes.engine.base import BuiltinEngine
from routes.engine.isochrones import compute_isochrones
from routes.engine.request import TravelTimeRequest
from routes.errors import InputError
from routes.evaluation.isochrones import (
    ISOCHRONE_GRID_M,
    choose_isochrone_zones,
    compute_map_isochrones,
    compute_proposal_isochrones,
    resolve_zone_ids,
)
from routes.evaluation.scenario import build_scenario
from routes.evaluation.study import load_study
from routes.proposal.load import load_proposal


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


class _RecordingEngine:
    """An engine other than the built-in one (routes between points), recording its scenarios."""

    name = "recording"
    cache_tag = "recording"

    def __init__(self, network: Any, scenarios: list[tuple[Any, Any]]) -> None:
        self.inner = BuiltinEngine(network)
        self.digest = network.digest
        self.scenarios = scenarios
        self.routed = 0

    def compute_travel_time_array(self, origins, destinations, request, *, progress=None):
        self.routed += 1
        return self.inner.compute_travel_time_array(origins, destinations, request)

    def for_scenario(self, network, gtfs):
        engine = _RecordingEngine(network, self.scenarios)
        self.scenarios.append((engine, gtfs))
        return engine


def test_proposal_isochrones_route_the_scenario_with_the_engines_scenario(tmp_path) -> None:
    study = load_study(write_line_study(tmp_path / "s"), cache=NetworkCache(tmp_path / "cache"))
    proposal = load_proposal(write_link_proposal(tmp_path / "s"))
    scenarios: list[tuple[Any, Any]] = []
    engine = _RecordingEngine(study.network, scenarios)
    request = TravelTimeRequest.from_routing(study.area.routing)
    layer = compute_proposal_isochrones(study.area, study.network, proposal, study.zones.points,
                                        [ZONE_IDS[0]], [20], request, engine=engine)
    assert list(layer["network"]) == ["baseline", "scenario"]
    ((scenario_engine, gtfs),) = scenarios
    assert engine.routed == scenario_engine.routed == 1
    expected = build_scenario(study.area, study.network, proposal).network
    assert scenario_engine.digest == expected.digest != study.network.digest
    written = gtfs(tmp_path / "feeds")  # the scenario's feeds, for engines that read files
    assert written and all(p.suffix == ".zip" and p.exists() for p in written)
    # The proposal links Z1 onwards: with it, Z1 reaches farther than today.
    today, with_it = layer.to_crs(27700).geometry
    assert with_it.area > today.area


@pytest.mark.parametrize("window", ["08:00-08:01", "07:50-08:10"])
def test_map_isochrones_searched_to_the_cutoff_equal_those_searched_to_the_trip_limit(
        tmp_path, window: str) -> None:
    study = load_study(write_line_study(tmp_path / "s", window=window),
                       cache=NetworkCache(tmp_path / "cache"))
    proposal = load_proposal(write_link_proposal(tmp_path / "s"))
    scenario = build_scenario(study.area, study.network, proposal).network
    routing = study.area.routing
    cutoff = 20.0
    assert routing.max_trip_min > cutoff  # so the map's search is the shorter one
    fast = compute_map_isochrones(study.network, scenario, study.zones, ZONE_IDS, routing=routing,
                                  cutoff_min=cutoff)
    full = TravelTimeRequest.from_routing(routing)
    for name, network in (("baseline", study.network), ("scenario", scenario)):
        slow = compute_isochrones(network, study.zones.points, ZONE_IDS, [cutoff], full,
                                  grid_m=ISOCHRONE_GRID_M)
        mine = fast[fast["network"] == name]
        assert list(mine["from_id"]) == list(slow["from_id"]) == list(ZONE_IDS)
        assert not slow.geometry.is_empty.all()
        for a, b in zip(mine.geometry, slow.geometry, strict=True):
            assert a.equals_exact(b, 0.0)


def test_map_isochrones_are_cached_per_network_and_read_back_equal(tmp_path, monkeypatch) -> None:
    study = load_study(write_line_study(tmp_path / "s", window="07:50-08:10"),
                       cache=NetworkCache(tmp_path / "cache"))
    proposal = load_proposal(write_link_proposal(tmp_path / "s"))
    scenario = build_scenario(study.area, study.network, proposal).network
    routing = study.area.routing
    zones = list(ZONE_IDS[:2])
    cache = NetworkCache(tmp_path / "iso-cache")
    plain = compute_map_isochrones(study.network, scenario, study.zones, zones, routing=routing,
                                   cutoff_min=20.0)
    first = compute_map_isochrones(study.network, scenario, study.zones, zones, routing=routing,
                                   cutoff_min=20.0, cache=cache)
    assert sorted(e.kind for e in cache.entries()) == ["isochrones", "isochrones"]

    def no_routing(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the isochrones were routed again")

    monkeypatch.setattr("routes.engine.isochrones.compute_isochrones", no_routing)
    again = compute_map_isochrones(study.network, scenario, study.zones, zones, routing=routing,
                                   cutoff_min=20.0, cache=cache)
    for layer in (first, again):
        assert layer.crs == plain.crs
        assert layer.columns.tolist() == plain.columns.tolist()
        assert layer[["network", "from_id", "cutoff_min"]].equals(
            plain[["network", "from_id", "cutoff_min"]])
        assert all(a.equals_exact(b, 0.0) for a, b in zip(layer.geometry, plain.geometry,
                                                          strict=True))
    # Another cutoff or other zones are other entries: they route (and here, fail).
    with pytest.raises(AssertionError, match="routed again"):
        compute_map_isochrones(study.network, scenario, study.zones, zones, routing=routing,
                               cutoff_min=15.0, cache=cache)
    with pytest.raises(AssertionError, match="routed again"):
        compute_map_isochrones(study.network, scenario, study.zones, zones[::-1],
                               routing=routing, cutoff_min=20.0, cache=cache)
