"""Brute-force reference for fare-aware routing, and an independent fare function.

Two pieces, sharing nothing with the engine's kernels:

* :func:`journey_fare` — the fare of an explicit list of rides under the rules
  of :mod:`routes.fares.compiled` (its docstring is the specification), by
  brute force over every "use the ticket" / "buy a single" choice at every
  paid boarding (free rides forced through);
* :func:`fare_oracle_window` — the oracle of ``tests/_oracle.py`` (same walks,
  runs, board slack, pickup/drop-off, transfers, ``max_rides``, ``max_trip_s``:
  it reuses that module's ``_Query``) with the full fare state in the Dijkstra
  key and **no dominance**: a state is ``(stop, rides, phase, C, g, x, n,
  paid)``, ``C`` the fare so far, ``(g, x, n)`` the ticket held (group, last
  boarding second it covers, changes left; ``g = -1`` none) and ``paid`` what
  each group has charged (for its day cap). From a walk state every catchable
  run at every position, every fare option and every later alighting is tried.
  The earliest time per state is exact (within one state waiting is free and
  the future does not depend on the time but through catchability), so "the
  earliest arrival with ``C <= B``" is exact for every budget ``B``.

:func:`enumerate_journeys` lists every journey of a tiny network by depth-first
search (no Dijkstra, no fare state) so that the oracle can be checked against
:func:`journey_fare` on the same ride lists.

Hand-derived cases (``tests/engine/test_fare_oracle.py``; prices in pence)
===========================================================================
Two buses of two companies: A (group 0) then B (group 1), both 300, no
transfer between groups: 300 + 300 = 600, so over a 300 budget, within 600.
Same-operator change, window 600 s, free change (transfer price 0): second
boarding 600 s after the first costs 300 + 0 = 300; 601 s after, 300 + 300 =
600. Day cap 500 on group 0, three rides at 300 with no transfers: 300 + 200
+ 0 = 500 (the cap binds at the second ride). A free ride between two paid
rides of one operator (window 3600, free change): 300 + 0 + 0 = 300, the
ticket passes through the free ride. A regime boundary at 09:30 with price 300
before and 0 from 09:30: boarding at 09:29:59 costs 300, at 09:30:00 costs 0.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from _oracle import AFTER_RIDE, AFTER_WALK, INF, Conventions, _catchable, _Query, nearest_rank_index

from routes.fares.compiled import CompiledFares

__all__ = ["enumerate_journeys", "fare_oracle_percentiles", "fare_oracle_window",
           "journey_fare", "ride_options"]

#: Changes left on a ticket that allows unlimited changes.
_MANY = 10**6

Ticket = tuple[int, int, int]  # (group, last boarding second covered, changes left)
FareState = tuple[int, int, int, int, tuple[int, ...]]  # (C, g, x, n, paid per group)


def _capped(fares: CompiledFares, h: int, charge: int, paid: tuple[int, ...]) -> int:
    cap = int(fares.group_day_cap[h])
    return charge if cap < 0 else min(charge, cap - paid[h])


def ride_options(fares: CompiledFares, pattern: int, dep_s: int, state: FareState
                 ) -> list[FareState]:
    """Every fare state after boarding ``pattern`` at ``dep_s`` from ``state``.

    Free ride: the state passes through. Otherwise "buy" (a ticket of the
    pattern's group) and, when the ticket held accepts the group within its
    window with a change left (or the change does not count), "use".
    """
    cost, g, x, n, paid = state
    h = int(fares.pattern_group[pattern])
    price = int(fares.pattern_price[pattern, fares.regime_of(dep_s)])
    if price == 0:
        return [state]
    out = []
    c = _capped(fares, h, price, paid)
    new_paid = paid[:h] + (paid[h] + c,) + paid[h + 1:]
    max_n = int(fares.group_max_transfers[h])
    out.append((cost + c, h, dep_s + int(fares.group_window_s[h]), _MANY if max_n < 0 else max_n,
                new_paid))
    if g >= 0:
        tp = int(fares.transfer_price[g, h])
        counts = bool(fares.transfer_counts[g, h])
        if tp >= 0 and dep_s <= x and (n > 0 or not counts):
            c = _capped(fares, h, tp, paid)
            new_paid = paid[:h] + (paid[h] + c,) + paid[h + 1:]
            out.append((cost + c, g, x, n - int(counts), new_paid))
    return out


def journey_fare(rides: Sequence[tuple[int, int]], fares: CompiledFares) -> int:
    """The fare of a journey riding ``[(pattern, boarding second), ...]`` in order.

    Brute force: every sequence of choices (buy, or use the ticket held, at
    each paid boarding; a free ride neither buys nor uses), each checked
    against the rules from scratch; the cheapest valid one.
    """
    best = math.inf
    for choices in itertools.product((False, True), repeat=len(rides)):
        total = 0
        ticket: Ticket | None = None
        paid = [0] * fares.n_groups
        valid = True
        for (p, dep), use in zip(rides, choices, strict=True):
            h = int(fares.pattern_group[p])
            price = int(fares.pattern_price[p, fares.regime_of(dep)])
            if price == 0:
                if use:  # the choice is meaningless on a free ride: count it once
                    valid = False
                    break
                continue
            if use:
                if ticket is None:
                    valid = False
                    break
                g, expiry, left = ticket
                tp = int(fares.transfer_price[g, h])
                counts = bool(fares.transfer_counts[g, h])
                if tp < 0 or dep > expiry or (counts and left <= 0):
                    valid = False
                    break
                charge = tp
                ticket = (g, expiry, left - int(counts))
            else:
                charge = price
                max_n = int(fares.group_max_transfers[h])
                ticket = (h, dep + int(fares.group_window_s[h]), _MANY if max_n < 0 else max_n)
            cap = int(fares.group_day_cap[h])
            if cap >= 0:
                charge = min(charge, cap - paid[h])
            paid[h] += charge
            total += charge
        if valid:
            best = min(best, total)
    assert best < math.inf  # buying everywhere is always valid
    return int(best)


Key = tuple[int, int, int, FareState]  # (stop, rides, phase, fare state)


def _fare_run(q: _Query, fares: CompiledFares, oi: int, dep_s: int, c_max: float
              ) -> tuple[dict[Key, float], dict[Key, tuple[Key | None, Any]]]:
    """Earliest time of every reachable full state from origin ``oi`` leaving at ``dep_s``."""
    walks, slack = q.walks, q.conv.board_slack_s
    label: dict[Key, float] = {}
    pred: dict[Key, tuple[Key | None, Any]] = {}
    heap: list[tuple[float, int, Key]] = []
    counter = itertools.count()
    horizon = dep_s + q.max_trip_s

    def push(t: float, key: Key, prev: Key | None, leg: Any) -> None:
        if t <= horizon and t < label.get(key, INF):
            label[key] = t
            pred[key] = (prev, leg)
            heapq.heappush(heap, (t, next(counter), key))

    start: FareState = (0, -1, 0, 0, (0,) * fares.n_groups)
    for s, w in walks.access[oi]:
        push(dep_s + w, (s, 0, AFTER_WALK, start), None, None)
    settled: set[Key] = set()
    while heap:
        tau, _, key = heapq.heappop(heap)
        if key in settled or tau > label[key]:
            continue
        settled.add(key)
        s, k, phase, state = key
        if phase == AFTER_WALK:
            if k >= q.max_rides:
                continue
            for run, i in q.scheduled_boardings[s]:
                if not _catchable(run, i, tau, slack):
                    continue
                pattern = _pattern_of_trip(q, run.label)
                for new in ride_options(fares, pattern, run.departure[i], state):
                    if new[0] > c_max:
                        continue
                    for j in range(i + 1, len(run.stops)):
                        s2 = run.stops[j]
                        if walks.can_alight[s2] and run.alight[j]:
                            push(float(run.arrival[j]), (s2, k + 1, AFTER_RIDE, new), key,
                                 (pattern, run.departure[i]))
        else:
            for s2, w in walks.transfers[s]:
                push(tau + w, (s2, k, AFTER_WALK, state), key, None)
    return label, pred


def _pattern_of_trip(q: _Query, trip: int) -> int:
    cache = q.__dict__.setdefault("_trip_pattern", None)
    if cache is None:
        tt = q.tt
        cache = np.repeat(np.arange(tt.n_patterns), np.diff(tt.pattern_trip_ptr))
        q.__dict__["_trip_pattern"] = cache
    return int(cache[trip])


def rides_of(pred: dict[Key, tuple[Key | None, Any]], key: Key) -> list[tuple[int, int]]:
    """The rides ``[(pattern, boarding second)]`` of the path the oracle kept to ``key``."""
    rides = []
    cur: Key | None = key
    while cur is not None:
        prev, leg = pred[cur]
        if leg is not None:
            rides.append(leg)
        cur = prev
    return rides[::-1]


def _query(tt: Any, streets: Any, stop_node: Any, origins: Any, dests: Any, query: dict) -> _Query:
    conv = {k: query[k] for k in list(query) if k in Conventions.__dataclass_fields__}
    if conv.get("frequency_phase", "fixed") == "random" and tt.trip_frequency is not None:
        raise ValueError("the fare oracle runs timetabled trips only")
    conv["frequency_phase"] = "fixed"
    rest = {k: v for k, v in query.items() if k not in Conventions.__dataclass_fields__}
    return _Query(tt, streets, stop_node, origins, dests, conv=Conventions(**conv),
                  unsnapped_transfers=True, **rest)


def fare_oracle_window(tt: Any, streets: Any, stop_node: Any, origins: Any, dests: Any,
                       departures_s: Sequence[int], fares: CompiledFares,
                       budgets: Sequence[int], *, check_fares: bool = True,
                       **query: Any) -> np.ndarray:
    """Travel times (s) per departure and budget, ``(n_dep, n_budgets, n_o, n_d)``, inf unreached.

    ``query`` as for :func:`_oracle.oracle_window_travel_times` (frequency
    entries are run as their fixed expansion). With ``check_fares`` the path
    behind every answer is re-priced by :func:`journey_fare`, which must not
    exceed the budget.
    """
    q = _query(tt, streets, stop_node, origins, dests, query)
    c_max = max(budgets)
    n_d = len(q.dests)
    out = np.full((len(departures_s), len(budgets), len(q.origins), n_d), INF)
    for m, dep in enumerate(departures_s):
        for oi in range(len(q.origins)):
            label, pred = _fare_run(q, fares, oi, int(dep), c_max)
            best = np.full((len(budgets), n_d), INF)
            best_key: list[list[Key | None]] = [[None] * n_d for _ in budgets]
            direct = dep + q.walks.direct[oi]
            for b in range(len(budgets)):
                best[b] = direct
            for key, t in label.items():
                s, _, phase, state = key
                if phase != AFTER_RIDE:
                    continue
                arrival = t + q.walks.egress[s]
                for b, budget in enumerate(budgets):
                    if state[0] > budget:
                        continue
                    better = arrival < best[b]
                    best[b][better] = arrival[better]
                    for d in np.flatnonzero(better):
                        best_key[b][d] = key
            best[best - dep > q.max_trip_s] = INF
            out[m, :, oi] = best - dep
            if check_fares:
                for b, budget in enumerate(budgets):
                    for d in range(n_d):
                        key = best_key[b][d]
                        if key is not None and not math.isinf(best[b, d]):
                            fare = journey_fare(rides_of(pred, key), fares)
                            assert fare <= key[3][0] <= budget, (fare, key, budget)
    return out


def fare_oracle_percentiles(tt: Any, streets: Any, stop_node: Any, origins: Any, dests: Any,
                            t0_s: int, fares: CompiledFares, budgets: Sequence[int], *,
                            window_min: int, percentiles: Sequence[int], **query: Any
                            ) -> np.ndarray:
    """Nearest-rank percentiles over the window (s), ``(n_o, n_budgets, n_pct, n_d)``, NaN none."""
    deps = [int(t0_s) + 60 * m for m in range(window_min)]
    times = fare_oracle_window(tt, streets, stop_node, origins, dests, deps, fares, budgets,
                               **query)
    ordered = np.sort(times, axis=0)
    res = np.stack([ordered[nearest_rank_index(p, len(deps))] for p in percentiles], axis=1)
    res = np.transpose(res, (2, 0, 1, 3))  # (o, b, pct, d)
    res[np.isinf(res)] = np.nan
    return res


def enumerate_journeys(tt: Any, streets: Any, stop_node: Any, origin: int, dep_s: int,
                       **query: Any) -> list[tuple[int, list[tuple[int, int]], float]]:
    """Every transit journey from one origin: ``(last stop, rides, arrival at that stop)``.

    Depth-first over access walk, rides (every catchable run, every later
    alighting) and transfer walks, up to ``max_rides``; no state merging, so
    tiny networks only. Walk-only journeys are not listed.
    """
    q = _query(tt, streets, stop_node, [origin], [origin], query)
    out: list[tuple[int, list[tuple[int, int]], float]] = []
    horizon = dep_s + q.max_trip_s

    def ride_from(s: int, tau: float, rides: list[tuple[int, int]]) -> None:
        if len(rides) >= q.max_rides:
            return
        for run, i in q.scheduled_boardings[s]:
            if not _catchable(run, i, tau, q.conv.board_slack_s):
                continue
            ride = (_pattern_of_trip(q, run.label), run.departure[i])
            for j in range(i + 1, len(run.stops)):
                s2, a = run.stops[j], run.arrival[j]
                if q.walks.can_alight[s2] and run.alight[j] and a <= horizon:
                    out.append((s2, [*rides, ride], float(a)))
                    for s3, w in q.walks.transfers[s2]:
                        ride_from(s3, a + w, [*rides, ride])

    for s, w in q.walks.access[0]:
        ride_from(s, dep_s + w, [])
    return out
