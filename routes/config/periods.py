"""Periods of a study area: ``[[periods]]`` tables of ``routes.toml``.

A period is a named departure window on a date (the study date unless it
gives its own), e.g. ``am_peak`` 07:00-09:00, ``evening`` 19:00-21:00,
``saturday`` on a Saturday. ``evaluate``, ``access`` and ``compare`` compute
every metric for every period in one run, beside the study's own window
(``[routing].departure_window`` on ``[study_area].date``, whose columns keep
their names); a period's columns end with ``_<name>``. Without
``[[periods]]`` nothing changes.

Examples
--------
>>> import datetime as dt
>>> p = Period("evening", 19 * 3600, 21 * 3600)
>>> p.window, p.service_date(dt.date(2026, 3, 10)).isoformat()
('19:00-21:00', '2026-03-10')
>>> p.suffix
'_evening'
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from routes.config.parameters import MAX_WINDOW_END_S, MAX_WINDOW_S, Problems, parse_window

__all__ = ["PERIOD_KEYS", "Period", "format_clock", "parse_periods"]

PERIOD_KEYS = ("name", "departure_window", "date")
_NAME = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_MAX_PERIODS = 12


def format_clock(seconds: int) -> str:
    """``HH:MM`` of seconds after midnight (hours may pass 23).

    >>> format_clock(19 * 3600 + 30 * 60)
    '19:30'
    """
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


@dataclass(frozen=True, slots=True)
class Period:
    """A named departure window, on the study date or a date of its own.

    Attributes
    ----------
    name
        Lower-case snake-case name, used in column names (``jobs_within_45min_evening``).
    departure_start_s, departure_end_s
        The departure window, seconds after midnight (end excluded).
    date
        Its service date; ``None`` for the study date.
    """

    name: str
    departure_start_s: int
    departure_end_s: int
    date: dt.date | None = None

    @property
    def window(self) -> str:
        """The window as written in ``routes.toml``, e.g. ``07:00-09:00``."""
        return f"{format_clock(self.departure_start_s)}-{format_clock(self.departure_end_s)}"

    @property
    def suffix(self) -> str:
        """``_<name>``: what the period's column names end with."""
        return f"_{self.name}"

    def service_date(self, study_date: dt.date) -> dt.date:
        """Return the period's date: its own, else ``study_date``."""
        return self.date if self.date is not None else study_date

    def describe(self, study_date: dt.date) -> str:
        """Plain words, e.g. ``evening (19:00-21:00)`` or ``saturday (10:00-12:00, Sat 14 Mar)``."""
        day = self.service_date(study_date)
        on = "" if day == study_date else f", {day:%a} {day.day} {day:%b %Y}"
        return f"{self.name} ({self.window}{on})"

    def to_dict(self, study_date: dt.date) -> dict[str, str]:
        """JSON form for manifests: name, window and date."""
        return {"name": self.name, "departure_window": self.window,
                "date": self.service_date(study_date).isoformat()}


def _parse_date(value: Any, key: str, problems: Problems) -> dt.date | None:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    problems.add(key, f"expected a date like 2026-03-14, got {value!r}")
    return None


def _parse_one(table: Mapping[str, Any], where: str, problems: Problems) -> Period | None:
    ok = True
    for key in table:
        if key not in PERIOD_KEYS:
            problems.add(f"{where}.{key}",
                         f"unknown key; allowed keys are {', '.join(PERIOD_KEYS)}")
    name = table.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        problems.add(f"{where}.name", f"expected a lower-case name like 'am_peak' (letters, "
                                      f"digits and single underscores), got {name!r}")
        ok = False
    window = table.get("departure_window")
    start = end = 0
    if not isinstance(window, str):
        problems.add(f"{where}.departure_window",
                     f"expected a window like '19:00-21:00', got {window!r}")
        ok = False
    else:
        try:
            start, end = parse_window(window)
        except ValueError as exc:
            problems.add(f"{where}.departure_window", f"{exc}; write it like '19:00-21:00'")
            ok = False
        else:
            if end > MAX_WINDOW_END_S or end - start > MAX_WINDOW_S:
                problems.add(f"{where}.departure_window",
                             f"{window!r} ends after 48:00 or is longer than a day; give at "
                             "most 24 hours of one service day, e.g. '19:00-21:00'")
                ok = False
    date = None
    if "date" in table:
        date = _parse_date(table["date"], f"{where}.date", problems)
        ok = ok and date is not None
    if not ok or not isinstance(name, str):
        return None
    return Period(name, start, end, date)


def parse_periods(data: Mapping[str, Any], problems: Problems) -> tuple[Period, ...]:
    """Parse the ``[[periods]]`` array of tables (empty when absent).

    Every problem is recorded in ``problems`` with its dotted key
    (``[[periods]][2].departure_window``): unknown keys, bad names or windows,
    dates that are not dates, names given twice, more than twelve periods.
    """
    value = data.get("periods")
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        problems.add("[[periods]]", "expected tables like [[periods]] name = \"evening\" "
                                    "departure_window = \"19:00-21:00\"")
        return ()
    if len(value) > _MAX_PERIODS:
        problems.add("[[periods]]", f"{len(value)} periods; give at most {_MAX_PERIODS}")
    periods: list[Period] = []
    seen: dict[str, int] = {}
    for i, table in enumerate(value, start=1):
        where = f"[[periods]][{i}]"
        period = _parse_one(table, where, problems)
        if period is None:
            continue
        if period.name in seen:
            problems.add(f"{where}.name", f"{period.name!r} is also the name of period "
                                          f"{seen[period.name]}; give each period its own name")
            continue
        seen[period.name] = i
        periods.append(period)
    return tuple(periods)

