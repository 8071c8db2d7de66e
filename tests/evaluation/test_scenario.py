"""Scenarios: a proposal applied to the line study area, never touching the baseline.

The study area and the Link proposal are those of ``tests/_evaluate_fixtures.py``:
feed.zip holds R1 (trip T1, A 08:02 -> B 08:06) and R2 (trip T2, C 07:00 ->
B 07:10); Link runs P1 - P2 - P3 every 10 min from 08:00 to 09:00 both ways
(12 trips).
"""

from __future__ import annotations

import dataclasses
import hashlib
import zipfile
from pathlib import Path

import numpy as np
import pytest
from _evaluate_fixtures import (
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
from routes.evaluation.scenario import build_scenario
from routes.io import ZIP_DATE_TIME
from routes.network.transit import TransitNetwork, build_network
from routes.proposal.load import load_proposal


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
    scenario = build_scenario(study, baseline, load_proposal(cut_proposal(tmp_path)),
                              work_dir=tmp_path / "work")
    trips = trips_by_route(scenario.network)
    assert "feed:R1" not in trips
    assert trips["feed:R2"] == ["feed:T2"]
    [link] = [r for r in trips if r != "feed:R2"]
    assert len(trips[link]) == 12
    assert scenario.feeds == (tmp_path / "work" / "modified" / "feed.zip",
                              tmp_path / "work" / "proposal_cut.zip")
    assert scenario.network.digest != baseline.digest
    # the baseline still has R1
    assert trips_by_route(baseline)["feed:R1"] == ["feed:T1"]


def test_scenario_never_mutates_the_baseline(tmp_path: Path, study: StudyArea,
                                             baseline: TransitNetwork) -> None:
    feed = study.gtfs_paths[0]
    feed_sha = hashlib.sha256(feed.read_bytes()).hexdigest()
    before = array_snapshot(baseline)
    scenario = build_scenario(study, baseline, load_proposal(cut_proposal(tmp_path)),
                              work_dir=tmp_path / "work")
    assert scenario.network.timetable.n_trips == 1 + 12
    assert_same_snapshot(before, array_snapshot(baseline))
    assert hashlib.sha256(feed.read_bytes()).hexdigest() == feed_sha
    # built again from disk, the baseline is what it was
    assert_same_snapshot(before, array_snapshot(build_network(study)))


def test_remove_only_proposal(tmp_path: Path, study: StudyArea,
                              baseline: TransitNetwork) -> None:
    proposal = write_proposal(tmp_path / "drop.geojson",
                              modification_feature("remove_route", "feed:R1"))
    scenario = build_scenario(study, baseline, load_proposal(proposal), work_dir=tmp_path / "w")
    assert trips_by_route(scenario.network) == {"feed:R2": ["feed:T2"]}
    assert scenario.feeds == (tmp_path / "w" / "modified" / "feed.zip",)
    assert trips_by_route(baseline) == {"feed:R1": ["feed:T1"], "feed:R2": ["feed:T2"]}


def test_new_route_only_keeps_the_baseline_feed(tmp_path: Path, study: StudyArea,
                                                baseline: TransitNetwork) -> None:
    scenario = build_scenario(study, baseline, load_proposal(write_link_proposal(tmp_path)),
                              work_dir=tmp_path / "w")
    assert scenario.feeds == (study.gtfs_paths[0], tmp_path / "w" / "proposal_link.zip")
    assert not (tmp_path / "w" / "modified").exists()
    tt = scenario.network.timetable
    assert tt.n_trips == 2 + 12
    # the baseline's streets are reused, not rebuilt
    np.testing.assert_array_equal(scenario.network.streets.length_m, baseline.streets.length_m)


def test_modified_feed_bytes_do_not_depend_on_when_it_is_written(
        tmp_path: Path, study: StudyArea, baseline: TransitNetwork) -> None:
    """Same proposal, same bytes: the zip members carry a fixed timestamp (else every
    re-run would get a new network digest and miss the cache)."""
    proposal = load_proposal(cut_proposal(tmp_path))
    first = build_scenario(study, baseline, proposal, work_dir=tmp_path / "a")
    second = build_scenario(study, baseline, proposal, work_dir=tmp_path / "b")
    zips = [s.feeds[0] for s in (first, second)]
    assert zips[0].read_bytes() == zips[1].read_bytes()
    assert first.network.digest == second.network.digest
    with zipfile.ZipFile(zips[0]) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert {i.date_time for i in archive.infolist()} == {ZIP_DATE_TIME}


def test_unknown_gtfs_route(tmp_path: Path, study: StudyArea, baseline: TransitNetwork) -> None:
    proposal = write_proposal(tmp_path / "typo.geojson",
                              modification_feature("remove_route", "feed:R9"))
    with pytest.raises(ProposalError, match=r"typo\.geojson feature 0 \('remove_route feed:R9'\) "
                       r"gtfs_route_id: 'feed:R9' is not a route of the loaded GTFS feeds"):
        build_scenario(study, baseline, load_proposal(proposal), work_dir=tmp_path / "w")
    assert not (tmp_path / "w").exists()


def test_route_outside_the_street_network(tmp_path: Path, study: StudyArea,
                                          baseline: TransitNetwork) -> None:
    proposal = write_proposal(
        tmp_path / "far.geojson",
        route_feature("Far", [8000.0, 9000.0], headway_min=10),
        stop_feature("Far", "a", 8000.0), stop_feature("Far", "b", 9000.0),
    )
    with pytest.raises(ProposalError, match=r"feature 0 \('Far'\) coordinates: 2 of 2 stops lie "
                       r"up to 6\.0 km outside the street network"):
        build_scenario(study, baseline, load_proposal(proposal), work_dir=tmp_path / "w")
