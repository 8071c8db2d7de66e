"""Tests of routes.timetable._integrity: tables in subfolders or twice in a feed; dangling trip ids.

Feeds are the one-route feed of tests/_feeds.py (trip T1 over stops A-D on
Mondays of May 2019), zipped or in a folder with extra members added.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pytest
from _feeds import MONDAY, _csv_text, line_feed, stop_times, write_feed
from _study import study_feed_tables, write_study_area
from click.testing import CliRunner

from cli import main
from routes.cache import NetworkCache
from routes.config.study_area import load_study_area
from routes.errors import GtfsError, RoutesWarning
from routes.network.check import compute_data_report
from routes.timetable.timetable import describe_feeds, load_timetable

DAY = dt.date.fromisoformat(MONDAY)


def zip_feed(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    return path


def feed_members(prefix: str = "") -> dict[str, str]:
    return {f"{prefix}{name}.txt": _csv_text(table) for name, table in line_feed().items()}


def ghost_stop_times() -> str:
    """T1's stop times, and two rows of a trip 'GHOST' that trips.txt does not hold."""
    rows = stop_times("T1", [("08:00:00",) * 2, None, None, ("08:40:00",) * 2])
    rows += stop_times("GHOST", [("09:00:00",) * 2, ("09:10:00",) * 2], stops="AB")
    return _csv_text(rows)


def test_a_table_twice_in_a_zip_names_both_members(tmp_path: Path) -> None:
    members = feed_members()
    members["old/stop_times.txt"] = members["stop_times.txt"]
    path = zip_feed(tmp_path / "bus.zip", members)
    expected = (
        f"GTFS feed 'bus' ({path}): stop_times.txt appears 2 times, as 'stop_times.txt' and "
        "'old/stop_times.txt', and only one would be read; remove 'old/stop_times.txt' from the zip"
    )
    with pytest.raises(GtfsError) as raised:
        load_timetable([path], DAY)
    assert str(raised.value) == expected
    with pytest.raises(GtfsError, match=re.escape(expected)):
        describe_feeds([path])


def test_a_member_named_twice_in_a_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bus.zip"
    zip_feed(path, feed_members())
    with zipfile.ZipFile(path, "a") as zf, pytest.warns(UserWarning, match="Duplicate name"):
        zf.writestr("stops.txt", "stop_id,stop_lat,stop_lon\nZ,0,0\n")
    with pytest.raises(GtfsError, match=r"stops\.txt appears 2 times, as 'stops\.txt' and "
                                        r"'stops\.txt', and only one would be read"):
        load_timetable([path], DAY)


def test_a_table_only_in_a_subfolder_is_refused(tmp_path: Path) -> None:
    members = feed_members()
    members["extra/stops.txt"] = members.pop("stops.txt")
    path = zip_feed(tmp_path / "bus.zip", members)
    with pytest.raises(GtfsError, match=(
        r"stops\.txt is only in a subfolder, as 'extra/stops\.txt'; GTFS tables must be at the "
        r"top of the zip: zip the \.txt files themselves, not the folder that holds them$")):
        load_timetable([path], DAY)


def test_a_feed_zipped_with_its_folder_gets_one_message(tmp_path: Path) -> None:
    path = zip_feed(tmp_path / "bus.zip", feed_members("gtfs_2019/"))
    with pytest.raises(GtfsError) as raised:
        load_timetable([path], DAY)
    assert str(raised.value) == (
        f"GTFS feed 'bus' ({path}): its tables are in the subfolder 'gtfs_2019/', not at the top "
        "of the zip; zip the .txt files themselves, not the folder that holds them")


def test_a_table_twice_in_a_feed_folder_is_refused(tmp_path: Path) -> None:
    folder = write_feed(tmp_path / "bus", **line_feed())
    (folder / "old").mkdir()
    (folder / "old" / "trips.txt").write_text((folder / "trips.txt").read_text())
    with pytest.raises(GtfsError, match=(
        r"trips\.txt appears 2 times, as 'old/trips\.txt' and 'trips\.txt', .* remove "
        r"'old/trips\.txt' from the folder")):
        load_timetable([folder], DAY)


def test_other_files_in_subfolders_are_fine(tmp_path: Path) -> None:
    members = feed_members()
    members["docs/readme.txt"] = "not a GTFS table"
    members["__MACOSX/._stops.txt"] = "a macOS resource fork"
    tt = load_timetable([zip_feed(tmp_path / "bus.zip", members)], DAY)
    assert tt.trip_ids.tolist() == ["bus:T1"]


def test_stop_times_of_unknown_trips_are_counted_not_silently_dropped(tmp_path: Path) -> None:
    tables = line_feed()
    tables["stop_times"] = ghost_stop_times()
    path = write_feed(tmp_path / "bus.zip", **tables)
    with pytest.warns(RoutesWarning) as caught:
        tt = load_timetable([path], DAY)
    assert [str(w.message) for w in caught] == [
        f"GTFS feed 'bus' ({path}): 2 of 6 stop_times.txt rows name a trip_id that is not in "
        "trips.txt (e.g. row 5: trip_id 'GHOST') and are left out; fix the feed "
        "(MobilityData's GTFS validator reports them as foreign_key_violation)"
    ]
    assert tt.trip_ids.tolist() == ["bus:T1"]  # the known trip is unaffected
    [summary] = describe_feeds([path])
    assert summary.n_stop_times_unknown_trip == 2


def test_routes_check_reports_stop_times_of_unknown_trips(tmp_path: Path) -> None:
    config = write_study_area(tmp_path / "study")
    tables = study_feed_tables()
    tables["stop_times"] = ghost_stop_times()
    write_feed(tmp_path / "study" / "feed.zip", **tables)
    with pytest.warns(RoutesWarning, match="2 of 6 stop_times.txt rows name a trip_id"):
        report = compute_data_report(load_study_area(config),
                                     cache=NetworkCache(tmp_path / "cache"))
    assert "    stop_times.txt rows whose trip_id is not in trips.txt (left out): 2" in (
        report.render())
    result = CliRunner().invoke(main, ["--config", str(config), "check"],
                                env={"ROUTES_CACHE_DIR": str(tmp_path / "cli-cache")})
    assert result.exit_code == 0, result.output
    assert "(left out): 2" in result.stdout
    assert "  - GTFS feed 'feed'" in result.stdout and "foreign_key_violation" in result.stdout


def test_routes_check_refuses_a_zip_with_old_stop_times(tmp_path: Path) -> None:
    """The issue's case: 'check' said "no warnings" while old/stop_times.txt replaced the table."""
    config = write_study_area(tmp_path / "study")
    feed = tmp_path / "study" / "feed.zip"
    with zipfile.ZipFile(feed) as zf:
        members = {n: zf.read(n).decode() for n in zf.namelist()}
    members["old/stop_times.txt"] = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
    zip_feed(feed, members)
    result = CliRunner().invoke(main, ["--config", str(config), "check"],
                                env={"ROUTES_CACHE_DIR": str(tmp_path / "cache")})
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: GTFS feed 'feed' ({feed}): stop_times.txt appears 2 times, as 'stop_times.txt' "
        "and 'old/stop_times.txt', and only one would be read; remove 'old/stop_times.txt' from "
        "the zip\n")
