"""GTFS calendars: ``calendar.txt`` and ``calendar_dates.txt`` with their dates parsed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from routes.timetable.read import _WEEKDAYS, Problems, _or_empty

_DATE_PATTERN = r"\d{8}"


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


def _parse_dates(values: pd.Series) -> tuple[NDArray[np.datetime64], NDArray[np.bool_]]:
    """Parse GTFS ``YYYYMMDD`` strings; return dates and a mask of malformed values."""
    text = values.astype("string").str.strip()
    ok = text.str.fullmatch(_DATE_PATTERN).fillna(False).to_numpy(dtype=bool)
    dates = pd.to_datetime(text.where(ok), format="%Y%m%d", errors="coerce")
    parsed: NDArray[np.datetime64] = np.asarray(dates, dtype="datetime64[D]")
    return parsed, np.isnat(parsed)
