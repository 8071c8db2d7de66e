"""The transit network: stop links (R5's linking) and the cache key that guards them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from _study import write_study_area

from routes.cache import NetworkCache
from routes.config.study_area import load_study_area
from routes.network import transit as network_module
from routes.network.transit import STOP_LINK_RADIUS_M, build_network


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
