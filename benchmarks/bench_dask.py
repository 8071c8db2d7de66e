"""Dask scaling benchmark: what one more worker buys, and threads inside a worker.

Run from the repository root (needs the ``dask`` extra and ../shared/data):

    pip install -e ".[dask]" && python benchmarks/bench_dask.py [--repeats 3] [--window-min 30]

Workloads, all-to-all, one departure a minute over ``--window-min`` minutes, median:

* ``poa``: Porto Alegre, the 1,227 hex centroids, 2019-05-13 from 14:00;
* ``rnv``: Rhein-Neckar (Mannheim/Heidelberg), 1,000 stops drawn with seed 0 as
  points, 2016-11-16 from 07:00 (a city-region network 2.5x POA's trips).

Configurations, each timed ``--repeats`` times after one warm-up run:

====================  ==============================================================
``1 proc x 1 thr``    one process, the engine on 1 thread (the per-core baseline)
``1 proc x N thr``    one process, the engine on every core
``1 worker x 1 thr``  LocalCluster, 1 worker process, engine on 1 thread
``1 worker x N thr``  LocalCluster, 1 worker process, engine on every core
``2 workers x 1 thr`` LocalCluster, 2 worker processes, engine on 1 thread each
====================  ==============================================================

Prints medians, the speed-up and scaling efficiency of 2 workers over 1
(``T1 / (2 T2)``), the CPU seconds of every process (on a machine shared with
other jobs these, not wall times, say what an idle machine would do), the
Dask overhead against one process, the time a fresh worker takes to load the
cached network, the RSS of each worker, the cache's size on disk, and the
engine's CPU cost per origin-departure on one core for 10, 30 and 120
departures (the unit the README's county and England estimates scale from).
The configurations take turns, so a change of load touches all alike; the
load average is printed too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _poa import POA_DATE, load_hex_centroids, poa_paths  # noqa: E402

from routes.cache import NetworkCache  # noqa: E402
from routes.config.study_area import load_study_area
from routes.engine.dask import DaskEngine, dask_client, load_worker_network
from routes.engine.raptor import compute_travel_time_array  # noqa: E402
from routes.engine.request import TravelTimeRequest  # noqa: E402
from routes.errors import RoutesWarning  # noqa: E402
from routes.inputs.points import Points
from routes.network.transit import build_network

RNV_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "rnv"


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _poa(folder: Path, window_min: int) -> tuple[Path, Points]:
    p = poa_paths()
    toml = folder / "poa.toml"
    toml.write_text(
        "[study_area]\nname = 'Porto Alegre'\n"
        f"gtfs = ['{p.eptc_zip}', '{p.trensurb_zip}']\nosm = '{p.osm_pbf}'\ndate = {POA_DATE}\n"
        f"[routing]\ndeparture_window = '14:00-{_clock(14 * 60 + window_min)}'\n",
        encoding="utf-8")
    h = load_hex_centroids()
    return toml, Points(h["id"].to_numpy(object), h["lon"].to_numpy(), h["lat"].to_numpy())


def _rnv(folder: Path, window_min: int) -> tuple[Path, Points]:
    toml = folder / "rnv.toml"
    toml.write_text(
        "[study_area]\nname = 'Rhein-Neckar'\n"
        f"gtfs = ['{RNV_DIR / 'rnv.zip'}']\nosm = '{RNV_DIR / 'rnv.osm.pbf'}'\n"
        "date = 2016-11-16\n"
        f"[routing]\ndeparture_window = '07:00-{_clock(7 * 60 + window_min)}'\n",
        encoding="utf-8")
    with zipfile.ZipFile(RNV_DIR / "rnv.zip") as z, z.open("stops.txt") as f:
        stops = pd.read_csv(f, dtype={"stop_id": str})
    pick = np.sort(np.random.default_rng(0).choice(len(stops), size=1000, replace=False))
    s = stops.iloc[pick]
    return toml, Points(s["stop_id"].to_numpy(object), s["stop_lon"].to_numpy(float),
                        s["stop_lat"].to_numpy(float))


def _cpu_s() -> float:
    """CPU seconds (user + system) of this process so far, all threads."""
    import psutil

    t = psutil.Process().cpu_times()
    return float(t.user + t.system)


def _measure(fn: Callable[[], Any], client: Any) -> tuple[float, list[float], Any]:
    """Wall seconds, CPU seconds of each process doing the work, and the result."""
    before = list(client.run(_cpu_s).values()) if client else [_cpu_s()]
    t0 = time.perf_counter()
    result = fn()
    wall = time.perf_counter() - t0
    after = list(client.run(_cpu_s).values()) if client else [_cpu_s()]
    return wall, [b - a for a, b in zip(before, after, strict=True)], result


def _worker_rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 1e6


def _timed_load(spec: Any) -> float:
    t0 = time.perf_counter()
    load_worker_network(spec)
    return time.perf_counter() - t0


def _bench(name: str, toml: Path, points: Points, repeats: int, cache_dir: Path,
           cost_windows: tuple[int, ...]) -> None:
    n_cores = os.cpu_count() or 1
    study = load_study_area(toml)
    cache = NetworkCache(cache_dir)
    t0 = time.perf_counter()
    network = build_network(study, cache=cache)
    build_s = time.perf_counter() - t0
    tt = network.timetable
    print(f"\n== {name}: {len(points):,} points all-to-all, {study.routing.window_min} departures; "
          f"{tt.n_trips:,} trips, {tt.n_stops:,} stops, {len(tt.arrival_s):,} stop events, "
          f"{len(network.streets.node_lon):,} street nodes (network built in {build_s:.1f} s)")
    cache_mb = sum(f.stat().st_size for f in cache_dir.rglob("*") if f.is_file()) / 1e6
    routing = study.routing

    request = TravelTimeRequest.from_routing(routing)

    def single(n_threads: int) -> Callable[[], Any]:
        return lambda: compute_travel_time_array(network, points, None, request,
                                                 n_threads=n_threads)

    with dask_client(workers=1) as one, dask_client(workers=2) as two:
        configs: list[tuple[str, Callable[[], Any], Any]] = [
            ("1 proc x 1 thr", single(1), None),
            (f"1 proc x {n_cores} thr", single(n_cores), None),
        ]
        load_s: list[float] = []
        for n_workers, client in ((1, one), (2, two)):
            spec = DaskEngine(client, study, network, cache=cache).spec
            load_s += list(client.run(_timed_load, spec).values())
            for threads in ((1, n_cores) if n_workers == 1 else (1,)):
                label = f"{n_workers} worker{'s' if n_workers > 1 else ''} x {threads} thr"
                engine = DaskEngine(client, study, network, cache=cache, n_threads=threads)
                configs.append((label, lambda e=engine: e.compute_travel_time_array(
                    points, None, request), client))
        # One warm-up each, then the configurations take turns, so that a change in the
        # machine's load during the run touches every configuration alike.
        first = {label: _measure(fn, client)[0] for label, fn, client in configs}
        walls: dict[str, list[float]] = {label: [] for label, _, _ in configs}
        cpus: dict[str, list[list[float]]] = {label: [] for label, _, _ in configs}
        ref = None
        for _ in range(repeats):
            for label, fn, client in configs:
                wall, cpu, result = _measure(fn, client)
                walls[label].append(wall)
                cpus[label].append(cpu)
                if ref is None:
                    ref = result
                elif not np.array_equal(result, ref, equal_nan=True):
                    raise SystemExit(f"{label}: results differ from the single process")
        rss = {"1 worker": list(one.run(_worker_rss_mb).values()),
               "2 workers": list(two.run(_worker_rss_mb).values())}
    rows = [(label, statistics.median(walls[label]), first[label],
             [statistics.median(c[i] for c in cpus[label]) for i in range(len(cpus[label][0]))])
            for label, _, _ in configs]
    width = max(len(r[0]) for r in rows)
    print(f"  {'configuration':<{width}}  {'median s':>9}  {'first run s':>11}  "
          "CPU s per process (median)")
    for label, med, first, cpu in rows:
        print(f"  {label:<{width}}  {med:9.2f}  {first:11.2f}  "
              + " + ".join(f"{c:.2f}" for c in cpu))
    t = {label: med for label, med, _, _ in rows}
    c = {label: cpu for label, _, _, cpu in rows}
    t1, t2 = t["1 worker x 1 thr"], t["2 workers x 1 thr"]
    print(f"  2 workers vs 1: speed-up {t1 / t2:.2f}x, scaling efficiency {t1 / (2 * t2):.0%}")
    c1, c2 = sum(c["1 worker x 1 thr"]), c["2 workers x 1 thr"]
    print(f"  CPU work: 1 worker {c1:.2f} s, 2 workers {sum(c2):.2f} s in all "
          f"(+{sum(c2) / c1 - 1:.0%} for the second shard's fixed work); on idle cores the "
          f"speed-up would be about {c1 / max(c2):.2f}x (1-worker CPU / busiest worker's CPU)")
    print(f"  threads in one worker: {t1 / t[f'1 worker x {n_cores} thr']:.2f}x with {n_cores}; "
          f"in one process: {t['1 proc x 1 thr'] / t[f'1 proc x {n_cores} thr']:.2f}x")
    print(f"  Dask overhead, 1 worker x 1 thr vs 1 proc x 1 thr: "
          f"{t1 / t['1 proc x 1 thr'] - 1:+.0%}; results identical in every configuration")
    for window in cost_windows:
        _, cpu, minutes = _measure(lambda w=window: compute_travel_time_array(
            network, points, None, TravelTimeRequest.from_routing(routing, window_min=w),
            n_threads=1), None)
        print(f"  engine cost on one core, {window:3d} departures: "
              f"{cpu[0] / (len(points) * window) * 1e3:.3f} ms CPU per origin-departure "
              f"({len(points):,} destinations, {np.isfinite(minutes).mean():.0%} of pairs reached)")
    print(f"  fresh worker loads the cached network in {statistics.median(load_s):.2f} s "
          f"(median of {len(load_s)}); cache on disk {cache_mb:.0f} MB")
    for label, values in rss.items():
        print(f"  worker RSS after the runs, {label}: "
              + ", ".join(f"{v:.0f} MB" for v in values))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--window-min", type=int, default=30)
    parser.add_argument("--data", choices=["poa", "rnv", "both"], default="both")
    parser.add_argument("--cost-windows", default="10,30,120",
                        help="departure windows (minutes) to measure the per-core cost at")
    args = parser.parse_args()
    warnings.simplefilter("ignore", RoutesWarning)
    windows = tuple(int(w) for w in args.cost_windows.split(",") if w.strip())
    print(f"cores: {os.cpu_count()}; load average before: "
          + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.data in ("poa", "both"):
            toml, points = _poa(folder, args.window_min)
            _bench("POA", toml, points, args.repeats, folder / "cache-poa", windows)
        if args.data in ("rnv", "both") and RNV_DIR.exists():
            toml, points = _rnv(folder, args.window_min)
            _bench("RNV", toml, points, args.repeats, folder / "cache-rnv", windows)
    print("load average after: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
