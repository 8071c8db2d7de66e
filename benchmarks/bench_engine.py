"""Engine benchmark: our range-RAPTOR against ferrobus on Porto Alegre, in the same run.

Run from the repository root (ferrobus is a benchmark-only dependency):

    pip install ferrobus && python benchmarks/bench_engine.py [--repeats 3]
        [--like-for-like] [--conventions]

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

``--conventions`` also runs the engine as it was before it took R5's conventions (#17;
``_conventions.py``: no boarding slack, every transfer walk up to 10 min, every segment
linkable, only the largest walking component), taking turns with the default on every
workload, and prints both agreements with ferrobus and how far the two differ.
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

from _conventions import (  # noqa: E402
    describe_streets,
    network_with_streets,
    old_routing,
    old_streets,
)
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
    parser.add_argument("--conventions", action="store_true",
                        help="also run the engine as before R5's conventions (#17), taking turns")
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

    variants = {"after": (network, routing)}
    if args.conventions:
        t0 = time.perf_counter()
        streets = old_streets(study.osm_path)
        variants["before"] = (network_with_streets(network, streets, routing),
                              old_routing(routing))
        print(f"{describe_streets(network.streets, streets)}; built in "
              f"{time.perf_counter() - t0:.1f} s")

    def ours(window: int, pcts: tuple[int, ...], variant: str = "after"):
        net, rt = variants[variant]
        request = TravelTimeRequest.from_routing(rt, departure_s=DEPARTURE_S,
                                                 window_min=window, percentiles=pcts)
        return lambda: compute_travel_time_array(net, points, points, request)

    firsts = {v: ours(1, (50,), v)() for v in variants}  # compile the kernels outside timings
    ours_1400 = firsts["after"]
    timed: dict[tuple[str, int], list[float]] = {}
    last: dict[tuple[str, int], np.ndarray] = {}
    for _ in range(args.repeats):  # the variants take turns on every workload
        for window, pcts in ((60, (50,)), (120, (5, 25, 50, 75, 95))):
            for v in variants:
                t0, c0 = time.perf_counter(), time.process_time()
                last[v, window] = ours(window, pcts, v)()
                timed.setdefault((v, window), []).append(time.perf_counter() - t0)
                CPU_S.setdefault(f"{window}-min window ({v})", []).append(
                    time.process_time() - c0)
    w60_all, w120_all = timed["after", 60], timed["after", 120]
    window60, window120 = statistics.median(w60_all), statistics.median(w120_all)

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
    single_before: list[float] = []
    ferro_1400 = ferro_single()
    for _ in range(args.repeats):
        turns = [(ours(1, (50,)), single_all, "single"),
                 (ferro_single, f_single_all, "ferrobus single")]
        if "before" in variants:
            turns.insert(1, (ours(1, (50,), "before"), single_before, "single (before)"))
        for fn, times, name in turns:
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
    if "before" in variants:
        _print_conventions(timed, single_all, single_before, f_single_all, firsts, last,
                           ferro_1400)
    if args.like_for_like:
        from agreement_ferrobus import build_configs, run

        like = build_configs(work, steps=False)[0][-1]
        print("\nagreement at 14:00, like-for-like (our engine on ferrobus's street graph, "
              "snapping and transfer walks):")
        for key, value in _agreement(run(like), ferro_1400).items():
            print(f"  {key:<42} {value:,.4f}")


def _print_conventions(timed, single_after, single_before, f_single, firsts, last,
                       ferro_1400) -> None:
    """Before vs after R5's conventions: timings (taking turns), agreement, differences."""
    med = statistics.median
    print("\nbefore (no slack, all transfers <= 10 min, old streets) vs after (R5's conventions), "
          "same run, taking turns:")
    print(f"  single departure 14:00     before {med(single_before):6.2f}   after "
          f"{med(single_after):6.2f}   ferrobus {med(f_single):6.2f}   ratio after/ferrobus "
          f"{med(single_after) / med(f_single):.2f}, before/ferrobus "
          f"{med(single_before) / med(f_single):.2f}")
    for window, label in ((60, "60-min window, median"), (120, "120-min window, 5 pcts")):
        print(f"  {label:<26} before {med(timed['before', window]):6.2f}   after "
              f"{med(timed['after', window]):6.2f}   (runs before "
              f"{[f'{t:.2f}' for t in timed['before', window]]}, after "
              f"{[f'{t:.2f}' for t in timed['after', window]]})")
    for name, variant in (("before", "before"), ("after", "after")):
        print(f"\nagreement at 14:00 with ferrobus, {name}:")
        for key, value in _agreement(firsts[variant][:, 0, :], ferro_1400).items():
            print(f"  {key:<42} {value:,.4f}")
    for label, a, b in (("14:00", firsts["after"][:, 0, :], firsts["before"][:, 0, :]),
                        ("60-min window median", last["after", 60][:, 0, :],
                         last["before", 60][:, 0, :])):
        off = ~np.eye(len(a), dtype=bool)
        both = off & ~np.isnan(a) & ~np.isnan(b)
        d = (a - b)[both]
        print(f"\nafter - before, {label}: {int(both.sum()):,} pairs both reach, only before "
              f"{int((off & np.isnan(a) & ~np.isnan(b)).sum()):,}, only after "
              f"{int((off & ~np.isnan(a) & np.isnan(b)).sum()):,}; median {np.median(d):+.2f} "
              f"min, mean {d.mean():+.2f} min, |d| > 1 min {np.mean(np.abs(d) > 1):.1%}, "
              f"> 5 min {np.mean(np.abs(d) > 5):.1%}, slower {np.mean(d > 0):.1%}, faster "
              f"{np.mean(d < 0):.1%}")


if __name__ == "__main__":
    main()
