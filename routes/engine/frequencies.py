"""``frequencies.txt`` trips as R5 runs them: random phases, drawn reproducibly.

GTFS lets a feed give a trip as a template plus *entries* ("every
``headway_secs`` from ``start_time`` to ``end_time``"). The timetable keeps a
fixed expansion of every entry (:mod:`routes.timetable.timetable`); with
``[routing].frequency_phase = "random"`` (the default) the engine replaces it by
R5's Monte Carlo schedules:

* an entry's vehicles reach the template's first stop at
  ``start_time + offset + j · headway_secs`` for ``j = 0, 1, ...`` while that is
  at most ``end_time`` (R5 runs the vehicle *at* ``end_time``, and always the
  first one), their times at the other stops following the template's times
  after its first arrival (conveyal/r5 ``TripSchedule`` rebases them on the
  first arrival; ``FastRaptorWorker.getRandomFrequencyDepartureTime``);
  ``exact_times`` is ignored, as in R5 (``TripSchedule``: "treating as
  inexact");
* the phase ``offset`` is drawn uniformly from ``0 .. headway_secs − 1`` for
  every entry and every *iteration* (R5's ``FrequencyRandomOffsets.randomize``,
  ``mt.nextInt(headwaySeconds)``);
* the departure window gets ``ceil(frequency_draws / minutes)`` iterations per
  minute (R5's ``getMonteCarloDrawsPerMinute``; r5py asks for 60 draws), and
  the percentiles are taken over all of them;
* a vehicle is boarded if it leaves at least ``board_slack_s`` after one is at
  the stop (R5: ``boardAfterTime = earliestTime - 1``, then departures
  ``> boardAfterTime``), one second earlier than a timetabled one.

Unlike R5, whose Mersenne Twister is unseeded, the phases here come from
:func:`frequency_offsets`: seeded by ``[routing].frequency_seed`` and by each
entry's key, so every run, every batch of origins, every origin and every
scenario that keeps an entry sees the same schedules (differences between a
baseline and a scenario are then not noise).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from routes._csr import concat_ranges, offsets_from_counts
from routes.timetable.timetable import Timetable

__all__ = [
    "FrequencyPatterns",
    "KernelTimetable",
    "frequency_offsets",
    "iterations_per_minute",
    "kernel_timetable",
]


def iterations_per_minute(n_minutes: int, frequency_draws: int, has_frequencies: bool) -> int:
    """Random schedules per departure minute: ``ceil(draws / minutes)``, 1 without frequencies.

    R5's ``ProfileRequest.getMonteCarloDrawsPerMinute``; with no frequency trip
    every iteration of a minute would give the same times, and repeating them
    changes no nearest-rank percentile.
    """
    if not has_frequencies:
        return 1
    return max(1, math.ceil(frequency_draws / max(n_minutes, 1)))


def _key_seed(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little")


def frequency_offsets(keys: Sequence[str] | NDArray[np.object_], headway_s: NDArray[np.integer],
                      n_iterations: int, seed: int) -> NDArray[np.int32]:
    """Phase of every entry in every iteration, seconds: ``(n_iterations, n_entries)`` ``int32``.

    Entry ``e``'s column depends only on ``seed``, its key and its headway:
    its own ``numpy.random.Generator`` (PCG64) seeded with ``(seed, hash of
    key)`` draws ``n_iterations`` integers uniform on ``0 .. headway − 1``.

    Examples
    --------
    >>> import numpy as np
    >>> a = frequency_offsets(["f:T@06:00:00"], np.array([600]), 4, seed=0)
    >>> b = frequency_offsets(["g:U@07:00:00", "f:T@06:00:00"], np.array([300, 600]), 4, seed=0)
    >>> a.shape, bool((a[:, 0] == b[:, 1]).all()), bool((a >= 0).all() and (a < 600).all())
    ((4, 1), True, True)
    """
    out = np.empty((n_iterations, len(keys)), dtype=np.int32)
    for e, (key, h) in enumerate(zip(keys, np.asarray(headway_s).tolist(), strict=True)):
        rng = np.random.default_rng([int(seed), _key_seed(str(key))])
        out[:, e] = rng.integers(0, int(h), size=n_iterations)
    return out


@dataclass(frozen=True, slots=True)
class FrequencyPatterns:
    """One pattern per frequency entry, with its template's times relative to its first arrival.

    Attributes
    ----------
    stop_ptr, stops
        CSR of each entry's stops (timetable numbering).
    can_board, can_alight
        Whether one may board (alight) at each of those stops (``uint8``).
    arrival_rel_s, departure_rel_s
        The template's times at each stop minus its first arrival, ``int32``.
    start_s, end_s, headway_s
        The entry's ``start_time``, ``end_time`` and ``headway_secs``.
    keys
        The entry's key (``Timetable.frequency_keys``), which seeds its phases.
    """

    stop_ptr: NDArray[np.int64]
    stops: NDArray[np.int32]
    can_board: NDArray[np.uint8]
    can_alight: NDArray[np.uint8]
    arrival_rel_s: NDArray[np.int32]
    departure_rel_s: NDArray[np.int32]
    start_s: NDArray[np.int32]
    end_s: NDArray[np.int32]
    headway_s: NDArray[np.int32]
    keys: NDArray[np.object_]

    @property
    def n_entries(self) -> int:
        """Number of frequency entries."""
        return len(self.headway_s)


@dataclass(frozen=True, slots=True)
class KernelTimetable:
    """The timetabled patterns the kernel scans, and the frequency entries it draws.

    ``pattern_*``, ``trip_time_ptr``, ``arrival_s`` and ``departure_s`` are as
    in :class:`routes.timetable.timetable.Timetable`, without the trips that
    :attr:`frequencies` replaces (and without patterns left empty);
    ``can_board``/``can_alight`` are per pattern stop (``uint8``).
    """

    pattern_stop_ptr: NDArray[np.int32]
    pattern_stops: NDArray[np.int32]
    pattern_trip_ptr: NDArray[np.int32]
    trip_time_ptr: NDArray[np.int32]
    arrival_s: NDArray[np.int32]
    departure_s: NDArray[np.int32]
    can_board: NDArray[np.uint8]
    can_alight: NDArray[np.uint8]
    frequencies: FrequencyPatterns


def _no_frequencies() -> FrequencyPatterns:
    i32 = np.empty(0, dtype=np.int32)
    u8 = np.empty(0, dtype=np.uint8)
    return FrequencyPatterns(np.zeros(1, np.int64), i32, u8, u8, i32, i32, i32, i32, i32,
                             np.empty(0, dtype=object))


def kernel_timetable(tt: Timetable, frequency_phase: str) -> KernelTimetable:
    """Split a timetable into timetabled patterns and frequency entries for the kernel.

    With ``frequency_phase="fixed"``, or no frequency trips, every trip stays
    timetabled (the fixed expansion, GTFS ``exact_times=1``). With
    ``"random"``, the trips expanded from each entry are taken out of their
    patterns, and the entry becomes one :class:`FrequencyPatterns` row whose
    template is the first of those trips.
    """
    can_board = tt.can_board.astype(np.uint8)
    can_alight = tt.can_alight.astype(np.uint8)
    same = KernelTimetable(tt.pattern_stop_ptr, tt.pattern_stops, tt.pattern_trip_ptr,
                           tt.trip_time_ptr, tt.arrival_s, tt.departure_s, can_board,
                           can_alight, _no_frequencies())
    if frequency_phase != "random" or tt.trip_frequency is None:
        return same
    entry = tt.trip_frequency.astype(np.int64)
    if not (entry >= 0).any():
        return same
    assert tt.frequency_keys is not None and tt.frequency_headway_s is not None
    assert tt.frequency_start_s is not None and tt.frequency_end_s is not None
    trip_pattern = np.repeat(np.arange(tt.n_patterns), np.diff(tt.pattern_trip_ptr))
    trip_lengths = np.diff(tt.trip_time_ptr).astype(np.int64)

    # One template per entry that still has a trip: its first trip.
    entries, first_trip = np.unique(entry, return_index=True)
    first_trip, entries = first_trip[entries >= 0], entries[entries >= 0]
    pattern = trip_pattern[first_trip]
    lengths = np.diff(tt.pattern_stop_ptr).astype(np.int64)[pattern]
    stop_rows = concat_ranges(tt.pattern_stop_ptr[pattern].astype(np.int64), lengths)
    time_rows = concat_ranges(tt.trip_time_ptr[first_trip].astype(np.int64), lengths)
    first_arrival = np.repeat(tt.arrival_s[tt.trip_time_ptr[first_trip]], lengths)
    frequencies = FrequencyPatterns(
        stop_ptr=offsets_from_counts(lengths),
        stops=tt.pattern_stops[stop_rows],
        can_board=can_board[stop_rows],
        can_alight=can_alight[stop_rows],
        arrival_rel_s=(tt.arrival_s[time_rows] - first_arrival).astype(np.int32),
        departure_rel_s=(tt.departure_s[time_rows] - first_arrival).astype(np.int32),
        start_s=tt.frequency_start_s[entries],
        end_s=tt.frequency_end_s[entries],
        headway_s=tt.frequency_headway_s[entries],
        keys=tt.frequency_keys[entries],
    )

    # The timetabled rest: drop the expanded trips, then the patterns left empty.
    keep_trip = entry < 0
    n_kept = np.bincount(trip_pattern[keep_trip], minlength=tt.n_patterns)
    keep_pattern = n_kept > 0
    p_lengths = np.diff(tt.pattern_stop_ptr).astype(np.int64)[keep_pattern]
    p_rows = concat_ranges(tt.pattern_stop_ptr[:-1][keep_pattern].astype(np.int64), p_lengths)
    kept = np.flatnonzero(keep_trip)
    t_rows = concat_ranges(tt.trip_time_ptr[kept].astype(np.int64), trip_lengths[kept])
    i32 = np.int32
    return KernelTimetable(
        pattern_stop_ptr=offsets_from_counts(p_lengths, dtype=i32),
        pattern_stops=tt.pattern_stops[p_rows],
        pattern_trip_ptr=offsets_from_counts(n_kept[keep_pattern], dtype=i32),
        trip_time_ptr=offsets_from_counts(trip_lengths[kept], dtype=i32),
        arrival_s=tt.arrival_s[t_rows],
        departure_s=tt.departure_s[t_rows],
        can_board=can_board[p_rows],
        can_alight=can_alight[p_rows],
        frequencies=frequencies,
    )
