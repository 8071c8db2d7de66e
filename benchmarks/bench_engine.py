"""Engine benchmark: our range-RAPTOR against ferrobus on Porto Alegre, in the same run.

Run from the repository root (ferrobus is a benchmark-only dependency):

    pip install ferrobus && python benchmarks/bench_engine.py [--repeats 3]
        [--like-for-like]

Workloads (1,227 hex centroids all-to-all, 2019-05-13, walk 1.4 m/s, <= 3 rides,
<= 120 min, <= 20 min walking at each end):

1. single departure at 14:00 (ours vs ferrobus, same run, the two taking turns);
2. 60 per-minute departures 14:00-14:59, median (ours vs 60 ferrobus calls);
3. 120 per-minute departures 14:00-15:59, percentiles 5/25/50/75/95 (ours only).

Prints medians, the ratio to ferrobus, agreement of the 14:00 results (our default
model; with ``--like-for-like`` also our engine on ferrobus's walking inputs, see
``agreement_ferrobus.py`` and README.md), and the peak memory (RSS) of this process.
Numbers depend on the machine and its load; compare the ratio within one run rather
than against remembered numbers.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _poa import POA_DATE, load_hex_centroids, poa_paths  # noqa: E402

from routes.cache import NetworkCache  # noqa: E402
from routes.config.study_area import load_study_area
from routes.engine.raptor import compute_travel_time_array  # noqa: E402
from routes.engine.request import TravelTimeRequest  # noqa: E402
from routes.errors import RoutesWarning  # noqa: E402
from routes.inputs.points import Points
from routes.network.transit import build_network

WALK_KMH = 1.4 * 3.6
DEPARTURE_S = 14 * 3600


def _study(folder: Path) -> Path:
    p = poa_paths()
    toml = folder / "routes.toml"
    toml.write_text(
        "[study_area]\n"
        f'name = "Porto Alegre benchmark"\n'
        f'gtfs = ["{p.eptc_zip}", "{p.trensurb_zip}"]\n'
        f'osm = "{p.osm_pbf}"\n'
        f"date = {POA_DATE}\n"
        "[routing]\n"
        f"max_walk_min = 20\nwalk_speed_kmh = {WALK_KMH}\nmax_rides = 3\nmax_trip_min = 120\n",
        encoding="utf-8",
    )
    return toml


CPU_S: dict[str, list[float]] = {}
"""CPU seconds of this process per workload (steadier than wall time on a shared machine)."""


def _median_time(fn, repeats: int, name: str = "") -> tuple[float, list[float], object]:
    times, result = [], None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - t0)
        CPU_S.setdefault(name, []).append(time.process_time() - c0)
    return statistics.median(times), times, result


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _agreement(ours_min: np.ndarray, ferro_s: np.ndarray) -> dict[str, float]:
    """Compare ours (minutes) with ferrobus (seconds) on the pairs either side reaches.

    Differences are taken in whole seconds (ours are whole seconds too), so "no slower
    than ferrobus + 1 min" means at most 60 s slower. A pair only ferrobus reaches counts
    as slower; shares are of the off-diagonal pairs ferrobus reaches.
    """
    n = len(ours_min)
    off_diag = ~np.eye(n, dtype=bool)
    ours_s = np.rint(ours_min * 60.0)
    both = off_diag & ~np.isnan(ferro_s) & ~np.isnan(ours_s)
    ferro_only = off_diag & ~np.isnan(ferro_s) & np.isnan(ours_s)
    diff = ours_s[both] - ferro_s[both]
    judged = both.sum() + ferro_only.sum()
    return {
        "pairs ferrobus reaches": float(judged),
        "share no slower than ferrobus + 1 min": float((diff <= 60).sum() / judged),
        "share faster than ferrobus by > 1 min": float((diff < -60).sum() / judged),
        "pairs only ferrobus reaches": float(ferro_only.sum()),
        "pairs only ours reaches": float((off_diag & np.isnan(ferro_s) & ~np.isnan(ours_s)).sum()),
        "median |difference| (min)": float(np.median(np.abs(diff)) / 60),
        "median difference ours - ferrobus (min)": float(np.median(diff) / 60),
        "p99 difference (min)": float(np.percentile(diff, 99) / 60),
        "max difference (min)": float(diff.max() / 60),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-window-peer", action="store_true",
                        help="do not time 60 ferrobus calls (about 40 s)")
    parser.add_argument("--like-for-like", action="store_true",
                        help="also compare at 14:00 with our engine on ferrobus's walking "
                             "inputs (see agreement_ferrobus.py)")
    args = parser.parse_args()
    warnings.simplefilter("ignore", RoutesWarning)
    print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    work = Path(tempfile.mkdtemp(prefix="bench-engine-"))
    study = load_study_area(_study(work))
    cache = NetworkCache(work / "cache")
    t0 = time.perf_counter()
    network = build_network(study, cache=cache)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    network = build_network(study, cache=cache)
    warm = time.perf_counter() - t0
    hexes = load_hex_centroids()
    points = Points(hexes["id"].to_numpy(object), hexes["lon"].to_numpy(), hexes["lat"].to_numpy())
    routing = study.routing
    print(f"POA network: build {cold:.2f} s cold, {warm:.2f} s from cache; "
          f"{network.timetable.n_trips:,} trips, {network.streets.n_nodes:,} street nodes")

    def ours(window: int, pcts: tuple[int, ...]):
        request = TravelTimeRequest.from_routing(routing, departure_s=DEPARTURE_S,
                                                 window_min=window, percentiles=pcts)
        return lambda: compute_travel_time_array(network, points, points, request)

    ours_1400 = ours(1, (50,))()  # compile the kernels outside the timings
    window60, w60_all, _ = _median_time(ours(60, (50,)), args.repeats, "60-min window")
    window120, w120_all, _ = _median_time(ours(120, (5, 25, 50, 75, 95)), args.repeats,
                                          "120-min window")

    ours_rss_mb = _peak_rss_mb()  # before ferrobus is loaded
    import ferrobus  # noqa: F401  (benchmark-only dependency)
    from _ferrobus_peer import (
        build_model,
        ferrobus_matrix,
        ferrobus_range_matrix,
        make_points,
        prepare_gtfs_for_ferrobus,
    )

    p = poa_paths()
    dirs = [prepare_gtfs_for_ferrobus(z, work / "ferrobus_gtfs") for z in p.gtfs_zips]
    model = build_model(p.osm_pbf, dirs)
    fpts = make_points(model, points.lon, points.lat, max_walk_s=1200, max_nearest_stops=10)

    def ferro_single():
        return ferrobus_matrix(model, None, None, DEPARTURE_S, 3, points=fpts, max_trip_s=7200)

    # The single departures of both engines take turns, so that a change in the
    # machine's load touches both alike (the ratio is the figure to read).
    single_all, f_single_all = [], []
    ferro_1400 = ferro_single()
    for _ in range(args.repeats):
        for fn, times, name in ((ours(1, (50,)), single_all, "single"),
                                (ferro_single, f_single_all, "ferrobus single")):
            t0, c0 = time.perf_counter(), time.process_time()
            fn()
            times.append(time.perf_counter() - t0)
            CPU_S.setdefault(name, []).append(time.process_time() - c0)
    single, f_single = statistics.median(single_all), statistics.median(f_single_all)
    ratios = [a / b for a, b in zip(single_all, f_single_all, strict=True)]
    f_window = float("nan")
    if not args.skip_window_peer:
        t0 = time.perf_counter()
        ferrobus_range_matrix(model, None, None, DEPARTURE_S, 3, points=fpts, max_trip_s=7200)
        f_window = time.perf_counter() - t0

    print(f"\nmedians of {args.repeats} runs (seconds), 1,227 x 1,227 pairs, this machine:")
    print(f"  single departure 14:00     ours {single:6.2f}   ferrobus {f_single:6.2f}   "
          f"ratio ours/ferrobus {single / f_single:.2f} (median of the paired ratios "
          f"{statistics.median(ratios):.2f}, taking turns)")
    print(f"  60-min window, median      ours {window60:6.2f}   ferrobus {f_window:6.2f} "
          f"(60 calls, once)   ratio {window60 / f_window:.2f}")
    print(f"  120-min window, 5 pcts     ours {window120:6.2f}")
    print(f"  all runs: single {[f'{t:.2f}' for t in single_all]}, "
          f"60 {[f'{t:.2f}' for t in w60_all]}, 120 {[f'{t:.2f}' for t in w120_all]}, "
          f"ferrobus single {[f'{t:.2f}' for t in f_single_all]}")
    print("  CPU seconds of this process, medians: " + ", ".join(
        f"{name} {statistics.median(v):.2f}" for name, v in CPU_S.items()))
    print(f"  load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"  peak RSS after our runs: {ours_rss_mb:.0f} MB; with ferrobus loaded too: "
          f"{_peak_rss_mb():.0f} MB")
    print("\nagreement at 14:00, our default model (ours with every stop within 20 min at "
          "both ends; ferrobus with its single nearest origin stop; see agreement_ferrobus.py "
          "for why they differ):")
    for key, value in _agreement(ours_1400[:, 0, :], ferro_1400).items():
        print(f"  {key:<42} {value:,.4f}")
    if args.like_for_like:
        from agreement_ferrobus import build_configs, run

        like = build_configs(work, steps=False)[0][-1]
        print("\nagreement at 14:00, like-for-like (our engine on ferrobus's street graph, "
              "snapping and transfer walks):")
        for key, value in _agreement(run(like), ferro_1400).items():
            print(f"  {key:<42} {value:,.4f}")


if __name__ == "__main__":
    main()
