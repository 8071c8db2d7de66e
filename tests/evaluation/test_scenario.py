"""Scenarios in memory: a proposal applied to a study area, never touching the baseline.

The study area and the Link proposal are those of ``tests/_evaluate_fixtures.py``:
feed.zip holds R1 (trip T1, A 08:02 -> B 08:06) and R2 (trip T2, C 07:00 ->
B 07:10); Link runs P1 - P2 - P3 every 10 min from 08:00 to 09:00 both ways
(12 trips). The in-memory scenario is checked against the file form (the
scenario's GTFS files written by :func:`write_scenario_feeds` and the network
built from them by :func:`build_network`) on this study, the Demo Town and
Porto Alegre: same timetable, same stop links, same travel times.
"""

from __future__ import annotations

import dataclasses
import hashlib
import zipfile
from pathlib import Path

import numpy as np
import pytest
from _evaluate_fixtures import (
    POA_TOML,
    link_features,
    modification_feature,
    route_feature,
    stop_feature,
    write_line_study,
    write_link_proposal,
    write_proposal,
)

from routes.config.study_area import StudyArea, load_study_area
from routes.errors import ProposalError
from routes.evaluation.scenario import build_scenario, write_scenario_feeds
from routes.io import ZIP_DATE_TIME
from routes.network.transit import TransitNetwork, build_network
from routes.proposal.load import load_proposal
from routes.proposal.model import Proposal

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def study(tmp_path: Path) -> StudyArea:
    return load_study_area(write_line_study(tmp_path / "study"))


@pytest.fixture
def baseline(study: StudyArea) -> TransitNetwork:
    return build_network(study)


def trips_by_route(network: TransitNetwork) -> dict[str, list[str]]:
    tt = network.timetable
    route_of_trip = np.repeat(tt.pattern_route, np.diff(tt.pattern_trip_ptr))
    out: dict[str, list[str]] = {}
    for trip, route in zip(tt.trip_ids, route_of_trip, strict=True):
        out.setdefault(str(tt.route_ids[route]), []).append(str(trip))
    return out


def array_snapshot(obj: object) -> dict[str, object]:
    """Copies of every array (and plain field) of a dataclass, recursively.

    Fields left out of comparisons (``compare=False``: derived indexes such as the
    network's R-tree, rebuilt with every network) are left out here too.
    """
    out: dict[str, object] = {}
    for field in dataclasses.fields(obj):  # type: ignore[arg-type]
        if not field.compare:
            continue
        value = getattr(obj, field.name)
        if isinstance(value, np.ndarray):
            out[field.name] = value.copy()
        elif dataclasses.is_dataclass(value):
            out.update({f"{field.name}.{k}": v for k, v in array_snapshot(value).items()})
        else:
            out[field.name] = value
    return out


def assert_same_snapshot(before: dict[str, object], after: dict[str, object]) -> None:
    assert before.keys() == after.keys()
    for key, value in before.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(after[key], value, err_msg=key)
        else:
            assert after[key] == value, key


def cut_proposal(folder: Path) -> Path:
    """Link, plus the removal of R1."""
    return write_proposal(folder / "cut.geojson", *link_features(),
                          modification_feature("remove_route", "feed:R1"))


def test_baseline_network_of_the_line_study(baseline: TransitNetwork) -> None:
    assert trips_by_route(baseline) == {"feed:R1": ["feed:T1"], "feed:R2": ["feed:T2"]}
    assert baseline.streets.n_nodes == 7


def test_scenario_adds_the_proposal_and_removes_the_route(tmp_path: Path, study: StudyArea,
                                                          baseline: TransitNetwork) -> None:
    scenario = build_scenario(study, baseline, load_proposal(cut_proposal(tmp_path)))
    trips = trips_by_route(scenario.network)
    assert "feed:R1" not in trips
    assert trips["feed:R2"] == ["feed:T2"]
    [link] = [r for r in trips if r != "feed:R2"]
    assert link.startswith("proposal_cut:")
    assert len(trips[link]) == 12
    assert scenario.network.digest != baseline.digest
    # the baseline still has R1
    assert trips_by_route(baseline)["feed:R1"] == ["feed:T1"]


def test_scenario_never_mutates_the_baseline_and_writes_nothing(
        tmp_path: Path, study: StudyArea, baseline: TransitNetwork) -> None:
    feed = study.gtfs_paths[0]
    feed_sha = hashlib.sha256(feed.read_bytes()).hexdigest()
    before = array_snapshot(baseline)
    proposal = load_proposal(cut_proposal(tmp_path))
    files = sorted(tmp_path.rglob("*"))
    scenario = build_scenario(study, baseline, proposal)
    assert sorted(tmp_path.rglob("*")) == files
    assert scenario.network.timetable.n_trips == 1 + 12
    assert_same_snapshot(before, array_snapshot(baseline))
    assert hashlib.sha256(feed.read_bytes()).hexdigest() == feed_sha
    # built again from disk, the baseline is what it was
    assert_same_snapshot(before, array_snapshot(build_network(study)))


def test_remove_only_proposal(tmp_path: Path, study: StudyArea,
                              baseline: TransitNetwork) -> None:
    proposal = write_proposal(tmp_path / "drop.geojson",
                              modification_feature("remove_route", "feed:R1"))
    scenario = build_scenario(study, baseline, load_proposal(proposal))
    assert trips_by_route(scenario.network) == {"feed:R2": ["feed:T2"]}
    assert list(scenario.network.timetable.route_ids) == ["feed:R2"]
    assert trips_by_route(baseline) == {"feed:R1": ["feed:T1"], "feed:R2": ["feed:T2"]}


def test_new_route_only_reuses_the_baseline(tmp_path: Path, study: StudyArea,
                                            baseline: TransitNetwork) -> None:
    scenario = build_scenario(study, baseline, load_proposal(write_link_proposal(tmp_path)))
    network = scenario.network
    assert network.timetable.n_trips == 2 + 12
    # the baseline's streets, edge index and stop links are reused, not rebuilt
    assert network.streets is baseline.streets and network.edge_index is baseline.edge_index
    n_old = baseline.timetable.n_stops
    assert network.timetable.n_stops == n_old + 3
    np.testing.assert_array_equal(network.links.stops.node_a[:n_old],
                                  baseline.links.stops.node_a)


def test_same_proposal_same_digest(tmp_path: Path, study: StudyArea,
                                   baseline: TransitNetwork) -> None:
    """Same proposal, same network digest (so its travel times are found in the cache)."""
    proposal = load_proposal(cut_proposal(tmp_path))
    first = build_scenario(study, baseline, proposal)
    second = build_scenario(study, baseline, proposal)
    assert first.network.digest == second.network.digest
    other = build_scenario(study, baseline, load_proposal(write_link_proposal(tmp_path)))
    assert other.network.digest != first.network.digest


def test_scenario_feeds_for_engines_that_read_files(tmp_path: Path, study: StudyArea) -> None:
    """The file form: modified copies keep the feed's name; bytes do not depend on when."""
    proposal = load_proposal(cut_proposal(tmp_path))
    first = write_scenario_feeds(study, proposal, tmp_path / "a")
    second = write_scenario_feeds(study, proposal, tmp_path / "b")
    assert first == (tmp_path / "a" / "modified" / "feed.zip", tmp_path / "a" / "proposal_cut.zip")
    assert first[0].read_bytes() == second[0].read_bytes()
    with zipfile.ZipFile(first[0]) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert {i.date_time for i in archive.infolist()} == {ZIP_DATE_TIME}


def test_unknown_gtfs_route(tmp_path: Path, study: StudyArea, baseline: TransitNetwork) -> None:
    proposal = write_proposal(tmp_path / "typo.geojson",
                              modification_feature("remove_route", "feed:R9"))
    with pytest.raises(ProposalError, match=r"typo\.geojson feature 0 \('remove_route feed:R9'\) "
                       r"gtfs_route_id: 'feed:R9' is not a route of the loaded GTFS feeds"):
        build_scenario(study, baseline, load_proposal(proposal))


def test_route_outside_the_street_network(tmp_path: Path, study: StudyArea,
                                          baseline: TransitNetwork) -> None:
    proposal = write_proposal(
        tmp_path / "far.geojson",
        route_feature("Far", [8000.0, 9000.0], headway_min=10),
        stop_feature("Far", "a", 8000.0), stop_feature("Far", "b", 9000.0),
    )
    with pytest.raises(ProposalError, match=r"feature 0 \('Far'\) coordinates: 2 of 2 stops lie "
                       r"up to 6\.0 km outside the street network"):
        build_scenario(study, baseline, load_proposal(proposal))


# --------------------------------------------------------------------------- the file form


def assert_same_network(got: TransitNetwork, expected: TransitNetwork) -> None:
    """Same timetable and stop links, array for array."""
    for name in ("timetable", "links"):
        a, b = array_snapshot(getattr(got, name)), array_snapshot(getattr(expected, name))
        a.pop("feed_diagnoses", None)
        b.pop("feed_diagnoses", None)
        assert_same_snapshot(b, a)


def file_form(study: StudyArea, proposal: Proposal, folder: Path,
              baseline: TransitNetwork) -> TransitNetwork:
    feeds = write_scenario_feeds(study, proposal, folder)
    return build_network(study, feeds=feeds, allow_feed_errors=baseline.allow_feed_errors,
                         allow_data_loss=baseline.allow_data_loss,
                         feed_doctor=baseline.feed_doctor)


def test_line_study_equals_the_file_form(tmp_path: Path, study: StudyArea,
                                         baseline: TransitNetwork) -> None:
    for proposal in (cut_proposal(tmp_path), write_link_proposal(tmp_path)):
        loaded = load_proposal(proposal)
        got = build_scenario(study, baseline, loaded).network
        assert_same_network(got, file_form(study, loaded, tmp_path / loaded.name, baseline))


def test_demo_equals_the_file_form(tmp_path: Path) -> None:
    """Every example proposal of the Demo Town: same network, same travel times."""
    from routes.demo.study_area import write_demo_study_area
    from routes.engine.raptor import compute_travel_time_array
    from routes.engine.request import TravelTimeRequest
    from routes.inputs.zones import load_zones

    write_demo_study_area(tmp_path / "demo")
    study = load_study_area(tmp_path / "demo" / "routes.toml")
    baseline = build_network(study)
    zones = load_zones(study.zones).points if study.zones else None
    assert zones is not None
    request = TravelTimeRequest.from_routing(study.routing)
    for path in sorted((tmp_path / "demo" / "examples").glob("*.geojson")):
        proposal = load_proposal(path)
        got = build_scenario(study, baseline, proposal).network
        expected = file_form(study, proposal, tmp_path / proposal.name, baseline)
        assert_same_network(got, expected)
        np.testing.assert_array_equal(compute_travel_time_array(got, zones, None, request),
                                      compute_travel_time_array(expected, zones, None, request))


def test_porto_alegre_feeder_equals_the_file_form(tmp_path: Path, poa_dir: Path) -> None:
    """New route, and a headway change of route 260: same network, same travel times (a
    sample of 60 hexagons to all 1,227)."""
    import warnings

    from routes.engine.raptor import compute_travel_time_array
    from routes.engine.request import TravelTimeRequest
    from routes.errors import RoutesWarning
    from routes.inputs.points import Points, load_layer, points_from_layer

    toml = tmp_path / "poa.toml"
    toml.write_text(POA_TOML.format(poa=poa_dir.as_posix()), encoding="utf-8")
    study = load_study_area(toml)
    proposal = load_proposal(REPO / "tests" / "data" / "proposals" / "poa_feeder.geojson")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RoutesWarning)  # stops and hexagons off the extract
        baseline = build_network(study)
        got = build_scenario(study, baseline, proposal).network
        expected = file_form(study, proposal, tmp_path / "scenario", baseline)
    assert_same_network(got, expected)
    points = points_from_layer(load_layer(poa_dir / "poa_hexgrid.csv"))
    sample = np.random.default_rng(12).choice(len(points), size=60, replace=False)
    origins = Points(points.ids[sample], points.lon[sample], points.lat[sample])
    request = TravelTimeRequest.from_routing(study.routing)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RoutesWarning)
        a = compute_travel_time_array(got, origins, points, request)
        b = compute_travel_time_array(expected, origins, points, request)
    np.testing.assert_array_equal(a, b)
    assert np.isfinite(a).mean() > 0.5
