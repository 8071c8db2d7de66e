"""GTFS times: parse ``H:MM:SS`` text to seconds after midnight, and format them back.

Every GTFS time of the package goes through here: reading feeds, modifying
their trips, exporting proposals, writing the demo feed, and showing times of
day on pages. A time is an integer number of seconds after midnight of the
service day (hours may pass 24); a missing or malformed time is ``-1``.

(Clock times written by people in ``routes.toml`` and on the command line,
``"07:30"``, are read by :func:`routes.config.parameters.parse_clock`, which
names the bad value in its error; proposal periods by the proposal loader.)

Examples
--------
>>> import pandas as pd
>>> seconds, malformed = parse_gtfs_times(pd.Series(["07:05:00", " 25:00:30", None, "7:5:00"]))
>>> seconds.tolist(), malformed.tolist()
([25500, 90030, -1, -1], [False, False, False, True])
>>> format_gtfs_time(90030)
'25:00:30'
>>> format_gtfs_times(seconds).tolist()
['07:05:00', '25:00:30', '', '']
>>> format_clock(27000)
'07:30'
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "DAY_S",
    "MISSING_S",
    "PREVIOUS_DAY_SUFFIX",
    "format_clock",
    "format_gtfs_time",
    "format_gtfs_times",
    "parse_gtfs_times",
]

DAY_S = 86_400
"""Seconds in a service day."""

MISSING_S = -1
"""The time of a missing or malformed value."""

PREVIOUS_DAY_SUFFIX = "@-1d"
"""Suffix of the trip ID of a trip carried over from the previous service day."""

_TIME_PATTERN = r"\d{1,3}:[0-5]\d:[0-5]\d"


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
    seconds = np.full(len(text), MISSING_S, dtype=np.int64)
    hhmmss = text[ok].str.replace(":", "", regex=False).astype("int64").to_numpy()
    seconds[ok] = hhmmss // 10_000 * 3600 + hhmmss // 100 % 100 * 60 + hhmmss % 100
    return seconds, present & ~ok


def format_gtfs_time(seconds: int) -> str:
    """Format seconds after midnight as a GTFS ``HH:MM:SS`` time (hours may exceed 23)."""
    s = int(seconds)
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"


def format_gtfs_times(seconds: ArrayLike) -> NDArray[np.str_]:
    """Format seconds after midnight as GTFS ``HH:MM:SS``, vectorised; ``""`` where negative."""
    s = np.asarray(seconds, dtype=np.int64)
    if not s.size:
        return np.zeros(s.shape, dtype="<U8")
    h, rest = np.divmod(s, 3600)
    m, sec = np.divmod(rest, 60)
    text = np.char.add(
        np.char.add(
            np.char.add(np.char.zfill(h.astype(str), 2), ":"),
            np.char.add(np.char.zfill(m.astype(str), 2), ":"),
        ),
        np.char.zfill(sec.astype(str), 2),
    )
    formatted: NDArray[np.str_] = np.where(s >= 0, text, "")
    return formatted


def format_clock(seconds: int) -> str:
    """Format seconds after midnight as a time of day ``HH:MM`` (hours may exceed 23)."""
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}"
