"""routes/timetable/gtfs_time.py: GTFS times parsed and formatted, -1 for missing."""

from __future__ import annotations

import numpy as np
import pandas as pd

from routes.timetable.gtfs_time import (
    MISSING_S,
    format_clock,
    format_gtfs_time,
    format_gtfs_times,
    parse_gtfs_times,
)


def test_parse_by_hand() -> None:
    values = pd.Series(["00:00:00", "7:05:09", " 25:00:30 ", "100:00:00", None, "",
                        "25:6:00", "07:60:00", "x"])
    seconds, malformed = parse_gtfs_times(values)
    assert seconds.tolist() == [0, 7 * 3600 + 5 * 60 + 9, 25 * 3600 + 30, 100 * 3600,
                                MISSING_S, MISSING_S, MISSING_S, MISSING_S, MISSING_S]
    assert malformed.tolist() == [False, False, False, False, False, False, True, True, True]


def test_format_round_trips_and_marks_missing() -> None:
    seconds = np.array([0, 59, 3600, 86_399, 90_030, MISSING_S])
    text = format_gtfs_times(seconds)
    assert text.tolist() == ["00:00:00", "00:00:59", "01:00:00", "23:59:59", "25:00:30", ""]
    assert [format_gtfs_time(s) for s in seconds[:-1]] == text[:-1].tolist()
    parsed, malformed = parse_gtfs_times(pd.Series(text))
    assert parsed.tolist() == seconds.tolist() and not malformed.any()
    assert format_gtfs_times(np.zeros(0, dtype=np.int64)).tolist() == []


def test_clock() -> None:
    assert format_clock(7 * 3600 + 30 * 60 + 59) == "07:30"
    assert format_clock(25 * 3600) == "25:00"
