"""Numbers for people: one rule for every page, report and command-line summary.

Thousands separators; 0 decimals from 100 up (and for whole numbers), 1 from
10, 2 from 1, else 3; ``"0"`` for anything that rounds to zero; ``"n/a"`` for a
missing or infinite value; an ASCII ``-`` for negatives, so the text survives
every terminal encoding and CSV reader.
"""

from __future__ import annotations

import math

__all__ = ["format_number"]


def format_number(value: float | None, *, digits: int | None = None, signed: bool = False) -> str:
    """Format a number for people: thousands separators, few decimals, ``n/a`` for missing.

    Parameters
    ----------
    value
        The number.
    digits
        Decimal places; by default 0 from 100 up, 1 from 10, 2 from 1, else 3.
    signed
        Prefix positive numbers with ``+``.

    Examples
    --------
    >>> format_number(2340.4), format_number(0.1664), format_number(-3.0, signed=True)
    ('2,340', '0.166', '-3')
    >>> format_number(69.1), format_number(-0.0004), format_number(float("nan"))
    ('69.1', '0', 'n/a')
    """
    if value is None or not math.isfinite(float(value)):
        return "n/a"
    value = float(value)
    if value == 0:
        return "0"
    if digits is None:
        size = abs(value)
        digits = 0 if size >= 100 else 1 if size >= 10 else 2 if size >= 1 else 3
        if value == round(value) and size >= 1:
            digits = 0
    text = f"{abs(value):,.{digits}f}"
    if float(text.replace(",", "")) == 0:
        return "0"
    sign = "-" if value < 0 else "+" if signed else ""
    return sign + text
