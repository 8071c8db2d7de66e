"""Each route's operator, its NOC and its raw route type: what fares need from a timetable."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import numpy as np
from _feeds import MONDAY, line_feed, route, shared_data_dir, timed_trip, write_feed

from routes._cache_codec import dataclass_from_storage, dataclass_to_storage
from routes.timetable.feed import FeedTrips, load_feed_trips
from routes.timetable.timetable import load_timetable


def _two_operator_feed(tmp_path: Path, *, noc: bool) -> Path:
    tables = line_feed()
    agency = [dict(tables["agency"][0]), dict(tables["agency"][0])]  # type: ignore[index]
    agency[1]["agency_id"] = "CO"
    if noc:
        agency[0]["agency_noc"], agency[1]["agency_noc"] = "ABUS", ""
    coach = route("X9", "X9", agency_id="CO")
    coach["route_type"] = 201
    tables["agency"] = agency
    tables["routes"] = [route("R1", "1"), coach]
    tables["trips"] = [{"route_id": "R1", "service_id": "WK", "trip_id": "T1"},
                       {"route_id": "X9", "service_id": "WK", "trip_id": "T2"}]
    tables["stop_times"] = timed_trip("T1", "08:00") + timed_trip("T2", "09:00")
    return write_feed(tmp_path / "two.zip", **tables)


def test_route_operator_noc_and_raw_type(tmp_path: Path) -> None:
    tt = load_timetable([_two_operator_feed(tmp_path, noc=True)], dt.date.fromisoformat(MONDAY))
    by_route = dict(zip(tt.route_ids, zip(tt.route_agency_ids, tt.route_agency_nocs,  # type: ignore[arg-type]
                                          tt.route_types_raw.tolist(), strict=True), strict=True))  # type: ignore[union-attr]
    assert by_route == {"two:R1": ("two:AG", "ABUS", 3), "two:X9": ("two:CO", "", 201)}
    assert tt.route_types.tolist() == [3, 3]  # the coach is still routed as a bus


def test_no_noc_column_and_a_route_without_agency_id(tmp_path: Path) -> None:
    tables = line_feed()
    tables["routes"] = [{"route_id": "R1", "route_short_name": "1", "route_type": ""}]
    path = write_feed(tmp_path / "one", **tables)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the missing route_type is warned about elsewhere
        tt = load_timetable([path], dt.date.fromisoformat(MONDAY))
    # one agency in the feed: a route without agency_id is that agency's
    assert tt.route_agency_ids.tolist() == ["one:AG"]  # type: ignore[union-attr]
    assert tt.route_agency_nocs.tolist() == [""]  # type: ignore[union-attr]
    assert tt.route_types_raw.tolist() == [-1]  # type: ignore[union-attr]


def test_newport_coaches_keep_their_type() -> None:
    path = shared_data_dir() / "newport" / "newport_bods_gtfs_20230613_small.zip"
    tt = load_timetable([path], dt.date(2023, 6, 13), allow_feed_errors=True)
    raw = np.asarray(tt.route_types_raw)
    coach = (raw >= 200) & (raw <= 299)
    # Megabus (NOC MEGA) runs the coaches of this extract; buses are type 3
    assert set(np.asarray(tt.route_agency_nocs)[coach]) == {"MEGA"}
    assert set(raw[~coach].tolist()) == {3}
    assert (tt.route_types == 3).all()


def test_cached_feed_keeps_operators(tmp_path: Path) -> None:
    feed = load_feed_trips(_two_operator_feed(tmp_path, noc=True), "two",
                           dt.date.fromisoformat(MONDAY), allow_feed_errors=False)
    back = dataclass_from_storage(FeedTrips, *dataclass_to_storage(feed))
    assert back.agency_ids.tolist() == ["AG", "CO"]
    assert back.agency_nocs.tolist() == ["ABUS", ""]
    assert back.route_types_raw.tolist() == [3, 201]
