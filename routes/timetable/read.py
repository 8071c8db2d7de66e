"""Read one GTFS feed with gtfs_kit and turn it into clean arrays for one service date.

The private half of :mod:`routes.timetable.timetable`: everything here is about a single
feed (reading, calendars, time parsing, validation, interpolation of untimed
stops, expansion of ``frequencies.txt``). Combining feeds and grouping trips into
patterns happens in :mod:`routes.timetable.timetable`.

IDs returned from here are already namespaced ``"<feed_name>:<gtfs id>"``.
Stop and route indexes are local to the feed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gtfs_kit
import gtfs_kit.constants
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from routes.errors import GtfsError, join_problems
from routes.timetable._integrity import check_feed_members, describe_unknown_trip_rows
from routes.timetable.doctor import (
    DOCTOR_RULES,
    DoctorRules,
    FeedDiagnosis,
    TripTable,
    restrict_to_kept_trips,
)

logger = logging.getLogger(__name__)

DAY_S = 86_400
"""Seconds in a service day."""

PREVIOUS_DAY_SUFFIX = "@-1d"
"""Suffix of the trip ID of a trip carried over from the previous service day."""

REQUIRED_TABLES = ("stops", "routes", "trips", "stop_times")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "stops": ("stop_id",),
    "routes": ("route_id",),
    "trips": ("route_id", "service_id", "trip_id"),
    "stop_times": ("trip_id", "stop_id", "stop_sequence"),
    "calendar": ("service_id", *_WEEKDAYS, "start_date", "end_date"),
    "calendar_dates": ("service_id", "date", "exception_type"),
    "frequencies": ("trip_id", "start_time", "end_time", "headway_secs"),
}
_TIME_PATTERN = r"\d{1,3}:[0-5]\d:[0-5]\d"
_DATE_PATTERN = r"\d{8}"
_EARTH_RADIUS_M = 6_371_008.8
_MAX_EXAMPLES = 5
_DROP_TRIP = "fix the feed or pass --allow-feed-errors to drop the trip"
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, ValueError, TypeError)
"""Exceptions gtfs_kit/pandas raise on unreadable feeds. ``ValueError`` covers
pandas' ``ParserError``, ``UnicodeDecodeError`` and unparseable numbers;
``TypeError`` is pandas refusing a lossy cast to gtfs_kit's dtypes (e.g. a
``headway_secs`` above 32,767, which gtfs_kit reads as ``Int16``)."""

#: Extended (Google/HVT) route types mapped to basic GTFS types, as
#: ``(first, last, basic)``; earlier rows win. 1100 (air) and 1500-1799
#: (taxi, self drive, miscellaneous) have no basic type and become bus (3).
_EXTENDED_ROUTE_TYPES: tuple[tuple[int, int, int], ...] = (
    (405, 405, 12),  # monorail
    (1701, 1701, 5),  # cable car -> cable tram
    (100, 199, 2),  # railway
    (200, 299, 3),  # coach
    (300, 399, 2),  # suburban railway
    (400, 499, 1),  # urban railway, metro, underground
    (500, 699, 1),  # metro, underground
    (700, 799, 3),  # bus
    (800, 899, 11),  # trolleybus
    (900, 999, 0),  # tram
    (1000, 1099, 4),  # water transport
    (1100, 1199, 3),  # air
    (1200, 1299, 4),  # ferry
    (1300, 1399, 6),  # aerial lift
    (1400, 1499, 7),  # funicular
    (1500, 1799, 3),  # taxi, self drive, miscellaneous
)
BASIC_ROUTE_TYPES = (0, 1, 2, 3, 4, 5, 6, 7, 11, 12)
UNKNOWN_ROUTE_TYPE = 3


# --------------------------------------------------------------------------- names


def unique_feed_names(paths: Sequence[Path]) -> list[str]:
    """Name each feed after its file stem (or folder name), made unique.

    A ``:`` (the namespace separator) or whitespace in a stem becomes ``_``;
    a repeated name gets a suffix ``_2``, ``_3``...
    """
    names: list[str] = []
    for path in paths:
        stem = path.name[: -len(".zip")] if path.name.lower().endswith(".zip") else path.name
        base = "".join("_" if c == ":" or c.isspace() else c for c in stem) or "feed"
        name, k = base, 1
        while name in names:
            k += 1
            name = f"{base}_{k}"
        names.append(name)
    return names


# --------------------------------------------------------------------------- reading


def read_gtfs_feed(path: Path, name: str) -> Any:
    """Read a GTFS zip or folder with :func:`gtfs_kit.read_feed`.

    Column headers with stray whitespace are cleaned first (gtfs_kit strips
    them only after reading, which loses the column's dtype). Checks that the
    required files are there.

    Returns
    -------
    gtfs_kit.Feed
        Distances in km.

    Raises
    ------
    GtfsError
        If the path does not exist, is not a zip or folder, cannot be parsed,
        holds a table twice or only in a subfolder
        (:func:`routes.timetable._integrity.check_feed_members`), or lacks a required
        file or column.
    """
    where = f"GTFS feed {name!r} ({path})"
    if not path.exists():
        msg = f"{where} does not exist; check the path in [study_area].gtfs"
        raise GtfsError(msg)
    if path.is_file() and not zipfile.is_zipfile(path):
        msg = (
            f"{where} is not a zip archive (or the zip is damaged); a feed must be a .zip of "
            "GTFS .txt files or a folder of them; download the feed again"
        )
        raise GtfsError(msg)
    try:
        check_feed_members(path, where)
    except zipfile.BadZipFile as exc:
        msg = f"{where}: the zip is damaged ({exc}); download the feed again"
        raise GtfsError(msg) from exc
    try:
        with _clean_headers(path) as clean_path:
            feed = gtfs_kit.read_feed(clean_path, dist_units="km")
    except _READ_ERRORS as exc:
        culprit = _find_unreadable_table(path)
        in_file = f" {culprit}" if culprit else ""
        msg = (
            f"{where}:{in_file} cannot be read ({type(exc).__name__}: {exc}); "
            "fix or re-export the feed"
        )
        raise GtfsError(msg) from exc
    _check_tables(feed, where)
    return feed


def _member_tables(path: Path) -> Iterator[tuple[str, str]]:
    """Yield ``(table, member)`` for each GTFS table file gtfs_kit would read."""
    if path.is_file():
        with zipfile.ZipFile(path) as zf:
            names = [i.filename for i in zf.infolist() if not i.is_dir() and i.file_size]
    else:
        names = [p.name for p in path.iterdir() if p.is_file() and p.stat().st_size]
    for member in names:
        table = Path(member).stem
        if member.endswith(".txt") and table in gtfs_kit.constants.DTYPES:
            yield table, member


@contextmanager
def _open_member(path: Path, member: str) -> Iterator[io.BufferedIOBase]:
    if path.is_file():
        with zipfile.ZipFile(path) as zf, zf.open(member) as fh:
            yield fh  # type: ignore[misc]
    else:
        with (path / member).open("rb") as fh:
            yield fh


def _read_header(fh: io.BufferedIOBase) -> list[str]:
    line = fh.readline().decode("utf-8-sig", errors="replace")
    return next(csv.reader([line]), [])


@contextmanager
def _clean_headers(path: Path) -> Iterator[Path]:
    """Yield ``path``, or a temporary copy of its tables with stripped headers."""
    dirty = []
    for table, member in _member_tables(path):
        with _open_member(path, member) as fh:
            header = _read_header(fh)
        if any(col != col.strip() for col in header):
            dirty.append(f"{table}.txt")
    if not dirty:
        yield path
        return
    logger.debug("%s: stripping spaces from the header of %s", path, ", ".join(dirty))
    with tempfile.TemporaryDirectory(prefix="routes-gtfs-") as tmp:
        for table, member in _member_tables(path):
            with _open_member(path, member) as src, (Path(tmp) / f"{table}.txt").open("wb") as dst:
                header = [col.strip() for col in _read_header(src)]
                text = io.StringIO()
                csv.writer(text, lineterminator="\n").writerow(header)
                dst.write(text.getvalue().encode("utf-8"))
                shutil.copyfileobj(src, dst)
        yield Path(tmp)


def _find_unreadable_table(path: Path) -> str | None:
    """Return the name of the first table file pandas fails to parse (error path only)."""
    for table, member in _member_tables(path):
        try:
            with _open_member(path, member) as fh:
                pd.read_csv(
                    fh,
                    dtype=gtfs_kit.constants.DTYPES[table],
                    encoding="utf-8-sig",
                    na_values=["", " "],
                    keep_default_na=True,
                    dtype_backend="numpy_nullable",
                )
        except _READ_ERRORS:
            return f"{table}.txt"
    return None


def _check_tables(feed: Any, where: str) -> None:
    todo = "fix or re-export the feed"
    problems = [
        f"{t}.txt is missing or has no rows; {todo}"
        for t in REQUIRED_TABLES
        if getattr(feed, t) is None
    ]
    if feed.calendar is None and feed.calendar_dates is None:
        problems.append(
            f"calendar.txt and calendar_dates.txt are both missing (one is required); {todo}"
        )
    for table, columns in _REQUIRED_COLUMNS.items():
        df = getattr(feed, table)
        if df is not None:
            problems += [f"{table}.txt has no column {c!r}; {todo}" for c in columns if c not in df]
    if problems:
        msg = f"{where}: {join_problems(problems)}"
        raise GtfsError(msg)


# --------------------------------------------------------------------------- problems


@dataclass(slots=True)
class Problems:
    """Feed errors found while preparing one feed, grouped by kind.

    Each kind keeps a few example messages, what to do about it, how many rows
    it was found in and how many trips (or rows) it makes us drop.
    """

    examples: dict[str, list[str]] = field(default_factory=dict)
    n_rows: dict[str, int] = field(default_factory=dict)
    n_dropped: dict[str, int] = field(default_factory=dict)
    todo: dict[str, str] = field(default_factory=dict)

    def add_rows(
        self,
        kind: str,
        file: str,
        rows: NDArray[np.int64],
        describe: Callable[[int], str],
        *,
        todo: str = _DROP_TRIP,
        n_dropped: int | None = None,
    ) -> None:
        """Record problem ``kind`` at the 1-based data ``rows`` of ``file``.

        ``describe(k)`` says what is wrong with the ``k``-th of ``rows`` (called
        for the first few only); ``n_dropped`` counts the trips to drop
        (default: one per row).
        """
        if not len(rows):
            return
        shown = rows[:_MAX_EXAMPLES]
        self.examples.setdefault(kind, []).extend(
            f"{file} row {int(r):,}: {describe(k)}" for k, r in enumerate(shown)
        )
        self.n_rows[kind] = self.n_rows.get(kind, 0) + len(rows)
        self.n_dropped[kind] = self.n_dropped.get(kind, 0) + (
            len(rows) if n_dropped is None else n_dropped
        )
        self.todo[kind] = todo

    def raise_or_report(self, where: str, *, allow_feed_errors: bool) -> list[str]:
        """Raise one :class:`GtfsError` listing every problem, or describe them.

        Returns
        -------
        list[str]
            No message, or one warning message when ``allow_feed_errors``.
        """
        if not self.n_rows:
            return []
        if not allow_feed_errors:
            lines = []
            for kind, examples in self.examples.items():
                lines += [f"{e}; {self.todo[kind]}" for e in examples[:_MAX_EXAMPLES]]
                if self.n_rows[kind] > _MAX_EXAMPLES:
                    lines.append(f"... and {self.n_rows[kind] - _MAX_EXAMPLES:,} more such rows")
            msg = f"{where}: {join_problems(lines)}"
            raise GtfsError(msg)
        counts = ", ".join(f"{n:,} {kind}" for kind, n in self.n_dropped.items())
        first = next(iter(self.examples.values()))[0]
        return [f"{where}: ignored feed errors, dropping {counts}; e.g. {first}"]


# --------------------------------------------------------------------------- calendars


@dataclass(frozen=True, slots=True)
class Calendar:
    """``calendar.txt`` and ``calendar_dates.txt`` with their dates parsed."""

    service_id: NDArray[np.object_]
    weekdays: NDArray[np.bool_]  # (n, 7), Monday first
    start: NDArray[np.datetime64]
    end: NDArray[np.datetime64]
    exception_service_id: NDArray[np.object_]
    exception_date: NDArray[np.datetime64]
    exception_type: NDArray[np.int64]

    def active_services(self, date: dt.date) -> set[str]:
        """Return the IDs of the services that run on ``date``."""
        day = np.datetime64(date, "D")
        on = (self.start <= day) & (day <= self.end) & self.weekdays[:, date.weekday()]
        today = self.exception_date == day
        added = self.exception_service_id[today & (self.exception_type == 1)]
        removed = self.exception_service_id[today & (self.exception_type == 2)]
        return (set(self.service_id[on]) | set(added)) - set(removed)

    def first_dates(self, service_ids: NDArray[np.object_]) -> NDArray[np.datetime64]:
        """First date of each service: its ``calendar.txt`` start or earliest added date.

        NaT for a service in neither file.
        """
        added = self.exception_type == 1
        dates = pd.Series(
            np.r_[self.start, self.exception_date[added]],
            index=np.r_[self.service_id, self.exception_service_id[added]],
            dtype="datetime64[s]",
        )
        first = dates.groupby(level=0).min()
        found: NDArray[np.datetime64] = first.reindex(service_ids).to_numpy(dtype="datetime64[D]")
        return found

    def date_range(self) -> tuple[dt.date | None, dt.date | None]:
        """Return the first and last date of the calendar ranges and added dates."""
        added = self.exception_date[self.exception_type == 1]
        firsts, lasts = np.r_[self.start, added], np.r_[self.end, added]
        if not len(firsts):
            return None, None
        return firsts.min().astype(dt.date), lasts.max().astype(dt.date)


def parse_calendar(feed: Any, problems: Problems) -> Calendar:
    """Parse the calendars of ``feed``; malformed rows are reported and left out."""
    todo = "fix the feed or pass --allow-feed-errors to ignore the row"
    cal = _or_empty(feed.calendar, "calendar")
    start, bad_start = _parse_dates(cal["start_date"])
    end, bad_end = _parse_dates(cal["end_date"])
    flags = cal[list(_WEEKDAYS)].fillna(0).to_numpy(dtype=np.int64).reshape(-1, 7)
    bad = np.flatnonzero(bad_start | bad_end | ~np.isin(flags, (0, 1)).all(axis=1))
    problems.add_rows(
        "bad calendar.txt rows", "calendar.txt", cal.index.to_numpy()[bad] + 1,
        lambda k: (
            f"start_date {cal['start_date'].iloc[bad[k]]!r}, end_date "
            f"{cal['end_date'].iloc[bad[k]]!r} or a weekday flag is invalid "
            "(dates are YYYYMMDD, flags 0 or 1)"
        ),
        todo=todo,
    )
    ok = np.ones(len(cal), dtype=bool)
    ok[bad] = False

    exc = _or_empty(feed.calendar_dates, "calendar_dates")
    date, bad_date = _parse_dates(exc["date"])
    kind = exc["exception_type"].fillna(0).to_numpy(dtype=np.int64)
    bad_exc = np.flatnonzero(bad_date | ~np.isin(kind, (1, 2)))
    problems.add_rows(
        "bad calendar_dates.txt rows", "calendar_dates.txt", exc.index.to_numpy()[bad_exc] + 1,
        lambda k: (
            f"date {exc['date'].iloc[bad_exc[k]]!r} is not YYYYMMDD or exception_type "
            f"{exc['exception_type'].iloc[bad_exc[k]]!r} is not 1 or 2"
        ),
        todo=todo,
    )
    ok_exc = np.ones(len(exc), dtype=bool)
    ok_exc[bad_exc] = False
    return Calendar(
        service_id=cal["service_id"].to_numpy(dtype=object)[ok],
        weekdays=flags[ok] == 1,
        start=start[ok],
        end=end[ok],
        exception_service_id=exc["service_id"].to_numpy(dtype=object)[ok_exc],
        exception_date=date[ok_exc],
        exception_type=kind[ok_exc],
    )


def _or_empty(df: pd.DataFrame | None, table: str) -> pd.DataFrame:
    if df is not None:
        return df
    return pd.DataFrame({c: pd.Series(dtype="string") for c in _REQUIRED_COLUMNS[table]})


def _parse_dates(values: pd.Series) -> tuple[NDArray[np.datetime64], NDArray[np.bool_]]:
    """Parse GTFS ``YYYYMMDD`` strings; return dates and a mask of malformed values."""
    text = values.astype("string").str.strip()
    ok = text.str.fullmatch(_DATE_PATTERN).fillna(False).to_numpy(dtype=bool)
    dates = pd.to_datetime(text.where(ok), format="%Y%m%d", errors="coerce")
    parsed: NDArray[np.datetime64] = np.asarray(dates, dtype="datetime64[D]")
    return parsed, np.isnat(parsed)


# --------------------------------------------------------------------------- values


def parse_gtfs_times(values: pd.Series) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Parse GTFS ``HH:MM:SS`` (or ``H:MM:SS``) times, vectorised and strict.

    Surrounding spaces are ignored; hours may exceed 23.

    Returns
    -------
    seconds
        Seconds after midnight, ``-1`` where the value is empty or malformed.
    malformed
        True where a non-empty value is not ``H:MM:SS`` with two-digit minutes
        and seconds below 60.
    """
    text = values.astype("string").str.strip()
    present = text.fillna("").to_numpy(dtype=object) != ""
    ok = text.str.fullmatch(_TIME_PATTERN).fillna(False).to_numpy(dtype=bool)
    seconds = np.full(len(text), -1, dtype=np.int64)
    hhmmss = text[ok].str.replace(":", "", regex=False).astype("int64").to_numpy()
    seconds[ok] = hhmmss // 10_000 * 3600 + hhmmss // 100 % 100 * 60 + hhmmss % 100
    return seconds, present & ~ok


def format_gtfs_time(seconds: int) -> str:
    """Format seconds after midnight as a GTFS ``HH:MM:SS`` time (hours may exceed 23)."""
    s = int(seconds)
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"


def map_route_types(raw: NDArray[np.float64]) -> tuple[NDArray[np.int16], NDArray[np.bool_]]:
    """Map GTFS route types, basic or extended, to basic types.

    Returns
    -------
    route_types
        Basic GTFS route types (0-7, 11, 12), ``int16``; missing or unknown
        types become 3 (bus).
    unknown
        True where the input was missing or not a known route type.
    """
    raw = np.asarray(raw, dtype=np.float64)
    out = np.full(raw.shape, -1, dtype=np.int16)
    whole = raw == np.floor(raw)
    basic = np.isin(raw, BASIC_ROUTE_TYPES)
    out[basic] = raw[basic].astype(np.int16)
    for first, last, mapped in _EXTENDED_ROUTE_TYPES:
        out[(out < 0) & whole & (raw >= first) & (raw <= last)] = mapped
    unknown = out < 0
    out[unknown] = UNKNOWN_ROUTE_TYPE
    return out, unknown


def haversine_m(
    lon1: NDArray[np.float64],
    lat1: NDArray[np.float64],
    lon2: NDArray[np.float64],
    lat2: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Great-circle distance in metres between WGS84 points given in degrees."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi, dlam = phi2 - phi1, np.radians(lon2 - lon1)
    h = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlam / 2) ** 2
    distance: NDArray[np.float64] = 2 * _EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0, 1)))
    return distance


def concat_ranges(starts: NDArray[np.int64], lengths: NDArray[np.int64]) -> NDArray[np.int64]:
    """Concatenate ``arange(s, s + n)`` for each start ``s`` and length ``n``, vectorised."""
    starts = np.asarray(starts, dtype=np.int64)[lengths > 0]
    lengths = np.asarray(lengths, dtype=np.int64)[lengths > 0]
    if not len(lengths):
        return np.zeros(0, dtype=np.int64)
    steps = np.ones(int(lengths.sum()), dtype=np.int64)
    firsts = np.cumsum(lengths) - lengths
    steps[firsts] = starts
    steps[firsts[1:]] -= starts[:-1] + lengths[:-1] - 1
    return np.cumsum(steps)


# --------------------------------------------------------------------------- one feed, one date


@dataclass(frozen=True, slots=True)
class FeedData:
    """One feed's stops, routes and trips for one service date (feed-local indexes).

    Trip ``t`` calls at ``trip_stops[trip_ptr[t]:trip_ptr[t + 1]]`` at
    ``arrival_s``/``departure_s`` (seconds after midnight of the date); the
    trips carried over from the previous service day come last.
    """

    name: str
    path: Path
    start_date: dt.date | None
    end_date: dt.date | None
    stop_ids: NDArray[np.object_]
    stop_names: NDArray[np.object_]
    stop_lon: NDArray[np.float64]
    stop_lat: NDArray[np.float64]
    route_ids: NDArray[np.object_]
    route_short_names: NDArray[np.object_]
    route_types: NDArray[np.int16]
    trip_ids: NDArray[np.object_]
    trip_route: NDArray[np.int64]
    trip_ptr: NDArray[np.int64]
    trip_stops: NDArray[np.int64]
    arrival_s: NDArray[np.int64]
    departure_s: NDArray[np.int64]
    n_trips_scheduled: int  # trips whose service runs on the date, before any were dropped
    warnings: tuple[str, ...]
    diagnosis: FeedDiagnosis


def load_feed_for_date(
    path: Path, name: str, service_date: dt.date, *, allow_feed_errors: bool,
    feed_doctor: DoctorRules = DOCTOR_RULES,
) -> FeedData:
    """Read one feed and prepare its trips that run on ``service_date``.

    See :func:`routes.timetable.timetable.load_timetable` for the rules; this applies
    them to one feed. Only the trips that run on the date or the day before
    are checked. The trips of the date then go through the feed doctor
    (:func:`routes.timetable.doctor.restrict_to_kept_trips`).
    """
    where = f"GTFS feed {name!r} ({path})"
    feed = read_gtfs_feed(path, name)
    problems = Problems()
    calendar = parse_calendar(feed, problems)
    stops = _dedupe(feed.stops, "stop_id", "stops.txt", problems)
    routes = _dedupe(feed.routes, "route_id", "routes.txt", problems)

    today = list(calendar.active_services(service_date))
    yesterday = list(calendar.active_services(service_date - dt.timedelta(days=1)))
    runs = feed.trips["service_id"].isin(today).to_numpy(dtype=bool)
    ran = feed.trips["service_id"].isin(yesterday).to_numpy(dtype=bool)
    trips = _dedupe(feed.trips[runs | ran], "trip_id", "trips.txt", problems)
    route_of_trip = pd.Index(routes["route_id"]).get_indexer(trips["route_id"])
    unknown = np.flatnonzero(route_of_trip < 0)
    problems.add_rows(
        "trips with an unknown route", "trips.txt", trips.index.to_numpy()[unknown] + 1,
        lambda k: f"route_id {trips['route_id'].iloc[unknown[k]]!r} is not in routes.txt",
    )
    trips, route_of_trip = trips[route_of_trip >= 0], route_of_trip[route_of_trip >= 0]

    orphans = describe_unknown_trip_rows(feed, where)
    st = _validated_stop_times(feed, trips, stops, problems)
    _interpolate(st, stops)
    instances = _expand_frequencies(feed, trips, st, problems)
    warnings_ = [orphans] if orphans else []
    warnings_ += problems.raise_or_report(where, allow_feed_errors=allow_feed_errors)
    laid = _lay_out_trips(
        st,
        instances,
        runs=trips["service_id"].isin(today).to_numpy(dtype=bool),
        ran=trips["service_id"].isin(yesterday).to_numpy(dtype=bool),
    )

    route_types, unknown_type = map_route_types(_floats(routes, "route_type"))
    if unknown_type.any():
        example = routes["route_id"].to_numpy(dtype=object)[unknown_type][0]
        warnings_.append(
            f"{where}: {int(unknown_type.sum()):,} routes have a missing or unknown route_type "
            f"(e.g. route_id {example!r}); they are treated as buses (route_type 3)"
        )
    names = _text(routes, "route_short_name")
    for fallback in ("route_long_name", "route_id"):
        names = np.where(names == "", _text(routes, fallback), names)
    table, diagnosis = restrict_to_kept_trips(
        _trip_table(feed, trips, routes, route_of_trip, names, calendar, laid),
        feed_name=name, service_date=service_date, rules=feed_doctor,
    )
    if text := diagnosis.warning():
        warnings_.append(text)
    return FeedData(
        name=name,
        path=path,
        start_date=calendar.date_range()[0],
        end_date=calendar.date_range()[1],
        stop_ids=(name + ":" + stops["stop_id"]).to_numpy(dtype=object),
        stop_names=_text(stops, "stop_name"),
        stop_lon=_floats(stops, "stop_lon"),
        stop_lat=_floats(stops, "stop_lat"),
        route_ids=(name + ":" + routes["route_id"]).to_numpy(dtype=object),
        route_short_names=names.astype(object),
        route_types=route_types,
        trip_ids=(name + ":" + table.trip_ids).astype(object),
        trip_route=table.route,
        trip_ptr=table.stop_ptr,
        trip_stops=table.stops,
        arrival_s=table.arrival_s,
        departure_s=table.departure_s,
        n_trips_scheduled=int(runs.sum()),
        warnings=tuple(warnings_),
        diagnosis=diagnosis,
    )


def _trip_table(
    feed: Any,
    trips: pd.DataFrame,
    routes: pd.DataFrame,
    route_of_trip: NDArray[np.int64],
    names: NDArray[np.object_],
    calendar: Calendar,
    laid: _LaidOut,
) -> TripTable:
    """Build the doctor's table of the laid-out trips of the date."""
    shapes = feed.shapes
    usable = pd.Index([]) if shapes is None else (
        shapes["shape_id"].value_counts().loc[lambda n: n >= 2].index
    )
    has_shape = trips["shape_id"].isin(usable).to_numpy(dtype=bool) if "shape_id" in trips else (
        np.zeros(len(trips), dtype=bool)
    )
    service_ids = trips["service_id"].to_numpy(dtype=object)
    previous_day = np.zeros(len(laid.trip), dtype=bool)
    previous_day[laid.n_today :] = True
    return TripTable(
        trip_ids=(trips["trip_id"].to_numpy(dtype=object)[laid.trip] + laid.suffix).astype(object),
        route=route_of_trip[laid.trip].astype(np.int64),
        service_ids=service_ids[laid.trip],
        direction_ids=_text(trips, "direction_id")[laid.trip],
        service_start=calendar.first_dates(service_ids)[laid.trip],
        has_shape=has_shape[laid.trip],
        previous_day=previous_day,
        route_ids=routes["route_id"].to_numpy(dtype=object),
        route_agency_ids=_text(routes, "agency_id"),
        route_short_names=names.astype(object),
        stop_ptr=laid.ptr,
        stops=laid.stops,
        arrival_s=laid.arrival_s,
        departure_s=laid.departure_s,
        timed=laid.timed,
    )


def _text(df: pd.DataFrame, column: str) -> NDArray[np.object_]:
    if column not in df:
        return np.full(len(df), "", dtype=object)
    text: NDArray[np.object_] = df[column].astype("string").fillna("").to_numpy(dtype=object)
    return text


def _floats(df: pd.DataFrame, column: str) -> NDArray[np.float64]:
    if column not in df:
        return np.full(len(df), np.nan)
    values = pd.to_numeric(df[column], errors="coerce")
    floats: NDArray[np.float64] = values.to_numpy(dtype=np.float64, na_value=np.nan)
    return floats


def _dedupe(df: pd.DataFrame, column: str, file: str, problems: Problems) -> pd.DataFrame:
    """Drop rows with an empty or repeated ID (reported as problems); keep the first."""
    ids = df[column]
    bad = np.flatnonzero((ids.isna() | ids.duplicated()).to_numpy(dtype=bool))
    problems.add_rows(
        f"rows with an empty or repeated {column}", file, df.index.to_numpy()[bad] + 1,
        lambda k: f"{column} {ids.iloc[bad[k]]!r} is empty or repeats an earlier row",
        todo="fix the feed or pass --allow-feed-errors to keep only the first row",
    )
    keep = np.ones(len(df), dtype=bool)
    keep[bad] = False
    return df[keep]


@dataclass(slots=True)
class _StopTimes:
    """Stop-time rows of the trips in use, sorted by trip then ``stop_sequence``."""

    row: NDArray[np.int64]  # 1-based data row in stop_times.txt
    trip: NDArray[np.int64]  # index into the trips in use
    stop: NDArray[np.int64]  # feed-local stop index, -1 if unknown
    arrival_s: NDArray[np.int64]  # -1 if untimed
    departure_s: NDArray[np.int64]
    dist: NDArray[np.float64]  # shape_dist_traveled, NaN if empty
    timed: NDArray[np.bool_]  # the feed gives the time (set once arrivals are filled in)

    def take(self, keep: NDArray[np.bool_]) -> _StopTimes:
        return _StopTimes(*(getattr(self, f)[keep] for f in self.__slots__))

    def trip_runs(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Return the first row and the number of rows of each trip present."""
        starts = np.flatnonzero(np.r_[True, self.trip[1:] != self.trip[:-1]])[: len(self.trip)]
        return starts, np.diff(np.r_[starts, len(self.trip)])


def _validated_stop_times(
    feed: Any, trips: pd.DataFrame, stops: pd.DataFrame, problems: Problems
) -> _StopTimes:
    """Sort, parse and check the stop times of ``trips``; drop (and report) bad trips."""
    raw = feed.stop_times
    trip_code = pd.Index(trips["trip_id"]).get_indexer(raw["trip_id"])
    seq = raw["stop_sequence"].to_numpy(dtype=np.float64, na_value=np.nan)
    sel = np.flatnonzero(trip_code >= 0)
    order = sel[np.lexsort((seq[sel], trip_code[sel]))]
    sub, seq = raw.iloc[order], seq[order]
    empty = pd.Series(pd.NA, index=sub.index, dtype="string")
    arr, arr_bad = parse_gtfs_times(sub.get("arrival_time", empty))
    dep, dep_bad = parse_gtfs_times(sub.get("departure_time", empty))
    st = _StopTimes(
        row=raw.index.to_numpy()[order].astype(np.int64) + 1,
        trip=trip_code[order].astype(np.int64),
        stop=pd.Index(stops["stop_id"]).get_indexer(sub["stop_id"]).astype(np.int64),
        arrival_s=arr,
        departure_s=dep,
        dist=_floats(sub, "shape_dist_traveled"),
        timed=np.zeros(len(order), dtype=bool),
    )
    trip_id = trips["trip_id"].to_numpy(dtype=object)
    bad_trip = np.zeros(len(trips), dtype=bool)

    def flag(rows: NDArray[np.bool_], kind: str, describe: Callable[[int], str]) -> None:
        hit = np.flatnonzero(rows & ~bad_trip[st.trip])
        dropped = np.unique(st.trip[hit])
        problems.add_rows(
            kind, "stop_times.txt", st.row[hit], lambda k: describe(int(hit[k])),
            n_dropped=len(dropped),
        )
        bad_trip[dropped] = True

    def bad_time(i: int) -> str:
        column = "arrival_time" if arr_bad[i] else "departure_time"
        return f"{column} {sub[column].iloc[i]!r} is not HH:MM:SS"

    flag(arr_bad | dep_bad, "trips with malformed times", bad_time)
    flag(np.isnan(seq), "trips with an empty stop_sequence", lambda i: "stop_sequence is empty")
    flag(
        np.r_[False, (st.trip[1:] == st.trip[:-1]) & (seq[1:] == seq[:-1])],
        "trips with a repeated stop_sequence",
        lambda i: f"stop_sequence {seq[i]:.0f} of trip {trip_id[st.trip[i]]!r} appears twice",
    )
    flag(
        st.stop < 0,
        "trips with an unknown stop",
        lambda i: f"stop_id {sub['stop_id'].iloc[i]!r} is not in stops.txt",
    )
    # GTFS: when only one of arrival and departure is given, the other is the same
    st.arrival_s = np.where(st.arrival_s < 0, st.departure_s, st.arrival_s)
    st.departure_s = np.where(st.departure_s < 0, st.arrival_s, st.departure_s)
    st.timed = st.arrival_s >= 0
    st = st.take(~bad_trip[st.trip])

    starts, lengths = st.trip_runs()
    first, last = np.zeros(len(st.row), dtype=bool), np.zeros(len(st.row), dtype=bool)
    first[starts], last[starts + lengths - 1] = True, True
    flag(
        first & last,
        "trips with fewer than two stops",
        lambda i: f"trip {trip_id[st.trip[i]]!r} has only one stop time",
    )
    flag(
        (first | last) & (st.arrival_s < 0),
        "trips with an untimed first or last stop",
        lambda i: (
            f"trip {trip_id[st.trip[i]]!r} has no time at its {'first' if first[i] else 'last'} "
            "stop; the first and last stop of a trip must be timed"
        ),
    )
    st = st.take(~bad_trip[st.trip])

    timed = np.flatnonzero(st.arrival_s >= 0)
    backwards = np.zeros(len(st.row), dtype=bool)
    backwards[timed] = st.arrival_s[timed] > st.departure_s[timed]
    after = (st.trip[timed[1:]] == st.trip[timed[:-1]]) & (
        st.arrival_s[timed[1:]] < st.departure_s[timed[:-1]]
    )
    backwards[timed[1:][after]] = True
    flag(
        backwards,
        "trips going back in time",
        lambda i: (
            f"trip {trip_id[st.trip[i]]!r} arrives at {format_gtfs_time(st.arrival_s[i])}, "
            "before it left the previous timed stop or after it leaves this one"
        ),
    )
    n_without = len(trips) - len(np.unique(st.trip)) - int(bad_trip.sum())
    if n_without > 0:
        logger.debug("%s: %s trips have no stop times and are left out", feed, f"{n_without:,}")
    return st.take(~bad_trip[st.trip])


def _interpolate(st: _StopTimes, stops: pd.DataFrame) -> None:
    """Time untimed stops by distance between their timed neighbours (in place).

    Each untimed stop gets ``dep[prev] + (arr[next] - dep[prev]) * f`` rounded
    to the second, where ``f`` is its share of the distance from the previous
    timed stop to the next one (or of the number of hops if that distance is
    zero). ``prev``/``next`` come from a forward/backward fill of the timed row
    indexes; first and last stops are timed, so they never cross trips.
    """
    timed = st.arrival_s >= 0
    if timed.all():
        return
    index = np.arange(len(timed))
    prev = np.maximum.accumulate(np.where(timed, index, -1))
    next_ = np.minimum.accumulate(np.where(timed, index, len(timed))[::-1])[::-1]
    dist = _distance_along_trips(st, stops)
    i = np.flatnonzero(~timed)
    p, q = prev[i], next_[i]
    span = dist[q] - dist[p]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(span > 0, (dist[i] - dist[p]) / span, (i - p) / (q - p))
    t0, t1 = st.departure_s[p], st.arrival_s[q]
    value = np.clip(np.rint(t0 + (t1 - t0) * share).astype(np.int64), t0, t1)
    st.arrival_s[i] = value
    st.departure_s[i] = value


def _distance_along_trips(st: _StopTimes, stops: pd.DataFrame) -> NDArray[np.float64]:
    """Distance of each row from its trip's first stop, in the trip's own units.

    ``shape_dist_traveled`` where the trip has it at every stop and it never
    decreases; else cumulative haversine metres between consecutive stops; else
    (coordinates missing) the stop's position along the trip.
    """
    starts, lengths = st.trip_runs()
    trip_of_row = np.repeat(np.arange(len(starts)), lengths)
    first = np.zeros(len(st.row), dtype=bool)
    first[starts] = True
    position = (np.arange(len(st.row)) - starts[trip_of_row]).astype(np.float64)

    sdt_ok = np.isfinite(st.dist) & (first | (np.r_[0.0, np.diff(st.dist)] >= 0))
    use_sdt = np.logical_and.reduceat(sdt_ok, starts)[trip_of_row]

    lon, lat = _floats(stops, "stop_lon")[st.stop], _floats(stops, "stop_lat")[st.stop]
    step = np.r_[0.0, haversine_m(lon[:-1], lat[:-1], lon[1:], lat[1:])]
    step[first] = 0.0
    no_coords = np.logical_or.reduceat(~np.isfinite(step), starts)[trip_of_row]
    along = np.cumsum(np.nan_to_num(step))
    along -= along[starts][trip_of_row]
    distance: NDArray[np.float64] = np.where(
        use_sdt, st.dist, np.where(no_coords, position, along)
    )
    return distance


@dataclass(frozen=True, slots=True)
class _Instances:
    """Runs of template trips: one per plain trip, one per frequency departure."""

    trip: NDArray[np.int64]  # index into the trips in use
    offset_s: NDArray[np.int64]  # added to the template's times
    suffix: NDArray[np.object_]  # "" or "@HH:MM:SS"


def _expand_frequencies(
    feed: Any, trips: pd.DataFrame, st: _StopTimes, problems: Problems
) -> _Instances:
    """Turn ``frequencies.txt`` rows into trip instances; other trips run once."""
    present = np.unique(st.trip)
    fq = _or_empty(feed.frequencies, "frequencies")
    trip_code = pd.Index(trips["trip_id"]).get_indexer(fq["trip_id"])
    used = np.isin(trip_code, present)
    start, bad_start = parse_gtfs_times(fq["start_time"])
    end, bad_end = parse_gtfs_times(fq["end_time"])
    headway = _floats(fq, "headway_secs")
    bad = used & ((start < 0) | (end < 0) | ~(headway > 0))
    bad_rows = np.flatnonzero(bad)
    problems.add_rows(
        "trips with a bad frequencies.txt row", "frequencies.txt",
        fq.index.to_numpy()[bad_rows] + 1,
        lambda k: (
            f"start_time {fq['start_time'].iloc[bad_rows[k]]!r}, end_time "
            f"{fq['end_time'].iloc[bad_rows[k]]!r} or headway_secs "
            f"{fq['headway_secs'].iloc[bad_rows[k]]!r} is not a time or a positive number"
        ),
        n_dropped=len(np.unique(trip_code[bad])),
    )
    rows = np.flatnonzero(used & ~np.isin(trip_code, trip_code[bad]))
    headway_s = headway[rows].astype(np.int64)
    count = np.maximum(0, -((start[rows] - end[rows]) // headway_s))  # ceil((end - start) / h)
    k = concat_ranges(np.zeros(len(rows), dtype=np.int64), count)
    departs = np.repeat(start[rows], count) + k * np.repeat(headway_s, count)
    template = np.repeat(trip_code[rows], count).astype(np.int64)
    starts, _ = st.trip_runs()
    first_departure = np.zeros(len(trips), dtype=np.int64)
    first_departure[st.trip[starts]] = st.departure_s[starts]
    plain = np.setdiff1d(present, trip_code[used])
    suffixes = np.array(["@" + format_gtfs_time(t) for t in departs], dtype=object)
    return _Instances(
        trip=np.r_[plain, template].astype(np.int64),
        offset_s=np.r_[np.zeros(len(plain), np.int64), departs - first_departure[template]],
        suffix=np.r_[np.full(len(plain), "", dtype=object), suffixes],
    )


@dataclass(frozen=True, slots=True)
class _LaidOut:
    trip: NDArray[np.int64]  # index into the trips in use
    suffix: NDArray[np.object_]
    ptr: NDArray[np.int64]
    stops: NDArray[np.int64]
    arrival_s: NDArray[np.int64]
    departure_s: NDArray[np.int64]
    timed: NDArray[np.bool_]
    n_today: int  # trips of the date come first, then those carried over


def _lay_out_trips(
    st: _StopTimes, inst: _Instances, *, runs: NDArray[np.bool_], ran: NDArray[np.bool_]
) -> _LaidOut:
    """Lay out the instances running on the date, then those left over from the day before.

    ``runs``/``ran`` say whether each trip's service runs on the date / ran the
    day before. Previous-day instances are shifted by -24 h and keep the stops
    they leave at or after midnight (arrivals clipped to 0); they need two.
    """
    starts, lengths = st.trip_runs()
    first_row = np.zeros(len(runs), dtype=np.int64)
    n_rows = np.zeros(len(runs), dtype=np.int64)
    first_row[st.trip[starts]], n_rows[st.trip[starts]] = starts, lengths

    def gather(which: NDArray[np.int64], shift_s: int) -> tuple[NDArray[Any], ...]:
        t = inst.trip[which]
        rows = concat_ranges(first_row[t], n_rows[t])
        offset = np.repeat(inst.offset_s[which] - shift_s, n_rows[t])
        owner = np.repeat(np.arange(len(which)), n_rows[t])
        return (owner, st.stop[rows], st.arrival_s[rows] + offset,
                st.departure_s[rows] + offset, st.timed[rows])

    today = np.flatnonzero(runs[inst.trip])
    _, stops, arrival, departure, timed = gather(today, 0)

    ends = first_row[inst.trip] + n_rows[inst.trip] - 1
    last_departure = st.departure_s[ends] + inst.offset_s if len(ends) else ends
    spill = np.flatnonzero(ran[inst.trip] & (last_departure >= DAY_S))
    owner, p_stops, p_arrival, p_departure, p_timed = gather(spill, DAY_S)
    after_midnight = p_departure >= 0
    n_after = np.bincount(owner[after_midnight], minlength=len(spill))
    keep = after_midnight & (n_after[owner] >= 2)
    spill, n_after = spill[n_after >= 2], n_after[n_after >= 2]

    which = np.r_[today, spill]
    suffix = inst.suffix[which].copy()
    suffix[len(today) :] += PREVIOUS_DAY_SUFFIX
    lengths_out = np.r_[n_rows[inst.trip[today]], n_after]
    return _LaidOut(
        trip=inst.trip[which],
        suffix=suffix,
        ptr=np.r_[0, np.cumsum(lengths_out)].astype(np.int64),
        stops=np.r_[stops, p_stops[keep]],
        arrival_s=np.r_[arrival, np.maximum(p_arrival[keep], 0)],
        departure_s=np.r_[departure, p_departure[keep]],
        timed=np.r_[timed, p_timed[keep]],
        n_today=len(today),
    )
