"""A proposal's trips in memory (routes.proposal.trips) against its exported GTFS feed.

The reference is the file form: the proposal exported as a GTFS zip for the
one service date (:func:`routes.proposal.export.write_proposal_feed`), read
back by the GTFS loader. The in-memory feed must be the same, field by field.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from _evaluate_fixtures import link_features, write_proposal

from routes.proposal.export import write_proposal_feed
from routes.proposal.load import load_proposal
from routes.proposal.model import Proposal
from routes.proposal.trips import compute_proposal_trips, proposal_feed_trips
from routes.timetable.diagnosis import DOCTOR_RULES
from routes.timetable.feed import FeedTrips, load_feed_trips

REPO = Path(__file__).resolve().parents[2]
MONDAY = dt.date(2019, 5, 13)
SATURDAY = dt.date(2019, 5, 18)


def assert_same_feed(got: FeedTrips, expected: FeedTrips) -> None:
    for field in dataclasses.fields(FeedTrips):
        if field.name in ("path", "warnings"):
            continue
        a, b = getattr(got, field.name), getattr(expected, field.name)
        if dataclasses.is_dataclass(a) and not isinstance(a, type):
            for sub in dataclasses.fields(a):
                x, y = getattr(a, sub.name), getattr(b, sub.name)
                if isinstance(x, np.ndarray):
                    np.testing.assert_array_equal(x, y, err_msg=f"{field.name}.{sub.name}")
                else:
                    assert x == y, f"{field.name}.{sub.name}"
        elif isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b, err_msg=field.name)
        else:
            assert a == b, field.name


def through_file(proposal: Proposal, date: dt.date, tmp_path: Path) -> FeedTrips:
    path = tmp_path / f"proposal_{proposal.name}.zip"
    write_proposal_feed(proposal, path, overwrite=True, service_dates=(date, date))
    return load_feed_trips(path, f"proposal_{proposal.name}", date, allow_feed_errors=False)


def proposals(tmp_path: Path) -> list[Path]:
    from routes.demo.study_area import write_demo_study_area

    write_demo_study_area(tmp_path / "demo")
    return [*sorted((tmp_path / "demo" / "examples").glob("*.geojson")),
            REPO / "tests" / "data" / "proposals" / "poa_crosstown.geojson",
            REPO / "tests" / "data" / "proposals" / "poa_feeder.geojson",
            write_proposal(tmp_path / "link.geojson", *link_features())]


@pytest.mark.parametrize("date", [MONDAY, SATURDAY], ids=["monday", "saturday"])
def test_in_memory_equals_the_exported_feed(tmp_path: Path, date: dt.date) -> None:
    for path in proposals(tmp_path):
        proposal = load_proposal(path)
        got = proposal_feed_trips(proposal, service_date=date,
                                  feed_name=f"proposal_{proposal.name}", rules=DOCTOR_RULES)
        if not got.trips.n_trips:  # a weekday proposal on a Saturday: the loader has no trips
            assert got.n_trips_scheduled == 0
            continue
        assert_same_feed(got, through_file(proposal, date, tmp_path))


def test_hand_derived_link_trips(tmp_path: Path) -> None:
    """Link (tests/_evaluate_fixtures.py): P1 - P2 - P3, every 10 min 08:01-09:01, both ways;
    1000 m at 24 km/h = 150 s a hop, 30 s dwell at P2."""
    laid = compute_proposal_trips(load_proposal(write_proposal(tmp_path / "link.geojson",
                                                               *link_features())))
    assert laid.n_trips == 12
    assert laid.trip_ids[0] == "proposal_link_link_d0_080100"
    leaves = 8 * 3600 + 60  # the first trip leaves P1 at 08:01:00
    first = slice(laid.stop_ptr[0], laid.stop_ptr[1])
    np.testing.assert_array_equal(laid.arrival_s[first] - leaves, [0, 150, 330])
    np.testing.assert_array_equal(laid.departure_s[first] - leaves, [0, 180, 330])
    np.testing.assert_array_equal(laid.stops[first], [0, 1, 2])
    reverse = slice(laid.stop_ptr[6], laid.stop_ptr[7])
    np.testing.assert_array_equal(laid.stops[reverse], [2, 1, 0])
