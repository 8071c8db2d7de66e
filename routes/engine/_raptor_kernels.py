"""Compiled hot loops of range-RAPTOR: rounds over patterns, trips and transfers.

Everything here takes and returns contiguous numpy arrays only; IDs, units,
validation and the sentinel-to-NaN conversion live in the Python wrapper
(:mod:`routes.engine.raptor`).

Times are ``int32`` seconds after service-day midnight; ``UNREACHED`` marks a
label that has not been reached.
"""

from __future__ import annotations

import numba as nb
import numpy as np

UNREACHED = np.int32(2**31 - 1)
"""Sentinel for an unreached time label (int32 max)."""


# --------------------------------------------------------------------------------------
# Range-RAPTOR
# --------------------------------------------------------------------------------------


@nb.njit(cache=True, nogil=True)
def _find_trip(dep_s, trip_time_ptr, first_trip, last_trip, pos, earliest):  # type: ignore[no-untyped-def]
    """Index of the first trip in [first_trip, last_trip) leaving ``pos`` at or after ``earliest``.

    Trips of a pattern never overtake one another, so their departures at any
    position are sorted; a binary search suffices. Returns -1 if none.
    """
    lo = first_trip
    hi = last_trip
    while lo < hi:
        mid = (lo + hi) >> 1
        if dep_s[trip_time_ptr[mid] + pos] < earliest:
            lo = mid + 1
        else:
            hi = mid
    if lo < last_trip:
        return lo
    return -1


@nb.njit(cache=True, nogil=True)
def _lower(labels, k_first, k_end, s, v):  # type: ignore[no-untyped-def]
    """Lower ``labels[k, s]`` to ``v`` for ``k_first <= k < k_end``; True if the last row changed.

    Label rows are non-increasing in ``k`` (allowing more rides is never
    worse), so the first row already at or below ``v`` ends the update.
    """
    for k in range(k_first, k_end):
        if v < labels[k, s]:
            labels[k, s] = v
        else:
            return False
    return True


@nb.njit(cache=True, nogil=True)
def _legs_end(leg_s, first, end, budget_s):  # type: ignore[no-untyped-def]
    """End of the legs in ``[first, end)``, sorted by time, that take at most ``budget_s``."""
    while end > first and leg_s[end - 1] > budget_s:
        end -= 1
    return end


@nb.njit(cache=True, nogil=True, inline="always")
def _enqueue(p, pos, first_pos, queue, n_queue):  # type: ignore[no-untyped-def]
    """Queue pattern ``p`` from position ``pos`` (or lower its start); return the queue length."""
    if first_pos[p] < 0:
        first_pos[p] = pos
        queue[n_queue] = p
        return n_queue + 1
    if pos < first_pos[p]:
        first_pos[p] = pos
    return n_queue


@nb.njit(cache=True, nogil=True)
def _queue_patterns(  # type: ignore[no-untyped-def]
    stop_occ_ptr, stop_occ_pattern, stop_occ_pos, marked, marked_list, n_marked, first_pos, queue
):
    """Queue the patterns through the marked stops, each from its first marked position.

    Clears the marks; returns the queue length. ``first_pos`` is -1 for
    patterns not queued (and is reset by the scan).
    """
    n_queue = 0
    for m in range(n_marked):
        s = marked_list[m]
        marked[s] = False
        for q in range(stop_occ_ptr[s], stop_occ_ptr[s + 1]):
            p = stop_occ_pattern[q]
            pos = stop_occ_pos[q]
            n_queue = _enqueue(p, pos, first_pos, queue, n_queue)
    return n_queue


@nb.njit(cache=True, nogil=True)
def _queue_new_departures(tt, marked, marked_list, n_marked, before, board, first_pos, queue):  # type: ignore[no-untyped-def]
    """Queue, for round 1 of a departure minute, only what the earlier access can change.

    ``marked_list[m]`` is an access stop whose access label ``board[0, s]``
    this minute lowered from ``before[m]``. A pattern through ``s`` is queued
    from there only if the earliest trip catchable now leaves *before* the
    earliest one catchable at ``before[m]``: otherwise it is the same trip,
    and the labels already hold its arrivals (range-RAPTOR keeps labels from
    later minutes; an arrival beyond ``max_trip_s`` for a later minute stays
    beyond it for this earlier one). *Proof*, by induction over minutes: when
    a trip first became the earliest catchable at ``s``, the pattern was
    queued from ``s`` (``before`` unreached, or the test above), so its
    arrivals were offered to ``ride[1]``; labels only decrease afterwards.
    Same result as :func:`_queue_patterns` with every access stop, with far
    fewer scans (most minutes no new trip leaves most access stops).
    Clears the marks; returns the queue length.
    """
    pattern_trip_ptr, trip_time_ptr, dep_s, board_wait_s = tt[2], tt[3], tt[5], tt[8]
    stop_occ_ptr, stop_occ_pattern, stop_occ_pos = tt[9], tt[10], tt[11]
    n_queue = 0
    for m in range(n_marked):
        s = marked_list[m]
        marked[s] = False
        now = board[0, s] + board_wait_s
        old = before[m]
        for q in range(stop_occ_ptr[s], stop_occ_ptr[s + 1]):
            p = stop_occ_pattern[q]
            pos = stop_occ_pos[q]
            if old != UNREACHED:
                trip = _find_trip(dep_s, trip_time_ptr, pattern_trip_ptr[p],
                                  pattern_trip_ptr[p + 1], pos, now)
                if trip < 0 or dep_s[trip_time_ptr[trip] + pos] >= old + board_wait_s:
                    continue
            n_queue = _enqueue(p, pos, first_pos, queue, n_queue)
    return n_queue


@nb.njit(cache=True, nogil=True)
def _scan_scheduled(  # type: ignore[no-untyped-def]
    pattern_stop_ptr, pattern_stops, pattern_trip_ptr, trip_time_ptr, arr_s, dep_s,
    can_board, can_alight, board_wait_s, queue, n_queue, first_pos,
    k, t0, max_trip_s, max_rides, ride, board, dirty, dirty_list, n_dirty, ridden, ridden_list,
    n_ridden,
):
    """Ride each queued timetabled pattern with the earliest catchable trip; round ``k``.

    A trip is catchable at a stop one may board at if it leaves at least
    ``board_wait_s`` after ``board[k - 1, s]``. Returns the new ``n_dirty``
    and ``n_ridden``.
    """
    for qi in range(n_queue):
        p = queue[qi]
        start = first_pos[p]
        first_pos[p] = -1
        ps = pattern_stop_ptr[p]
        n_pos = pattern_stop_ptr[p + 1] - ps
        t_first = pattern_trip_ptr[p]
        t_last = pattern_trip_ptr[p + 1]
        trip = -1
        for i in range(start, n_pos):
            s = pattern_stops[ps + i]
            if trip >= 0 and can_alight[ps + i]:
                a = arr_s[trip_time_ptr[trip] + i]
                if a < ride[k, s] and a - t0 <= max_trip_s:
                    if _lower(ride, k, max_rides + 1, s, a) and not dirty[s]:
                        dirty[s] = True
                        dirty_list[n_dirty] = s
                        n_dirty += 1
                    if not ridden[s]:
                        ridden[s] = True
                        ridden_list[n_ridden] = s
                        n_ridden += 1
            if i == n_pos - 1:
                break
            b = board[k - 1, s]
            if b == UNREACHED or not can_board[ps + i]:
                continue
            b += board_wait_s
            if trip < 0:
                trip = _find_trip(dep_s, trip_time_ptr, t_first, t_last, i, b)
            elif trip > t_first and b <= dep_s[trip_time_ptr[trip - 1] + i]:
                # An earlier trip is catchable here (trips are sorted at every stop).
                earlier = _find_trip(dep_s, trip_time_ptr, t_first, trip - 1, i, b)
                trip = earlier if earlier >= 0 else trip - 1
    return n_dirty, n_ridden


@nb.njit(cache=True, nogil=True)
def _scan_frequencies(  # type: ignore[no-untyped-def]
    freq_stop_ptr, freq_stops, freq_board, freq_alight, freq_arr_rel, freq_dep_rel,
    freq_start_s, freq_end_s, freq_headway_s, offsets, freq_wait_s,
    k, t0, max_trip_s, max_rides, ride, board, dirty, dirty_list, n_dirty, ridden, ridden_list,
    n_ridden,
):
    """Ride every frequency entry, with this iteration's phases, from every reached stop.

    Entry ``f``'s vehicle ``j`` reaches its first stop at ``start + offset +
    j · headway`` (``j`` up to ``(end − start − offset) // headway``, at least
    the first vehicle, as R5) and follows the template's relative times. A
    vehicle is catchable if it leaves at least ``freq_wait_s`` after
    ``board[k - 1, s]``. Returns the new ``n_dirty`` and ``n_ridden``.
    """
    for f in range(len(freq_headway_s)):
        h = freq_headway_s[f]
        first = freq_start_s[f] + offsets[f]
        span = freq_end_s[f] - first
        n_vehicles = span // h + 1 if span >= 0 else 1
        ps = freq_stop_ptr[f]
        n_pos = freq_stop_ptr[f + 1] - ps
        vehicle = UNREACHED  # first-stop arrival of the vehicle ridden
        for i in range(n_pos):
            s = freq_stops[ps + i]
            if vehicle != UNREACHED and freq_alight[ps + i]:
                a = vehicle + freq_arr_rel[ps + i]
                if a < ride[k, s] and a - t0 <= max_trip_s:
                    if _lower(ride, k, max_rides + 1, s, a) and not dirty[s]:
                        dirty[s] = True
                        dirty_list[n_dirty] = s
                        n_dirty += 1
                    if not ridden[s]:
                        ridden[s] = True
                        ridden_list[n_ridden] = s
                        n_ridden += 1
            if i == n_pos - 1:
                break
            b = board[k - 1, s]
            if b == UNREACHED or not freq_board[ps + i]:
                continue
            wait = b + freq_wait_s - (first + freq_dep_rel[ps + i])
            j = 0 if wait <= 0 else (wait + h - 1) // h
            if j < n_vehicles and first + j * h < vehicle:
                vehicle = first + j * h
    return n_dirty, n_ridden


@nb.njit(cache=True, nogil=True)
def _transfer(  # type: ignore[no-untyped-def]
    transfer_ptr, transfer_stop, transfer_s, k, t0, max_trip_s, max_rides, ride, board,
    marked, marked_list, n_marked, ridden, ridden_list, n_ridden, improved,
):
    """Walk transfers (staying put included) from the stops ridden to in round ``k``.

    Returns the new ``n_marked``.
    """
    for r in range(n_ridden):
        s = ridden_list[r]
        ridden[s] = False
        if k == max_rides:
            continue
        v = ride[k, s]
        if v < board[k, s]:
            _lower(board, k, max_rides, s, v)
            if not marked[s]:
                marked[s] = True
                marked_list[n_marked] = s
                n_marked += 1
        # Lower row k without branching, listing the stops it improved ...
        n_improved = 0
        first = transfer_ptr[s]
        for e in range(first, _legs_end(transfer_s, first, transfer_ptr[s + 1],
                                        t0 + max_trip_s - v)):
            v2 = v + transfer_s[e]
            s2 = transfer_stop[e]
            before = board[k, s2]
            board[k, s2] = min(before, v2)
            improved[n_improved] = s2
            n_improved += v2 < before
        # ... then the rows above it, and mark those stops for the next round.
        for m in range(n_improved):
            s2 = improved[m]
            _lower(board, k + 1, max_rides, s2, board[k, s2])
            if not marked[s2]:
                marked[s2] = True
                marked_list[n_marked] = s2
                n_marked += 1
    return n_marked


@nb.njit(cache=True, nogil=True)
def _egress(  # type: ignore[no-untyped-def]
    egress_ptr, egress_dest, egress_s, t0, max_trip_s, max_rides, ride, dirty, dirty_list,
    n_dirty, best_dest,
):
    """Egress walks from the stops whose best arrival improved; clears their flags."""
    for r in range(n_dirty):
        s = dirty_list[r]
        dirty[s] = False
        v = ride[max_rides, s]
        first = egress_ptr[s]
        for e in range(first, _legs_end(egress_s, first, egress_ptr[s + 1],
                                        t0 + max_trip_s - v)):
            d = egress_dest[e]
            best_dest[d] = min(best_dest[d], v + egress_s[e])  # branch-free: faster


@nb.njit(cache=True, nogil=True)
def _rounds(  # type: ignore[no-untyped-def]
    tt, freq, offsets, walks, t0, max_rides, max_trip_s, ride, board, work, n_marked,
    with_frequencies, n_queue_first,
):
    """Run rounds ``1 .. max_rides`` from the marked stops; return how many stops are dirty.

    ``tt``, ``freq`` and ``walks`` are tuples of arrays (see :func:`range_raptor`);
    ``work`` holds the flags and lists shared by the origins of a batch.
    ``n_queue_first`` >= 0: round 1's queue is already built (that many
    patterns, :func:`_queue_new_departures`); -1: queue it from the marks.
    """
    (pattern_stop_ptr, pattern_stops, pattern_trip_ptr, trip_time_ptr, arr_s, dep_s,
     can_board, can_alight, board_wait_s, stop_occ_ptr, stop_occ_pattern, stop_occ_pos) = tt
    (freq_stop_ptr, freq_stops, freq_board, freq_alight, freq_arr_rel, freq_dep_rel,
     freq_start_s, freq_end_s, freq_headway_s, freq_wait_s) = freq
    transfer_ptr, transfer_stop, transfer_s = walks
    (marked, marked_list, ridden, ridden_list, dirty, dirty_list, first_pos, queue,
     improved, _) = work
    n_dirty = 0
    for k in range(1, max_rides + 1):
        if k == 1 and n_queue_first >= 0:
            n_queue = n_queue_first
        else:
            if n_marked == 0 and not with_frequencies:
                break
            n_queue = _queue_patterns(stop_occ_ptr, stop_occ_pattern, stop_occ_pos, marked,
                                      marked_list, n_marked, first_pos, queue)
        n_ridden = 0
        n_dirty, n_ridden = _scan_scheduled(
            pattern_stop_ptr, pattern_stops, pattern_trip_ptr, trip_time_ptr, arr_s, dep_s,
            can_board, can_alight, board_wait_s, queue, n_queue, first_pos,
            k, t0, max_trip_s, max_rides, ride, board, dirty, dirty_list, n_dirty, ridden,
            ridden_list, n_ridden,
        )
        if with_frequencies:
            n_dirty, n_ridden = _scan_frequencies(
                freq_stop_ptr, freq_stops, freq_board, freq_alight, freq_arr_rel, freq_dep_rel,
                freq_start_s, freq_end_s, freq_headway_s, offsets, freq_wait_s,
                k, t0, max_trip_s, max_rides, ride, board, dirty, dirty_list, n_dirty, ridden,
                ridden_list, n_ridden,
            )
        n_marked = _transfer(transfer_ptr, transfer_stop, transfer_s, k, t0, max_trip_s,
                             max_rides, ride, board, marked, marked_list, 0, ridden,
                             ridden_list, n_ridden, improved)
    for m in range(n_marked):
        marked[marked_list[m]] = False
    return n_dirty


@nb.njit(cache=True, nogil=True)
def _write_times(best_dest, t0, max_trip_s, out_row):  # type: ignore[no-untyped-def]
    for d in range(len(best_dest)):
        travel_s = best_dest[d] - t0
        out_row[d] = travel_s if travel_s <= max_trip_s else UNREACHED


@nb.njit(cache=True, nogil=True)
def _raptor_one_origin(  # type: ignore[no-untyped-def]
    tt, freq, freq_offsets, draws_per_minute, walks, egress, acc_stop, acc_s, direct_dest,
    direct_s, departures_s, max_rides, max_trip_s, times_out, state, work,
):
    """Range-RAPTOR for one origin over all departures; fills ``times_out[iteration, dest]``.

    Labels are kept from later to earlier departures (Rönkä/Delling range-RAPTOR
    as in R5): a journey found for a later departure is also available, by
    waiting, to an earlier one. ``ride[k, s]`` is the earliest arrival at stop
    ``s`` by vehicle using at most ``k`` rides; ``board[k, s]`` the earliest time
    one can be at ``s`` ready to board after at most ``k`` rides (after the access
    walk for ``k = 0``, or after alighting and at most one transfer walk). An
    improvement of row ``k`` is written at once to the rows above it, which
    keeps both non-increasing in ``k``. ``board`` has rows ``0 .. max_rides - 1``
    only: nothing boards after the last ride, so its transfers are skipped.

    With frequency entries, each minute's labels (timetabled trips only, so
    still valid for earlier minutes) are copied once per iteration of the
    minute, and that iteration's random schedules are layered on top: every
    entry is scanned from every reached stop, timetabled patterns from the
    stops the entries improved (R5's ``runRaptorForDepartureMinute``). Row
    ``w * draws_per_minute + d`` of ``times_out`` is draw ``d`` of minute ``w``.

    Round 1 of a minute scans a pattern from an access stop only when a trip
    leaves there that the previous (later) minute could not catch
    (:func:`_queue_new_departures`).

    ``state`` holds ``ride``, ``board``, ``best_dest`` and their per-iteration
    copies, reset here; ``work`` the flags (all False, left so), ``first_pos``
    (all -1, left so) and scratch lists.
    """
    ride, board, best_dest, ride_f, board_f, best_f = state
    egress_ptr, egress_dest, egress_s = egress
    marked, marked_list = work[0], work[1]
    first_pos, queue, before = work[6], work[7], work[9]
    dirty, dirty_list = work[4], work[5]
    n_freq = len(freq[8])
    ride[:] = UNREACHED
    board[:] = UNREACHED
    best_dest[:] = UNREACHED

    for w in range(len(departures_s) - 1, -1, -1):
        t0 = departures_s[w]
        # Round 0: access walks, and walk-only journeys.
        n_marked = 0
        for a in range(len(acc_stop)):
            s = acc_stop[a]
            v = t0 + acc_s[a]
            old = board[0, s]
            if v < old:
                _lower(board, 0, max_rides, s, v)
                if not marked[s]:
                    marked[s] = True
                    marked_list[n_marked] = s
                    before[n_marked] = old
                    n_marked += 1
        for a in range(len(direct_dest)):
            v = t0 + direct_s[a]
            d = direct_dest[a]
            if v < best_dest[d]:
                best_dest[d] = v
        n_queue = _queue_new_departures(tt, marked, marked_list, n_marked, before, board,
                                        first_pos, queue)
        n_dirty = _rounds(tt, freq, freq_offsets[0], walks, t0, max_rides, max_trip_s, ride,
                          board, work, 0, False, n_queue)
        _egress(egress_ptr, egress_dest, egress_s, t0, max_trip_s, max_rides, ride, dirty,
                dirty_list, n_dirty, best_dest)
        if n_freq == 0:
            _write_times(best_dest, t0, max_trip_s, times_out[w])
            continue
        for draw in range(draws_per_minute):
            it = w * draws_per_minute + draw
            ride_f[:] = ride
            board_f[:] = board
            best_f[:] = best_dest
            n_dirty = _rounds(tt, freq, freq_offsets[it], walks, t0, max_rides, max_trip_s,
                              ride_f, board_f, work, 0, True, -1)
            _egress(egress_ptr, egress_dest, egress_s, t0, max_trip_s, max_rides, ride_f, dirty,
                    dirty_list, n_dirty, best_f)
            _write_times(best_f, t0, max_trip_s, times_out[it])


@nb.njit(cache=True, nogil=True)
def _bucket_shift(max_trip_s):  # type: ignore[no-untyped-def]
    """``shift`` such that buckets of ``2**shift`` s cover ``0 .. max_trip_s`` in at most 127."""
    shift = 0
    while (max_trip_s >> shift) + 2 > 128:
        shift += 1
    return shift


@nb.njit(cache=True, nogil=True)
def _select_ranks(times_s, ranks, shift, counts, column, scratch, out):  # type: ignore[no-untyped-def]
    """``out[j, d]``: the ``ranks[j]``-th smallest of ``times_s[:, d]`` (``UNREACHED`` sorts last).

    Travel times are ``0 .. max_trip_s`` or ``UNREACHED``. A counting pass
    over buckets of ``2**shift`` s (``counts`` has one per bucket plus a last
    one for ``UNREACHED``) finds the bucket holding each rank; only the few
    times in that bucket are then sorted. ``column`` and ``scratch`` are work
    arrays of one entry per departure.
    """
    n_minutes, n_dests = times_s.shape
    unreached_bucket = len(counts) - 1
    for d in range(n_dests):
        counts[:] = 0
        for w in range(n_minutes):
            v = times_s[w, d]
            column[w] = v
            counts[min(v >> shift, unreached_bucket)] += 1
        for j in range(len(ranks)):
            r = ranks[j]
            b = 0
            below = 0
            while below + counts[b] <= r:
                below += counts[b]
                b += 1
            if b == unreached_bucket:
                out[j, d] = UNREACHED
                continue
            # Gather the times of bucket b without branching, then insertion-sort them.
            n_in = 0
            for w in range(n_minutes):
                v = column[w]
                scratch[n_in] = v
                n_in += (v >> shift) == b
            for i in range(1, n_in):
                v = scratch[i]
                m = i
                while m > 0 and scratch[m - 1] > v:
                    scratch[m] = scratch[m - 1]
                    m -= 1
                scratch[m] = v
            out[j, d] = scratch[r - below]


@nb.njit(cache=True, nogil=True)
def range_raptor(  # type: ignore[no-untyped-def]
    tt, freq, freq_offsets, draws_per_minute, walks, access, egress, direct,
    departures_s, max_rides, max_trip_s, n_dests, percentile_ranks,
):
    """Range-RAPTOR for a batch of origins.

    The GIL is released, so batches run in parallel from Python threads.

    Parameters
    ----------
    tt
        The timetabled patterns, a tuple ``(pattern_stop_ptr, pattern_stops,
        pattern_trip_ptr, trip_time_ptr, arr_s, dep_s, can_board, can_alight,
        board_wait_s, stop_occ_ptr, stop_occ_pattern, stop_occ_pos)``: the
        timetable (see :class:`routes.timetable.timetable.Timetable`), whether
        one may board / alight at each pattern stop, the least wait before a
        timetabled trip leaves (``board_slack_s + 1``: R5 boards only trips
        leaving *more* than the slack after), and a CSR from each stop to its
        occurrences (pattern, position) where one may board.
    freq
        The frequency entries, a tuple ``(stop_ptr, stops, can_board,
        can_alight, arrival_rel_s, departure_rel_s, start_s, end_s, headway_s,
        wait_s)`` (see :class:`routes.engine.frequencies.FrequencyPatterns`);
        ``wait_s`` is the least wait before a vehicle leaves
        (``board_slack_s``). Empty arrays for none.
    freq_offsets
        Phase of each entry in each iteration, ``(n_iterations, n_entries)``
        (at least one row).
    draws_per_minute
        Iterations per departure minute (1 without frequency entries).
    walks
        ``(transfer_ptr, transfer_stop, transfer_s)``: CSR of transfer walks
        between stops, seconds, each stop's legs sorted by walking time.
    access
        ``(ptr, stop, s)``: CSR from origin (of this batch) to access stops.
    egress
        ``(ptr, dest, s)``: CSR from stop to destinations, each stop's legs
        sorted by walking time.
    direct
        ``(ptr, dest, s)``: CSR from origin to destinations reachable on foot only.
    departures_s
        Departure times, ascending, seconds after midnight.
    max_rides, max_trip_s
        Limits on boardings (at least 1) and on total travel time.
    n_dests
        Number of destinations.
    percentile_ranks
        0-based rank, in the ascending list of the travel times of every
        iteration (``len(departures_s) * draws_per_minute``), of each
        requested percentile.

    Returns
    -------
    numpy.ndarray
        ``int32`` travel times in seconds, shape ``(n_origins, n_percentiles,
        n_dests)``; ``UNREACHED`` where the ranked time is unreachable.

    Notes
    -----
    Index arrays may be any integer type (the wrapper passes ``uint16`` where
    the values fit, which keeps more of them in cache); numba compiles one
    specialisation per combination.
    """
    access_ptr, access_stop, access_s = access
    direct_ptr, direct_dest, direct_s = direct
    stop_occ_ptr = tt[9]
    n_orig = len(access_ptr) - 1
    n_iterations = len(departures_s) * draws_per_minute
    n_stops = len(stop_occ_ptr) - 1
    n_patterns = len(tt[0]) - 1
    out = np.empty((n_orig, len(percentile_ranks), n_dests), dtype=np.int32)
    times = np.empty((n_iterations, n_dests), dtype=np.int32)
    # Work arrays, allocated once per batch.
    ride = np.empty((max_rides + 1, n_stops), dtype=np.int32)
    board = np.empty((max(max_rides, 1), n_stops), dtype=np.int32)  # row 0 even for 0 rides
    best_dest = np.empty(n_dests, dtype=np.int32)
    n_copy = n_stops if len(freq[8]) > 0 else 0  # per-iteration copies, with frequencies
    state = (ride, board, best_dest, np.empty((max_rides + 1, n_copy), dtype=np.int32),
             np.empty((max(max_rides, 1), n_copy), dtype=np.int32),
             np.empty(n_dests if n_copy else 0, dtype=np.int32))
    transfer_ptr = walks[0]
    longest_row = 0
    for s in range(n_stops):
        longest_row = max(longest_row, transfer_ptr[s + 1] - transfer_ptr[s])
    work = (np.zeros(n_stops, dtype=np.bool_), np.empty(n_stops, dtype=np.int32),
            np.zeros(n_stops, dtype=np.bool_), np.empty(n_stops, dtype=np.int32),
            np.zeros(n_stops, dtype=np.bool_), np.empty(n_stops, dtype=np.int32),
            np.full(n_patterns, -1, dtype=np.int32), np.empty(n_patterns, dtype=np.int32),
            np.empty(longest_row, dtype=np.int32), np.empty(n_stops, dtype=np.int32))
    shift = _bucket_shift(max_trip_s)
    counts = np.empty((max_trip_s >> shift) + 2, dtype=np.int32)
    column = np.empty(n_iterations, dtype=np.int32)
    scratch = np.empty(n_iterations, dtype=np.int32)
    for o in range(n_orig):
        a0 = access_ptr[o]
        a1 = access_ptr[o + 1]
        d0 = direct_ptr[o]
        d1 = direct_ptr[o + 1]
        _raptor_one_origin(
            tt, freq, freq_offsets, draws_per_minute, walks, egress,
            access_stop[a0:a1], access_s[a0:a1], direct_dest[d0:d1], direct_s[d0:d1],
            departures_s, max_rides, max_trip_s, times, state, work,
        )
        if n_iterations == 1:
            for j in range(len(percentile_ranks)):
                out[o, j] = times[0]
        else:
            _select_ranks(times, percentile_ranks, shift, counts, column, scratch, out[o])
    return out
