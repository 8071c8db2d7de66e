"""Read one GTFS feed with gtfs_kit, checking its files and tables.

The first step of :mod:`routes.timetable.timetable`: opening a feed (zip or
folder), naming feeds, the problems found in a feed (:class:`Problems`) and
small column helpers. Calendars are parsed in :mod:`routes.timetable.calendar`,
the trips of one service date prepared in :mod:`routes.timetable.feed`.
"""

from __future__ import annotations

import csv
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

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from routes.errors import GtfsError, join_problems
from routes.timetable._integrity import check_feed_members

logger = logging.getLogger(__name__)

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
_MAX_EXAMPLES = 5
_DROP_TRIP = "fix the feed or pass --allow-feed-errors to drop the trip"
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, ValueError, TypeError)
"""Exceptions gtfs_kit/pandas raise on unreadable feeds. ``ValueError`` covers
pandas' ``ParserError``, ``UnicodeDecodeError`` and unparseable numbers;
``TypeError`` is pandas refusing a lossy cast to gtfs_kit's dtypes (e.g. a
``headway_secs`` above 32,767, which gtfs_kit reads as ``Int16``)."""

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
    # gtfs_kit (and the folium it imports, ~35 MB) only where a feed is read, not on
    # paths that find their network in the cache (``routes matrix``).
    import gtfs_kit

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
    import gtfs_kit.constants

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
    import gtfs_kit.constants

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


def _or_empty(df: pd.DataFrame | None, table: str) -> pd.DataFrame:
    if df is not None:
        return df
    return pd.DataFrame({c: pd.Series(dtype="string") for c in _REQUIRED_COLUMNS[table]})


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


