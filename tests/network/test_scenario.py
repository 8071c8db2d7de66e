"""A scenario's network on the baseline's: new stops linked, and transfer walks searched
again only around them, give what linking every stop from scratch gives."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from routes.config.study_area import load_study_area
from routes.network.scenario import build_scenario_network, extend_stop_links, timetable_digest
from routes.network.transit import (
    StopLinks,
    TransitNetwork,
    build_network,
    compute_transfers,
    link_stops,
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> TransitNetwork:
    from routes.demo.study_area import write_demo_study_area

    folder = tmp_path_factory.mktemp("demo")
    write_demo_study_area(folder)
    return build_network(load_study_area(folder / "routes.toml"))


def from_scratch(network: TransitNetwork, lon: np.ndarray, lat: np.ndarray) -> StopLinks:
    links = network.links
    stops = link_stops(network.streets, lon, lat, link_radius_m=links.link_radius_m)
    return StopLinks(stops, compute_transfers(network.streets, stops, links.max_transfer_m),
                     links.max_transfer_m, links.link_radius_m)


def assert_same_links(got: StopLinks, expected: StopLinks) -> None:
    for part in ("stops", "transfers"):
        a, b = getattr(got, part), getattr(expected, part)
        for field in dataclasses.fields(a):
            np.testing.assert_array_equal(getattr(a, field.name), getattr(b, field.name),
                                          err_msg=f"{part}.{field.name}")


def test_new_stops_linked_as_from_scratch(demo: TransitNetwork) -> None:
    tt = demo.timetable
    rng = np.random.default_rng(7)
    # new stops near old ones (so old stops gain transfers), far away ones, and one off the map
    near = rng.integers(0, tt.n_stops, 25)
    lon = np.r_[tt.stop_lon[near] + rng.normal(0, 0.002, 25), tt.stop_lon.min() - 0.5]
    lat = np.r_[tt.stop_lat[near] + rng.normal(0, 0.002, 25), tt.stop_lat.min()]
    got = extend_stop_links(demo.streets, demo.links, lon, lat, index=demo.edge_index)
    expected = from_scratch(demo, np.r_[tt.stop_lon, lon], np.r_[tt.stop_lat, lat])
    assert_same_links(got, expected)
    n_old = tt.n_stops
    gained = np.diff(got.transfers.ptr)[:n_old] != np.diff(demo.links.transfers.ptr)
    assert gained.any()  # some old stops now reach a new one
    assert got.stops.node_a[-1] == -1  # the stop off the map is not linked


def test_no_new_stops_keeps_the_links(demo: TransitNetwork) -> None:
    none = np.zeros(0)
    assert extend_stop_links(demo.streets, demo.links, none, none) is demo.links


def test_a_scenario_of_the_baseline_feeds_is_the_baseline(demo: TransitNetwork) -> None:
    same = build_scenario_network(demo, demo.feeds)
    for field in dataclasses.fields(demo.timetable):
        a, b = getattr(same.timetable, field.name), getattr(demo.timetable, field.name)
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b, err_msg=field.name)
    assert same.links is demo.links
    assert same.digest != demo.digest  # its own key: "scenario of" the baseline
    assert timetable_digest(same.timetable) == timetable_digest(demo.timetable)


def test_digest_covers_the_timetable(demo: TransitNetwork) -> None:
    tt = demo.timetable
    later = dataclasses.replace(tt, departure_s=tt.departure_s + 1)
    assert timetable_digest(later) != timetable_digest(tt)
