"""The fare of one journey, by brute force: :func:`journey_fare`, a plain-Python reference.

It reads :class:`~routes.fares.compiled.CompiledFares` exactly as its module
docstring says and tries every choice of "use the ticket held" or "buy a
single" at every paid boarding (2 ** rides choices at most), so the fare-aware
engine and its oracle can be checked against it on explicit journeys.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from routes.fares.compiled import CompiledFares

__all__ = ["Ride", "journey_fare"]


@dataclass(frozen=True, slots=True)
class Ride:
    """One ride of a journey: the pattern ridden and the boarding time, seconds after midnight."""

    pattern: int
    board_s: int


@dataclass(frozen=True, slots=True)
class _Ticket:
    group: int
    bought_s: int
    changes_left: int  # -1: unlimited


def _charge(amount: int, group: int, paid: tuple[int, ...], fares: CompiledFares) -> int:
    cap = int(fares.group_day_cap[group])
    return amount if cap < 0 else max(0, min(amount, cap - paid[group]))


def _cheapest(rides: Sequence[Ride], k: int, ticket: _Ticket | None, paid: tuple[int, ...],
              fares: CompiledFares) -> int:
    if k == len(rides):
        return 0
    ride = rides[k]
    group = int(fares.pattern_group[ride.pattern])
    price = int(fares.pattern_price[ride.pattern, fares.regime_of(ride.board_s)])
    if price == 0:  # a free ride neither buys nor uses a ticket
        return _cheapest(rides, k + 1, ticket, paid, fares)

    def pay(amount: int, then: _Ticket) -> int:
        charge = _charge(amount, group, paid, fares)
        after = paid[:group] + (paid[group] + charge,) + paid[group + 1:]
        return charge + _cheapest(rides, k + 1, then, after, fares)

    best = pay(price, _Ticket(group, ride.board_s, int(fares.group_max_transfers[group])))
    if ticket is not None:
        change = int(fares.transfer_price[ticket.group, group])
        counts = bool(fares.transfer_counts[ticket.group, group])
        in_time = ride.board_s <= ticket.bought_s + int(fares.group_window_s[ticket.group])
        if change >= 0 and in_time and (ticket.changes_left != 0 or not counts):
            left = ticket.changes_left - 1 if counts and ticket.changes_left > 0 \
                else ticket.changes_left
            best = min(best, pay(change, _Ticket(ticket.group, ticket.bought_s, left)))
    return best


def journey_fare(rides: Sequence[Ride] | Sequence[tuple[int, int]], fares: CompiledFares) -> int:
    """Return the fare of a journey, minor units: the cheapest over every use-or-buy choice.

    Parameters
    ----------
    rides
        The rides in order, as :class:`Ride` or ``(pattern, board_s)`` pairs.
    fares
        The compiled fares.

    Returns
    -------
    int
        The sum of the charges (0 for no ride).

    Examples
    --------
    Two operators at £3 (patterns 0, 1 run by group 0; pattern 2 by group 1),
    a change within an operator free for an hour, any number of times:

    >>> import numpy as np
    >>> fares = CompiledFares(
    ...     pattern_group=np.array([0, 0, 1], np.int16),
    ...     pattern_price=np.full((3, 1), 300, np.int32),
    ...     regime_bounds_s=np.zeros(0, np.int32),
    ...     transfer_price=np.array([[0, -1], [-1, 0]], np.int32),
    ...     transfer_counts=np.ones((2, 2), bool),
    ...     group_window_s=np.full(2, 3600, np.int32),
    ...     group_max_transfers=np.full(2, -1, np.int16),
    ...     group_day_cap=np.full(2, -1, np.int32))
    >>> journey_fare([(0, 8 * 3600), (1, 8 * 3600 + 1200)], fares)  # one operator: one fare
    300
    >>> journey_fare([(0, 8 * 3600), (2, 8 * 3600 + 1200)], fares)  # two operators: two fares
    600
    >>> journey_fare([(0, 8 * 3600), (1, 9 * 3600 + 1)], fares)  # the ticket has expired
    600
    """
    legs = [r if isinstance(r, Ride) else Ride(int(r[0]), int(r[1])) for r in rides]
    return _cheapest(legs, 0, None, (0,) * fares.n_groups, fares)
