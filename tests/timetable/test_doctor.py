"""The feed doctor (routes/timetable/doctor.py): one micro feed per quirk, with hand-derived counts.

Every feed runs on the line A - B - C - D of ``tests/_feeds.py`` (agency AG,
Monday 2019-05-13 unless said otherwise). ``timed_trip(id, "08:00")`` leaves A
at 08:00 and reaches B, C, D 10, 30 and 40 minutes later.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from _feeds import MONDAY, line_feed, route, service, stop_times, timed_trip, write_feed
from _study import study_feed_tables, write_study_area
from click.testing import CliRunner

from routes.cache import NetworkCache
from routes.config.study_area import load_study_area
from routes.errors import RoutesWarning
from routes.network.check import compute_data_report
from routes.network.transit import build_network
from routes.timetable.diagnosis import DoctorRules, FeedDiagnosis
from routes.timetable.doctor import compute_feed_diagnosis, restrict_to_kept_trips
from routes.timetable.gtfs_time import DAY_S
from routes.timetable.timetable import Timetable, load_timetable
from routes.timetable.trips import TripTable

DAY = dt.date.fromisoformat(MONDAY)


def load(path: Path, date: dt.date = DAY, **kwargs: object) -> Timetable:
    return load_timetable([path], date, **kwargs)  # type: ignore[arg-type]


def doctor_of(tt: Timetable) -> FeedDiagnosis:
    (diagnosis,) = tt.feed_diagnoses
    return diagnosis


def trip_set(tt: Timetable) -> set[str]:
    return {t.split(":", 1)[1] for t in tt.trip_ids}


def feed(**tables: object) -> dict[str, object]:
    """The line feed with some tables replaced."""
    base: dict[str, object] = dict(line_feed())
    base.update(tables)
    return base


# --------------------------------------------------------------------------- duplicates


def duplicates_feed() -> dict[str, object]:
    """Five trips, two of them copies of T1::

        trip  route  short  service  A      ...  D
        T1    R1     1      WK       08:00       08:40
        T2    R1     1      WK2      08:00       08:40   copy of T1 (other service) -> dropped
        T3    R2     1      WK       08:00       08:40   copy of T1 (other route_id) -> dropped
        T4    R3     2      WK       08:00       08:40   same times, route "2": kept
        T5    R1     1      WK       08:01       08:41   a minute later: kept

    WK and WK2 both run Mon-Fri from 2019-05-01, so no version is newer and
    the superseded-version rule drops nothing.
    """
    trips = [("T1", "R1", "WK", "08:00"), ("T2", "R1", "WK2", "08:00"),
             ("T3", "R2", "WK", "08:00"), ("T4", "R3", "WK", "08:00"),
             ("T5", "R1", "WK", "08:01")]
    return feed(
        routes=[route("R1", "1"), route("R2", "1"), route("R3", "2")],
        calendar=[service("WK", "1111100"), service("WK2", "1111100")],
        trips=[{"route_id": r, "service_id": s, "trip_id": t} for t, r, s, _ in trips],
        stop_times=[row for t, _, _, start in trips for row in timed_trip(t, start)],
    )


def test_exact_duplicates_are_dropped_once(tmp_path: Path) -> None:
    with pytest.warns(RoutesWarning, match=r"feed doctor dropped 2 duplicate trips of the 5"):
        tt = load(write_feed(tmp_path / "dups.zip", **duplicates_feed()))
    assert trip_set(tt) == {"T1", "T4", "T5"}
    d = doctor_of(tt)
    assert (d.n_trips, d.n_duplicate_trips, d.n_superseded_trips) == (5, 2, 0)
    assert d.n_look_alike_versions == 0
    assert set(d.duplicate_trip_ids) == {"T2", "T3"}
    assert d.examples[:2] == ("trip 'T2' repeats trip 'T1'", "trip 'T3' repeats trip 'T1'")
    assert d.describe().startswith("dups: 2 duplicate trips dropped; no superseded")


def test_doctor_can_report_without_dropping(tmp_path: Path) -> None:
    """With ``DoctorRules(drop=False)`` the same counts are reported, nothing is dropped,
    and there is no warning (pytest turns warnings into errors)."""
    tt = load(write_feed(tmp_path / "dups.zip", **duplicates_feed()),
              feed_doctor=DoctorRules(drop=False))
    assert trip_set(tt) == {"T1", "T2", "T3", "T4", "T5"}
    d = doctor_of(tt)
    assert (d.dropped, d.n_duplicate_trips, d.n_trips_dropped) == (False, 2, 0)
    assert d.describe().startswith("dups: 2 duplicate trips found, kept;")


# --------------------------------------------------------------------------- superseded


def versions_feed(new_start: str, new_times: tuple[str, ...]) -> dict[str, object]:
    """Two versions of route "1" (agency AG) running on Monday 2019-05-13::

        version     route_id  service  calendar from  departures from A (all A -> D)
        older       R1        OLD      2019-05-01     07:00 08:00 09:00 10:00
        newer       R2        NEW      ``new_start``  ``new_times``

    With the default ``new_times`` 07:00 08:02 09:01 10:00 11:00 each older
    trip has a newer one within 2 minutes: m = 4 >= 0.8 * 4 and 4 >= 0.5 * 5.
    """
    old = ("07:00", "08:00", "09:00", "10:00")
    trips = [(f"O{i}", "R1", "OLD", t) for i, t in enumerate(old, 1)]
    trips += [(f"N{i}", "R2", "NEW", t) for i, t in enumerate(new_times, 1)]
    return feed(
        routes=[route("R1", "1"), route("R2", "1")],
        calendar=[service("OLD", "1111100", "20190501"),
                  service("NEW", "1111100", new_start)],
        trips=[{"route_id": r, "service_id": s, "trip_id": t} for t, r, s, _ in trips],
        stop_times=[row for t, _, _, start in trips for row in timed_trip(t, start)],
    )


NEW_TIMES = ("07:00", "08:02", "09:01", "10:00", "11:00")


def test_superseded_version_is_dropped(tmp_path: Path) -> None:
    """NEW starts later (2019-05-10), so OLD's four trips go; O1 and O4 are also exact
    copies of N1 and N4 but count once, as superseded."""
    with pytest.warns(RoutesWarning, match=r"dropped 4 trips of 1 superseded version of 1 "):
        tt = load(write_feed(tmp_path / "v.zip", **versions_feed("20190510", NEW_TIMES)))
    assert trip_set(tt) == {"N1", "N2", "N3", "N4", "N5"}
    d = doctor_of(tt)
    assert (d.n_superseded_versions, d.n_superseded_services, d.n_superseded_trips) == (1, 1, 4)
    assert (d.n_duplicate_trips, d.n_look_alike_versions) == (0, 0)
    assert set(d.superseded_trip_ids) == {"O1", "O2", "O3", "O4"}
    assert d.examples == (
        "route '1' of agency 'AG': route_id 'R1' service 'OLD' from 2019-05-01 (4 trips) "
        "superseded by route_id 'R2' service 'NEW' from 2019-05-10 (5 trips, 4 matched "
        "within 2 min)",
    )
    assert "1 superseded version of 1 service dropped (4 trips)" in d.describe()


@pytest.mark.parametrize(
    ("new_start", "new_times", "kept", "counts"),
    [
        # same start date: which is newer is unknown -> both kept as look-alikes;
        # the exact copies N1 (of O1) and N4 (of O4) are then dropped as duplicates
        ("20190501", NEW_TIMES, {"O1", "O2", "O3", "O4", "N2", "N3", "N5"}, (0, 2, 2)),
        # N2 leaves 3 min after O2: only 3 of OLD's 4 trips match, 3 < 0.8 * 4
        ("20190510", ("07:00", "08:03", "09:01", "10:00", "11:00"),
         {"O1", "O2", "O3", "O4", "N2", "N3", "N5"}, (0, 2, 0)),
        # NEW has 9 trips: 4 matched < 0.5 * 9, so OLD is not a whole timetable of NEW's
        ("20190510", (*NEW_TIMES, "12:00", "13:00", "14:00", "15:00"),
         {"O1", "O2", "O3", "O4", "N2", "N3", "N5", "N6", "N7", "N8", "N9"}, (0, 2, 0)),
    ],
)
def test_superseded_rule_thresholds(
    tmp_path: Path, new_start: str, new_times: tuple[str, ...], kept: set[str],
    counts: tuple[int, int, int],
) -> None:
    """Counts are (superseded versions, duplicates, look-alike versions)."""
    with pytest.warns(RoutesWarning, match="dropped 2 duplicate trips"):
        tt = load(write_feed(tmp_path / "v.zip", **versions_feed(new_start, new_times)))
    assert trip_set(tt) == kept
    d = doctor_of(tt)
    assert (d.n_superseded_versions, d.n_duplicate_trips, d.n_look_alike_versions) == counts


def test_legitimate_extra_journeys_are_kept(tmp_path: Path) -> None:
    """Four versions of route "1" beside the base timetable, none superseded::

        service  from        trips (A departures)            why it stays
        BASE     2019-05-01  A->D hourly 07:00-18:00 (12)    the timetable
        SCHOOL   2019-04-01  A->D 08:01, 15:01 (2)           older and matching BASE within a
                                                             minute, but 2 < 0.5 * 12
        SHORT    2019-05-10  A->C hourly 07:00-18:00 (12)    newer, same times, but ends at C
        HALF     2019-05-10  A->D 07:30-18:30 (12)           newer, 30 min from any BASE trip
        EVENING  2019-05-10  A->D 19:00-22:00 (4)            newer, no BASE trip near

    42 trips in all, no exact copies either.
    """
    hours = range(7, 19)
    trips = [(f"B{h}", "BASE", f"{h:02d}:00", "ABCD") for h in hours]
    trips += [("S8", "SCHOOL", "08:01", "ABCD"), ("S15", "SCHOOL", "15:01", "ABCD")]
    trips += [(f"W{h}", "SHORT", f"{h:02d}:00", "ABC") for h in hours]
    trips += [(f"H{h}", "HALF", f"{h:02d}:30", "ABCD") for h in hours]
    trips += [(f"E{h}", "EVENING", f"{h:02d}:00", "ABCD") for h in range(19, 23)]
    tables = feed(
        calendar=[service("BASE", "1111100", "20190501"), service("SCHOOL", "1111100", "20190401"),
                  *(service(s, "1111100", "20190510") for s in ("SHORT", "HALF", "EVENING"))],
        trips=[{"route_id": "R1", "service_id": s, "trip_id": t} for t, s, _, _ in trips],
        stop_times=[row for t, _, start, stops in trips
                    for row in timed_trip(t, start, (0, 10, 30, 40)[: len(stops)], stops)],
    )
    tt = load(write_feed(tmp_path / "extras.zip", **tables))
    assert tt.n_trips == 42
    d = doctor_of(tt)
    assert (d.n_duplicate_trips, d.n_superseded_versions, d.n_look_alike_versions) == (0, 0, 0)


# --------------------------------------------------------------------------- counted only


@pytest.mark.parametrize(("date", "carried"), [("2019-05-13", 0), ("2019-05-14", 1)])
def test_trips_past_midnight_are_counted(tmp_path: Path, date: str, carried: int) -> None:
    """WK runs Mon-Fri; T_LATE leaves A 23:40 and reaches D at 24:20::

        T_DAY   A 08:00  B 08:10  C 08:30  D 08:40
        T_LATE  A 23:40  B 23:50  C 24:10  D 24:20

    On Monday one trip of the date runs past 24:00 (Sunday has no service); on
    Tuesday, Monday's T_LATE also comes back as T_LATE@-1d (C 00:10, D 00:20).
    """
    tables = feed(
        trips=[{"route_id": "R1", "service_id": "WK", "trip_id": t} for t in ("T_DAY", "T_LATE")],
        stop_times=timed_trip("T_DAY", "08:00") + timed_trip("T_LATE", "23:40"),
    )
    tt = load(write_feed(tmp_path / "late.zip", **tables), dt.date.fromisoformat(date))
    d = doctor_of(tt)
    assert (d.n_trips, d.n_trips_past_midnight, d.n_trips_from_previous_day) == (2 + carried, 1,
                                                                                 carried)
    assert tt.arrival_s.max() == DAY_S + 20 * 60  # 24:20:00 kept as it is
    extra = " (+1 carried over from the day before)" if carried else ""
    assert f"1 trip past 24:00{extra};" in d.describe()


SHAPES = [
    {"shape_id": s, "shape_pt_lat": 0.0, "shape_pt_lon": lon, "shape_pt_sequence": k}
    for s, points in (("S1", (0.0, 0.02, 0.04)), ("S3", (0.0,)))
    for k, lon in enumerate(points, 1)
]


@pytest.mark.parametrize(
    ("shapes", "shape_ids", "missing", "text"),
    [
        # S1 has three points; S2 is not in shapes.txt; T3 has none; S3 has one point
        (SHAPES, ["S1", "S2", "", "S3"], 3, "shapes missing for 3 of 4 trips (not needed for "
                                            "routing)"),
        (SHAPES, ["S1"] * 4, 0, "every trip has a shape"),
        (None, ["S1"] * 4, 4, "shapes missing for all 4 trips (not needed for routing)"),
    ],
)
def test_trips_without_a_usable_shape_are_counted(
    tmp_path: Path, shapes: object, shape_ids: list[str], missing: int, text: str
) -> None:
    """Four trips T1-T4 an hour apart, with the given shape_id (shapes.txt or not)."""
    trips = [{"route_id": "R1", "service_id": "WK", "trip_id": f"T{k}", "shape_id": s}
             for k, s in enumerate(shape_ids, 1)]
    tables = feed(trips=trips, shapes=shapes,
                  stop_times=[row for k in range(1, 5) for row in timed_trip(f"T{k}", f"0{k}:00")])
    tt = load(write_feed(tmp_path / "shapes.zip", **tables))
    assert tt.n_trips == 4  # nothing in routing needs a shape
    assert doctor_of(tt).n_trips_without_shape == missing
    assert text in doctor_of(tt).describe()


def test_whole_minute_times_are_counted_and_kept(tmp_path: Path) -> None:
    """Times the feed gives, and hops between timed stops::

        T1  A 08:00:00  B 08:01:00  C 08:01:00-08:02:00  D 08:05:00   hop B->C takes 0 s
        T2  A 09:00:30  B, C untimed                     D 09:10:00

    12 times given (two per timed stop time), 10 of them whole minutes; 3 timed
    hops (all in T1), 1 of zero seconds. Times come through as published.
    """
    tables = feed(
        trips=[{"route_id": "R1", "service_id": "WK", "trip_id": t} for t in ("T1", "T2")],
        stop_times=stop_times("T1", [("08:00:00",) * 2, ("08:01:00",) * 2,
                                     ("08:01:00", "08:02:00"), ("08:05:00",) * 2])
        + stop_times("T2", [("09:00:30",) * 2, None, None, ("09:10:00",) * 2]),
    )
    tt = load(write_feed(tmp_path / "minutes.zip", **tables))
    d = doctor_of(tt)
    assert (d.n_timed_times, d.n_whole_minute_times) == (12, 10)
    assert (d.n_timed_hops, d.n_zero_hops) == (3, 1)
    assert d.whole_minute_share == pytest.approx(10 / 12)
    assert "83.3 % of times are whole minutes" in d.describe()
    t1 = slice(tt.trip_time_ptr[0], tt.trip_time_ptr[1])
    assert tt.trip_ids[0] == "minutes:T1"
    assert tt.arrival_s[t1].tolist() == [28_800, 28_860, 28_860, 29_100]
    assert tt.departure_s[t1].tolist() == [28_800, 28_860, 28_920, 29_100]


def test_describe_in_plain_language() -> None:
    d = FeedDiagnosis(
        feed_name="north_west", service_date=dt.date(2026, 3, 10), dropped=True, n_trips=20_115,
        n_duplicate_trips=1_204, n_superseded_versions=3, n_superseded_services=2,
        n_superseded_trips=412, n_trips_past_midnight=5_310, n_trips_without_shape=20_115,
        n_timed_times=1_000, n_whole_minute_times=998, n_timed_hops=900, n_zero_hops=120,
    )
    assert d.describe() == (
        "north_west: 1,204 duplicate trips dropped; 3 superseded versions of 2 services dropped "
        "(412 trips); 5,310 trips past 24:00; shapes missing for all 20,115 trips (not "
        "needed for routing); times are whole minutes (99.8 %, 120 zero-second hops), kept as "
        "published"
    )
    assert d.n_trips_dropped == 1_616


# --------------------------------------------------------------------------- the API


def hand_table(**changes: object) -> TripTable:
    """Three trips of route "1", the third a copy of the first::

        t  trip  stops  times (s)
        0  a     0 1    100 200
        1  b     0 1    160 260
        2  c     0 1    100 200
    """
    table = TripTable(
        trip_ids=np.array(["a", "b", "c"], dtype=object),
        route=np.zeros(3, dtype=np.int64),
        service_ids=np.array(["S"] * 3, dtype=object),
        direction_ids=np.array([""] * 3, dtype=object),
        service_start=np.array(["2019-05-01"] * 3, dtype="datetime64[D]"),
        has_shape=np.zeros(3, dtype=bool),
        previous_day=np.zeros(3, dtype=bool),
        route_ids=np.array(["R"], dtype=object),
        route_agency_ids=np.array([""], dtype=object),
        route_short_names=np.array(["1"], dtype=object),
        stop_ptr=np.array([0, 2, 4, 6]),
        stops=np.array([0, 1, 0, 1, 0, 1]),
        arrival_s=np.array([100, 200, 160, 260, 100, 200]),
        departure_s=np.array([100, 200, 160, 260, 100, 200]),
        timed=np.ones(6, dtype=bool),
        pickup_type=np.array([0, 1, 0, 1, 0, 1], dtype=np.uint8),
        drop_off_type=np.array([1, 0, 1, 0, 1, 0], dtype=np.uint8),
        frequency=np.full(3, -1, dtype=np.int64),
    )
    return dataclasses.replace(table, **changes)


def test_restrict_returns_a_new_table_and_leaves_its_input_alone() -> None:
    table = hand_table()
    before = {f.name: getattr(table, f.name).copy() for f in dataclasses.fields(table)}
    kept, diagnosis = restrict_to_kept_trips(table, feed_name="hand", service_date=DAY)
    assert kept is not table and kept.trip_ids.tolist() == ["a", "b"]
    assert kept.stop_ptr.tolist() == [0, 2, 4] and kept.arrival_s.tolist() == [100, 200, 160, 260]
    assert kept.pickup_type is not None and kept.pickup_type.tolist() == [0, 1, 0, 1]
    for name, value in before.items():
        assert np.array_equal(getattr(table, name), value), name
    assert diagnosis.duplicate_trip_ids == ("c",)
    assert compute_feed_diagnosis(table, feed_name="hand", service_date=DAY).n_duplicate_trips == 1
    same, _ = restrict_to_kept_trips(table, feed_name="hand", service_date=DAY,
                                     rules=DoctorRules(drop=False))
    assert same is table


def test_hash_collisions_never_make_copies(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a hash that sends every trip to one bucket, only the exact copy is found."""
    import routes.timetable._doctor_rules

    monkeypatch.setattr(routes.timetable._doctor_rules, "_mix", lambda x: x * np.uint64(0))
    table = hand_table()
    assert routes.timetable._doctor_rules.find_copies(table).tolist() == [0, -1, 0]
    _, diagnosis = restrict_to_kept_trips(table, feed_name="hand", service_date=DAY)
    assert diagnosis.duplicate_trip_ids == ("c",)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: DoctorRules(min_share_of_older=0.0), r"min_share_of_older must be a share above"),
        (lambda: DoctorRules(min_share_of_newer=1.5), r"min_share_of_newer must be a share"),
        (lambda: DoctorRules(max_departure_gap_s=-60), r"max_departure_gap_s must be 0 to 3,600"),
        (lambda: hand_table(arrival_s=np.array([100, 200])),
         r"arrival_s has 2 values for 6 stop times"),
        (lambda: hand_table(route=np.array([0, 0, 1])), r"route holds indexes outside route_ids"),
        (lambda: hand_table(stop_ptr=np.array([0, 1, 4, 6])),
         r"every trip needs at least two stop times"),
    ],
)
def test_invalid_rules_and_tables_are_refused(make: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make()  # type: ignore[operator]


def test_diagnoses_survive_the_cache(tmp_path: Path) -> None:
    with pytest.warns(RoutesWarning):
        tt = load(write_feed(tmp_path / "dups.zip", **duplicates_feed()))
    cache = NetworkCache(tmp_path / "cache")
    cache.get_or_build("timetable", "k" * 64, Timetable, lambda: tt, "test")
    again = cache.get_or_build("timetable", "k" * 64, Timetable, lambda: pytest.fail("rebuilt"),
                               "test")
    (d, e) = (doctor_of(tt), doctor_of(again))
    assert e.describe() == d.describe() and e.service_date == DAY
    assert e == d and e.duplicate_trip_ids == ("T2", "T3")


def test_timetable_cache_key_follows_the_doctor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new doctor version rebuilds the timetable instead of reusing the cached one."""
    import routes.timetable.doctor

    study = load_study_area(write_study_area(tmp_path / "study"))
    cache = NetworkCache(tmp_path / "cache")
    first = build_network(study, cache=cache)
    assert build_network(study, cache=cache).digest == first.digest
    doctor = routes.timetable.diagnosis
    monkeypatch.setattr(doctor, "DOCTOR_VERSION", doctor.DOCTOR_VERSION + 1)
    assert build_network(study, cache=cache).digest != first.digest


def test_routes_check_prints_the_doctor_report(tmp_path: Path) -> None:
    """The study area of tests/_study.py with its trip T1 published twice (T1 and T1b)."""
    from cli import main

    config = write_study_area(tmp_path / "study")
    tables = study_feed_tables()
    tables["trips"] = [{"route_id": "R1", "service_id": "WK", "trip_id": t} for t in ("T1", "T1b")]
    tables["stop_times"] = [row for t in ("T1", "T1b") for row in stop_times(
        t, [("08:00:00",) * 2, None, None, ("08:12:00",) * 2])]
    write_feed(tmp_path / "study" / "feed.zip", **tables)
    study = load_study_area(config)
    with pytest.warns(RoutesWarning, match="feed doctor dropped 1 duplicate trip of"):
        report = compute_data_report(study, cache=NetworkCache(tmp_path / "cache"))
    assert "  feed: 1 duplicate trip dropped; no superseded service versions;" in report.render()

    result = CliRunner().invoke(main, ["--config", str(config), "check"],
                                env={"ROUTES_CACHE_DIR": str(tmp_path / "cli-cache")})
    assert result.exit_code == 0, result.output
    assert "feed doctor (duplicate and superseded trips" in result.output
    assert "feed: 1 duplicate trip dropped" in result.output
    assert "the feed doctor dropped 1 duplicate trip of the 2 trips" in result.output


# --------------------------------------------------------------------------- real feeds


@pytest.fixture(scope="module")
def poa(poa_dir: Path) -> Timetable:
    return load_timetable([poa_dir / "poa_eptc.zip", poa_dir / "poa_trensurb.zip"],
                          dt.date(2019, 5, 13))


@pytest.fixture(scope="module")
def rnv(rnv_dir: Path) -> Timetable:
    return load_timetable([rnv_dir / "rnv.zip"], dt.date(2016, 11, 16))


def counts(d: FeedDiagnosis) -> tuple[int, ...]:
    return (d.n_trips, d.n_duplicate_trips, d.n_superseded_trips, d.n_look_alike_versions,
            d.n_trips_past_midnight, d.n_trips_from_previous_day, d.n_trips_without_shape,
            d.n_zero_hops)


def test_poa_feeds_lose_no_trips(poa: Timetable) -> None:
    """Porto Alegre on Monday 2019-05-13: every trip kept (pytest would also fail on the
    doctor's warning). EPTC gives times at 4 % of its stops, all whole minutes."""
    eptc, trensurb = poa.feed_diagnoses
    assert counts(eptc) == (2_374, 0, 0, 0, 0, 0, 0, 0)
    assert counts(trensurb) == (529, 0, 0, 0, 0, 0, 0, 0)
    assert eptc.n_whole_minute_times == eptc.n_timed_times == 2 * 4_748
    assert trensurb.whole_minute_share == pytest.approx(0.535, abs=0.001)
    assert poa.n_trips == 2_374 + 529


def test_rnv_feed_loses_no_trips(rnv: Timetable) -> None:
    """rnv on Wednesday 2016-11-16: 60 route-directions run two to seven service_ids that
    day, so the superseded-version rule is exercised, and drops nothing."""
    (d,) = rnv.feed_diagnoses
    assert counts(d) == (7_123 + 176, 0, 0, 0, 181, 176, 7_299, 0)
    assert d.whole_minute_share == pytest.approx(0.986, abs=0.001)
    assert rnv.n_trips == d.n_trips


def test_rnv_needs_a_looser_gap_to_find_even_look_alikes(rnv_dir: Path) -> None:
    """With departures up to 10 min apart counted as matches, 4 versions of rnv look alike
    (same start date, kept) and still none is superseded: the 2-minute default is far from
    what rnv's legitimate parallel services would need to be mistaken."""
    loose = DoctorRules(drop=False, max_departure_gap_s=600)
    (d,) = load_timetable([rnv_dir / "rnv.zip"], dt.date(2016, 11, 16),
                          feed_doctor=loose).feed_diagnoses
    assert (d.n_superseded_versions, d.n_look_alike_versions) == (0, 4)


def test_cli_warning_says_how_to_keep_the_trips_and_the_flag_keeps_them(tmp_path: Path) -> None:
    """The warning gives a command-line way to keep the trips, and that way works."""
    from cli import main

    config = write_study_area(tmp_path / "study")
    tables = study_feed_tables()
    tables["trips"] = [{"route_id": "R1", "service_id": "WK", "trip_id": t} for t in ("T1", "T1b")]
    tables["stop_times"] = [row for t in ("T1", "T1b") for row in stop_times(
        t, [("08:00:00",) * 2, None, None, ("08:12:00",) * 2])]
    write_feed(tmp_path / "study" / "feed.zip", **tables)
    env = {"ROUTES_CACHE_DIR": str(tmp_path / "cache")}
    dropped = CliRunner().invoke(main, ["--config", str(config), "check"], env=env)
    assert dropped.exit_code == 0, dropped.output
    assert "to keep them, pass --keep-duplicate-trips" in dropped.stdout  # check lists warnings
    assert "DoctorRules(drop=False) to load_timetable" not in dropped.output
    kept = CliRunner().invoke(main, ["--config", str(config), "check", "--keep-duplicate-trips"],
                              env=env)
    assert kept.exit_code == 0, kept.output
    assert "feed: 1 duplicate trip found, kept" in kept.stdout
    assert "on 2019-05-13: 2 trips" in kept.stdout and kept.stderr == ""
