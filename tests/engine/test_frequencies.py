"""frequencies.txt trips in the engine: R5's random phases, against the oracle and by hand."""

from __future__ import annotations

import dataclasses
import math

import _oracle
import numpy as np
import pytest
from _raptor_compare import assert_same, run_engine, run_oracle
from _tiny_networks import (
    RANDOM_QUERY,
    Network,
    TripSpec,
    random_network,
    street_network_from_edges,
    timetable_from_trips,
)

from routes.engine import raptor
from routes.engine.frequencies import (
    frequency_offsets,
    iterations_per_minute,
    kernel_timetable,
)
from routes.timetable.timetable import Timetable

#: ``(route, [(stop, arrival, departure) relative to the template's first arrival],
#: [(start_time, end_time, headway_secs), ...])``
Template = tuple[str, list[tuple[int, int, int]], list[tuple[int, int, int]]]


def timetable_with_frequencies(scheduled: list[TripSpec], templates: list[Template],
                               n_stops: int) -> Timetable:
    """A timetable as :func:`routes.timetable.timetable.load_timetable` builds it.

    Each entry is expanded as GTFS ``exact_times=1`` (a trip leaving the first
    stop at ``start + k * headway`` while before ``end``), and the trips remember
    their entry (``trip_frequency``).
    """
    trips = list(scheduled)
    names = [f"trip{k}" for k in range(len(scheduled))]
    entry_of: dict[str, int] = {}
    entries = []
    for route, calls, rows in templates:
        for start, end, headway in rows:
            e = len(entries)
            entries.append((f"t:{route}@{start}", start, end, headway))
            k = 0
            while start + k * headway < end:
                shift = start + k * headway - calls[0][2]
                trips.append((route, [(s, a + shift, d + shift) for s, a, d in calls]))
                names.append(f"f{e}@{k}")
                entry_of[f"t:f{e}@{k}"] = e
                k += 1
    tt = timetable_from_trips(trips, n_stops=n_stops, trip_names=names)
    i32 = np.int32
    return dataclasses.replace(
        tt,
        trip_frequency=np.array([entry_of.get(t, -1) for t in tt.trip_ids], i32),
        frequency_keys=np.array([k for k, *_ in entries], dtype=object),
        frequency_start_s=np.array([x[1] for x in entries], i32),
        frequency_end_s=np.array([x[2] for x in entries], i32),
        frequency_headway_s=np.array([x[3] for x in entries], i32),
    )


H7 = 7 * 3600


def _one_route() -> Network:
    """Stops A (n0) and B (n1), 5 km apart; one frequency route A -> B taking 300 s.

    The template dwells 30 s at A: it reaches A at +0, leaves at +30, reaches B
    at +330. Entry 07:00:00-08:00:00 every 600 s. Walks 600 s at most (1 m/s),
    so B is reached only by the route. Origin at A, destination at B.
    """
    streets = street_network_from_edges(2, [(0, 1, 5000.0)], xy=[(0, 0), (5000, 0)])
    tt = timetable_with_frequencies(
        [], [("F", [(0, 0, 30), (1, 330, 330)], [(H7, H7 + 3600, 600)])], n_stops=2)
    return Network(tt, streets, np.array([0, 1], np.int32), np.array([0], np.int32),
                   np.array([1], np.int32))


ONE_ROUTE_QUERY = dict(walk_speed_m_s=1.0, max_walk_s=600, max_transfer_walk_s=300,
                       max_rides=2, max_trip_s=7200)


@pytest.fixture
def zero_phases(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every phase 0, in the engine and in the oracle (they share this generator)."""
    def zeros(keys, headway_s, n_iterations, seed):  # type: ignore[no-untyped-def]
        return np.zeros((n_iterations, len(keys)), np.int32)

    monkeypatch.setattr(raptor, "frequency_offsets", zeros)
    monkeypatch.setattr(_oracle, "frequency_offsets", zeros)


@pytest.mark.usefixtures("zero_phases")
@pytest.mark.parametrize(("dep_s", "phase", "expected_s"), [
    # Random phases, all 0: vehicles reach A at 07:00, 07:10, ... 08:00 (end_time included,
    # as R5) and leave 30 s later; a vehicle is caught if it leaves >= 60 s after.
    (H7 + 3540, "random", 60 + 30 + 300),  # at A 07:59:00: the 08:00:00 vehicle, leaving 08:00:30
    (H7 + 3571, "random", 2 ** 31),  # at A 07:59:31: it leaves 59 s later: none after it
    (H7 + 3570, "random", 60 + 300),  # at A 07:59:30: leaves exactly 60 s later: caught
    (H7 - 600, "random", 600 + 30 + 300),  # 06:50: the first, at 07:00:30
    # Fixed (GTFS exact_times): the template *leaves* A at start + k * 600 while before
    # 08:00 (07:00 ... 07:50); timetabled, so it must leave *more* than 60 s later.
    (H7 + 2940, "fixed", 2 ** 31),  # at A 07:49:00: the 07:50:00 one leaves 60 s later: none
    (H7 + 2939, "fixed", 61 + 300),  # at A 07:48:59: caught
])
def test_one_frequency_route_by_hand(dep_s, phase, expected_s):
    net = _one_route()
    ours = run_engine(net, ONE_ROUTE_QUERY, dep_s, 1, (50,), frequency_phase=phase)
    expected = np.nan if expected_s == 2 ** 31 else expected_s
    np.testing.assert_array_equal(ours[0, 0], [expected])
    assert_same(ours, run_oracle(net, ONE_ROUTE_QUERY, dep_s, 1, (50,), frequency_phase=phase))


def test_random_phase_waits_follow_the_drawn_phases():
    """Over 10 minutes x 60 draws (6 a minute), the median and other percentiles are those
    of the waits the drawn phases give, worked out here from each phase by hand."""
    net = _one_route()
    pcts = (5, 25, 50, 75, 95)
    t0 = H7 + 1200  # 07:20, well inside the entry
    ours = run_engine(net, ONE_ROUTE_QUERY, t0, 10, pcts, frequency_draws=60)[0, :, 0]
    n = 10 * 6
    offsets = frequency_offsets(["t:F@25200"], np.array([600]), n, seed=0)[:, 0]
    times = []
    for it in range(n):
        minute = it // 6
        ready = t0 + 60 * minute + 60  # at A at once; a vehicle must leave >= 60 s later
        first_leave = H7 + int(offsets[it]) + 30
        j = max(0, math.ceil((ready - first_leave) / 600))
        times.append(first_leave + 600 * j + 300 - (t0 + 60 * minute))
    expected = [sorted(times)[math.ceil(p / 100 * n) - 1] for p in pcts]
    np.testing.assert_array_equal(ours, expected)
    # The waits are spread over the whole headway: travel times 360 s (a vehicle
    # leaving just 60 s after) to 959 s (599 s more).
    assert min(times) >= 360 and max(times) <= 959 and max(times) - min(times) > 400
    assert_same(run_engine(net, ONE_ROUTE_QUERY, t0, 10, pcts)[:, :, :],
                run_oracle(net, ONE_ROUTE_QUERY, t0, 10, pcts))


def _random_frequencies(seed: int) -> Network:
    """A random network whose first two routes also run as frequency templates."""
    base = random_network(seed)
    rng = np.random.default_rng(seed + 500)
    tt = base.tt
    scheduled = []
    for p in range(tt.n_patterns):
        stops = tt.pattern_stops[tt.pattern_stop_ptr[p]:tt.pattern_stop_ptr[p + 1]]
        for t in range(tt.pattern_trip_ptr[p], tt.pattern_trip_ptr[p + 1]):
            a = tt.arrival_s[tt.trip_time_ptr[t]:tt.trip_time_ptr[t + 1]].tolist()
            d = tt.departure_s[tt.trip_time_ptr[t]:tt.trip_time_ptr[t + 1]].tolist()
            scheduled.append((int(tt.pattern_route[p]), list(zip(stops.tolist(), a, d,
                                                                 strict=True))))
    templates: list[Template] = []
    for p in range(min(2, tt.n_patterns)):
        stops = tt.pattern_stops[tt.pattern_stop_ptr[p]:tt.pattern_stop_ptr[p + 1]].tolist()
        t = int(tt.pattern_trip_ptr[p])
        a = tt.arrival_s[tt.trip_time_ptr[t]:tt.trip_time_ptr[t + 1]]
        d = tt.departure_s[tt.trip_time_ptr[t]:tt.trip_time_ptr[t + 1]]
        calls = list(zip(stops, (a - a[0]).tolist(), (d - a[0]).tolist(), strict=True))
        rows = []
        for _ in range(int(rng.integers(1, 3))):
            start = int(rng.integers(H7 - 1800, H7 + 1800))
            rows.append((start, start + int(rng.integers(900, 3600)),
                         int(rng.choice([300, 420, 600, 900]))))
        templates.append((f"freq{p}", calls, rows))
    ftt = timetable_with_frequencies(scheduled, templates, n_stops=tt.n_stops)
    return base._replace(tt=ftt)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("phase", ["random", "fixed"])
def test_random_networks_with_frequencies_equal_oracle(seed, phase):
    net = _random_frequencies(seed)
    assert net.tt.trip_frequency is not None and (net.tt.trip_frequency >= 0).any()
    pcts = (5, 50, 95)
    # 12 minutes and 30 draws: 3 draws a minute, 36 iterations.
    assert_same(run_engine(net, RANDOM_QUERY, H7, 12, pcts, frequency_draws=30,
                           frequency_phase=phase),
                run_oracle(net, RANDOM_QUERY, H7, 12, pcts, frequency_draws=30,
                           frequency_phase=phase))


def test_same_seed_same_results_other_seed_other_schedules():
    net = _random_frequencies(1)
    pcts = (25, 50, 75)
    one = run_engine(net, RANDOM_QUERY, H7, 10, pcts, frequency_seed=7, n_threads=1)
    two = run_engine(net, RANDOM_QUERY, H7, 10, pcts, frequency_seed=7, n_threads=2)
    assert_same(one, two)
    other = run_engine(net, RANDOM_QUERY, H7, 10, pcts, frequency_seed=8)
    assert not np.array_equal(np.nan_to_num(one), np.nan_to_num(other))
    assert_same(other, run_oracle(net, RANDOM_QUERY, H7, 10, pcts, frequency_seed=8))


def test_frequency_offsets_are_per_entry_and_uniform():
    keys = [f"f:T{i}@06:00:00" for i in range(3)]
    a = frequency_offsets(keys, np.array([600, 300, 60]), 20_000, seed=3)
    # An entry's phases do not depend on the other entries, or on their order.
    b = frequency_offsets(keys[::-1], np.array([60, 300, 600]), 20_000, seed=3)
    np.testing.assert_array_equal(a, b[:, ::-1])
    for column, h in zip(a.T, (600, 300, 60), strict=True):
        assert column.min() == 0 and column.max() == h - 1
        assert abs(column.mean() - (h - 1) / 2) < 0.03 * h  # uniform on 0 .. h - 1
    assert not np.array_equal(a, frequency_offsets(keys, np.array([600, 300, 60]), 20_000, 4))


@pytest.mark.parametrize(("n_minutes", "draws", "has", "expected"), [
    (120, 60, True, 1), (10, 60, True, 6), (7, 60, True, 9), (60, 60, True, 1),
    (10, 60, False, 1),
])
def test_iterations_per_minute_as_r5(n_minutes, draws, has, expected):
    assert iterations_per_minute(n_minutes, draws, has) == expected


def test_kernel_timetable_takes_the_frequency_trips_out():
    # Route F's fixed expansion shares a pattern with a scheduled trip of F.
    scheduled = [("F", [(0, H7 + 100, H7 + 100), (1, H7 + 400, H7 + 400)])]
    tt = timetable_with_frequencies(
        scheduled, [("F", [(0, 0, 30), (1, 330, 330)], [(H7, H7 + 1800, 600)])], n_stops=2)
    assert tt.n_patterns == 1 and tt.n_trips == 4
    fixed = kernel_timetable(tt, "fixed")
    assert fixed.frequencies.n_entries == 0 and len(fixed.arrival_s) == 8
    ktt = kernel_timetable(tt, "random")
    assert ktt.pattern_trip_ptr.tolist() == [0, 1]
    assert ktt.departure_s.tolist() == [H7 + 100, H7 + 400]
    f = ktt.frequencies
    assert f.stops.tolist() == [0, 1] and f.departure_rel_s.tolist() == [30, 330]
    assert f.arrival_rel_s.tolist() == [0, 330]
    assert (f.start_s.tolist(), f.end_s.tolist(), f.headway_s.tolist()) == (
        [H7], [H7 + 1800], [600])
