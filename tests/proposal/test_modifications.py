"""Modifications in memory (routes.proposal.modifications) against the file form.

The reference is independent of the code under test: the GTFS-file form of the
same modifications (:func:`routes.proposal.gtfs_modifications.apply_modifications`)
writes a changed feed, which the loader reads from disk. The in-memory form
must give the same feed trips, field by field, and the same timetable. The
feed is the hand-made one of ``tests/_modification_feeds.py`` (see its
docstring for the hand-derived headway changes).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from _feeds import service
from _modification_feeds import abc_times, stop_times_rows, write_modification_feed

from routes.errors import ProposalError, RoutesWarning
from routes.proposal.gtfs_modifications import apply_modifications
from routes.proposal.model import ModificationKind, RouteModification
from routes.proposal.modifications import apply_modifications_to_trips
from routes.timetable.diagnosis import DOCTOR_RULES, DoctorRules
from routes.timetable.export import write_gtfs_feed
from routes.timetable.feed import FeedTrips, load_feed_trips
from routes.timetable.read import read_gtfs_feed
from routes.timetable.timetable import assemble_timetable

MONDAY = dt.date(2019, 5, 13)
TUESDAY = dt.date(2019, 5, 14)


def remove(route_id: str) -> RouteModification:
    return RouteModification(ModificationKind.REMOVE_ROUTE, route_id)


def change(route_id: str, headway_min: float) -> RouteModification:
    return RouteModification(ModificationKind.CHANGE_HEADWAY, route_id, round(headway_min * 60))


def assert_same_feed(got: FeedTrips, expected: FeedTrips) -> None:
    """Every field equal, arrays elementwise (the file path and its mentions aside)."""
    for field in dataclasses.fields(FeedTrips):
        a, b = getattr(got, field.name), getattr(expected, field.name)
        if field.name in ("path", "warnings"):
            continue
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


def through_files(path: Path, mods: list[RouteModification], date: dt.date,
                  tmp_path: Path, rules: DoctorRules = DOCTOR_RULES) -> FeedTrips:
    """The file form: modify the GTFS feed, write it, read it back."""
    target = tmp_path / "modified" / path.name
    target.parent.mkdir(exist_ok=True)
    write_gtfs_feed(apply_modifications(read_gtfs_feed(path, "tiny"), mods), target)
    return load_feed_trips(target, "tiny", date, allow_feed_errors=False, feed_doctor=rules)


def in_memory(path: Path, mods: list[RouteModification], date: dt.date,
              rules: DoctorRules = DOCTOR_RULES) -> FeedTrips:
    feed = load_feed_trips(path, "tiny", date, allow_feed_errors=False, feed_doctor=rules)
    return apply_modifications_to_trips(feed, mods, service_date=date, rules=rules)


@pytest.mark.parametrize(
    "mods",
    [[remove("R2")], [change("R1", 10)], [change("R3", 15)], [remove("R2"), change("R1", 20)],
     [change("R1", 7), change("R3", 20), remove("R4")]],
    ids=["remove", "headway", "headway-of-frequencies", "both", "three"],
)
def test_in_memory_equals_the_file_form(tmp_path: Path, mods: list[RouteModification]) -> None:
    path = write_modification_feed(tmp_path / "tiny.zip")
    got = in_memory(path, mods, MONDAY)
    expected = through_files(path, mods, MONDAY, tmp_path)
    assert_same_feed(got, expected)
    a, b = assemble_timetable([got], MONDAY), assemble_timetable([expected], MONDAY)
    for field in dataclasses.fields(a):
        x, y = getattr(a, field.name), getattr(b, field.name)
        if isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y, err_msg=field.name)


def test_hand_derived_headways(tmp_path: Path) -> None:
    feed = in_memory(write_modification_feed(tmp_path / "tiny.zip"), [change("R1", 10)], MONDAY)
    trips = feed.trips
    r1 = np.flatnonzero(trips.route_ids == "R1")[0]
    mine = np.flatnonzero(trips.route == r1)
    first = trips.departure_s[trips.stop_ptr[mine]]
    directions = trips.direction_ids[mine]
    h7 = 7 * 3600
    assert sorted(first[directions == "0"] - h7) == [600 * k for k in range(7)]
    assert sorted(first[directions == "1"] - h7) == [600 * k for k in range(1, 6)]
    assert "R1b_hw600s_002" in set(trips.trip_ids)  # template: the 07:20 trip
    assert not {"R1a", "R1s", "R1r2"} & set(trips.trip_ids)


def test_the_feed_is_not_changed(tmp_path: Path) -> None:
    path = write_modification_feed(tmp_path / "tiny.zip")
    feed = load_feed_trips(path, "tiny", MONDAY, allow_feed_errors=False)
    before = feed.trips.trip_ids.copy(), feed.trips.departure_s.copy()
    apply_modifications_to_trips(feed, [change("R1", 10), remove("R2")], service_date=MONDAY,
                                 rules=DOCTOR_RULES)
    np.testing.assert_array_equal(feed.trips.trip_ids, before[0])
    np.testing.assert_array_equal(feed.trips.departure_s, before[1])


def test_late_trips_carry_over_as_the_file_form_does(tmp_path: Path) -> None:
    """A service of every day with trips past midnight: on Tuesday Monday's new late trips
    carry over, exactly as when the changed feed is read from disk."""
    late = [*abc_times("R1late", "23:50"), *abc_times("R1later", "23:56")]
    path = write_modification_feed(
        tmp_path / "tiny.zip",
        calendar=[service("ALL", "1111111")],
        trips=[{"route_id": "R1", "service_id": "ALL", "trip_id": t, "direction_id": 0}
               for t in ("R1late", "R1later")],
        stop_times=late)
    mods = [change("R1", 5)]  # new late trips at 23:50 and 23:55 (B 24:00/24:01, C 24:07)
    got = in_memory(path, mods, TUESDAY)
    assert_same_feed(got, through_files(path, mods, TUESDAY, tmp_path))
    carried = got.trips.trip_ids[got.trips.previous_day]
    assert len(carried) > 0 and all(str(t).endswith("@-1d") for t in carried)


def test_service_of_the_day_before_only_keeps_its_carried_trips(tmp_path: Path) -> None:
    path = write_modification_feed(
        tmp_path / "tiny.zip",
        calendar=[service("SUN", "0000001")],
        trips=[{"route_id": "R1", "service_id": "SUN", "trip_id": "R1sun", "direction_id": 0}],
        stop_times=abc_times("R1sun", "23:55"))
    feed = load_feed_trips(path, "tiny", MONDAY, allow_feed_errors=False)
    assert "R1sun@-1d" in set(feed.trips.trip_ids)
    with pytest.warns(RoutesWarning, match="1 trips carried over past midnight"):
        got = apply_modifications_to_trips(feed, [change("R1", 10)], service_date=MONDAY,
                                           rules=DOCTOR_RULES)
    assert "R1sun@-1d" in set(got.trips.trip_ids)


def test_route_without_trips_warns(tmp_path: Path) -> None:
    feed = load_feed_trips(write_modification_feed(tmp_path / "tiny.zip"), "tiny", MONDAY,
                           allow_feed_errors=False)
    with pytest.warns(RoutesWarning, match="route 'R4' has no trips on 2019-05-13"):
        got = apply_modifications_to_trips(feed, [change("R4", 10)], service_date=MONDAY,
                                           rules=DOCTOR_RULES)
    assert got.trips.n_trips == feed.trips.n_trips


@pytest.mark.parametrize(
    ("mods", "message"),
    [([RouteModification(ModificationKind.REMOVE_ROUTE, "R9", feature_index=4)],
      r"feature 4 \(remove_route 'R9'\) gtfs_route_id: 'R9' is not a route_id of this feed"),
     ([remove("R1"), change("R1", 5)], "modified twice"),
     ([RouteModification(ModificationKind.CHANGE_HEADWAY, "R1", 0)], "no positive headway_s")],
    ids=["unknown", "twice", "no-headway"],
)
def test_refused(tmp_path: Path, mods: list[RouteModification], message: str) -> None:
    feed = load_feed_trips(write_modification_feed(tmp_path / "tiny.zip"), "tiny", MONDAY,
                           allow_feed_errors=False)
    with pytest.raises(ProposalError, match=message):
        apply_modifications_to_trips(feed, mods, service_date=MONDAY, rules=DOCTOR_RULES)


def test_doctor_looks_again_at_the_changed_feed(tmp_path: Path) -> None:
    """Two services of one route both running on the date give the same new trips: the
    doctor drops the copies, in memory as from the file."""
    rows = stop_times_rows("R2x", "AD", [("07:05:00", "07:05:00"), ("07:20:00", "07:20:00")])
    path = write_modification_feed(
        tmp_path / "tiny.zip",
        calendar=[service("WK2", "1111100")],
        trips=[{"route_id": "R2", "service_id": "WK2", "trip_id": "R2x", "direction_id": 0}],
        stop_times=rows)
    for rules in (DOCTOR_RULES, DoctorRules(drop=False)):
        got = in_memory(path, [change("R2", 15)], MONDAY, rules)
        assert_same_feed(got, through_files(path, [change("R2", 15)], MONDAY, tmp_path, rules))
    assert got.diagnosis.n_duplicate_trips > 0


def test_real_feed_porto_alegre(poa_dir: Path, tmp_path: Path) -> None:
    path = poa_dir / "poa_eptc.zip"
    mods = [change("260", 20), remove("T12")]
    feed = load_feed_trips(path, "poa_eptc", MONDAY, allow_feed_errors=False)
    got = apply_modifications_to_trips(feed, mods, service_date=MONDAY, rules=DOCTOR_RULES)
    target = tmp_path / "poa_eptc.zip"
    write_gtfs_feed(apply_modifications(read_gtfs_feed(path, "poa_eptc"), mods), target)
    expected = load_feed_trips(target, "poa_eptc", MONDAY, allow_feed_errors=False)
    assert_same_feed(got, expected)
