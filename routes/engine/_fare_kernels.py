"""Compiled hot loops of fare-aware range-RAPTOR: bags of (time, fare, ticket) labels.

The Python side is :mod:`routes.engine.fare_raptor`; the fare rules are
:class:`routes.fares.compiled.CompiledFares` (whose docstring defines a
journey's fare), passed here as plain arrays.

Method: range-McRAPTOR
======================
Departure minutes are processed from the last to the first, as in the plain
kernel (:mod:`routes.engine._raptor_kernels`). Instead of one time per stop
and ride count, each stop keeps a *bag* of labels per ride count ``k`` and
phase (``ride``: just alighted; ``board``: ready to board after an access or
transfer walk). A label is ``(t, cost, g, x, n, paid)``: clock time, fare paid so
far, the ticket held (group ``g``, -1 none; ``x`` the last boarding second it
covers; ``n`` changes left), and what each capped group has charged so far.
Row ``k`` holds labels of journeys with *at most* ``k`` rides: an insertion
into row ``k`` is tried in the rows above it too, stopping at the first row
where it is dominated (a row dominates the one below it, so the rows above
would reject it as well).

**Dominance.** ``L1`` dominates ``L2`` (both at the same stop, phase and row)
iff ``t1 <= t2``, ``c1 <= c2``, every capped group has charged at least as
much in ``L1`` (``p1 >= p2``: a group's future charges are
``min(sum of its prices, cap - paid)``, non-increasing in what was paid), and
either ``L2``'s ticket can serve no further boarding (none, expired before
``t2``, or no change left and no uncounted change accepted), or the tickets
are of the same group with ``min(x1, horizon) >= min(x2, horizon)`` and ``n1 >= n2``,
``horizon = t0 + max_trip_s`` being the last boarding second that can matter for
the minute being processed (and for every earlier minute). In the last row
(``k = max_rides``: no boarding follows) only ``t`` and ``cost`` count, the
fare rounded up to the smallest budget at least it (only egress follows, and
it only asks which budgets a label meets).
*Proof* (mimicry): any continuation of ``L2`` (same walks, trips and
use-or-buy choices) is open to ``L1``: it is at the stop no later (waiting is
free; prices depend on a trip's boarding time, never on the rider's arrival),
has at least as many rides left, and whenever ``L2`` uses its ticket so can
``L1`` at the same price (same group, expiry and changes at least as good),
after which the order between the two tickets still holds; when ``L2`` buys,
``L1`` buys too and the tickets become equal. Each group's total future charge
is at most ``L2``'s, so ``L1`` arrives no later at no greater fare. The
destination answer "earliest arrival with fare <= B" is thus the same over
non-dominated labels as over all journeys (standard McRAPTOR induction,
Delling, Pajor and Werneck 2015, round by round).

**Which trips to board.** From a board label on pattern ``p`` at position
``i`` let ``T0`` be the earliest catchable trip. A later trip ``T`` differs
from the one just before it (``T - 1``, also catchable) only by a later
arrival everywhere, by the price regime of its boarding time, and, for a
bought ticket, by a later expiry. So ``T`` is a candidate only if its regime
differs from ``T - 1``'s, or ``T - 1``'s bought ticket would expire before
``horizon`` (``dep(T - 1) + window < horizon``) while a further ride is still allowed;
otherwise ``T``'s labels are dominated by ``T - 1``'s, and by induction by a
candidate's. Using a ticket or riding free on ``T`` is never better than on
``T - 1`` (same charge and ticket, later times). With windows at least the
horizon only ``T0`` and the first trip of each later regime are boarded
(binary searches).

**Range reuse.** A label made for a later minute is a journey for every
earlier one (wait at the origin), and its fields do not depend on the
minute; dominance depends on the minute only through ``horizon``, and lowering
``horizon`` only makes more labels tie. So bags are kept from later to earlier
minutes, and only labels made in the current minute's current round are
expanded (each label carries the stamp of the minute and round that made it:
an older label's expansions were made when it was new). The per-budget
destination times persist likewise (``best[b, d]``).

Bags have a fixed capacity; on overflow the kernel returns ``False`` and the
caller runs the batch again with twice the capacity.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from routes.engine._raptor_kernels import (
    UNREACHED,
    _bucket_shift,
    _find_trip,
    _legs_end,
    _queue_patterns,
    _select_ranks,
)

UNLIMITED = np.int32(1 << 20)
"""Changes left on a ticket allowing unlimited changes."""


@nb.njit(cache=True, nogil=True, inline="always")
def _state_dominates(c1, g1, x1, n1, p1, c2, g2, x2, n2, p2, horizon, now2, uncounted):  # type: ignore[no-untyped-def]
    """Whether fare state 1 is at least as good as fare state 2 for every continuation.

    ``now2``: the earliest time state 2 could board again (its ticket is
    useless if it expires before); -1 when unknown.
    """
    if c1 > c2:
        return False
    for e in range(len(p1)):
        if p1[e] < p2[e]:
            return False
    if g2 < 0 or x2 < now2 or (n2 <= 0 and not uncounted[g2]):
        return True
    return g1 == g2 and min(x1, horizon) >= min(x2, horizon) and n1 >= n2


@nb.njit(cache=True, nogil=True, inline="always")
def _insert(bag, r, s, t, cost, g, x, n, paid, stamp, horizon, last, uncounted):  # type: ignore[no-untyped-def]
    """Insert a label into ``bag`` row ``r`` at stop ``s``; 1 inserted, 0 dominated, -1 full."""
    bt, b_cost, bg, bx, bn, bst, b_paid, cnt = bag
    m = cnt[r, s]
    for j in range(m):
        if bt[r, s, j] <= t and (
                (last and b_cost[r, s, j] <= cost) or
                (not last and _state_dominates(b_cost[r, s, j], bg[r, s, j], bx[r, s, j],
                                               bn[r, s, j], b_paid[r, s, j], cost, g, x, n,
                                               paid, horizon, t, uncounted))):
            return 0
    j = 0
    while j < m:
        if t <= bt[r, s, j] and (
                (last and cost <= b_cost[r, s, j]) or
                (not last and _state_dominates(cost, g, x, n, paid, b_cost[r, s, j], bg[r, s, j],
                                               bx[r, s, j], bn[r, s, j], b_paid[r, s, j], horizon,
                                               bt[r, s, j], uncounted))):
            m -= 1
            bt[r, s, j] = bt[r, s, m]
            b_cost[r, s, j] = b_cost[r, s, m]
            bg[r, s, j] = bg[r, s, m]
            bx[r, s, j] = bx[r, s, m]
            bn[r, s, j] = bn[r, s, m]
            bst[r, s, j] = bst[r, s, m]
            b_paid[r, s, j] = b_paid[r, s, m]
        else:
            j += 1
    if m == bt.shape[2]:
        cnt[r, s] = m
        return -1
    bt[r, s, m] = t
    b_cost[r, s, m] = cost
    bg[r, s, m] = g
    bx[r, s, m] = x
    bn[r, s, m] = n
    bst[r, s, m] = stamp
    b_paid[r, s, m] = paid
    cnt[r, s] = m + 1
    return 1


@nb.njit(cache=True, nogil=True, inline="always")
def _round_up(budgets, cost):  # type: ignore[no-untyped-def]
    """Return the smallest budget at least ``cost`` (the last budget if none)."""
    for b in range(len(budgets)):
        if budgets[b] >= cost:
            return budgets[b]
    return budgets[len(budgets) - 1]


@nb.njit(cache=True, nogil=True)
def _insert_up(bag, r0, r_end, s, t, cost, g, x, n, paid, stamp, horizon, last_row, uncounted,  # type: ignore[no-untyped-def]
               budgets):
    """Insert into rows ``r0 .. r_end - 1``, stopping where dominated.

    In the last row (``last_row``: only egress follows) the fare is rounded
    up to the smallest budget at least it: only which budgets a label meets
    matters there, so labels within one budget step compare by time alone.

    Returns -1 on overflow, else bit 0: inserted in row ``r0``, bit 1:
    inserted in row ``r_end - 1``.
    """
    flags = 0
    for r in range(r0, r_end):
        if r == last_row:
            cost = _round_up(budgets, cost)
        res = _insert(bag, r, s, t, cost, g, x, n, paid, stamp, horizon, r == last_row, uncounted)
        if res < 0:
            return -1
        if res == 0:
            break
        if r == r0:
            flags |= 1
        if r == r_end - 1:
            flags |= 2
    return flags


@nb.njit(cache=True, nogil=True, inline="always")
def _route_insert(rb, n_rb, trip, cost, g, x, n, paid, horizon, last, uncounted):  # type: ignore[no-untyped-def]
    """Insert into the route bag (labels riding a trip); returns the new size, -1 if full."""
    rtrip, r_cost, rg, rx, rn, r_paid = rb
    for j in range(n_rb):
        if rtrip[j] <= trip and (
                (last and r_cost[j] <= cost) or
                (not last and _state_dominates(r_cost[j], rg[j], rx[j], rn[j], r_paid[j], cost,
                                               g, x, n, paid, horizon, -1, uncounted))):
            return n_rb
    j = 0
    while j < n_rb:
        if trip <= rtrip[j] and (
                (last and cost <= r_cost[j]) or
                (not last and _state_dominates(cost, g, x, n, paid, r_cost[j], rg[j], rx[j], rn[j],
                                               r_paid[j], horizon, -1, uncounted))):
            n_rb -= 1
            rtrip[j] = rtrip[n_rb]
            r_cost[j] = r_cost[n_rb]
            rg[j] = rg[n_rb]
            rx[j] = rx[n_rb]
            rn[j] = rn[n_rb]
            r_paid[j] = r_paid[n_rb]
        else:
            j += 1
    if n_rb == len(rtrip):
        return -1
    rtrip[n_rb] = trip
    r_cost[n_rb] = cost
    rg[n_rb] = g
    rx[n_rb] = x
    rn[n_rb] = n
    r_paid[n_rb] = paid
    return n_rb + 1


@nb.njit(cache=True, nogil=True, inline="always")
def _regime(bounds, dep):  # type: ignore[no-untyped-def]
    r = 0
    while r < len(bounds) and bounds[r] <= dep:
        r += 1
    return r


@nb.njit(cache=True, nogil=True, inline="always")
def _charge(price, h, paid, cap_slot, cap):  # type: ignore[no-untyped-def]
    """Charge ``price`` on group ``h`` under its day cap, ``paid`` being charged so far."""
    e = cap_slot[h]
    if e < 0:
        return price
    return min(price, cap[h] - paid[e])


@nb.njit(cache=True, nogil=True)
def _board_options(p, dep, trip, cost, g, x, n, paid, fares, horizon, c_max, last, rb, n_rb,  # type: ignore[no-untyped-def]
                   new_paid):
    """Add the route labels of boarding ``trip`` (leaving at ``dep``) from a fare state."""
    (pattern_group, pattern_price, bounds, xfer_price, xfer_counts, window, max_xfer,
     cap_slot, cap, uncounted) = fares
    h = pattern_group[p]
    price = pattern_price[p, _regime(bounds, dep)]
    if price == 0:  # a free ride: the ticket passes through
        return _route_insert(rb, n_rb, trip, cost, g, x, n, paid, horizon, last, uncounted)
    # Buy a single of group h.
    c = _charge(price, h, paid, cap_slot, cap)
    if cost + c <= c_max:
        new_paid[:] = paid
        if cap_slot[h] >= 0:
            new_paid[cap_slot[h]] += c
        n_rb = _route_insert(rb, n_rb, trip, cost + c, h, dep + window[h], max_xfer[h], new_paid,
                             horizon,
                             last, uncounted)
        if n_rb < 0:
            return n_rb
    # Use the ticket held.
    if g >= 0 and xfer_price[g, h] >= 0 and dep <= x and (n > 0 or not xfer_counts[g, h]):
        c = _charge(xfer_price[g, h], h, paid, cap_slot, cap)
        if cost + c <= c_max:
            new_paid[:] = paid
            if cap_slot[h] >= 0:
                new_paid[cap_slot[h]] += c
            n_rb = _route_insert(rb, n_rb, trip, cost + c, g, x, n - xfer_counts[g, h], new_paid,
                                 horizon,
                                 last, uncounted)
    return n_rb


@nb.njit(cache=True, nogil=True)
def _board(p, i, t_first, t_last, trip_time_ptr, dep_s, earliest, cost, g, x, n, paid, fares,  # type: ignore[no-untyped-def]
           horizon, c_max, last, rb, n_rb, new_paid):
    """Board the candidate trips of pattern ``p`` at position ``i`` (module docstring)."""
    bounds = fares[2]
    window = fares[5]
    h = fares[0][p]
    trip = _find_trip(dep_s, trip_time_ptr, t_first, t_last, i, earliest)
    if trip < 0:
        return n_rb
    dep = dep_s[trip_time_ptr[trip] + i]
    while dep <= horizon:
        n_rb = _board_options(p, dep, trip, cost, g, x, n, paid, fares, horizon, c_max, last, rb,
                              n_rb, new_paid)
        if n_rb < 0:
            return n_rb
        reg = _regime(bounds, dep)
        if not last and fares[1][p, reg] > 0 and dep + window[h] < horizon:
            trip += 1  # a later trip buys a ticket lasting longer
            if trip >= t_last:
                break
        elif reg < len(bounds):
            trip = _find_trip(dep_s, trip_time_ptr, trip + 1, t_last, i, bounds[reg])
            if trip < 0:
                break
        else:
            break
        dep = dep_s[trip_time_ptr[trip] + i]
    return n_rb


@nb.njit(cache=True, nogil=True)
def _scan(tt, fares, queue, n_queue, first_pos, k, t0, max_trip_s, max_rides, c_max, stamp,  # type: ignore[no-untyped-def]
          ride, board, rb, new_paid, dirty, dirty_list, n_dirty, ridden, ridden_list, n_ridden,
          budgets):
    """Round ``k``: ride each queued pattern from the labels made in round ``k - 1``.

    Returns ``(n_dirty, n_ridden, ok)``; ``ok`` is False on a bag overflow.
    """
    (pattern_stop_ptr, pattern_stops, pattern_trip_ptr, trip_time_ptr, arr_s, dep_s,
     can_board, can_alight, board_wait_s) = tt[:9]
    uncounted = fares[9]
    horizon = t0 + max_trip_s
    last = k == max_rides
    bt, b_cost, bg, bx, bn, bst, b_paid, bcnt = board
    rtrip, r_cost, rg, rx, rn, r_paid = rb
    for qi in range(n_queue):
        p = queue[qi]
        start = first_pos[p]
        first_pos[p] = -1
        ps = pattern_stop_ptr[p]
        n_pos = pattern_stop_ptr[p + 1] - ps
        t_first = pattern_trip_ptr[p]
        t_last = pattern_trip_ptr[p + 1]
        n_rb = 0
        for i in range(start, n_pos):
            s = pattern_stops[ps + i]
            if n_rb > 0 and can_alight[ps + i]:
                for j in range(n_rb):
                    a = arr_s[trip_time_ptr[rtrip[j]] + i]
                    if a > horizon:
                        continue
                    flags = _insert_up(ride, k, max_rides + 1, s, a, r_cost[j], rg[j], rx[j], rn[j],
                                       r_paid[j], stamp, horizon, max_rides, uncounted, budgets)
                    if flags < 0:
                        return n_dirty, n_ridden, False
                    if flags & 1 and not ridden[s]:
                        ridden[s] = True
                        ridden_list[n_ridden] = s
                        n_ridden += 1
                    if flags & 2 and not dirty[s]:
                        dirty[s] = True
                        dirty_list[n_dirty] = s
                        n_dirty += 1
            if i == n_pos - 1:
                break
            if not can_board[ps + i]:
                continue
            for j in range(bcnt[k - 1, s]):
                if bst[k - 1, s, j] != stamp - 1:
                    continue
                n_rb = _board(p, i, t_first, t_last, trip_time_ptr, dep_s,
                              bt[k - 1, s, j] + board_wait_s, b_cost[k - 1, s, j], bg[k - 1, s, j],
                              bx[k - 1, s, j], bn[k - 1, s, j], b_paid[k - 1, s, j], fares, horizon,
                              c_max, last, rb, n_rb, new_paid)
                if n_rb < 0:
                    return n_dirty, n_ridden, False
    return n_dirty, n_ridden, True


@nb.njit(cache=True, nogil=True)
def _transfer(walks, uncounted, k, t0, max_trip_s, max_rides, stamp, ride, board, marked,  # type: ignore[no-untyped-def]
              marked_list, ridden, ridden_list, n_ridden, budgets):
    """Walk transfers (staying put included) from the labels ridden to in round ``k``.

    Returns ``(n_marked, ok)``.
    """
    transfer_ptr, transfer_stop, transfer_s = walks
    horizon = t0 + max_trip_s
    rt, r_cost, rg, rx, rn, rst, r_paid, rcnt = ride
    n_marked = 0
    for r in range(n_ridden):
        s = ridden_list[r]
        ridden[s] = False
        if k == max_rides:
            continue
        for j in range(rcnt[k, s]):
            if rst[k, s, j] != stamp:
                continue
            v = rt[k, s, j]
            first = transfer_ptr[s]
            end = _legs_end(transfer_s, first, transfer_ptr[s + 1], horizon - v)
            for e in range(first - 1, end):
                s2 = s if e < first else transfer_stop[e]
                v2 = v if e < first else v + transfer_s[e]
                flags = _insert_up(board, k, max_rides, s2, v2, r_cost[k, s, j], rg[k, s, j],
                                   rx[k, s, j], rn[k, s, j], r_paid[k, s, j], stamp, horizon, -1,
                                   uncounted, budgets)
                if flags < 0:
                    return n_marked, False
                if flags & 1 and not marked[s2]:
                    marked[s2] = True
                    marked_list[n_marked] = s2
                    n_marked += 1
    return n_marked, True


@nb.njit(cache=True, nogil=True)
def _egress(egress, t0, max_trip_s, max_rides, base, ride, dirty, dirty_list, n_dirty,  # type: ignore[no-untyped-def]
            budgets, best, stop_best):
    """Egress walks from the labels of this minute in the last ride row; clears the flags."""
    egress_ptr, egress_dest, egress_s = egress
    rt, r_cost, rst, rcnt = ride[0], ride[1], ride[5], ride[7]
    n_budgets = len(budgets)
    for r in range(n_dirty):
        s = dirty_list[r]
        dirty[s] = False
        # The earliest new arrival within each budget, then one pass over the legs.
        stop_best[:] = UNREACHED
        for j in range(rcnt[max_rides, s]):
            if rst[max_rides, s, j] < base:
                continue
            v = rt[max_rides, s, j]
            c = r_cost[max_rides, s, j]
            for b in range(n_budgets):
                if budgets[b] >= c and v < stop_best[b]:
                    stop_best[b] = v
        v = stop_best[n_budgets - 1]
        if v == UNREACHED:
            continue
        b0 = 0
        while stop_best[b0] == UNREACHED:
            b0 += 1
        first = egress_ptr[s]
        for e in range(first, _legs_end(egress_s, first, egress_ptr[s + 1],
                                        t0 + max_trip_s - v)):
            d = egress_dest[e]
            w = egress_s[e]
            for b in range(b0, n_budgets):
                a = stop_best[b] + w
                if a < best[b, d]:
                    best[b, d] = a


@nb.njit(cache=True, nogil=True)
def _fare_one_origin(tt, fares, walks, egress, acc_stop, acc_s, direct_dest, direct_s,  # type: ignore[no-untyped-def]
                     departures_s, max_rides, max_trip_s, budgets, c_max, times_out, ride,
                     board, rb, best, work):
    """Fare-aware range-RAPTOR for one origin; fills ``times_out[b, minute, dest]``.

    Returns False on a bag overflow (the results are then incomplete).
    """
    (marked, marked_list, ridden, ridden_list, dirty, dirty_list, first_pos, queue,
     new_paid, no_paid, stop_best) = work
    stop_occ_ptr, stop_occ_pattern, stop_occ_pos = tt[9], tt[10], tt[11]
    uncounted = fares[9]
    ride[7][:] = 0
    board[7][:] = 0
    best[:] = UNREACHED
    n_w = len(departures_s)
    for m in range(n_w):
        w = n_w - 1 - m
        t0 = departures_s[w]
        horizon = t0 + max_trip_s
        base = m * (max_rides + 1)
        n_marked = 0
        for a in range(len(acc_stop)):
            s = acc_stop[a]
            flags = _insert_up(board, 0, max_rides, s, t0 + acc_s[a], 0, -1, 0, 0, no_paid, base,
                               horizon, -1, uncounted, budgets)
            if flags < 0:
                return False
            if flags & 1 and not marked[s]:
                marked[s] = True
                marked_list[n_marked] = s
                n_marked += 1
        for a in range(len(direct_dest)):
            v = t0 + direct_s[a]
            d = direct_dest[a]
            for b in range(len(budgets)):
                if v < best[b, d]:
                    best[b, d] = v
        n_dirty = 0
        ok = True
        for k in range(1, max_rides + 1):
            if n_marked == 0:
                break
            n_queue = _queue_patterns(stop_occ_ptr, stop_occ_pattern, stop_occ_pos, marked,
                                      marked_list, n_marked, first_pos, queue)
            n_dirty, n_ridden, ok = _scan(
                tt, fares, queue, n_queue, first_pos, k, t0, max_trip_s, max_rides, c_max,
                base + k, ride, board, rb, new_paid, dirty, dirty_list, n_dirty, ridden,
                ridden_list, 0, budgets)
            if not ok:
                break
            n_marked, ok = _transfer(walks, uncounted, k, t0, max_trip_s, max_rides, base + k,
                                     ride, board, marked, marked_list, ridden, ridden_list,
                                     n_ridden, budgets)
            if not ok:
                break
        if not ok:
            # Leave the work arrays as the next call expects them.
            marked[:] = False
            ridden[:] = False
            dirty[:] = False
            first_pos[:] = -1
            return False
        for mm in range(n_marked):
            marked[marked_list[mm]] = False
        _egress(egress, t0, max_trip_s, max_rides, base, ride, dirty, dirty_list, n_dirty,
                budgets, best, stop_best)
        for b in range(len(budgets)):
            for d in range(best.shape[1]):
                travel_s = best[b, d] - t0
                times_out[b, w, d] = travel_s if travel_s <= max_trip_s else UNREACHED
    return True


def _bag(n_rows, n_stops, cap, n_slots):  # type: ignore[no-untyped-def]
    """Allocate a bag: ``(t, cost, g, x, n, stamp, paid, count)``, ``n_rows`` rows of every stop."""
    shape = (n_rows, n_stops, cap)
    return (np.empty(shape, np.int32), np.empty(shape, np.int32), np.empty(shape, np.int32),
            np.empty(shape, np.int32), np.empty(shape, np.int32), np.empty(shape, np.int32),
            np.empty(shape + (n_slots,), np.int32), np.zeros((n_rows, n_stops), np.int32))


_bag_jit = nb.njit(cache=True, nogil=True)(_bag)


@nb.njit(cache=True, nogil=True)
def fare_range_raptor(  # type: ignore[no-untyped-def]
    tt, fares, walks, access, egress, direct, departures_s, max_rides, max_trip_s, n_dests,
    percentile_ranks, budgets, stop_cap, route_cap,
):
    """Fare-aware range-RAPTOR for a batch of origins (the GIL is released).

    Parameters are those of :func:`routes.engine._raptor_kernels.range_raptor`
    (without frequencies), plus ``fares``: ``(pattern_group, pattern_price,
    regime_bounds_s, transfer_price, transfer_counts (uint8), window_s,
    max_transfers (``UNLIMITED`` for none), cap_slot (-1: no day cap), cap,
    uncounted (uint8: the group accepts a change that does not count))``,
    all ``int32`` unless said; ``budgets`` (``int32``, ascending, minor units)
    and the capacities of the stop and route bags.

    Returns
    -------
    tuple
        ``(ok, out)``: ``ok`` False if a bag overflowed (run again with larger
        capacities); ``out`` the ``int32`` travel times in seconds, shape
        ``(n_origins, n_budgets, n_percentiles, n_dests)``, ``UNREACHED``
        where the ranked time is unreachable.
    """
    access_ptr, access_stop, access_s = access
    direct_ptr, direct_dest, direct_s = direct
    stop_occ_ptr = tt[9]
    n_orig = len(access_ptr) - 1
    n_minutes = len(departures_s)
    n_stops = len(stop_occ_ptr) - 1
    n_patterns = len(tt[0]) - 1
    n_budgets = len(budgets)
    n_slots = max(1, int(fares[7].max()) + 1) if len(fares[7]) > 0 else 1
    c_max = budgets[n_budgets - 1]
    out = np.empty((n_orig, n_budgets, len(percentile_ranks), n_dests), dtype=np.int32)
    times = np.empty((n_budgets, n_minutes, n_dests), dtype=np.int32)
    ride = _bag_jit(max_rides + 1, n_stops, stop_cap, n_slots)
    board = _bag_jit(max(max_rides, 1), n_stops, stop_cap, n_slots)
    rb = (np.empty(route_cap, np.int32), np.empty(route_cap, np.int32),
          np.empty(route_cap, np.int32), np.empty(route_cap, np.int32),
          np.empty(route_cap, np.int32), np.empty((route_cap, n_slots), np.int32))
    best = np.empty((n_budgets, n_dests), dtype=np.int32)
    work = (np.zeros(n_stops, dtype=np.bool_), np.empty(n_stops, dtype=np.int32),
            np.zeros(n_stops, dtype=np.bool_), np.empty(n_stops, dtype=np.int32),
            np.zeros(n_stops, dtype=np.bool_), np.empty(n_stops, dtype=np.int32),
            np.full(n_patterns, -1, dtype=np.int32), np.empty(n_patterns, dtype=np.int32),
            np.zeros(n_slots, np.int32), np.zeros(n_slots, np.int32),
            np.empty(n_budgets, np.int32))
    shift = _bucket_shift(max_trip_s)
    counts = np.empty((max_trip_s >> shift) + 2, dtype=np.int32)
    column = np.empty(n_minutes, dtype=np.int32)
    scratch = np.empty(n_minutes, dtype=np.int32)
    for o in range(n_orig):
        a0, a1 = access_ptr[o], access_ptr[o + 1]
        d0, d1 = direct_ptr[o], direct_ptr[o + 1]
        ok = _fare_one_origin(tt, fares, walks, egress, access_stop[a0:a1], access_s[a0:a1],
                              direct_dest[d0:d1], direct_s[d0:d1], departures_s, max_rides,
                              max_trip_s, budgets, c_max, times, ride, board, rb, best, work)
        if not ok:
            return False, out
        for b in range(n_budgets):
            if n_minutes == 1:
                for j in range(len(percentile_ranks)):
                    out[o, b, j] = times[b, 0]
            else:
                _select_ranks(times[b], percentile_ranks, shift, counts, column, scratch,
                              out[o, b])
    return True, out
