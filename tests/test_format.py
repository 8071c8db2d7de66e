"""routes/_format.py: the one rule for numbers on pages and on the command line."""

from __future__ import annotations

import math

import pytest

from routes._format import format_number


@pytest.mark.parametrize(("value", "text"), [
    (123456.7, "123,457"),     # 0 decimals from 100 up
    (99.95, "100.0"),          # 1 decimal from 10 (rounding may reach 100)
    (69.1, "69.1"),
    (12.0, "12"),              # whole numbers: no decimals
    (3.14159, "3.14"),         # 2 decimals from 1
    (0.1664, "0.166"),         # 3 below 1
    (0.0004, "0"),             # rounds to zero
    (-0.0004, "0"),            # no "-0"
    (-1234.5, "-1,234"),       # ASCII minus (banker's rounding of .5 by format: 1234)
    (0.0, "0"),
    (math.nan, "n/a"),
    (math.inf, "n/a"),
    (None, "n/a"),
])
def test_the_rule(value: float | None, text: str) -> None:
    assert format_number(value) == text


def test_digits_and_sign() -> None:
    assert format_number(2.0, digits=3) == "2.000"
    assert format_number(3.0, signed=True) == "+3"
    assert format_number(-3.0, signed=True) == "-3"
    assert format_number(0.0, signed=True) == "0"
