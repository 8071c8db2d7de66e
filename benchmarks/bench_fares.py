"""Fare-aware benchmark: the 60-minute window on Porto Alegre with a two-operator fare table.

Run from the repository root (``nice`` on a shared machine):

    python benchmarks/bench_fares.py [--repeats 5] [--horizon-min 45]

Workloads (1,227 hex centroids all-to-all, 2019-05-13, 14:00-14:59, median,
walk 1.4 m/s, <= 3 rides, <= 20 min walking at each end), taking turns in one
process so that a change in the machine's load touches all alike:

* **plain**: the built-in engine's window as configured by default (<= 120 min);
* **plain at the horizon**: the same, ``max_trip_min`` = the horizon (45 min);
* **fares**: the fare-aware window (``routes.engine.fare_raptor``), horizon 45
  min (every time up to 45 min exact), budgets R$4.80 (one bus) and R$9.60;
  the engine picks its method (ticket states here: the tickets last 60 min);
* **fares, label bags** (``--with-bags``): the same with the label-bag kernel,
  whose answers must be equal.

Fare table (r5r's Porto Alegre vignette, as in the fares brief section 5.3),
BRL centavos: EPTC (bus, group 0) 480, a second bus within 60 min +240 (one
counted change); TRENSURB (rail, group 1) 450, rail-rail changes free and not
counted; bus and rail integrated at 837 in total (bus -> rail +357, rail -> bus
+387), within 60 min. A pattern's operator is the feed of its route. Prints the
medians, the median of the paired ratios fares / plain, the CPU seconds and the
load average; and how many pairs each budget reaches within 45 min.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import os
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
from routes.config.study_area import load_study_area  # noqa: E402
from routes.engine.fare_raptor import compute_fare_travel_time_array  # noqa: E402
from routes.engine.raptor import compute_travel_time_array  # noqa: E402
from routes.engine.request import TravelTimeRequest  # noqa: E402
from routes.errors import RoutesWarning  # noqa: E402
from routes.fares.compiled import CompiledFares  # noqa: E402
from routes.inputs.points import Points  # noqa: E402
from routes.network.transit import build_network  # noqa: E402
from routes.timetable.timetable import Timetable  # noqa: E402

WALK_KMH = 1.4 * 3.6
DEPARTURE_S = 14 * 3600
BUDGETS = [480, 960]


def _study(folder: Path) -> Path:
    p = poa_paths()
    toml = folder / "routes.toml"
    toml.write_text(
        "[study_area]\n"
        'name = "Porto Alegre fares benchmark"\n'
        f'gtfs = ["{p.eptc_zip}", "{p.trensurb_zip}"]\n'
        f'osm = "{p.osm_pbf}"\n'
        f"date = {POA_DATE}\n"
        "[routing]\n"
        f"max_walk_min = 20\nwalk_speed_kmh = {WALK_KMH}\nmax_rides = 3\nmax_trip_min = 120\n",
        encoding="utf-8",
    )
    return toml


def poa_fares(tt: Timetable) -> CompiledFares:
    """EPTC bus (group 0) and TRENSURB rail (group 1), r5r's vignette rules."""
    feeds = np.array([str(r).split(":", 1)[0] for r in tt.route_ids[tt.pattern_route]])
    rail = np.char.find(np.char.lower(feeds.astype(str)), "trensurb") >= 0
    group = rail.astype(np.int16)
    price = np.where(rail, 450, 480).astype(np.int32)[:, None]
    return CompiledFares(
        pattern_group=group,
        pattern_price=price,
        regime_bounds_s=np.zeros(0, np.int32),
        transfer_price=np.array([[240, 357], [387, 0]], np.int32),
        transfer_counts=np.array([[True, True], [True, False]]),
        group_window_s=np.array([3600, 3600], np.int32),
        group_max_transfers=np.array([1, 1], np.int16),
        group_day_cap=np.array([-1, -1], np.int32),
        currency="BRL",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--horizon-min", type=float, default=45.0)
    parser.add_argument("--with-bags", action="store_true",
                        help="also time the label-bag kernel (about 8x the plain window)")
    args = parser.parse_args()
    warnings.simplefilter("ignore", RoutesWarning)
    print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    work = Path(tempfile.mkdtemp(prefix="bench-fares-"))
    study = load_study_area(_study(work))
    network = build_network(study, cache=NetworkCache(work / "cache"))
    tt = network.timetable
    fares = poa_fares(tt)
    n_rail = int((fares.pattern_group == 1).sum())
    print(f"POA: {tt.n_trips:,} trips, {tt.n_patterns:,} patterns ({n_rail} rail), "
          f"{network.streets.n_nodes:,} street nodes")
    hexes = load_hex_centroids()
    points = Points(hexes["id"].to_numpy(object), hexes["lon"].to_numpy(), hexes["lat"].to_numpy())
    routing = study.routing
    horizon = dataclasses.replace(routing, max_trip_min=args.horizon_min)

    def request(rt):  # type: ignore[no-untyped-def]
        return TravelTimeRequest.from_routing(rt, departure_s=DEPARTURE_S, window_min=60,
                                              percentiles=(50,))

    runs = {
        "plain": lambda: compute_travel_time_array(network, points, points, request(routing)),
        "plain at the horizon": lambda: compute_travel_time_array(network, points, points,
                                                                  request(horizon)),
        "fares": lambda: compute_fare_travel_time_array(network, points, points,
                                                        request(horizon), fares, BUDGETS),
    }
    if args.with_bags:
        runs["fares, label bags"] = lambda: compute_fare_travel_time_array(
            network, points, points, request(horizon), fares, BUDGETS, method="bags")
    # Compile and warm the memoised walks outside the timings.
    t0 = time.perf_counter()
    last = {name: fn() for name, fn in runs.items()}
    print(f"first calls (compilation, walks): {time.perf_counter() - t0:.1f} s")
    wall: dict[str, list[float]] = {name: [] for name in runs}
    cpu: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.repeats):
        for name, fn in runs.items():
            t0, c0 = time.perf_counter(), time.process_time()
            last[name] = fn()
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
    med = statistics.median
    print(f"\nmedians of {args.repeats} runs, 60-min window 14:00-14:59, 1,227 x 1,227 pairs:")
    for name in runs:
        print(f"  {name:<22} {med(wall[name]):7.2f} s wall  {med(cpu[name]):7.2f} s CPU   runs "
              f"{[f'{t:.2f}' for t in wall[name]]}")
    fare_runs = [name for name in runs if name.startswith("fares")]
    for fare_run, base in itertools.product(fare_runs, ("plain", "plain at the horizon")):
        ratios = [f / p for f, p in zip(wall[fare_run], wall[base], strict=True)]
        cpu_ratios = [f / p for f, p in zip(cpu[fare_run], cpu[base], strict=True)]
        print(f"  {fare_run} / {base:<22} paired ratio, median {med(ratios):.2f} "
              f"(runs {[f'{r:.2f}' for r in ratios]}); CPU {med(cpu_ratios):.2f}")
    print(f"  load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    cutoff = args.horizon_min
    plain = last["plain"][:, 0]
    off = ~np.eye(len(plain), dtype=bool)
    print(f"\npairs within {cutoff:.0f} min at the median: plain "
          f"{int((off & (plain <= cutoff)).sum()):,}")
    for b, budget in enumerate(BUDGETS):
        t = last["fares"][:, b, 0]
        print(f"  fare <= R${budget / 100:.2f}: {int((off & (t <= cutoff)).sum()):,}")
    at_horizon = np.nan_to_num(last["plain at the horizon"][:, 0], nan=np.inf)
    slowest = np.nan_to_num(last["fares"][:, -1, 0], nan=np.inf)
    print(f"  fare-limited never faster than plain: {bool(np.all(slowest >= at_horizon))}")
    if args.with_bags:
        same = np.array_equal(np.isnan(last["fares"]), np.isnan(last["fares, label bags"])) and \
            np.array_equal(np.nan_to_num(last["fares"]), np.nan_to_num(last["fares, label bags"]))
        print(f"  ticket states and label bags give the same times: {same}")


if __name__ == "__main__":
    main()
