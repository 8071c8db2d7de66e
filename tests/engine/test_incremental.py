"""Incremental scenarios (routes/engine/incremental.py): equal to routing every origin again.

Random small networks get random proposals (trips removed, a route added over old
and new stops, a route retimed); for each, the origins the bound leaves out must
have exactly their baseline rows in a full recompute of the scenario, and the
assembled result must equal the full recompute.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from _raptor_compare import CONVENTIONS
from _tiny_networks import RANDOM_T_END, RANDOM_T_START, random_network, timetable_from_trips

from routes.config.study_area import RoutingParams
from routes.engine.incremental import affected_linked_origins, scenario_change
from routes.engine.raptor import compute_snapped_travel_times
from routes.engine.request import TravelTimeRequest
from routes.network.transit import StopLinks, TransitNetwork, compute_transfers, transfer_search_m
from routes.streets.snapping import SnappedPoints

REPO = Path(__file__).resolve().parents[2]


def _routing(max_trip_min: float, max_rides: int = 3) -> RoutingParams:
    return RoutingParams(walk_speed_kmh=1.3 * 3.6, max_walk_min=8, max_transfer_walk_min=4,
                         max_rides=max_rides, max_trip_min=max_trip_min,
                         **{k: v for k, v in CONVENTIONS.items()})


def _trips(rng: np.random.Generator, n_stops: int, n_routes: int, n_trips: int, tag: str,
           stops: list[int] | None = None) -> list:
    routes = [[int(x) for x in rng.choice(n_stops, size=int(rng.integers(3, 7)), replace=False)]
              for _ in range(n_routes)]
    if stops is not None:
        routes = [stops]
    trips = []
    for k in range(n_trips):
        r = k % len(routes)
        t = int(rng.integers(RANDOM_T_START, RANDOM_T_END))
        st = []
        for i, s in enumerate(routes[r]):
            if i > 0:
                t += int(rng.integers(60, 601))
            dwell = int(rng.integers(0, 61)) if 0 < i < len(routes[r]) - 1 else 0
            st.append((s, t, t + dwell))
            t += dwell
        trips.append((f"{tag}{r}", st))
    return trips


def _network(base, trips, stop_node, routing) -> TransitNetwork:
    tt = timetable_from_trips(trips, n_stops=len(stop_node))
    stops = SnappedPoints.at_nodes(stop_node)
    max_m = transfer_search_m(routing)
    return TransitNetwork(base.streets, tt, StopLinks(stops, compute_transfers(
        base.streets, stops, max_m), max_m))


def _proposal(seed: int):
    """A baseline and a scenario on the same streets, with random trips removed and added."""
    base = random_network(seed, n_nodes=100, n_origins=1)
    rng = np.random.default_rng(500 + seed)
    n_stops = 40
    stop_node = rng.integers(0, 100, size=n_stops).astype(np.int32)
    trips = _trips(rng, n_stops, n_routes=8, n_trips=30, tag="r")
    kind = seed % 3
    n_new = 2 if kind == 0 else 0
    new_node = np.r_[stop_node, rng.integers(0, 100, size=n_new)].astype(np.int32)
    scenario_trips = list(trips)
    if kind in (0, 2):  # a new route over old stops (and new ones)
        stops = [int(x) for x in rng.choice(n_stops, size=3, replace=False)]
        stops += list(range(n_stops, n_stops + n_new))
        scenario_trips += _trips(rng, n_stops + n_new, 1, 4, "new", stops=stops)
    if kind in (1, 2):  # trips removed
        drop = set(rng.choice(len(trips), size=4, replace=False).tolist())
        scenario_trips = [t for i, t in enumerate(scenario_trips) if i not in drop]
    return base, trips, stop_node, scenario_trips, new_node


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.array_equal(a, b, equal_nan=True))


@pytest.mark.parametrize("max_trip_min", [25, 40, 90])
def test_unaffected_origins_keep_their_baseline_rows(max_trip_min: float) -> None:
    n_unaffected = n_changed_rows = 0
    for seed in range(12):
        base, trips, stop_node, scenario_trips, new_node = _proposal(seed)
        routing = _routing(max_trip_min)
        baseline = _network(base, trips, stop_node, routing)
        scenario = _network(base, scenario_trips, new_node, routing)
        origins = SnappedPoints.at_nodes(np.arange(100, dtype=np.int32))
        dests = SnappedPoints.at_nodes(np.arange(0, 100, 3, dtype=np.int32))
        request = TravelTimeRequest.from_routing(routing, departure_s=7 * 3600 + 1800,
                                                 window_min=15, percentiles=(5, 50, 95))
        before = compute_snapped_travel_times(baseline, origins, dests, request, n_threads=1)
        after = compute_snapped_travel_times(scenario, origins, dests, request, n_threads=1)
        affected = affected_linked_origins(baseline, scenario, origins, request)
        assert _same(after[~affected], before[~affected]), f"seed {seed}"
        # The assembled result (baseline rows, affected rows routed again) is the full one.
        assembled = before.copy()
        assembled[affected] = compute_snapped_travel_times(
            scenario, SnappedPoints.at_nodes(np.flatnonzero(affected).astype(np.int32)), dests,
            request, n_threads=1)
        assert _same(assembled, after)
        n_unaffected += int((~affected).sum())
        n_changed_rows += sum(not _same(after[o], before[o]) for o in range(100))
    # Not vacuous: the bound leaves origins out, and the proposals change rows.
    assert n_changed_rows > 0
    if max_trip_min <= 40:
        assert n_unaffected > 0


def test_scenario_change_marks_added_and_removed_trips_only() -> None:
    base, trips, stop_node, _, _ = _proposal(1)
    routing = _routing(60)
    baseline = _network(base, trips, stop_node, routing)
    same = _network(base, list(reversed(trips)), stop_node, routing)
    assert scenario_change(baseline, same, routing, 15).n_changed == 0
    # Removing one trip marks its stops (and the sources of transfers it changes) only.
    removed = trips[3]
    fewer = _network(base, trips[:3] + trips[4:], stop_node, routing)
    change = scenario_change(baseline, fewer, routing, 15)
    assert change.comparable
    on_trip = {s for s, _, _ in removed[1]}
    assert on_trip <= set(np.flatnonzero(change.changed_stops).tolist())


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::routes.errors.RoutesWarning")
@pytest.mark.parametrize("name", ["poa_crosstown", "poa_feeder"])
def test_incremental_equals_full_recompute_on_poa(poa_dir, tmp_path, name: str) -> None:
    """Porto Alegre: a new route, and a new route with a route removed and one retimed."""
    from _evaluate_fixtures import POA_TOML

    from routes.engine.base import BuiltinEngine
    from routes.engine.incremental import affected_origins, incremental_travel_times
    from routes.evaluation.scenario import build_scenario
    from routes.evaluation.study import load_proposals, load_study
    from routes.inputs.points import Points

    toml = tmp_path / "routes.toml"
    toml.write_text(POA_TOML.format(poa=poa_dir.as_posix()), encoding="utf-8")
    study = load_study(toml)
    [(proposal, _)] = load_proposals([REPO / "tests" / "data" / "proposals" / f"{name}.geojson"])
    scenario = build_scenario(study.area, study.network, proposal).network
    zones = study.zones.points
    request = TravelTimeRequest.from_routing(study.area.routing, percentiles=(25, 50))
    affected = affected_origins(study.network, scenario, zones, request)
    assert 0 < affected.sum() < len(affected)
    # Every unaffected zone and 60 affected ones (routing all 1,227 three times is slow).
    rng = np.random.default_rng(0)
    pick = np.r_[np.flatnonzero(~affected),
                 rng.choice(np.flatnonzero(affected), size=60, replace=False)]
    origins = Points(zones.ids[pick], zones.lon[pick], zones.lat[pick])
    before = BuiltinEngine(study.network).compute_travel_time_array(origins, zones, request)
    full = BuiltinEngine(scenario).compute_travel_time_array(origins, zones, request)
    engine = BuiltinEngine(scenario, baseline=study.network)
    assembled = incremental_travel_times(engine, study.network, scenario, origins, zones,
                                         request, before)
    assert _same(assembled, full)
    assert not _same(full, before)  # the proposal changes something
