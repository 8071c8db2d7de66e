"""Tests for routes.proposal.gtfs_modifications on a hand-made feed (tests/_modification_feeds.py).

::

    A ------ B ------ C          D (east of C)
    route R1, service WK:
      direction 0  A -> B -> C   at 07:00 07:20 07:40 08:00   (B +5/+6 min, C +12 min)
                   A -> B        at 07:30                     (short turn, B +5 min)
      direction 1  C -> B -> A   at 07:10 07:50               (B untimed, A +12 min)
    route R2, service WK:  A -> D at 07:05 07:35
    route R3, service WK:  A -> C, trip F1 in frequencies.txt every 30 min 07:00-08:00
                           (departs 07:00 and 07:30)

    R1 at a 10 min headway:
      direction 0: most frequent pattern A-B-C (4 departures vs 1), template = lower
                   median departure 07:20; new trips 07:00, 07:10, ... 08:00 -> 7
      direction 1: template 07:10; new trips 07:10, 07:20, ... 07:50 -> 5
"""

from __future__ import annotations

from pathlib import Path

import gtfs_kit as gk
import pandas as pd
import pytest
from _feeds import shared_data_dir
from _modification_feeds import write_modification_feed

from routes.errors import GtfsError, ProposalError, RoutesWarning
from routes.proposal.gtfs_modifications import apply_modifications
from routes.proposal.model import ModificationKind, RouteModification

TABLES = ("routes", "trips", "stop_times", "frequencies", "stops", "calendar")


@pytest.fixture
def feed(tmp_path: Path) -> gk.Feed:
    return gk.read_feed(write_modification_feed(tmp_path / "tiny.zip"), dist_units="km")


def _snapshot(feed: gk.Feed) -> dict[str, pd.DataFrame]:
    return {name: getattr(feed, name).copy() for name in TABLES}


def _assert_unchanged(feed: gk.Feed, before: dict[str, pd.DataFrame]) -> None:
    for name, frame in before.items():
        pd.testing.assert_frame_equal(getattr(feed, name), frame)


def remove(route_id: str) -> RouteModification:
    return RouteModification(ModificationKind.REMOVE_ROUTE, route_id)


def change(route_id: str, headway_min: float) -> RouteModification:
    return RouteModification(ModificationKind.CHANGE_HEADWAY, route_id, round(headway_min * 60))


def _departures(feed: gk.Feed, route_id: str) -> dict[int, list[str]]:
    trips = feed.trips[feed.trips["route_id"] == route_id]
    st = feed.stop_times[feed.stop_times["trip_id"].isin(trips["trip_id"])]
    first = st[st["stop_sequence"] == 1].merge(trips, on="trip_id")
    return {int(d): sorted(g["departure_time"].tolist()) for d, g in first.groupby("direction_id")}


def test_remove_route(feed: gk.Feed) -> None:
    before = _snapshot(feed)
    new = apply_modifications(feed, [remove("R2")])
    assert new is not feed
    _assert_unchanged(feed, before)
    assert "R2" not in set(new.routes["route_id"])
    assert not new.trips["route_id"].eq("R2").any()
    assert not new.stop_times["trip_id"].isin(["R2a", "R2b"]).any()
    assert new.fare_rules["route_id"].tolist() == ["R1"]
    assert len(new.trips) == len(feed.trips) - 2
    assert len(new.stop_times) == len(feed.stop_times) - 4
    pd.testing.assert_frame_equal(new.stops, feed.stops)  # stops are kept


def test_change_headway(feed: gk.Feed) -> None:
    before = _snapshot(feed)
    new = apply_modifications(feed, [change("R1", 10)])
    _assert_unchanged(feed, before)
    deps = _departures(new, "R1")
    assert deps[0] == [
        "07:00:00",
        "07:10:00",
        "07:20:00",
        "07:30:00",
        "07:40:00",
        "07:50:00",
        "08:00:00",
    ]
    assert deps[1] == ["07:10:00", "07:20:00", "07:30:00", "07:40:00", "07:50:00"]
    trips = new.trips.set_index("trip_id")
    assert trips.loc["R1b_hw600s_002", "direction_id"] == 0  # template: the 07:20 trip
    assert trips.loc[trips["route_id"] == "R1", "block_id"].isna().all()
    st = new.stop_times.set_index("trip_id")
    second = st.loc["R1b_hw600s_002"].sort_values("stop_sequence")
    assert second["stop_id"].tolist() == ["A", "B", "C"]
    assert second["arrival_time"].tolist() == ["07:10:00", "07:15:00", "07:22:00"]
    assert second["departure_time"].tolist() == ["07:10:00", "07:16:00", "07:22:00"]
    back = st.loc["R1r1_hw600s_005"].sort_values("stop_sequence")
    assert back["stop_id"].tolist() == ["C", "B", "A"]
    assert back["arrival_time"].isna().tolist() == [False, True, False]  # stays untimed
    assert back["arrival_time"].iloc[-1] == "08:02:00"
    assert not new.stop_times["trip_id"].isin(["R1a", "R1s", "R1r2"]).any()
    # other routes untouched
    assert _departures(new, "R2") == _departures(feed, "R2")
    assert new.trips.dtypes.equals(feed.trips.dtypes)
    assert new.stop_times.dtypes.equals(feed.stop_times.dtypes)


def test_change_headway_of_a_frequency_route(feed: gk.Feed) -> None:
    new = apply_modifications(feed, [change("R3", 15)])
    assert _departures(new, "R3") == {0: ["07:00:00", "07:15:00", "07:30:00"]}
    assert new.frequencies.empty
    assert len(feed.frequencies) == 1


def test_several_modifications(feed: gk.Feed) -> None:
    new = apply_modifications(feed, [remove("R2"), change("R1", 20)])
    assert _departures(new, "R1") == {
        0: ["07:00:00", "07:20:00", "07:40:00", "08:00:00"],
        1: ["07:10:00", "07:30:00", "07:50:00"],
    }
    assert set(new.trips["route_id"]) == {"R1", "R3"}


def test_no_modifications_returns_a_copy(feed: gk.Feed) -> None:
    new = apply_modifications(feed, [])
    assert new is not feed
    pd.testing.assert_frame_equal(new.trips, feed.trips)


def test_unknown_route(feed: gk.Feed) -> None:
    mod = RouteModification(ModificationKind.REMOVE_ROUTE, "R9", feature_index=4)
    with pytest.raises(
        ProposalError,
        match=r"feature 4 \(remove_route 'R9'\) gtfs_route_id: "
        r"'R9' is not a route_id of this feed \(closest: 'R\d', 'R\d', 'R\d'\)",
    ):
        apply_modifications(feed, [mod])


def test_route_modified_twice(feed: gk.Feed) -> None:
    with pytest.raises(ProposalError, match="modified twice"):
        apply_modifications(feed, [remove("R1"), change("R1", 5)])


def test_route_without_trips_warns(feed: gk.Feed) -> None:
    with pytest.warns(RoutesWarning, match="route 'R4' has no trips"):
        new = apply_modifications(feed, [change("R4", 10)])
    assert len(new.trips) == len(feed.trips)


def test_malformed_time(feed: gk.Feed) -> None:
    feed = feed.copy()
    st = feed.stop_times.copy()
    st.loc[st.index[st["trip_id"] == "R1c"][1], "arrival_time"] = "7:4O:00"
    feed.stop_times = st
    with pytest.raises(
        GtfsError, match=r"stop_times.txt: 1 times are not HH:MM:SS, e\.g\. '7:4O:00'"
    ):
        apply_modifications(feed, [change("R1", 10)])


def test_real_feed_porto_alegre() -> None:
    real = gk.read_feed(shared_data_dir() / "poa" / "poa_eptc.zip", dist_units="km")
    trips_260 = real.trips[real.trips["route_id"] == "260"]
    new = apply_modifications(real, [change("260", 20), remove("T12")])
    assert not new.trips["route_id"].eq("T12").any()
    new_260 = new.trips[new.trips["route_id"] == "260"]
    assert set(new_260["direction_id"]) == set(trips_260["direction_id"])
    before = _departures(real, "260")
    after = _departures(new, "260")
    for direction, times in after.items():
        assert times[0] == before[direction][0]  # the span starts at the first departure
        assert times[-1] <= before[direction][-1]
        gaps = pd.to_timedelta(pd.Series(times)).diff().dropna()
        assert (gaps == pd.Timedelta(minutes=20)).all()
    assert len(new.stop_times) < len(real.stop_times)
