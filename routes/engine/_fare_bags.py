"""Bags of fare labels for :mod:`routes.engine._fare_kernels`: layout, dominance, insertion.

A label is one row of ``int32`` fields (see the kernel module's docstring,
"Layout" and "Dominance"); a stop bag is ``lab[row, stop, label, field]`` with
a count ``cnt[row, stop]``, a route bag ``rb[label, field]`` (the trip in ``F_T``).
"""

from __future__ import annotations

import numba as nb

# Fields of a label, a row of int32: these, then one slot per capped group, padded to 8.
F_T = 0  # clock time (the trip index in a route bag)
F_C = 1  # fare paid so far
F_G = 2  # ticket group, -1 none
F_X = 3  # the last boarding second the ticket covers
F_N = 4  # changes left on the ticket
F_ST = 5  # stamp of the minute and round that made the label
F_P = 6  # first slot of what each capped group has charged


@nb.njit(cache=True, nogil=True, inline="always")
def _ticket_covers(g1, x1, n1, g2, x2, n2, horizon, now2, uncounted):  # type: ignore[no-untyped-def]
    """Whether ticket 1 serves every boarding ticket 2 can serve (``now2``: -1 unknown)."""
    if g2 < 0 or x2 < now2 or (n2 <= 0 and not uncounted[g2]):
        return True
    return g1 == g2 and min(x1, horizon) >= min(x2, horizon) and n1 >= n2


@nb.njit(cache=True, nogil=True, inline="always")
def _insert(lab, cnt, r, s, t, cost, cur, stamp, horizon, last, uncounted, n_slots):  # type: ignore[no-untyped-def]
    """Insert ``(t, cost, cur's ticket and paid)`` into row ``r`` at stop ``s``.

    Returns 1 inserted, 0 dominated, -1 full.
    """
    m = cnt[r, s]
    g, x, n = cur[F_G], cur[F_X], cur[F_N]
    for j in range(m):
        if lab[r, s, j, F_T] > t or lab[r, s, j, F_C] > cost:
            continue
        if last:
            return 0
        worse = False
        for e in range(n_slots):
            if lab[r, s, j, F_P + e] < cur[F_P + e]:
                worse = True
                break
        if not worse and _ticket_covers(lab[r, s, j, F_G], lab[r, s, j, F_X], lab[r, s, j, F_N],
                                        g, x, n, horizon, t, uncounted):
            return 0
    j = 0
    nf = lab.shape[3]
    while j < m:
        gone = t <= lab[r, s, j, F_T] and cost <= lab[r, s, j, F_C]
        if gone and not last:
            for e in range(n_slots):
                if cur[F_P + e] < lab[r, s, j, F_P + e]:
                    gone = False
                    break
            if gone:
                gone = _ticket_covers(g, x, n, lab[r, s, j, F_G], lab[r, s, j, F_X],
                                      lab[r, s, j, F_N], horizon, lab[r, s, j, F_T], uncounted)
        if gone:
            m -= 1
            for f in range(nf):
                lab[r, s, j, f] = lab[r, s, m, f]
        else:
            j += 1
    if m == lab.shape[2]:
        cnt[r, s] = m
        return -1
    lab[r, s, m, F_T] = t
    lab[r, s, m, F_C] = cost
    lab[r, s, m, F_G] = g
    lab[r, s, m, F_X] = x
    lab[r, s, m, F_N] = n
    lab[r, s, m, F_ST] = stamp
    for e in range(n_slots):
        lab[r, s, m, F_P + e] = cur[F_P + e]
    cnt[r, s] = m + 1
    return 1


@nb.njit(cache=True, nogil=True, inline="always")
def _round_up(budgets, cost):  # type: ignore[no-untyped-def]
    """Return the smallest budget at least ``cost`` (the last budget if none)."""
    for b in range(len(budgets)):
        if budgets[b] >= cost:
            return budgets[b]
    return budgets[len(budgets) - 1]


@nb.njit(cache=True, nogil=True, inline="always")
def _insert_up(lab, cnt, r0, r_end, s, t, cost, cur, stamp, horizon, last_row, uncounted,  # type: ignore[no-untyped-def]
               budgets, n_slots):
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
        res = _insert(lab, cnt, r, s, t, cost, cur, stamp, horizon, r == last_row, uncounted,
                      n_slots)
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
def _route_insert(rb, n_rb, cur, horizon, last, uncounted, n_slots):  # type: ignore[no-untyped-def]
    """Insert ``cur`` (``F_T`` the trip) into the route bag; returns the new size, -1 if full."""
    trip, cost, g, x, n = cur[F_T], cur[F_C], cur[F_G], cur[F_X], cur[F_N]
    for j in range(n_rb):
        if rb[j, F_T] > trip or rb[j, F_C] > cost:
            continue
        if last:
            return n_rb
        worse = False
        for e in range(n_slots):
            if rb[j, F_P + e] < cur[F_P + e]:
                worse = True
                break
        if not worse and _ticket_covers(rb[j, F_G], rb[j, F_X], rb[j, F_N], g, x, n, horizon,
                                        -1, uncounted):
            return n_rb
    nf = rb.shape[1]
    j = 0
    while j < n_rb:
        gone = trip <= rb[j, F_T] and cost <= rb[j, F_C]
        if gone and not last:
            for e in range(n_slots):
                if cur[F_P + e] < rb[j, F_P + e]:
                    gone = False
                    break
            if gone:
                gone = _ticket_covers(g, x, n, rb[j, F_G], rb[j, F_X], rb[j, F_N], horizon, -1,
                                      uncounted)
        if gone:
            n_rb -= 1
            for f in range(nf):
                rb[j, f] = rb[n_rb, f]
        else:
            j += 1
    if n_rb == rb.shape[0]:
        return -1
    for f in range(nf):
        rb[n_rb, f] = cur[f]
    return n_rb + 1
