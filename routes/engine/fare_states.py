"""The plain engine's arrays over stops x ticket states, for one fare budget.

With the ticket states of a budget (:mod:`routes.fares.ticket_states`), the
fastest journey costing at most the budget is the fastest journey in a
network whose nodes are (stop, ticket state): the plain range-RAPTOR kernel
(:func:`routes.engine._raptor_kernels.range_raptor`) answers it unchanged,
with its pruning, range reuse and percentiles.

* **Nodes**: node ``state * n_stops + stop``; the start state is 0, so the
  access legs (to stops) reach the start state's nodes as they are.
* **Patterns**: a pattern of kind ``k`` is copied once per move
  ``state -> next`` of that kind. A copy has two positions per stop, in
  this order: an alighting position at ``(stop, next)`` (the trip's
  arrival) and a boarding position at ``(stop, state)`` (its departure), so
  a rider boards holding ``state`` and alights holding ``next``. The trip
  times are stored once, interleaved (arrival, departure); every copy's
  trips point into them.
* **Walks**: transfers join the nodes of one state (a walk buys nothing);
  egress legs leave the nodes of every state (every state is within the
  budget).

Frequencies are not expanded: the fare engine needs timetabled trips.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from routes._csr import concat_ranges, offsets_from_counts
from routes.engine.raptor import smallest_uint, stop_occurrences
from routes.fares.ticket_states import TicketStates

__all__ = ["StateNetwork", "state_network"]

Legs = tuple[NDArray[np.int64], NDArray[np.integer], NDArray[np.integer]]
"""``(ptr, target, walk_s)``: legs from each source, sorted by walking time."""


@dataclass(frozen=True, slots=True)
class StateNetwork:
    """What :func:`~routes.engine._raptor_kernels.range_raptor` reads, over stops x states.

    Attributes
    ----------
    tt_arrays
        The timetabled patterns' tuple (see ``range_raptor``), pattern copies
        and nodes.
    transfers, egress
        Walking legs from each node.
    n_states
        Number of ticket states.
    """

    tt_arrays: tuple[Any, ...]
    transfers: Legs
    egress: Legs
    n_states: int


def _moves(states: TicketStates) -> tuple[NDArray[np.int64], NDArray[np.int64],
                                          NDArray[np.int64]]:
    """Every move as ``(kind, state, next)`` arrays."""
    rows = [(kind, s, nxt) for s, row in enumerate(states.successors)
            for kind, targets in enumerate(row) for nxt in targets]
    moves = np.array(rows, dtype=np.int64).reshape(-1, 3)
    return moves[:, 0], moves[:, 1], moves[:, 2]


def _copied_patterns(tt_arrays: tuple[Any, ...], states: TicketStates) -> tuple[Any, ...]:
    """Return the pattern copies (module docstring) as the kernel's timetable tuple."""
    (pattern_stop_ptr, pattern_stops, pattern_trip_ptr, trip_time_ptr, arr_s, dep_s,
     can_board, can_alight, board_wait_s) = tt_arrays[:9]
    n_stops = len(tt_arrays[9]) - 1
    kind, state, nxt = _moves(states)
    by_kind = np.argsort(states.pattern_kind, kind="stable")
    kind_ptr = offsets_from_counts(np.bincount(states.pattern_kind,
                                               minlength=len(states.successors[0])))
    per_move = kind_ptr[kind + 1] - kind_ptr[kind]
    copy_pattern = by_kind[concat_ranges(kind_ptr[kind], per_move)]
    copy_state = np.repeat(state, per_move)
    copy_next = np.repeat(nxt, per_move)
    # Positions: (alight at (stop, next), board at (stop, state)) for each stop.
    n_pos = np.diff(pattern_stop_ptr)[copy_pattern]
    rows = concat_ranges(pattern_stop_ptr[copy_pattern], n_pos)
    stops = pattern_stops[rows].astype(np.int64)
    nodes = np.empty(2 * len(rows), dtype=np.int64)
    nodes[0::2] = np.repeat(copy_next, n_pos) * n_stops + stops
    nodes[1::2] = np.repeat(copy_state, n_pos) * n_stops + stops
    board = np.zeros(2 * len(rows), dtype=np.uint8)
    alight = np.zeros(2 * len(rows), dtype=np.uint8)
    board[1::2] = can_board[rows]
    alight[0::2] = can_alight[rows]
    # Trips: each copy has its own trip numbers, pointing into the interleaved times.
    n_trips = np.diff(pattern_trip_ptr)[copy_pattern]
    trips = concat_ranges(pattern_trip_ptr[copy_pattern], n_trips)
    times = np.empty(2 * len(arr_s), dtype=arr_s.dtype)
    times[0::2] = arr_s
    times[1::2] = dep_s
    n_nodes = states.n_states * n_stops
    stop_ptr = offsets_from_counts(2 * n_pos, dtype=pattern_stop_ptr.dtype)
    nodes32 = nodes.astype(np.int32)
    occ = stop_occurrences(stop_ptr, nodes32, board, n_nodes)
    return (stop_ptr, nodes32, offsets_from_counts(n_trips, dtype=pattern_trip_ptr.dtype),
            (2 * trip_time_ptr[trips]).astype(trip_time_ptr.dtype), times, times, board, alight,
            board_wait_s, occ.ptr, occ.pattern, occ.position)


def _tiled_legs(legs: Legs, n_states: int, target_shift: int) -> Legs:
    """Repeat the legs once per state, targets moved by ``state * target_shift``."""
    ptr, target, walk_s = legs
    n_legs = int(ptr[-1])
    tiled_ptr = np.concatenate([ptr[:-1] + s * n_legs for s in range(n_states)]
                               + [[n_states * n_legs]]).astype(np.int64)
    if target_shift == 0:
        return tiled_ptr, np.tile(target, n_states), np.tile(walk_s, n_states)
    shift = np.repeat(np.arange(n_states, dtype=np.int64) * target_shift, n_legs)
    tiled_target = np.tile(target.astype(np.int64), n_states) + shift
    return (tiled_ptr, smallest_uint(tiled_target, n_states * target_shift),
            np.tile(walk_s, n_states))


def state_network(tt_arrays: tuple[Any, ...], transfers: Legs, egress: Legs,
                  states: TicketStates) -> StateNetwork:
    """Build the plain kernel's arrays over stops x ``states`` (module docstring).

    Parameters
    ----------
    tt_arrays
        The plain kernel's timetable tuple (stops in the kernel's numbering).
    transfers
        Transfer legs between stops.
    egress
        Egress legs from stops to destinations.
    states
        The ticket states of one budget.
    """
    n_stops = len(tt_arrays[9]) - 1
    n = states.n_states
    return StateNetwork(_copied_patterns(tt_arrays, states),
                        _tiled_legs(transfers, n, n_stops), _tiled_legs(egress, n, 0), n)
