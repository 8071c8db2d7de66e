"""The tickets a rider can hold within one fare budget, as a small automaton.

"The fastest journey costing at most B" needs, at each stop, more than the
earliest arrival: a rider who paid less, or holds a ticket that still
accepts changes, may reach places a faster rider cannot afford. When the
ticket's validity window never runs out within the search horizon and the
price regime does not change over it, what a rider can still do depends
only on a finite *ticket state*: the fare paid, the ticket held (its group
and changes left) and what each capped group has charged. Riding a pattern
of a given kind (its group and price) moves a state to one or two states
(buy a single; use the ticket held), exactly as
:class:`~routes.fares.compiled.CompiledFares` defines a journey's fare, and
states whose fare would exceed ``B`` are never made.

Two reductions keep the automaton small; neither changes an answer:

* a state that *simulates* another (for every ride kind, each move of the
  other is matched by a move of the first to a state that simulates the
  other's successor) can go everywhere the other can, within ``B``; of the
  successors of one move only the states no other successor simulates are
  kept, and states that simulate each other are merged;
* changes left beyond ``max_rides - 1`` are never used.

The engine (:mod:`routes.engine.fare_states`) runs the plain range-RAPTOR
over stops x ticket states: every state is within ``B``, so the earliest
arrival over all of them is the answer for ``B``.

Examples
--------
One operator, £3 singles, a second bus within the hour for £1: with £4 a
rider can hold nothing, a fresh ticket or a used one.

>>> import numpy as np
>>> from routes.fares.compiled import CompiledFares
>>> fares = CompiledFares(np.zeros(1, np.int16), np.full((1, 1), 300, np.int32),
...                       np.zeros(0, np.int32), np.full((1, 1), 100, np.int32),
...                       np.ones((1, 1), bool), np.full(1, 3600, np.int32),
...                       np.ones(1, np.int16), np.full(1, -1, np.int32))
>>> states = ticket_states(fares, budget=400, regime=0, max_rides=3)
>>> states.cost.tolist(), states.successors
([0, 300, 400], (((1,),), ((2,),), ((),)))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from routes.fares.compiled import CompiledFares

__all__ = ["TicketStates", "constant_regime", "ticket_states"]

_MAX_RAW_STATES = 256
"""Give up (the caller falls back to label bags) beyond this many raw states."""

_State = tuple[int, int, int, tuple[int, ...]]  # fare paid, ticket group, changes left, paid


@dataclass(frozen=True, slots=True)
class TicketStates:
    """The ticket states within one budget and the moves between them.

    Attributes
    ----------
    cost
        int32 [n_states]: the fare paid in each state; state 0 is the start
        (nothing bought).
    successors
        ``successors[state][kind]``: the states a ride of that kind can lead
        to (empty: the rider cannot afford it).
    pattern_kind
        int32 [n_patterns]: the kind (group and price) of each pattern.
    """

    cost: NDArray[np.int32]
    successors: tuple[tuple[tuple[int, ...], ...], ...]
    pattern_kind: NDArray[np.int32]

    @property
    def n_states(self) -> int:
        """Number of ticket states."""
        return len(self.cost)

    @property
    def n_pattern_copies(self) -> int:
        """Patterns the engine rides over stops x states: one per move and pattern of its kind."""
        per_kind = np.bincount(self.pattern_kind, minlength=len(self.successors[0]))
        return int(sum(len(targets) * per_kind[kind] for row in self.successors
                       for kind, targets in enumerate(row)))


def constant_regime(fares: CompiledFares, first_s: int, last_s: int) -> int | None:
    """Return the price regime of every boarding in ``[first_s, last_s]`` (None: it changes)."""
    bounds = fares.regime_bounds_s
    if ((bounds > first_s) & (bounds <= last_s)).any():
        return None
    return fares.regime_of(first_s)


def _moves(state: _State, group: int, price: int, fares: CompiledFares, budget: int,
           max_changes: int, slot: int) -> list[_State]:
    """Return the states after a ride of ``group`` at ``price`` (as the bag kernel does).

    ``slot``: where ``paid`` holds what ``group`` charged (-1: no day cap).
    """
    if price == 0:  # a free ride: the ticket passes through
        return [state]
    cost, g, n, paid = state

    def charged(amount: int) -> tuple[int, tuple[int, ...]]:
        if slot < 0:
            return amount, paid
        amount = min(amount, int(fares.group_day_cap[group]) - paid[slot])
        return amount, paid[:slot] + (paid[slot] + amount,) + paid[slot + 1:]

    out = []
    charge, new_paid = charged(price)
    if cost + charge <= budget:
        allowed = int(fares.group_max_transfers[group])
        changes = max_changes if allowed < 0 else min(allowed, max_changes)
        out.append((cost + charge, group, changes, new_paid))
    if g >= 0:
        xfer = int(fares.transfer_price[g, group])
        counts = bool(fares.transfer_counts[g, group])
        if xfer >= 0 and (n > 0 or not counts):
            charge, new_paid = charged(xfer)
            if cost + charge <= budget:
                out.append((cost + charge, g, n - int(counts), new_paid))
    return out


def _simulation(succ: list[list[list[int]]], n_kinds: int) -> NDArray[np.bool_]:
    """``sim[a, b]``: state ``a`` can match every move of state ``b`` (greatest fixpoint).

    Refined from "every pair" until stable: ``a`` stops simulating ``b`` when
    ``b`` has a move of some kind to a state that no move of ``a`` of that kind
    reaches a simulator of (boolean matrix products, one pair per kind).
    """
    n = len(succ)
    moves = np.zeros((n_kinds, n, n), dtype=np.float32)
    for s, row in enumerate(succ):
        for kind, targets in enumerate(row):
            moves[kind, s, targets] = 1.0
    sim = np.ones((n, n), dtype=bool)
    while True:
        refined = sim.copy()
        for m in moves:
            matched = (m @ sim.astype(np.float32)) > 0  # [a, b2]: a reaches a simulator of b2
            refined &= ((~matched).astype(np.float32) @ m.T) == 0  # [a, b]: b has no other move
        if (refined == sim).all():
            return sim
        sim = refined


def ticket_states(fares: CompiledFares, budget: int, regime: int,
                  max_rides: int) -> TicketStates | None:
    """Return the ticket states within ``budget`` (module docstring), or None if too many.

    Exact only when every boarding falls in price regime ``regime``
    (:func:`constant_regime`) and no ticket that accepts changes expires
    within the search horizon (the caller checks both).

    Parameters
    ----------
    fares
        The compiled fare rules.
    budget
        The fare budget, minor units.
    regime
        The price regime of every boarding.
    max_rides
        Most rides in a journey.
    """
    kinds, pattern_kind = np.unique(
        np.c_[fares.pattern_group.astype(np.int64), fares.pattern_price[:, regime]],
        axis=0, return_inverse=True)
    capped = fares.group_day_cap >= 0
    slot = np.where(capped, np.cumsum(capped) - 1, -1).tolist()  # per group
    start: _State = (0, -1, 0, (0,) * int(capped.sum()))
    max_changes = max(max_rides - 1, 0)
    index = {start: 0}
    raw = [start]
    succ: list[list[list[int]]] = []
    while len(succ) < len(raw):
        state = raw[len(succ)]
        row = []
        for group, price in kinds.tolist():
            targets = []
            for nxt in _moves(state, group, price, fares, budget, max_changes, slot[group]):
                if nxt not in index:
                    if len(raw) == _MAX_RAW_STATES:
                        return None
                    index[nxt] = len(raw)
                    raw.append(nxt)
                targets.append(index[nxt])
            row.append(sorted(set(targets)))
        succ.append(row)
    sim = _simulation(succ, len(kinds))
    # Merge states that simulate each other into the first of them ...
    rep = np.array([int(np.flatnonzero(sim[:, b] & sim[b, :])[0]) for b in range(len(raw))])
    # ... and keep, of each move's successors, those no other successor simulates.
    kept: dict[int, tuple[tuple[int, ...], ...]] = {}
    order = [0]
    while len(kept) < len(order):
        s = order[len(kept)]
        row_kept = []
        for targets in succ[s]:
            reps = sorted({int(rep[t]) for t in targets})
            best = tuple(b for b in reps if not any(a != b and sim[a, b] for a in reps))
            for b in best:
                if b not in order:
                    order.append(b)
            row_kept.append(best)
        kept[s] = tuple(row_kept)
    new = {s: i for i, s in enumerate(order)}
    successors = tuple(tuple(tuple(new[b] for b in targets) for targets in kept[s])
                       for s in order)
    cost = np.array([raw[s][0] for s in order], dtype=np.int32)
    return TicketStates(cost, successors, pattern_kind.astype(np.int32).ravel())
