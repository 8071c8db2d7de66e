"""The transit network: stop links (R5's linking), the cache key that guards them, transfers."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from _study import write_study_area
from _tiny_networks import timetable_from_trips

from routes.cache import NetworkCache
from routes.config.study_area import RoutingParams, load_study_area
from routes.network import transit as network_module
from routes.network.transit import (
    STOP_LINK_RADIUS_M,
    build_network,
    closest_stops_on_patterns,
    transfer_search_m,
)
from routes.streets.walking import WalkLegs


@pytest.fixture
def study(tmp_path: Path):
    return load_study_area(write_study_area(tmp_path / "study"))


def test_stops_are_linked_to_segments_with_the_link_walked(study, tmp_path: Path) -> None:
    network = build_network(study, cache=NetworkCache(tmp_path / "cache"))
    stops = network.links.stops
    assert network.links.link_radius_m == STOP_LINK_RADIUS_M == 1_600.0
    assert stops.snapped.all()
    # D is 10 m off the street (tests/_study.py): its link is walked. (It measures
    # 10.01 m: the UTM scale here and the XML's 7 decimals.)
    np.testing.assert_allclose(stops.offstreet_m.max(), 10.0, rtol=2e-3)
    assert network.edge_index is not None
    assert network.edge_index.n_edges == network.streets.n_edges


def test_cached_links_load_unchanged(study, tmp_path: Path) -> None:
    cache = NetworkCache(tmp_path / "cache")
    cold = build_network(study, cache=cache)
    warm = build_network(study, cache=cache)
    assert warm.digest == cold.digest
    for name in ("node_a", "node_b", "along_a_m", "along_b_m", "segment", "offstreet_m"):
        np.testing.assert_array_equal(getattr(warm.links.stops, name),
                                      getattr(cold.links.stops, name), err_msg=name)
    np.testing.assert_array_equal(warm.links.transfers.distance_m,
                                  cold.links.transfers.distance_m)


def test_another_linking_scheme_is_another_cache_entry(study, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # The package version does not change with the linking scheme, so the scheme is
    # part of the key: links built by another scheme (nearest node) are never loaded.
    cache = NetworkCache(tmp_path / "cache")
    ours = build_network(study, cache=cache).digest
    monkeypatch.setattr(network_module, "LINKING_SCHEME", "nearest-node")
    other = build_network(study, cache=cache).digest
    assert other != ours
    links = sorted(p.name for p in (tmp_path / "cache").iterdir() if p.name.startswith("links-"))
    assert len(links) == 2


# --------------------------------------------------------------------------- transfers (R5)


def _legs(rows: dict[int, list[tuple[int, float]]], n_stops: int) -> WalkLegs:
    ptr = np.cumsum([0] + [len(rows.get(s, [])) for s in range(n_stops)])
    target = [t for s in range(n_stops) for t, _ in rows.get(s, [])]
    dist = [d for s in range(n_stops) for _, d in rows.get(s, [])]
    return WalkLegs(ptr.astype(np.int64), np.array(target, np.int32), np.array(dist))


def _as_dict(legs: WalkLegs) -> dict[int, list[int]]:
    return {s: legs.target[legs.ptr[s]:legs.ptr[s + 1]].tolist() for s in range(len(legs.ptr) - 1)
            if legs.ptr[s + 1] > legs.ptr[s]}


def test_closest_stop_per_pattern() -> None:
    """From stop 0: stop 1 (300 m) and stop 2 (400 m) are on pattern P (1 -> 2 -> 3), so
    only 1 is kept; stop 4 (400 m) is on P at its last stop only (nobody boards there)
    and on Q (4 -> 5): kept for Q; stop 6 (200 m) is served by no pattern: dropped;
    stop 7 (350 m) is on R (7 -> 1) where 1, nearer, is its last stop: 7 kept. Stop 5
    (500 m) ties with stop 8 (500 m) on S (8 -> 5 -> 9): the lower index, 5, is kept."""
    h7 = 7 * 3600
    tt = timetable_from_trips([
        ("P", [(1, h7, h7), (2, h7 + 60, h7 + 60), (4, h7 + 120, h7 + 120)]),
        ("Q", [(4, h7, h7), (5, h7 + 60, h7 + 60)]),
        ("R", [(7, h7, h7), (1, h7 + 60, h7 + 60)]),
        ("S", [(8, h7, h7), (5, h7 + 60, h7 + 60), (9, h7 + 90, h7 + 90)]),
    ], n_stops=10)
    legs = _legs({0: [(6, 200.0), (1, 300.0), (7, 350.0), (2, 400.0), (4, 400.0), (5, 500.0),
                      (8, 500.0)],
                  2: [(1, 100.0)]}, n_stops=10)
    kept = closest_stops_on_patterns(legs, tt)
    assert _as_dict(kept) == {0: [1, 7, 4, 5], 2: [1]}
    np.testing.assert_array_equal(kept.distance_m, [300.0, 350.0, 400.0, 500.0, 100.0])
    # pickup_type 1 at stop 1 on P: P is boarded nearest at 2 now.
    pickup = np.zeros(len(tt.pattern_stops), np.uint8)
    pickup[tt.pattern_stop_ptr[0]] = 1
    no_pickup = dataclasses.replace(tt, pattern_pickup_type=pickup)
    assert _as_dict(closest_stops_on_patterns(legs, no_pickup))[0] == [7, 2, 4, 5]


@pytest.mark.parametrize(("routing", "expected_m"), [
    (RoutingParams(), 1000.0),  # 15 min at 4.8 km/h is 1,200 m: R5's 1,000 m binds
    (RoutingParams(max_walk_min=10), (600 + 0.5) * 4.8 / 3.6),  # 800.7 m (+0.5 s: rounding)
    (RoutingParams(max_transfer_walk_min=20), (1200 + 0.5) * 4.8 / 3.6),  # 1,600.7 m, no cap
])
def test_transfer_search_radius(routing: RoutingParams, expected_m: float) -> None:
    assert transfer_search_m(routing) == pytest.approx(expected_m)
    if routing.max_transfer_walk_min is None:
        assert (routing.max_transfer_m, routing.max_transfer_s) == (1000.0,
                                                                    routing.max_walk_min * 60)


def test_each_feed_is_read_once_and_cached_on_its_own(tmp_path: Path) -> None:
    """Two feeds: changing one re-reads that one only, and the timetable follows."""
    from _feeds import stop_times, write_feed
    from _study import routes_toml, study_feed_tables

    folder = tmp_path / "study"
    toml = write_study_area(folder)
    tables = study_feed_tables()
    write_feed(folder / "other.zip", **tables)
    toml.write_text(routes_toml(gtfs="feed.zip").replace("gtfs = ['feed.zip']",
                                                          "gtfs = ['feed.zip', 'other.zip']"),
                    encoding="utf-8")
    study = load_study_area(toml)
    read: list[str] = []
    real = network_module.load_feed_trips

    def counting(path: Path, *args: object, **kwargs: object) -> object:
        read.append(Path(path).name)
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    cache = NetworkCache(tmp_path / "cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(network_module, "load_feed_trips", counting)
        first = build_network(study, cache=cache)
        assert sorted(read) == ["feed.zip", "other.zip"]
        assert build_network(study, cache=cache).digest == first.digest
        assert sorted(read) == ["feed.zip", "other.zip"]  # both from the cache
        later = stop_times("T1", [("08:00:00", "08:00:00"), None, None,
                                  ("08:13:00", "08:13:00")])
        write_feed(folder / "other.zip", **dict(tables, stop_times=later))
        second = build_network(study, cache=cache)
    assert sorted(read) == ["feed.zip", "other.zip", "other.zip"]  # only the changed feed
    assert second.digest != first.digest
    assert first.timetable.feed_names == ("feed", "other")
    assert int(second.timetable.arrival_s.max()) == int(first.timetable.arrival_s.max()) + 60
    assert [f.name for f in second.feeds] == ["feed", "other"]
