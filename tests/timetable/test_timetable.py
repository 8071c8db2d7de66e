"""Tests of routes.timetable.timetable: GTFS feeds to routing arrays for one service date."""

from __future__ import annotations

import datetime as dt
import logging
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _feeds import MONDAY, line_feed, service, shared_data_dir, stop_times, write_feed

from routes.errors import GtfsError, RoutesWarning
from routes.timetable._stop_times import haversine_m
from routes.timetable.feed import map_route_types
from routes.timetable.gtfs_time import parse_gtfs_times
from routes.timetable.timetable import (
    FeedSummary,
    Timetable,
    compute_timetable_stats,
    describe_feeds,
    load_timetable,
)


def load(*paths: Path, date: str = MONDAY, **kwargs: object) -> Timetable:
    return load_timetable(list(paths), dt.date.fromisoformat(date), **kwargs)  # type: ignore[arg-type]


def hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def trip_table(tt: Timetable, trip_id: str) -> list[tuple[str, str, str]]:
    """(stop_id, arrival, departure) along a trip, times as HH:MM:SS."""
    t = list(tt.trip_ids).index(trip_id)
    pattern = int(np.searchsorted(tt.pattern_trip_ptr, t, side="right") - 1)
    stops = tt.pattern_stops[tt.pattern_stop_ptr[pattern] : tt.pattern_stop_ptr[pattern + 1]]
    rows = slice(tt.trip_time_ptr[t], tt.trip_time_ptr[t + 1])
    return [
        (tt.stop_ids[s], hms(int(a)), hms(int(d)))
        for s, a, d in zip(stops, tt.arrival_s[rows], tt.departure_s[rows], strict=True)
    ]


def arrivals(tt: Timetable, trip_id: str) -> list[str]:
    return [a for _, a, _ in trip_table(tt, trip_id)]


# --------------------------------------------------------------------------- basics


def test_line_feed_layout(tmp_path: Path) -> None:
    """The docstring feed: one trip, one pattern, every array in kernel dtype."""
    tt = load(write_feed(tmp_path / "line.zip", **line_feed()))
    assert tt.feed_names == ("line",)
    assert list(tt.stop_ids) == ["line:A", "line:B", "line:C", "line:D"]
    assert list(tt.stop_names) == ["Stop A", "Stop B", "Stop C", "Stop D"]
    assert list(tt.route_ids) == ["line:R1"] and list(tt.route_short_names) == ["1"]
    assert list(tt.trip_ids) == ["line:T1"]
    assert tt.pattern_stops.tolist() == [0, 1, 2, 3]
    assert tt.pattern_stop_ptr.tolist() == [0, 4] and tt.pattern_trip_ptr.tolist() == [0, 1]
    assert tt.trip_time_ptr.tolist() == [0, 4]
    assert tt.stop_pattern_ptr.tolist() == [0, 1, 2, 3, 4] and tt.stop_patterns.tolist() == [0] * 4
    assert arrivals(tt, "line:T1") == ["08:00:00", "08:10:00", "08:30:00", "08:40:00"]
    for name in ("pattern_route", "pattern_stop_ptr", "pattern_stops", "pattern_trip_ptr",
                 "trip_time_ptr", "arrival_s", "departure_s", "stop_pattern_ptr", "stop_patterns"):
        assert getattr(tt, name).dtype == np.int32, name
    assert tt.route_types.dtype == np.int16
    assert tt.stop_lon.dtype == np.float64


def test_folder_feed_progress_and_log(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    calls: list[tuple[int, int]] = []
    with caplog.at_level(logging.INFO, logger="routes.timetable.timetable"):
        load(write_feed(tmp_path / "folder", **line_feed()),
             progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 2), (2, 2)]
    assert re.search(r"timetable 2019-05-13: 1 feeds, 1 trips, 1 patterns, 4 stops; \d+\.\d s",
                     caplog.text)


# --------------------------------------------------------------------------- calendars


def calendar_tables() -> dict[str, object]:
    """Services around Mon 2019-05-13 / Tue 05-14 / Sat 05-18.

    WK     Mon-Fri in May, removed on Tue 05-14 (calendar_dates type 2)  trip T_WK 08:00
    DAILY  every day in May                                              trip T_DAILY 09:00
    EXTRA  only in calendar_dates, added on Mon 05-13 (type 1)           trip T_EXTRA 10:00

    The trips leave A an hour apart (each takes 40 min), so that the feed
    doctor sees three journeys rather than copies of one.
    """
    tables = line_feed()
    tables["calendar"] = [service("WK", "1111100"), service("DAILY", "1111111")]
    tables["calendar_dates"] = [
        {"service_id": "WK", "date": "20190514", "exception_type": 2},
        {"service_id": "EXTRA", "date": "20190513", "exception_type": 1},
    ]
    tables["trips"] = [
        {"route_id": "R1", "service_id": s, "trip_id": f"T_{s}"} for s in ("WK", "DAILY", "EXTRA")
    ]
    tables["stop_times"] = [
        row for h, s in enumerate(("WK", "DAILY", "EXTRA"), start=8)
        for row in stop_times(f"T_{s}", [(f"{h:02d}:00:00",) * 2, None, None,
                                         (f"{h:02d}:40:00",) * 2])
    ]
    return tables


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("2019-05-13", {"T_WK", "T_DAILY", "T_EXTRA"}),  # Monday, EXTRA added
        ("2019-05-14", {"T_DAILY"}),  # Tuesday, WK removed
        ("2019-05-15", {"T_WK", "T_DAILY"}),  # Wednesday
        ("2019-05-18", {"T_DAILY"}),  # Saturday
    ],
)
def test_calendar_and_calendar_dates(tmp_path: Path, date: str, expected: set[str]) -> None:
    tt = load(write_feed(tmp_path / "cal.zip", **calendar_tables()), date=date)
    assert set(tt.trip_ids) == {f"cal:{t}" for t in expected}


def test_calendar_dates_only(tmp_path: Path) -> None:
    tables = calendar_tables()
    tables["calendar"] = None
    tt = load(write_feed(tmp_path / "cal.zip", **tables))
    assert set(tt.trip_ids) == {"cal:T_EXTRA"}


# --------------------------------------------------------------------------- frequencies


def test_frequencies_expanded(tmp_path: Path) -> None:
    """Template F leaves A at 05:00:00 and reaches B +5 min, C +12 min.

    06:00-07:00 every 1200 s (exact_times 0) -> 06:00, 06:20, 06:40 (07:00 excluded)
    07:00-07:30 every  900 s (exact_times 1) -> 07:00, 07:15
    The plain trip T1 runs once, as scheduled.
    """
    tables = line_feed()
    tables["trips"] = [{"route_id": "R1", "service_id": "WK", "trip_id": t} for t in ("T1", "F")]
    tables["stop_times"] = stop_times(
        "F", [("05:00:00",) * 2, ("05:05:00",) * 2, ("05:12:00",) * 2], stops="ABC"
    ) + line_feed()["stop_times"]
    tables["frequencies"] = [
        {"trip_id": "F", "start_time": "06:00:00", "end_time": "07:00:00", "headway_secs": 1200,
         "exact_times": 0},
        {"trip_id": "F", "start_time": "07:00:00", "end_time": "07:30:00", "headway_secs": 900,
         "exact_times": 1},
    ]
    tt = load(write_feed(tmp_path / "freq.zip", **tables))
    starts = ["06:00:00", "06:20:00", "06:40:00", "07:00:00", "07:15:00"]
    assert sorted(tt.trip_ids) == sorted(["freq:T1"] + [f"freq:F@{s}" for s in starts])
    assert trip_table(tt, "freq:F@06:20:00") == [
        ("freq:A", "06:20:00", "06:20:00"),
        ("freq:B", "06:25:00", "06:25:00"),
        ("freq:C", "06:32:00", "06:32:00"),
    ]
    assert arrivals(tt, "freq:F@07:15:00") == ["07:15:00", "07:20:00", "07:27:00"]
    assert tt.n_patterns == 2  # A-B-C and A-B-C-D


# --------------------------------------------------------------------------- midnight


def midnight_tables() -> dict[str, object]:
    """N runs Mondays only, across midnight; D1 runs daily so Tuesday has service.

    N   A 23:50:00 | B arr 23:59:00 dep 24:01:00 | C 24:30:00
    M   A 23:00:00 | B 23:30:00 | C 24:05:00         (only C is after midnight)
    D1  A 08:00:00 ... D 08:40:00
    """
    tables = line_feed()
    tables["calendar"] = [service("MON", "1000000"), service("DAILY", "1111111")]
    tables["trips"] = [
        {"route_id": "R1", "service_id": "MON", "trip_id": "N"},
        {"route_id": "R1", "service_id": "MON", "trip_id": "M"},
        {"route_id": "R1", "service_id": "DAILY", "trip_id": "D1"},
    ]
    tables["stop_times"] = (
        stop_times("N", [("23:50:00",) * 2, ("23:59:00", "24:01:00"), ("24:30:00",) * 2], "ABC")
        + stop_times("M", [("23:00:00",) * 2, ("23:30:00",) * 2, ("24:05:00",) * 2], "ABC")
        + stop_times("D1", [("08:00:00",) * 2, None, None, ("08:40:00",) * 2])
    )
    return tables


def test_times_past_midnight_kept(tmp_path: Path) -> None:
    tt = load(write_feed(tmp_path / "night.zip", **midnight_tables()), date="2019-05-13")
    assert set(tt.trip_ids) == {"night:N", "night:M", "night:D1"}
    t = list(tt.trip_ids).index("night:N")
    rows = slice(tt.trip_time_ptr[t], tt.trip_time_ptr[t + 1])
    assert tt.arrival_s[rows].tolist() == [85_800, 86_340, 88_200]
    assert tt.departure_s[rows].tolist() == [85_800, 86_460, 88_200]


def test_previous_day_trips_spill_over(tmp_path: Path) -> None:
    """On Tuesday, Monday's N runs from B (arrival clipped to 00:00:00); M is left
    with one stop after midnight and is dropped."""
    tt = load(write_feed(tmp_path / "night.zip", **midnight_tables()), date="2019-05-14")
    assert set(tt.trip_ids) == {"night:N@-1d", "night:D1"}
    assert trip_table(tt, "night:N@-1d") == [
        ("night:B", "00:00:00", "00:01:00"),
        ("night:C", "00:30:00", "00:30:00"),
    ]
    stats = compute_timetable_stats(tt)
    assert stats.loc[0, "n_trips"] == 2 and stats.loc[0, "n_trips_previous_day"] == 1


# --------------------------------------------------------------------------- interpolation


@pytest.mark.parametrize(
    ("dist", "expected"),
    [
        pytest.param(None, ["08:10:00", "08:30:00"], id="haversine"),
        pytest.param([0.0, 3.0, 3.5, 4.0], ["08:30:00", "08:35:00"], id="shape_dist_traveled"),
        pytest.param([0.0, 3.0, "", 4.0], ["08:10:00", "08:30:00"], id="incomplete-sdt"),
        pytest.param([0.0, 3.0, 2.0, 4.0], ["08:10:00", "08:30:00"], id="decreasing-sdt"),
        pytest.param([0.0, 0.0, 0.0, 0.0], ["08:13:20", "08:26:40"], id="equal-distances"),
    ],
)
def test_interpolation(tmp_path: Path, dist: list[object] | None, expected: list[str]) -> None:
    """A 08:00, D 08:40; B and C untimed. Haversine spacing is 1:2:1 (see _feeds);
    with zero distances the 40 min split by stop index: 800 s per hop."""
    tables = line_feed()
    if dist is not None:
        tables["stop_times"] = stop_times(
            "T1", [("08:00:00",) * 2, None, None, ("08:40:00",) * 2], shape_dist_traveled=dist
        )
    tt = load(write_feed(tmp_path / "interp.zip", **tables))
    assert arrivals(tt, "interp:T1") == ["08:00:00", *expected, "08:40:00"]


def test_interpolation_uses_departure_then_arrival_of_timed_neighbours(tmp_path: Path) -> None:
    """A dep 08:00, B untimed, C arr 08:30 dep 08:31, D 08:40: B = 08:00 + 30 min * 1/3."""
    tables = line_feed()
    tables["stop_times"] = stop_times(
        "T1", [("07:59:00", "08:00:00"), None, ("08:30:00", "08:31:00"), ("08:40:00",) * 2]
    )
    tt = load(write_feed(tmp_path / "interp.zip", **tables))
    assert trip_table(tt, "interp:T1")[1] == ("interp:B", "08:10:00", "08:10:00")


@pytest.mark.parametrize("position", [0, 3], ids=["first", "last"])
def test_untimed_end_stop(tmp_path: Path, position: int) -> None:
    tables = line_feed()
    times: list[tuple[str, str] | None] = [("08:00:00",) * 2, None, ("08:30:00",) * 2,
                                           ("08:40:00",) * 2]
    times[position] = None
    tables["stop_times"] = stop_times("T1", times) + stop_times(
        "T2", [("09:00:00",) * 2, None, None, ("09:40:00",) * 2]
    )
    tables["trips"] = [{"route_id": "R1", "service_id": "WK", "trip_id": t} for t in ("T1", "T2")]
    path = write_feed(tmp_path / "ends.zip", **tables)
    which = "first" if position == 0 else "last"
    expected = f"row {position + 1}: trip 'T1' has no time at its {which}"
    with pytest.raises(GtfsError, match=expected):
        load(path)
    with pytest.warns(RoutesWarning, match="1 trips with an untimed first or last stop"):
        tt = load(path, allow_feed_errors=True)
    assert list(tt.trip_ids) == ["ends:T2"]


# --------------------------------------------------------------------------- patterns


def test_overtaking_trips_split_into_patterns(tmp_path: Path) -> None:
    """Slow S trips take 60 min A->D, express E trips 20 min; E1 overtakes S1.

        S1 08:00 ........ 09:00      greedy, in order of departure:
        E1   08:10 .. 08:30          S1 -> p0; E1 overtakes S1 -> p1
        S2     08:20 ........ 09:20  S2 after S1 -> p0
        E2       08:30 .. 08:50      E2 not after S2, after E1 -> p1
    """
    tables = line_feed()
    trips = {"S1": ("08:00:00", "09:00:00"), "E1": ("08:10:00", "08:30:00"),
             "S2": ("08:20:00", "09:20:00"), "E2": ("08:30:00", "08:50:00")}
    tables["trips"] = [{"route_id": "R1", "service_id": "WK", "trip_id": t} for t in trips]
    tables["stop_times"] = [
        row for t, (a, d) in trips.items()
        for row in stop_times(t, [(a, a), None, None, (d, d)])
    ]
    tt = load(write_feed(tmp_path / "ot.zip", **tables))
    assert tt.n_patterns == 2
    by_pattern = [
        [tt.trip_ids[t] for t in range(tt.pattern_trip_ptr[p], tt.pattern_trip_ptr[p + 1])]
        for p in range(tt.n_patterns)
    ]
    assert sorted(by_pattern) == [["ot:E1", "ot:E2"], ["ot:S1", "ot:S2"]]
    assert tt.pattern_stops.tolist() == [0, 1, 2, 3, 0, 1, 2, 3]
    assert tt.stop_patterns.tolist() == [0, 1] * 4


def test_patterns_group_by_route_and_stop_sequence(tmp_path: Path) -> None:
    """T1 and T2 share route and stops; T3 skips C; T4 is on another route."""
    tables = line_feed()
    tables["routes"] = line_feed()["routes"] + [{"route_id": "R2", "route_type": 3}]  # type: ignore[operator]
    tables["trips"] = [
        {"route_id": r, "service_id": "WK", "trip_id": t}
        for t, r in (("T1", "R1"), ("T2", "R1"), ("T3", "R1"), ("T4", "R2"))
    ]
    tables["stop_times"] = (
        stop_times("T2", [("09:00:00",) * 2, None, None, ("09:40:00",) * 2])
        + stop_times("T1", [("08:00:00",) * 2, None, None, ("08:40:00",) * 2])
        + stop_times("T3", [("08:05:00",) * 2, None, ("08:40:00",) * 2], stops="ABD")
        + stop_times("T4", [("08:05:00",) * 2, None, None, ("08:40:00",) * 2])
    )
    tt = load(write_feed(tmp_path / "g.zip", **tables))
    assert tt.n_patterns == 3
    assert list(tt.route_short_names) == ["1", "R2"]  # falls back to the route_id
    trips_of = {
        tuple(tt.trip_ids[tt.pattern_trip_ptr[p] : tt.pattern_trip_ptr[p + 1]]):
        int(tt.pattern_route[p]) for p in range(tt.n_patterns)
    }
    assert trips_of == {("g:T1", "g:T2"): 0, ("g:T3",): 0, ("g:T4",): 1}
    # stop B (index 1) is served by every pattern; stop C (2) not by T3's
    b = tt.stop_patterns[tt.stop_pattern_ptr[1] : tt.stop_pattern_ptr[2]]
    c = tt.stop_patterns[tt.stop_pattern_ptr[2] : tt.stop_pattern_ptr[3]]
    assert len(b) == 3 and len(c) == 2


# --------------------------------------------------------------------------- several feeds


def test_two_feeds_namespaced(tmp_path: Path) -> None:
    """Two feeds with the same IDs and the same file name: ``gtfs`` and ``gtfs_2``."""
    a = write_feed(tmp_path / "a" / "gtfs.zip", **line_feed())
    b = write_feed(tmp_path / "b" / "gtfs.zip", **line_feed())
    tt = load(a, b)
    assert tt.feed_names == ("gtfs", "gtfs_2")
    assert tt.n_stops == 8 and tt.n_patterns == 2
    assert sorted(tt.trip_ids) == ["gtfs:T1", "gtfs_2:T1"]
    assert list(tt.route_ids) == ["gtfs:R1", "gtfs_2:R1"]
    for p in range(2):
        route = tt.route_ids[tt.pattern_route[p]].split(":")[0]
        stops = tt.stop_ids[tt.pattern_stops[tt.pattern_stop_ptr[p] : tt.pattern_stop_ptr[p + 1]]]
        assert {s.split(":")[0] for s in stops} == {route}
    stats = compute_timetable_stats(tt)
    assert stats.to_dict("list") == {
        "feed_name": ["gtfs", "gtfs_2"], "n_trips": [1, 1], "n_trips_previous_day": [0, 0],
        "n_routes": [1, 1], "n_patterns": [1, 1], "n_stops": [4, 4],
    }


# --------------------------------------------------------------------------- route types


@pytest.mark.parametrize(
    ("raw", "basic"),
    [(0, 0), (3, 3), (7, 7), (11, 11), (12, 12), (100, 2), (109, 2), (200, 3), (300, 2),
     (400, 1), (401, 1), (405, 12), (500, 1), (600, 1), (700, 3), (704, 3), (715, 3), (800, 11),
     (900, 0), (906, 0), (1000, 4), (1100, 3), (1200, 4), (1300, 6), (1400, 7), (1500, 3),
     (1701, 5), (1702, 3)],
)
def test_extended_route_types(raw: int, basic: int) -> None:
    types, unknown = map_route_types(np.array([raw], dtype=np.float64))
    assert types.tolist() == [basic] and not unknown[0]


@pytest.mark.parametrize("raw", [8, 42, 2000, -1, np.nan])
def test_unknown_route_types(raw: float) -> None:
    types, unknown = map_route_types(np.array([raw]))
    assert types.tolist() == [3] and unknown.tolist() == [True]


def test_extended_route_type_in_feed_and_unknown_warns(tmp_path: Path) -> None:
    tables = line_feed()
    tables["routes"] = [{"route_id": "R1", "route_type": 900}, {"route_id": "R9", "route_type": 42}]
    with pytest.warns(RoutesWarning, match=r"1 routes have a missing or unknown route_type.*'R9'"):
        tt = load(write_feed(tmp_path / "rt.zip", **tables))
    assert tt.route_types.tolist() == [0, 3]


# --------------------------------------------------------------------------- CSV quirks


def test_header_spaces_and_missing_final_newline(tmp_path: Path) -> None:
    """Spaces around header names must not change dtypes: stop '007' keeps its zeros."""
    tables = line_feed()
    tables["stops"] = (
        " stop_id , stop_name,stop_lat, stop_lon\n"
        "007,Stop A,0.0,0.0\nB,Stop B,0.0,0.01\nC,Stop C,0.0,0.03\nD,Stop D,0.0,0.04\n"
    )
    tables["calendar"] = (
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "WK,1,1,1,1,1,0,0,20190501,20190531"  # no final newline
    )
    tables["stop_times"] = stop_times(
        "T1", [("08:00:00",) * 2, None, None, ("08:40:00",) * 2], stops=["007", "B", "C", "D"]
    )
    tt = load(write_feed(tmp_path / "quirks", **tables))
    assert tt.stop_ids[0] == "quirks:007"
    assert arrivals(tt, "quirks:T1") == ["08:00:00", "08:10:00", "08:30:00", "08:40:00"]


# --------------------------------------------------------------------------- time parsing


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("00:00:00", 0), ("8:05:09", 29_109), ("08:05:09", 29_109), (" 25:10:00 ", 90_600),
     ("100:00:00", 360_000)],
)
def test_parse_good_times(text: str, seconds: int) -> None:
    values, bad = parse_gtfs_times(pd.Series([text], dtype="string"))
    assert values.tolist() == [seconds] and not bad[0]


@pytest.mark.parametrize("text", ["25:6:00", "ab:00:00", "08:00", "08:60:00", "08:00:61", "8h00"])
def test_malformed_time_is_an_error_naming_the_row(tmp_path: Path, text: str) -> None:
    tables = line_feed()
    tables["stop_times"] = stop_times("T1", [("08:00:00",) * 2, None, ("08:30:00", text),
                                             ("08:40:00",) * 2])
    path = write_feed(tmp_path / "bad_time.zip", **tables)
    expected = (
        f"stop_times.txt row 3: departure_time {text!r} is not HH:MM:SS; "
        "fix the feed or pass --allow-feed-errors to drop the trip"
    )
    with pytest.raises(GtfsError, match=re.escape(expected)):
        load(path)


def test_allow_feed_errors_drops_bad_trips_with_a_warning(tmp_path: Path) -> None:
    tables = line_feed()
    tables["trips"] = [{"route_id": "R1", "service_id": "WK", "trip_id": t}
                       for t in ("T1", "T2", "T3")]
    tables["stop_times"] = (
        stop_times("T1", [("08:00:00",) * 2, None, None, ("08:40:00",) * 2])
        + stop_times("T2", [("09:00:00",) * 2, ("9:6:00",) * 2, None, ("09:40:00",) * 2])
        + stop_times("T3", [("10:00:00",) * 2, None, None, ("10:40:00",) * 2], stops="ABCX")
    )
    path = write_feed(tmp_path / "errs.zip", **tables)
    with pytest.raises(GtfsError, match=r"2 problems:\n.*row 6: arrival_time '9:6:00'.*\n.*"
                                         r"row 12: stop_id 'X' is not in stops.txt"):
        load(path)
    with pytest.warns(
        RoutesWarning,
        match=r"dropping 1 trips with malformed times, 1 trips with an unknown stop",
    ):
        tt = load(path, allow_feed_errors=True)
    assert list(tt.trip_ids) == ["errs:T1"]


def test_times_going_backwards_is_an_error(tmp_path: Path) -> None:
    tables = line_feed()
    tables["stop_times"] = stop_times("T1", [("08:00:00",) * 2, None, ("07:30:00",) * 2,
                                             ("08:40:00",) * 2])
    with pytest.raises(GtfsError, match=r"row 3: trip 'T1' arrives at 07:30:00, before"):
        load(write_feed(tmp_path / "back.zip", **tables))


# --------------------------------------------------------------------------- no service


def test_no_service_on_date_warns_naming_the_feed(tmp_path: Path) -> None:
    june = line_feed()
    june["calendar"] = [service("WK", "1111100", "20190601", "20190630")]
    may = write_feed(tmp_path / "may.zip", **line_feed())
    idle = write_feed(tmp_path / "june.zip", **june)
    with pytest.warns(RoutesWarning, match=re.escape(
        "feed 'june' (june.zip) has no service on 2019-05-13; it runs 2019-06-01 to 2019-06-30"
    )):
        tt = load(may, idle)
    assert list(tt.trip_ids) == ["may:T1"] and tt.n_stops == 8


def test_no_feed_runs_is_an_error(tmp_path: Path) -> None:
    path = write_feed(tmp_path / "line.zip", **line_feed())
    with pytest.raises(GtfsError, match=r"no GTFS feed runs on 2019-05-18: feed 'line' "
                                        r"\(line\.zip\) has no service on 2019-05-18; it runs "
                                        r"2019-05-01 to 2019-05-31"):
        load(path, date="2019-05-18")


# --------------------------------------------------------------------------- unreadable feeds


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "feed.zip"
    path.write_text("not a zip")
    with pytest.raises(GtfsError, match=r"feed\.zip\) is not a zip archive"):
        load(path)


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(GtfsError, match=r"nowhere\.zip\) does not exist"):
        load(tmp_path / "nowhere.zip")


def test_damaged_zip(tmp_path: Path) -> None:
    path = write_feed(tmp_path / "good.zip", **line_feed())
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("stop_times.txt")
    start = info.header_offset + 30 + len(info.filename)  # first bytes of the compressed data
    data[start : start + 8] = b"\xff" * 8
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(data))
    with pytest.raises(GtfsError, match=r"damaged\.zip\): stop_times\.txt cannot be read"):
        load(damaged)


@pytest.mark.parametrize(
    ("left_out", "message"),
    [
        (("stops",), r"stops\.txt is missing or has no rows"),
        (("stop_times", "trips"), r"2 problems:\n.*trips\.txt is missing.*\n.*stop_times\.txt"),
        (("calendar",), r"calendar\.txt and calendar_dates\.txt are both missing"),
    ],
)
def test_missing_required_file(tmp_path: Path, left_out: tuple[str, ...], message: str) -> None:
    tables = line_feed()
    for name in left_out:
        tables[name] = None
    with pytest.raises(GtfsError, match=message):
        load(write_feed(tmp_path / "partial.zip", **tables))


def test_unparseable_column_names_the_file(tmp_path: Path) -> None:
    tables = line_feed()
    tables["stop_times"] = stop_times("T1", [("08:00:00",) * 2, None, None, ("08:40:00",) * 2])
    tables["stop_times"][1]["stop_sequence"] = "two"  # type: ignore[index]
    with pytest.raises(GtfsError, match=r"stop_times\.txt cannot be read \(ValueError"):
        load(write_feed(tmp_path / "seq.zip", **tables))


def test_headway_too_large_for_gtfs_kit_names_the_file(tmp_path: Path) -> None:
    """gtfs_kit reads headway_secs as Int16; pandas refuses 40,000 with a TypeError."""
    tables = line_feed()
    tables["frequencies"] = [{"trip_id": "T1", "start_time": "06:00:00", "end_time": "23:00:00",
                              "headway_secs": 40_000}]
    with pytest.raises(GtfsError, match=r"frequencies\.txt cannot be read \(TypeError"):
        load(write_feed(tmp_path / "hw.zip", **tables))


def test_bad_calendar_date(tmp_path: Path) -> None:
    tables = line_feed()
    tables["calendar"] = [service("WK", "1111100", "2019-05-01")]
    with pytest.raises(GtfsError, match=r"calendar\.txt row 1: start_date '2019-05-01'"):
        load(write_feed(tmp_path / "cal.zip", **tables))


# --------------------------------------------------------------------------- describe


def test_describe_feeds(tmp_path: Path) -> None:
    tables = calendar_tables()
    summary = describe_feeds([write_feed(tmp_path / "cal.zip", **tables)])
    assert summary == [
        FeedSummary(name="cal", path=tmp_path / "cal.zip", start_date=dt.date(2019, 5, 1),
                    end_date=dt.date(2019, 5, 31), n_routes=1, n_trips=3, n_stops=4)
    ]


# --------------------------------------------------------------------------- real data


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return shared_data_dir()


@pytest.fixture(scope="session")
def poa(data_dir: Path) -> Timetable:
    feeds = [data_dir / "poa" / "poa_eptc.zip", data_dir / "poa" / "poa_trensurb.zip"]
    return load_timetable(feeds, dt.date(2019, 5, 13))


@pytest.fixture(scope="session")
def rnv(data_dir: Path) -> Timetable:
    return load_timetable([data_dir / "rnv" / "rnv.zip"], dt.date(2016, 11, 16))


def check_kernel_invariants(tt: Timetable) -> None:
    """Times never decrease along a trip; within a pattern trips are sorted at every stop."""
    lengths = np.diff(tt.pattern_stop_ptr)
    trips_per_pattern = np.diff(tt.pattern_trip_ptr)
    assert (trips_per_pattern > 0).all()
    assert (np.diff(tt.trip_time_ptr) == np.repeat(lengths, trips_per_pattern)).all()
    assert (tt.arrival_s <= tt.departure_s).all()
    same_trip = np.ones(len(tt.arrival_s), dtype=bool)
    same_trip[tt.trip_time_ptr[:-1]] = False
    assert (tt.arrival_s[1:][same_trip[1:]] >= tt.departure_s[:-1][same_trip[1:]]).all()
    for p in range(tt.n_patterns):
        rows = slice(tt.trip_time_ptr[tt.pattern_trip_ptr[p]],
                     tt.trip_time_ptr[tt.pattern_trip_ptr[p + 1]])
        for times in (tt.arrival_s, tt.departure_s):
            grid = times[rows].reshape(trips_per_pattern[p], lengths[p])
            assert (np.diff(grid, axis=0) >= 0).all()
    for s in range(tt.n_stops):
        for p in tt.stop_patterns[tt.stop_pattern_ptr[s] : tt.stop_pattern_ptr[s + 1]]:
            assert s in tt.pattern_stops[tt.pattern_stop_ptr[p] : tt.pattern_stop_ptr[p + 1]]
    assert len(set(tt.trip_ids)) == tt.n_trips


def test_poa_counts(poa: Timetable) -> None:
    stats = compute_timetable_stats(poa).set_index("feed_name")
    assert stats.loc["poa_eptc", "n_trips"] == 2_374
    assert stats.loc["poa_trensurb", "n_trips"] == 529
    assert stats.loc["poa_eptc", "n_routes"] == 115
    assert stats["n_trips_previous_day"].sum() == 0
    assert poa.n_stops == 3_986 + 24
    assert set(poa.route_types.tolist()) == {2, 3}
    assert poa.departure_s.min() >= 0 and poa.arrival_s.max() < 24 * 3600
    check_kernel_invariants(poa)


def test_poa_interpolation_against_raw_stop_times(poa: Timetable, data_dir: Path) -> None:
    """96 % of EPTC stop times are untimed. Timed ones must come through unchanged and the
    interpolated ones lie between their timed neighbours; a naive per-trip re-implementation
    (haversine, EPTC has no shape_dist_traveled) agrees within a second."""
    with zipfile.ZipFile(data_dir / "poa" / "poa_eptc.zip") as zf:
        raw = pd.read_csv(zf.open("stop_times.txt"), dtype=str, keep_default_na=False)
        stops = pd.read_csv(zf.open("stops.txt"), dtype={"stop_id": str}).set_index("stop_id")
    raw["seq"] = raw["stop_sequence"].astype(int)
    ids = pd.Series(poa.trip_ids)
    eptc = ids.str.startswith("poa_eptc:").to_numpy()
    order = pd.Categorical(raw["trip_id"], categories=ids[eptc].str.slice(len("poa_eptc:")))
    raw = raw.assign(trip=order).sort_values(["trip", "seq"]).reset_index(drop=True)
    rows = np.concatenate([np.arange(poa.trip_time_ptr[t], poa.trip_time_ptr[t + 1])
                           for t in np.flatnonzero(eptc)])
    assert len(rows) == len(raw) == 130_019
    arr, dep = poa.arrival_s[rows], poa.departure_s[rows]

    timed = raw["arrival_time"].to_numpy() != ""
    assert timed.sum() == 4_748
    raw_arr, _ = parse_gtfs_times(raw["arrival_time"].where(timed).astype("string"))
    raw_dep, _ = parse_gtfs_times(raw["departure_time"].where(timed).astype("string"))
    assert (arr[timed] == raw_arr[timed]).all() and (dep[timed] == raw_dep[timed]).all()

    trip_code = raw["trip"].cat.codes.to_numpy()
    index = np.arange(len(raw))
    prev = np.maximum.accumulate(np.where(timed, index, -1))
    nxt = np.minimum.accumulate(np.where(timed, index, len(raw))[::-1])[::-1]
    untimed = ~timed
    assert (trip_code[prev[untimed]] == trip_code[untimed]).all()
    assert (trip_code[nxt[untimed]] == trip_code[untimed]).all()
    assert (arr[untimed] >= raw_dep[prev[untimed]]).all()
    assert (arr[untimed] <= raw_arr[nxt[untimed]]).all()
    assert (arr[untimed] == dep[untimed]).all()

    # naive oracle on a sample of trips: plain Python, one stop at a time
    lon, lat = stops.loc[raw["stop_id"], "stop_lon"].to_numpy(), stops.loc[
        raw["stop_id"], "stop_lat"].to_numpy()
    for code in range(0, int(trip_code.max()) + 1, 97):
        members = np.flatnonzero(trip_code == code)
        cum = [0.0]
        for a, b in zip(members[:-1], members[1:], strict=True):
            step = haversine_m(np.array(lon[a]), np.array(lat[a]), np.array(lon[b]),
                               np.array(lat[b]))
            cum.append(cum[-1] + float(step))
        for k, i in enumerate(members):
            if timed[i]:
                continue
            p, q = prev[i] - members[0], nxt[i] - members[0]
            t0, t1 = raw_dep[prev[i]], raw_arr[nxt[i]]
            expected = t0 + (t1 - t0) * (cum[k] - cum[p]) / (cum[q] - cum[p])
            assert abs(arr[i] - expected) <= 1, (raw["trip_id"][i], k)


def test_rnv_counts(rnv: Timetable) -> None:
    """7,123 trips of Wed 2016-11-16 plus Tuesday's trips still running after midnight."""
    stats = compute_timetable_stats(rnv)
    previous = int(stats.loc[0, "n_trips_previous_day"])
    assert rnv.n_trips - previous == 7_123
    assert previous > 0
    assert sum(t.endswith("@-1d") for t in rnv.trip_ids) == previous
    assert set(rnv.route_types.tolist()) == {0, 3}  # 900 trams and 704/3 buses
    assert rnv.arrival_s.max() > 24 * 3600  # times past midnight kept
    assert rnv.departure_s.min() >= 0
    check_kernel_invariants(rnv)


# --------------------------------------------------------------------------- more edge cases


def test_many_bad_rows_are_summarised(tmp_path: Path) -> None:
    """Seven trips with a malformed time: five are listed, then a count of the rest."""
    tables = line_feed()
    names = [f"T{i}" for i in range(7)]
    tables["trips"] = [{"route_id": "R1", "service_id": "WK", "trip_id": t} for t in names]
    tables["stop_times"] = [
        row
        for t in names
        for row in stop_times(t, [("8:0:00",) * 2, None, None, ("09:00:00",) * 2])
    ]
    path = write_feed(tmp_path / "many.zip", **tables)
    with pytest.raises(GtfsError, match=r"6 problems:(\n  - stop_times.txt row \d+: arrival_time "
                                        r"'8:0:00'.*){5}\n  - \.\.\. and 2 more such rows$"):
        load(path)
    with pytest.raises(GtfsError, match="no trips left on 2019-05-13"), pytest.warns(
        RoutesWarning, match="dropping 7 trips with malformed times"
    ):
        load(path, allow_feed_errors=True)


def test_repeated_stop_id(tmp_path: Path) -> None:
    tables = line_feed()
    tables["stops"] = [*tables["stops"], {"stop_id": "A", "stop_name": "again"}]  # type: ignore[list-item]
    path = write_feed(tmp_path / "dup.zip", **tables)
    with pytest.raises(GtfsError, match=r"stops\.txt row 5: stop_id 'A' is empty or repeats"):
        load(path)
    with pytest.warns(RoutesWarning, match="dropping 1 rows with an empty or repeated stop_id"):
        tt = load(path, allow_feed_errors=True)
    assert tt.n_stops == 4 and tt.stop_names[0] == "Stop A"


@pytest.mark.parametrize(
    ("files", "names"),
    [
        (["a/gtfs.zip", "b/gtfs.zip", "c/gtfs.zip"], ["gtfs", "gtfs_2", "gtfs_3"]),
        (["poa_eptc.zip", "poa_trensurb.zip"], ["poa_eptc", "poa_trensurb"]),
        (["x/my feed:v2.ZIP", "folder"], ["my_feed_v2", "folder"]),
    ],
)
def test_unique_feed_names(files: list[str], names: list[str]) -> None:
    from routes.timetable.read import unique_feed_names

    assert unique_feed_names([Path(f) for f in files]) == names


def test_frequencies_past_midnight_spill_over(tmp_path: Path) -> None:
    """Monday's F runs every 30 min 23:30-24:30, A -> B 10 min. On Tuesday the 24:00:00
    departure runs as 00:00-00:10; the 23:30 one ends before midnight."""
    tables = midnight_tables()
    tables["trips"] = [{"route_id": "R1", "service_id": s, "trip_id": t}
                       for t, s in (("F", "MON"), ("D1", "DAILY"))]
    tables["stop_times"] = stop_times("F", [("00:00:00",) * 2, ("00:10:00",) * 2], "AB") + [
        r for r in midnight_tables()["stop_times"] if r["trip_id"] == "D1"  # type: ignore[index]
    ]
    tables["frequencies"] = [{"trip_id": "F", "start_time": "23:30:00", "end_time": "24:30:00",
                              "headway_secs": 1800}]
    tt = load(write_feed(tmp_path / "fn.zip", **tables), date="2019-05-14")
    assert set(tt.trip_ids) == {"fn:D1", "fn:F@24:00:00@-1d"}
    assert arrivals(tt, "fn:F@24:00:00@-1d") == ["00:00:00", "00:10:00"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pattern_split_matches_naive_greedy(seed: int) -> None:
    """Random trips on one 5-stop route, some fast, some slow: every pattern is sorted at
    every stop, and the number of patterns is what a naive greedy finds."""
    from routes.timetable.timetable import _build_patterns

    rng = np.random.default_rng(seed)
    n_trips, n_stops = 40, 5
    start = np.sort(rng.integers(0, 3600, n_trips))
    hops = rng.choice([60, 300], size=(n_trips, 1)) * rng.integers(1, 3, (n_trips, n_stops - 1))
    arrival = np.column_stack([start, start[:, None] + np.cumsum(hops, axis=1)])
    departure = arrival + rng.integers(0, 2, arrival.shape) * 30
    arrival[:, 0] = departure[:, 0]
    order, pattern_route, stop_ptr, stops, trip_ptr = _build_patterns(
        np.zeros(n_trips, np.int64), np.arange(n_trips + 1) * n_stops,
        np.tile(np.arange(n_stops), n_trips), arrival.ravel(), departure.ravel(),
    )
    assert sorted(order.tolist()) == list(range(n_trips))
    for p in range(len(trip_ptr) - 1):
        members = order[trip_ptr[p] : trip_ptr[p + 1]]
        assert (np.diff(departure[members], axis=0) >= 0).all()
        assert (np.diff(arrival[members], axis=0) >= 0).all()

    naive: list[list[int]] = []
    for t in sorted(range(n_trips), key=lambda t: (tuple(departure[t]), tuple(arrival[t]))):
        for pattern in naive:
            last = pattern[-1]
            if all(departure[t] >= departure[last]) and all(arrival[t] >= arrival[last]):
                pattern.append(t)
                break
        else:
            naive.append([t])
    assert len(trip_ptr) - 1 == len(naive) > 1


# --------------------------------------------------------------------------- pickup / drop-off


def _two_trips(types_t1: list[object], types_t2: list[object],
               column: str = "pickup_type") -> dict[str, object]:
    """T1 and T2 on R1 (A B C D), T2 an hour later; ``column`` given per stop."""
    tables = line_feed()
    tables["trips"] = [{"route_id": "R1", "service_id": "WK", "trip_id": t}
                       for t in ("T1", "T2")]
    times = [("08:00:00",) * 2, ("08:10:00",) * 2, ("08:30:00",) * 2, ("08:40:00",) * 2]
    later = [(f"09:{t[0][3:]}",) * 2 for t in times]
    tables["stop_times"] = (stop_times("T1", times, **{column: types_t1})  # type: ignore[arg-type]
                            + stop_times("T2", later, **{column: types_t2}))
    return tables


def test_pickup_and_drop_off_types_are_read_per_pattern_stop(tmp_path: Path) -> None:
    """Empty is 0; 1 forbids boarding (alighting); 2 (phone) and 3 (ask the driver) allow it,
    as R5; the same types give one pattern."""
    tables = _two_trips([0, "", 2, 1], [0, None, 2, 1])
    tables["stop_times"] = [  # type: ignore[index]
        {**row, "drop_off_type": [1, 3, 0, ""][i % 4]}
        for i, row in enumerate(tables["stop_times"])  # type: ignore[arg-type]
    ]
    tt = load(write_feed(tmp_path / "types.zip", **tables))  # type: ignore[arg-type]
    assert tt.n_patterns == 1
    assert tt.pattern_pickup_type is not None and tt.pattern_drop_off_type is not None
    assert tt.pattern_pickup_type.tolist() == [0, 0, 2, 1]
    assert tt.pattern_drop_off_type.tolist() == [1, 3, 0, 0]
    assert tt.can_board.tolist() == [True, True, True, False]
    assert tt.can_alight.tolist() == [False, True, True, True]


def test_other_pickup_types_make_other_patterns(tmp_path: Path) -> None:
    # Same route and stops; T2 picks up nobody at B: two patterns (R5's TripPatternKey).
    tt = load(write_feed(tmp_path / "split.zip", **_two_trips([0, 0, 0, 1], [0, 1, 0, 1])))  # type: ignore[arg-type]
    assert tt.n_patterns == 2
    assert tt.pattern_pickup_type is not None
    by_trip = {}
    for p in range(tt.n_patterns):
        for t in range(tt.pattern_trip_ptr[p], tt.pattern_trip_ptr[p + 1]):
            by_trip[tt.trip_ids[t]] = tt.pattern_pickup_type[
                tt.pattern_stop_ptr[p]:tt.pattern_stop_ptr[p + 1]].tolist()
    assert by_trip == {"split:T1": [0, 0, 0, 1], "split:T2": [0, 1, 0, 1]}


def test_feeds_without_types_store_none(tmp_path: Path) -> None:
    tt = load(write_feed(tmp_path / "plain.zip", **line_feed()))  # type: ignore[arg-type]
    assert tt.pattern_pickup_type is None and tt.pattern_drop_off_type is None
    assert tt.can_board.all() and tt.can_alight.all()


@pytest.mark.parametrize("column", ["pickup_type", "drop_off_type"])
def test_unknown_pickup_type_names_the_row(tmp_path: Path, column: str) -> None:
    path = write_feed(tmp_path / "bad.zip", **_two_trips([0, 0, 4, 1], [0, 0, 0, 1], column))  # type: ignore[arg-type]
    with pytest.raises(GtfsError, match=rf"stop_times\.txt row 3: {column} 4 is not one of 0"):
        load(path)
    with pytest.warns(RoutesWarning, match=rf"1 trips with an unknown {column}"):
        tt = load(path, allow_feed_errors=True)
    assert list(tt.trip_ids) == ["bad:T2"]


# --------------------------------------------------------------------------- frequency entries


def test_frequency_entries_are_kept(tmp_path: Path) -> None:
    """The trips of test_frequencies_expanded remember their frequencies.txt row, both
    exact_times 0 and 1 (the engine's random phases treat them alike, as R5)."""
    tables = line_feed()
    tables["trips"] = [{"route_id": "R1", "service_id": "WK", "trip_id": t} for t in ("T1", "F")]
    tables["stop_times"] = stop_times(
        "F", [("05:00:00",) * 2, ("05:05:00",) * 2, ("05:12:00",) * 2], stops="ABC"
    ) + line_feed()["stop_times"]  # type: ignore[operator]
    tables["frequencies"] = [
        {"trip_id": "F", "start_time": "06:00:00", "end_time": "07:00:00", "headway_secs": 1200,
         "exact_times": 0},
        {"trip_id": "F", "start_time": "07:00:00", "end_time": "07:30:00", "headway_secs": 900,
         "exact_times": 1},
    ]
    tt = load(write_feed(tmp_path / "freq.zip", **tables))  # type: ignore[arg-type]
    assert tt.trip_frequency is not None and tt.frequency_keys is not None
    entry = dict(zip(tt.trip_ids, tt.trip_frequency.tolist(), strict=True))
    assert entry == {"freq:T1": -1, "freq:F@06:00:00": 0, "freq:F@06:20:00": 0,
                     "freq:F@06:40:00": 0, "freq:F@07:00:00": 1, "freq:F@07:15:00": 1}
    assert tt.frequency_keys.tolist() == ["freq:F@06:00:00", "freq:F@07:00:00"]
    assert tt.frequency_start_s is not None and tt.frequency_end_s is not None
    assert tt.frequency_headway_s is not None
    assert tt.frequency_start_s.tolist() == [21_600, 25_200]
    assert tt.frequency_end_s.tolist() == [25_200, 27_000]
    assert tt.frequency_headway_s.tolist() == [1200, 900]


def test_frequency_trips_carried_from_the_previous_day_stay_timetabled(tmp_path: Path) -> None:
    """As test_frequencies_past_midnight_spill_over: F@24:00:00@-1d is no entry's (-1)."""
    tables = midnight_tables()
    tables["trips"] = [{"route_id": "R1", "service_id": s, "trip_id": t}
                       for t, s in (("F", "MON"), ("D1", "DAILY"))]
    tables["stop_times"] = stop_times("F", [("00:00:00",) * 2, ("00:10:00",) * 2], "AB") + [
        r for r in midnight_tables()["stop_times"] if r["trip_id"] == "D1"  # type: ignore[index]
    ]
    tables["frequencies"] = [{"trip_id": "F", "start_time": "23:30:00", "end_time": "24:30:00",
                              "headway_secs": 1800}]
    tt = load(write_feed(tmp_path / "fn.zip", **tables), date="2019-05-14")  # type: ignore[arg-type]
    assert set(tt.trip_ids) == {"fn:D1", "fn:F@24:00:00@-1d"}
    assert tt.trip_frequency is not None
    assert tt.trip_frequency.tolist() == [-1, -1]  # timetabled, whatever the phase
