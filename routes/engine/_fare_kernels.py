"""Compiled hot loops of fare-aware range-RAPTOR: bags of (time, fare, ticket) labels.

The Python side is :mod:`routes.engine.fare_raptor`; the fare rules are
:class:`routes.fares.compiled.CompiledFares` (whose docstring defines a
journey's fare), passed here as plain arrays. The engine uses these bags
where ticket states (:mod:`routes.engine.fare_states`) do not serve: a price
regime changes within the window, a ticket accepting changes can expire
within the horizon, or the budgets have too many states.

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
Delling, Pajor and Werneck 2015, round by round). An inserted label removes
the labels it dominates; a label dominated by one in the bag is not inserted.

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

**Cost pruning.** Every charge is at least 0 (prices and change prices are,
and a capped charge ``min(price, cap - paid)`` is because ``paid`` never
exceeds the cap), so a label's fare never falls along a journey: a label
dearer than the largest budget ``c_max`` only leads to journeys no budget
admits, and is not made. The caller answers an unlimited budget with the
plain kernel at the same ``max_trip_s`` (the fastest journey whatever it
costs) and passes the finite budgets only, so ``c_max`` is finite.

**Layout.** A bag is one ``int32`` array ``[row, stop, label, field]`` with
the fields of a label contiguous (``F_T`` time, ``F_C`` fare, ``F_G``,
``F_X``, ``F_N`` the ticket, ``F_ST`` the stamp, then one slot per capped
group: none without day caps; padded to 8 fields, two labels a cache line),
and a count per row and stop; the route bag is ``[label, field]`` with the
trip in ``F_T``. A label is inserted from a row of fields (``cur``) and the
comparisons stop at the first field that decides. Trip searches start next
to a trip the pattern's route bag already rides (:func:`_find_trip_near`),
which finds the same trip as a binary search.

Bags have a fixed capacity; on overflow the kernel returns ``False`` and the
caller runs the batch again with twice the capacity.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from routes.engine._fare_bags import (
    F_C,
    F_G,
    F_N,
    F_P,
    F_ST,
    F_T,
    F_X,
    _insert_up,
    _route_insert,
)
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
def _regime(bounds, dep):  # type: ignore[no-untyped-def]
    r = 0
    while r < len(bounds) and bounds[r] <= dep:
        r += 1
    return r


@nb.njit(cache=True, nogil=True, inline="always")
def _charge(price, h, src, cap_slot, cap):  # type: ignore[no-untyped-def]
    """Charge ``price`` on group ``h`` under its day cap, ``src`` the label paying."""
    e = cap_slot[h]
    if e < 0:
        return price
    return min(price, cap[h] - src[F_P + e])


@nb.njit(cache=True, nogil=True, inline="always")
def _board_options(p, dep, trip, src, cur, fares, horizon, c_max, last, rb, n_rb, n_slots):  # type: ignore[no-untyped-def]
    """Add the route labels of boarding ``trip`` (leaving at ``dep``) from label ``src``."""
    (pattern_group, pattern_price, bounds, xfer_price, xfer_counts, window, max_xfer,
     cap_slot, cap, uncounted) = fares
    h = pattern_group[p]
    price = pattern_price[p, _regime(bounds, dep)]
    cost, g, x, n = src[F_C], src[F_G], src[F_X], src[F_N]
    cur[:] = src
    cur[F_T] = trip
    if price == 0:  # a free ride: the ticket passes through
        return _route_insert(rb, n_rb, cur, horizon, last, uncounted, n_slots)
    e = cap_slot[h]
    # Buy a single of group h.
    c = _charge(price, h, src, cap_slot, cap)
    if cost + c <= c_max:
        cur[F_C] = cost + c
        cur[F_G] = h
        cur[F_X] = dep + window[h]
        cur[F_N] = max_xfer[h]
        if e >= 0:
            cur[F_P + e] = src[F_P + e] + c
        n_rb = _route_insert(rb, n_rb, cur, horizon, last, uncounted, n_slots)
        if n_rb < 0:
            return n_rb
    # Use the ticket held.
    if g >= 0 and xfer_price[g, h] >= 0 and dep <= x and (n > 0 or not xfer_counts[g, h]):
        c = _charge(xfer_price[g, h], h, src, cap_slot, cap)
        if cost + c <= c_max:
            cur[F_C] = cost + c
            cur[F_G] = g
            cur[F_X] = x
            cur[F_N] = n - xfer_counts[g, h]
            if e >= 0:
                cur[F_P + e] = src[F_P + e] + c
            n_rb = _route_insert(rb, n_rb, cur, horizon, last, uncounted, n_slots)
    return n_rb


@nb.njit(cache=True, nogil=True, inline="always")
def _find_trip_near(dep_s, trip_time_ptr, t_first, t_last, i, earliest, hint):  # type: ignore[no-untyped-def]
    """:func:`_find_trip`, looking first next to ``hint`` (a trip found before, -1 none).

    Labels boarding one pattern mostly catch the same trip or one next to
    it: a few steps from the hint replace most binary searches.
    """
    if hint < 0:
        return _find_trip(dep_s, trip_time_ptr, t_first, t_last, i, earliest)
    if dep_s[trip_time_ptr[hint] + i] >= earliest:
        for _ in range(3):
            if hint == t_first or dep_s[trip_time_ptr[hint - 1] + i] < earliest:
                return hint
            hint -= 1
        return _find_trip(dep_s, trip_time_ptr, t_first, hint + 1, i, earliest)
    for _ in range(3):
        hint += 1
        if hint == t_last:
            return -1
        if dep_s[trip_time_ptr[hint] + i] >= earliest:
            return hint
    return _find_trip(dep_s, trip_time_ptr, hint + 1, t_last, i, earliest)


@nb.njit(cache=True, nogil=True, inline="always")
def _board(p, i, t_first, t_last, trip_time_ptr, dep_s, earliest, src, cur, fares, horizon,  # type: ignore[no-untyped-def]
           c_max, last, rb, n_rb, n_slots, hint):
    """Board the candidate trips of pattern ``p`` at position ``i`` (module docstring)."""
    bounds = fares[2]
    window = fares[5]
    h = fares[0][p]
    trip = _find_trip_near(dep_s, trip_time_ptr, t_first, t_last, i, earliest, hint)
    if trip < 0:
        return n_rb
    dep = dep_s[trip_time_ptr[trip] + i]
    while dep <= horizon:
        n_rb = _board_options(p, dep, trip, src, cur, fares, horizon, c_max, last, rb, n_rb,
                              n_slots)
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
          ride, ride_cnt, board, board_cnt, rb, src, cur, dirty, dirty_list, n_dirty, ridden,
          ridden_list, n_ridden, budgets, n_slots):
    """Round ``k``: ride each queued pattern from the labels made in round ``k - 1``.

    Returns ``(n_dirty, n_ridden, ok)``; ``ok`` is False on a bag overflow.
    """
    (pattern_stop_ptr, pattern_stops, pattern_trip_ptr, trip_time_ptr, arr_s, dep_s,
     can_board, can_alight, board_wait_s) = tt[:9]
    uncounted = fares[9]
    horizon = t0 + max_trip_s
    last = k == max_rides
    nf = src.shape[0]
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
                    a = arr_s[trip_time_ptr[rb[j, F_T]] + i]
                    if a > horizon:
                        continue
                    flags = _insert_up(ride, ride_cnt, k, max_rides + 1, s, a, rb[j, F_C],
                                       rb[j], stamp, horizon, max_rides, uncounted, budgets,
                                       n_slots)
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
            for j in range(board_cnt[k - 1, s]):
                if board[k - 1, s, j, F_ST] != stamp - 1:
                    continue
                for f in range(nf):
                    src[f] = board[k - 1, s, j, f]
                hint = rb[0, F_T] if n_rb > 0 else -1
                n_rb = _board(p, i, t_first, t_last, trip_time_ptr, dep_s, src[F_T] + board_wait_s,
                              src, cur, fares, horizon, c_max, last, rb, n_rb, n_slots, hint)
                if n_rb < 0:
                    return n_dirty, n_ridden, False
    return n_dirty, n_ridden, True


@nb.njit(cache=True, nogil=True)
def _transfer(walks, uncounted, k, t0, max_trip_s, max_rides, stamp, ride, ride_cnt, board,  # type: ignore[no-untyped-def]
              board_cnt, src, marked, marked_list, ridden, ridden_list, n_ridden, budgets,
              n_slots):
    """Walk transfers (staying put included) from the labels ridden to in round ``k``.

    Returns ``(n_marked, ok)``.
    """
    transfer_ptr, transfer_stop, transfer_s = walks
    horizon = t0 + max_trip_s
    nf = src.shape[0]
    n_marked = 0
    for r in range(n_ridden):
        s = ridden_list[r]
        ridden[s] = False
        if k == max_rides:
            continue
        for j in range(ride_cnt[k, s]):
            if ride[k, s, j, F_ST] != stamp:
                continue
            for f in range(nf):
                src[f] = ride[k, s, j, f]
            v = src[F_T]
            cost = src[F_C]
            first = transfer_ptr[s]
            end = _legs_end(transfer_s, first, transfer_ptr[s + 1], horizon - v)
            for e in range(first - 1, end):
                s2 = s if e < first else transfer_stop[e]
                v2 = v if e < first else v + transfer_s[e]
                flags = _insert_up(board, board_cnt, k, max_rides, s2, v2, cost, src, stamp,
                                   horizon, -1, uncounted, budgets, n_slots)
                if flags < 0:
                    return n_marked, False
                if flags & 1 and not marked[s2]:
                    marked[s2] = True
                    marked_list[n_marked] = s2
                    n_marked += 1
    return n_marked, True


@nb.njit(cache=True, nogil=True)
def _egress(egress, t0, max_trip_s, max_rides, base, ride, ride_cnt, dirty, dirty_list,  # type: ignore[no-untyped-def]
            n_dirty, budgets, best, stop_best):
    """Egress walks from the labels of this minute in the last ride row; clears the flags."""
    egress_ptr, egress_dest, egress_s = egress
    n_budgets = len(budgets)
    for r in range(n_dirty):
        s = dirty_list[r]
        dirty[s] = False
        # The earliest new arrival within each budget, then one pass over the legs.
        stop_best[:] = UNREACHED
        for j in range(ride_cnt[max_rides, s]):
            if ride[max_rides, s, j, F_ST] < base:
                continue
            v = ride[max_rides, s, j, F_T]
            c = ride[max_rides, s, j, F_C]
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
                     departures_s, max_rides, max_trip_s, budgets, c_max, times_out, bags,
                     rb, best, work, n_slots):
    """Fare-aware range-RAPTOR for one origin; fills ``times_out[b, minute, dest]``.

    Returns False on a bag overflow (the results are then incomplete).
    """
    (marked, marked_list, ridden, ridden_list, dirty, dirty_list, first_pos, queue,
     src, cur, stop_best) = work
    ride, ride_cnt, board, board_cnt = bags
    stop_occ_ptr, stop_occ_pattern, stop_occ_pos = tt[9], tt[10], tt[11]
    uncounted = fares[9]
    ride_cnt[:] = 0
    board_cnt[:] = 0
    best[:] = UNREACHED
    n_w = len(departures_s)
    for m in range(n_w):
        w = n_w - 1 - m
        t0 = departures_s[w]
        horizon = t0 + max_trip_s
        base = m * (max_rides + 1)
        n_marked = 0
        cur[:] = 0
        cur[F_G] = -1
        for a in range(len(acc_stop)):
            s = acc_stop[a]
            flags = _insert_up(board, board_cnt, 0, max_rides, s, t0 + acc_s[a], 0, cur, base,
                               horizon, -1, uncounted, budgets, n_slots)
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
                base + k, ride, ride_cnt, board, board_cnt, rb, src, cur, dirty, dirty_list,
                n_dirty, ridden, ridden_list, 0, budgets, n_slots)
            if not ok:
                break
            n_marked, ok = _transfer(walks, uncounted, k, t0, max_trip_s, max_rides, base + k,
                                     ride, ride_cnt, board, board_cnt, src, marked, marked_list,
                                     ridden, ridden_list, n_ridden, budgets, n_slots)
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
        _egress(egress, t0, max_trip_s, max_rides, base, ride, ride_cnt, dirty, dirty_list,
                n_dirty, budgets, best, stop_best)
        for b in range(len(budgets)):
            for d in range(best.shape[1]):
                travel_s = best[b, d] - t0
                times_out[b, w, d] = travel_s if travel_s <= max_trip_s else UNREACHED
    return True


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
    all ``int32`` unless said; ``budgets`` (``int32``, ascending, minor units;
    labels dearer than the last are dropped) and the capacities of the stop
    and route bags.

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
    n_slots = int(fares[7].max()) + 1 if len(fares[7]) > 0 else 0
    nf = max(8, F_P + n_slots)
    c_max = budgets[n_budgets - 1]
    out = np.empty((n_orig, n_budgets, len(percentile_ranks), n_dests), dtype=np.int32)
    times = np.empty((n_budgets, n_minutes, n_dests), dtype=np.int32)
    n_board_rows = max(max_rides, 1)
    bags = (np.empty((max_rides + 1, n_stops, stop_cap, nf), np.int32),
            np.zeros((max_rides + 1, n_stops), np.int32),
            np.empty((n_board_rows, n_stops, stop_cap, nf), np.int32),
            np.zeros((n_board_rows, n_stops), np.int32))
    rb = np.empty((route_cap, nf), np.int32)
    best = np.empty((n_budgets, n_dests), dtype=np.int32)
    work = (np.zeros(n_stops, dtype=np.bool_), np.empty(n_stops, dtype=np.int32),
            np.zeros(n_stops, dtype=np.bool_), np.empty(n_stops, dtype=np.int32),
            np.zeros(n_stops, dtype=np.bool_), np.empty(n_stops, dtype=np.int32),
            np.full(n_patterns, -1, dtype=np.int32), np.empty(n_patterns, dtype=np.int32),
            np.zeros(nf, np.int32), np.zeros(nf, np.int32), np.empty(n_budgets, np.int32))
    shift = _bucket_shift(max_trip_s)
    counts = np.empty((max_trip_s >> shift) + 2, dtype=np.int32)
    column = np.empty(n_minutes, dtype=np.int32)
    scratch = np.empty(n_minutes, dtype=np.int32)
    for o in range(n_orig):
        a0, a1 = access_ptr[o], access_ptr[o + 1]
        d0, d1 = direct_ptr[o], direct_ptr[o + 1]
        ok = _fare_one_origin(tt, fares, walks, egress, access_stop[a0:a1], access_s[a0:a1],
                              direct_dest[d0:d1], direct_s[d0:d1], departures_s, max_rides,
                              max_trip_s, budgets, c_max, times, bags, rb, best, work, n_slots)
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
