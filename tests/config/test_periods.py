"""``[[periods]]`` in routes.toml: parsed into Period, every problem named by its key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from _evaluate_fixtures import write_line_study

from routes.config.periods import Period
from routes.config.study_area import load_study_area
from routes.errors import InputError


def _with(folder: Path, text: str) -> Path:
    toml = write_line_study(folder)
    toml.write_text(toml.read_text(encoding="utf-8") + text, encoding="utf-8")
    return toml


def test_periods_are_read(tmp_path: Path) -> None:
    area = load_study_area(_with(tmp_path, '''
[[periods]]
name = "am_peak"
departure_window = "07:00-09:00"

[[periods]]
name = "saturday"
departure_window = "10:00-12:00"
date = 2019-05-18
'''))
    assert area.periods == (Period("am_peak", 7 * 3600, 9 * 3600),
                            Period("saturday", 10 * 3600, 12 * 3600, dt.date(2019, 5, 18)))
    sat = area.for_period(area.periods[1])
    assert sat.service_date == dt.date(2019, 5, 18)
    assert (sat.routing.departure_start_s, sat.routing.departure_end_s) == (36000, 43200)
    assert sat.periods == () and sat.routing.max_walk_min == area.routing.max_walk_min


def test_without_periods_the_area_has_none(tmp_path: Path) -> None:
    assert load_study_area(write_line_study(tmp_path)).periods == ()


@pytest.mark.parametrize(("text", "message"), [
    ('[[periods]]\nname = "Evening"\ndeparture_window = "19:00-21:00"\n',
     r"\[\[periods\]\]\[1\]\.name: expected a lower-case name"),
    ('[[periods]]\nname = "evening"\ndeparture_window = "21:00-19:00"\n',
     r"\[\[periods\]\]\[1\]\.departure_window: '21:00-19:00' ends before it starts"),
    ('[[periods]]\nname = "evening"\n',
     r"\[\[periods\]\]\[1\]\.departure_window: expected a window"),
    ('[[periods]]\nname = "sat"\ndeparture_window = "10:00-11:00"\ndate = "18 May"\n',
     r"\[\[periods\]\]\[1\]\.date: expected a date like"),
    ('[[periods]]\nname = "a"\ndeparture_window = "10:00-11:00"\nwindow = 3\n',
     r"\[\[periods\]\]\[1\]\.window: unknown key; allowed keys are name, departure_window"),
    ('[[periods]]\nname = "a"\ndeparture_window = "10:00-11:00"\n'
     '[[periods]]\nname = "a"\ndeparture_window = "12:00-13:00"\n',
     r"\[\[periods\]\]\[2\]\.name: 'a' is also the name of period 1"),
])
def test_bad_periods_are_named(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=r"routes\.toml " + message):
        load_study_area(_with(tmp_path, "\n" + text))
