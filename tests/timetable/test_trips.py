"""TripTable: every array says what it runs over, and trips are selected and appended by field."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from numpy.typing import NDArray

from routes.timetable.trips import PER, TripTable, fields_per


def table(**changes: object) -> TripTable:
    """Three trips of two routes::

        t  trip  route  stops    times (s)
        0  a     R      0 1      100 200
        1  b     S      1 2 3    160 260 300
        2  c     R      0 1      400 500
    """
    base = TripTable(
        trip_ids=np.array(["a", "b", "c"], dtype=object),
        route=np.array([0, 1, 0], dtype=np.int64),
        service_ids=np.array(["W", "W", "X"], dtype=object),
        direction_ids=np.array(["0", "1", "0"], dtype=object),
        service_start=np.array(["2019-05-01"] * 3, dtype="datetime64[D]"),
        has_shape=np.array([True, False, True]),
        previous_day=np.zeros(3, dtype=bool),
        route_ids=np.array(["R", "S"], dtype=object),
        route_agency_ids=np.array(["", ""], dtype=object),
        route_short_names=np.array(["1", "2"], dtype=object),
        stop_ptr=np.array([0, 2, 5, 7]),
        stops=np.array([0, 1, 1, 2, 3, 0, 1]),
        arrival_s=np.array([100, 200, 160, 260, 300, 400, 500]),
        departure_s=np.array([100, 200, 160, 260, 300, 400, 500]),
        timed=np.array([True, True, True, False, True, True, True]),
        pickup_type=np.array([0, 0, 0, 1, 0, 0, 0], dtype=np.uint8),
        drop_off_type=np.array([0, 0, 0, 0, 2, 0, 0], dtype=np.uint8),
        frequency=np.array([-1, 0, -1], dtype=np.int64),
    )
    return dataclasses.replace(base, **changes)


def test_every_array_field_says_what_it_runs_over() -> None:
    kinds = {f.metadata.get(PER) for f in dataclasses.fields(TripTable)}
    assert kinds == {"trip", "route", "stop_time", "csr"}
    assert fields_per(TripTable, "stop_time") == ("stops", "arrival_s", "departure_s", "timed",
                                                  "pickup_type", "drop_off_type")
    assert fields_per(TripTable, "trip")[-1] == "frequency"


def test_an_unclassified_array_is_refused() -> None:
    @dataclasses.dataclass(frozen=True)
    class Bare:
        values: NDArray[np.int64]

    with pytest.raises(TypeError, match=r"Bare.values is an array without metadata"):
        fields_per(Bare, "trip")


def test_take_follows_every_field() -> None:
    got = table().take(np.array([False, True, True]))
    assert got.trip_ids.tolist() == ["b", "c"]
    assert got.service_ids.tolist() == ["W", "X"]
    assert got.stop_ptr.tolist() == [0, 3, 5]
    assert got.stops.tolist() == [1, 2, 3, 0, 1]
    assert got.timed.tolist() == [True, False, True, True, True]
    assert got.route_ids.tolist() == ["R", "S"]  # routes unchanged
    # indexes in any order, repeats allowed
    assert table().take(np.array([2, 0, 2])).trip_ids.tolist() == ["c", "a", "c"]


def test_append_and_its_refusal() -> None:
    t = table()
    both = t.append(t.take(np.array([1])))
    assert both.trip_ids.tolist() == ["a", "b", "c", "b"]
    assert both.stop_ptr.tolist() == [0, 2, 5, 7, 10]
    assert both.arrival_s[7:].tolist() == [160, 260, 300]
    other = table(route_ids=np.array(["R", "T"], dtype=object))
    with pytest.raises(ValueError, match="differ in route_ids"):
        t.append(other)


def test_restrict_to_routes_renumbers() -> None:
    got = table().restrict_to_routes(np.array([False, True]))
    assert got.route_ids.tolist() == ["S"]
    assert got.trip_ids.tolist() == ["b"]
    assert got.route.tolist() == [0]


def test_take_stop_times() -> None:
    got = table().take_stop_times(np.array([True, True, False, True, True, True, True]))
    assert got.stop_ptr.tolist() == [0, 2, 4, 6]
    assert got.stops.tolist() == [0, 1, 2, 3, 0, 1]
    with pytest.raises(ValueError, match="at least two stop times"):
        table().take_stop_times(np.array([True, False, True, True, True, True, True]))
