"""Tests for routes.render.bus_lines: the demo's bus routes as lines, checked against GTFS.

The expected line of each route is re-derived from the feed's text files with
pandas (the trip of the route with the most stop times, its stops in order).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from routes.config.study_area import load_study_area
from routes.network.transit import build_network
from routes.render.bus_lines import compute_route_lines


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from routes.demo.study_area import write_demo_study_area

    folder = tmp_path_factory.mktemp("demo")
    write_demo_study_area(folder)
    return folder


def _read(feed: Path, name: str) -> pd.DataFrame:
    with zipfile.ZipFile(feed) as z, z.open(name) as fh:
        return pd.read_csv(fh, dtype=str)


def test_route_lines_follow_the_longest_trip_of_each_route(demo: Path) -> None:
    network = build_network(load_study_area(demo / "routes.toml"))
    lines = compute_route_lines(network)
    feed = demo / "gtfs" / "demo_town.zip"
    trips, stop_times, stops = (_read(feed, f) for f in ("trips.txt", "stop_times.txt",
                                                        "stops.txt"))
    routes = _read(feed, "routes.txt")
    assert sorted(lines.index) == sorted(f"demo_town:{r}" for r in routes["route_id"])
    assert lines.crs.to_epsg() == 4326
    stop_times["stop_sequence"] = stop_times["stop_sequence"].astype(int)
    counts = stop_times.groupby("trip_id").size()
    coords = stops.set_index("stop_id")[["stop_lon", "stop_lat"]].astype(float)
    for route_id in routes["route_id"]:
        mine = trips.loc[trips["route_id"] == route_id, "trip_id"]
        most = int(counts[mine].max())
        got = list(lines.geometry[f"demo_town:{route_id}"].coords)
        assert len(got) == most
        # The line is one of the route's longest trips, stop by stop.
        candidates = []
        for trip in mine[counts[mine].to_numpy() == most]:
            seq = stop_times[stop_times["trip_id"] == trip].sort_values("stop_sequence")
            candidates.append([tuple(coords.loc[s]) for s in seq["stop_id"]])
        assert any(all(abs(a - c) < 1e-7 and abs(b - d) < 1e-7
                       for (a, b), (c, d) in zip(got, cand, strict=True))
                   for cand in candidates), route_id
