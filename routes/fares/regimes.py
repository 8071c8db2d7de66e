"""Boarding-time regimes of a persona on a service date: when their rides are free.

A regime is a span of boarding times (seconds after midnight of the service
date, up to 48:00 since GTFS service days run past midnight) in which a
persona's concession is either in force or not. A boarding at 24:30 on a Friday
service day is a Saturday boarding (free all day under ENCTS), so the next
calendar date's rules apply past 24:00. England's bank holidays come from the
``holidays`` package (``country_holidays("GB", subdiv="ENG")``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from numpy.typing import NDArray

from routes.config.fares import Persona

__all__ = ["DAY_S", "english_bank_holiday", "persona_regimes"]

DAY_S = 86_400


def english_bank_holiday(date: dt.date) -> bool:
    """Whether ``date`` is a bank holiday in England.

    Examples
    --------
    >>> english_bank_holiday(dt.date(2026, 12, 28)), english_bank_holiday(dt.date(2026, 12, 7))
    (True, False)
    """
    import holidays

    return date in holidays.country_holidays("GB", subdiv="ENG", years=date.year)


def _free_spans(persona: Persona, date: dt.date) -> list[tuple[int, int]]:
    if persona.bank_holiday_free and english_bank_holiday(date):
        return [(0, DAY_S)]
    if date.weekday() >= 5:
        return [(0, DAY_S)] if persona.weekend_free else []
    return [] if persona.weekday_free_s is None else [persona.weekday_free_s]


def persona_regimes(persona: Persona, service_date: dt.date
                    ) -> tuple[NDArray[np.int32], NDArray[np.bool_]]:
    """Split boarding times into regimes; say in which the persona travels free.

    Returns
    -------
    bounds_s
        ``int32`` increasing: regime ``r`` covers ``bounds_s[r-1] <= t < bounds_s[r]``
        (see :class:`routes.fares.compiled.CompiledFares`); empty for one regime.
    free
        ``bool`` per regime: whether eligible rides boarded then are free.

    Examples
    --------
    ENCTS on Friday 2026-12-04: paid until 09:30, free until 23:00, paid to
    midnight, then Saturday (free all day):

    >>> from routes.config.fares import ENCTS
    >>> bounds, free = persona_regimes(ENCTS, dt.date(2026, 12, 4))
    >>> [b / 3600 for b in bounds.tolist()], free.tolist()
    ([9.5, 23.0, 24.0], [False, True, False, True])
    """
    if not persona.ever_free:
        return np.zeros(0, np.int32), np.zeros(1, np.bool_)
    spans = [(k * DAY_S + a, k * DAY_S + b)
             for k in (0, 1) for a, b in _free_spans(persona, service_date + dt.timedelta(k))]
    cuts = sorted({t for span in spans for t in span if 0 < t < 2 * DAY_S})

    def is_free(t: int) -> bool:
        return any(a <= t < b for a, b in spans)

    starts = [0, *cuts]
    free = [is_free(t) for t in starts]
    keep = [0] + [i for i in range(1, len(starts)) if free[i] != free[i - 1]]
    bounds = np.array([starts[i] for i in keep[1:]], dtype=np.int32)
    return bounds, np.array([free[i] for i in keep], dtype=np.bool_)
