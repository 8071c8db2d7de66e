"""The fare engine's two methods, ticket states and label bags, on the same queries.

Run from the repository root (``nice`` on a shared machine):

    python benchmarks/bench_fare_methods.py [--repeats 2]

* **Porto Alegre, more budgets**: the fares benchmark's table (``bench_fares.py``),
  every 5th hex as origins to all 1,227, 14:00-14:59, horizon 45 min, with 2, 7 and
  12 budgets (as many as the fare of the fastest journey may ask), beside the plain
  window at 120 min: where ticket states stop paying (``_MAX_COPIES_PER_PATTERN``).
* **Newport** (19 operators, BODS), 511 output areas all-to-all, 08:00-08:59, horizon
  45 min, budgets £3 and £6: £3 singles; then changes within one operator free
  within 60 min.

Prints, per query and method, the median wall time of ``--repeats`` runs (after a
first call that compiles), the pattern copies per pattern each budget's ticket states
make, and whether both methods give the same times.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from _newport import write_newport_study  # noqa: E402
from _poa import load_hex_centroids  # noqa: E402
from bench_fares import DEPARTURE_S, _study, poa_fares  # noqa: E402

from routes.cache import NetworkCache  # noqa: E402
from routes.config.study_area import load_study_area  # noqa: E402
from routes.engine.fare_raptor import compute_fare_travel_time_array  # noqa: E402
from routes.engine.raptor import compute_travel_time_array  # noqa: E402
from routes.engine.request import TravelTimeRequest  # noqa: E402
from routes.errors import RoutesWarning  # noqa: E402
from routes.fares.compile import compile_study_fares  # noqa: E402
from routes.fares.compiled import CompiledFares  # noqa: E402
from routes.fares.ticket_states import ticket_states  # noqa: E402
from routes.inputs.points import Points  # noqa: E402
from routes.network.transit import TransitNetwork, build_network  # noqa: E402

NEWPORT = HERE.parent.parent / "shared" / "data" / "newport"
POA_LEVELS = [450, 480, 720, 837, 900, 930, 960, 1200, 1287, 1320, 1350, 1440]


def _timed(fn: Callable[[], np.ndarray], repeats: int) -> tuple[float, np.ndarray]:
    fn()  # compile, warm the memoised walks
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    assert out is not None
    return statistics.median(times), out


def _copies(fares: CompiledFares, budgets: list[int], max_rides: int) -> str:
    """Pattern copies per pattern of each budget's ticket states ("-": too many states)."""
    states = [ticket_states(fares, b, 0, max_rides) for b in budgets]
    return " + ".join("-" if st is None else f"{st.n_pattern_copies / len(fares.pattern_group):.1f}"
                      for st in states)


def _compare(label: str, network: TransitNetwork, origins: Points, dests: Points,
             request: TravelTimeRequest, fares: CompiledFares, budgets: list[int],
             repeats: int) -> None:
    runs = {method: _timed(lambda m=method: compute_fare_travel_time_array(  # type: ignore[misc]
        network, origins, dests, request, fares, budgets, method=m), repeats)
        for method in ("states", "bags")}
    same = np.array_equal(np.nan_to_num(runs["states"][1], nan=-1),
                          np.nan_to_num(runs["bags"][1], nan=-1))
    copies = _copies(fares, budgets, request.routing.max_rides)
    print(f"  {label}: states {runs['states'][0]:.2f} s, bags {runs['bags'][0]:.2f} s; "
          f"copies per pattern {copies}; same times: {same}", flush=True)


def porto_alegre(repeats: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-fare-methods-"))
    study = load_study_area(_study(work))
    network = build_network(study, cache=NetworkCache(work / "cache"))
    fares = poa_fares(network.timetable)
    hexes = load_hex_centroids()
    dests = Points(hexes["id"].to_numpy(object), hexes["lon"].to_numpy(), hexes["lat"].to_numpy())
    origins = Points(dests.ids[::5], dests.lon[::5], dests.lat[::5])
    horizon = dataclasses.replace(study.routing, max_trip_min=45)
    request = TravelTimeRequest.from_routing(horizon, departure_s=DEPARTURE_S, window_min=60,
                                             percentiles=(50,))
    plain_request = TravelTimeRequest.from_routing(study.routing, departure_s=DEPARTURE_S,
                                                   window_min=60, percentiles=(50,))
    plain, _ = _timed(lambda: compute_travel_time_array(network, origins, dests, plain_request),
                      repeats)
    print(f"Porto Alegre, {len(origins.ids):,} x {len(dests.ids):,}; plain window (120 min) "
          f"{plain:.2f} s")
    for n in (2, 7, 12):
        budgets = [480, 960] if n == 2 else POA_LEVELS[:n]
        _compare(f"{n} budgets", network, origins, dests, request, fares, budgets, repeats)


def newport(repeats: int) -> None:
    if not NEWPORT.is_dir():
        print(f"Newport skipped: {NEWPORT} not found")
        return
    work = Path(tempfile.mkdtemp(prefix="bench-fare-methods-"))
    toml = write_newport_study(work, NEWPORT.resolve(), window="08:00-09:00")
    base = toml.read_text(encoding="utf-8")
    zones = pd.read_csv(work / "zones.csv")
    points = Points(zones["id"].to_numpy(object), zones["lon"].to_numpy(),
                    zones["lat"].to_numpy())
    tables = {"£3 singles": "single = 3.00\n",
              "same operator free within 60 min": "single = 3.00\ntransfer_window_min = 60\n"
                                                  "max_transfers = 'unlimited'\n"}
    print(f"Newport, {len(points.ids)} x {len(points.ids)}, budgets £3 and £6")
    for label, table in tables.items():
        toml.write_text(base + "\n[fares]\n" + table, encoding="utf-8")
        study = load_study_area(toml)
        network = build_network(study, cache=NetworkCache(work / "cache"))
        fares = compile_study_fares(study, network.timetable)
        horizon = dataclasses.replace(study.routing, max_trip_min=45)
        request = TravelTimeRequest.from_routing(horizon, departure_s=8 * 3600, window_min=60,
                                                 percentiles=(50,))
        _compare(f"{label} ({fares.n_groups} groups)", network, points, points, request, fares,
                 [300, 600], repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    warnings.simplefilter("ignore", RoutesWarning)
    porto_alegre(args.repeats)
    newport(args.repeats)


if __name__ == "__main__":
    main()
