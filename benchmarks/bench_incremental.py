"""Incremental scenarios on Porto Alegre: a new proposal with the baseline cached, and equality.

Run from the repository root:

    python benchmarks/bench_incremental.py [--repeats 3] [--cache DIR]

The study area is the one the tests evaluate (``tests/_evaluate_fixtures.py``
``POA_TOML``: 1,227 hex zones to themselves, the hexes' jobs and the points of
interest, 14:00-15:00). For each proposal of ``tests/data/proposals``:

1. the scenario's zone travel times routed for every origin, and incrementally
   (:mod:`routes.engine.incremental`): seconds, origins routed, and whether the
   two arrays are equal (they must be, bit for bit);
2. ``evaluate_proposal`` end to end with the baseline cached (scenario network,
   travel times, metrics, scorecard, map isochrones), with every origin routed
   ("full") and incrementally, the two taking turns; each run in an empty cache
   for the scenario's travel times.

Also the N-proposal cost of ``evaluate_proposals`` (what ``compare`` runs):
baseline once (from the cache) plus each proposal. Prints the machine's load.

``--evaluate-only`` skips 1 and the full runs of 2 and prints, per proposal,
the end-to-end ``evaluate_proposal`` with the baseline cached (the study
loaded, the baseline's travel times read from the cache and its metrics
computed once, as ``compare`` does; the scenario's travel times not cached):
median wall seconds of ``--repeats`` runs, the CPU seconds of the process
(every thread) and the load average; then the same run under cProfile, split
into routing, metrics, interaction, isochrones, the rest. Runs the code on
``sys.path``, so ``PYTHONPATH=<other checkout>`` measures another version
with the same script.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import os
import pstats
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from _evaluate_fixtures import POA_TOML  # noqa: E402

from routes.access.zone_access import compute_zone_travel_times  # noqa: E402
from routes.cache import NetworkCache  # noqa: E402
from routes.engine.base import BuiltinEngine, GtfsWriter  # noqa: E402
from routes.engine.incremental import affected_origins  # noqa: E402
from routes.engine.request import TravelTimeRequest  # noqa: E402
from routes.errors import RoutesWarning  # noqa: E402
from routes.evaluation.evaluate import evaluate_proposal, evaluate_proposals  # noqa: E402
from routes.evaluation.scenario import build_scenario  # noqa: E402
from routes.evaluation.study import (  # noqa: E402
    Baseline,
    Study,
    compute_baseline,
    load_proposals,
    load_study,
)
from routes.network.transit import TransitNetwork  # noqa: E402
from routes.proposal.model import Proposal  # noqa: E402

POA = REPO.parent / "shared" / "data" / "poa"
PROPOSALS = sorted((REPO / "tests" / "data" / "proposals").glob("poa_*.geojson"))


class FullEngine(BuiltinEngine):
    """The built-in engine whose scenarios route every origin (the code before #16)."""

    def for_scenario(self, network: TransitNetwork, gtfs: GtfsWriter) -> BuiltinEngine:
        return BuiltinEngine(network, n_threads=self.n_threads)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=None,
                        help="network cache folder (default: a new temporary one)")
    parser.add_argument("--evaluate-only", action="store_true",
                        help="only the end-to-end evaluate_proposal, baseline cached, and its "
                             "profile")
    parser.add_argument("--proposal", action="append", default=None,
                        help="only these proposals (names of tests/data/proposals/*.geojson)")
    args = parser.parse_args()
    warnings.simplefilter("ignore", RoutesWarning)
    work = Path(tempfile.mkdtemp(prefix="bench-incremental-"))
    toml = work / "routes.toml"
    toml.write_text(POA_TOML.format(poa=POA.as_posix()), encoding="utf-8")
    cache = NetworkCache(args.cache or work / "cache")
    print(f"load average at start: {_load()}")
    t0 = time.perf_counter()
    study = load_study(toml, cache=cache)
    print(f"load_study: {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    baseline = compute_baseline(study)
    print(f"baseline (computed or read from the cache): {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    baseline = compute_baseline(study)
    print(f"baseline from the cache: {time.perf_counter() - t0:.2f} s")
    area = study.area
    paths = [p for p in PROPOSALS if args.proposal is None or p.stem in args.proposal]
    proposals = [p for p, _ in load_proposals(paths)]
    if args.evaluate_only:
        for proposal in proposals:
            _end_to_end(study, baseline, proposal, work, args.repeats)
        print(f"load average at the end: {_load()}")
        return
    off = NetworkCache(enabled=False)
    for proposal in proposals:
        scenario = build_scenario(area, study.network, proposal)
        request = TravelTimeRequest.from_routing(area.routing,
                                                 percentiles=area.routing.percentiles[:1])
        affected = affected_origins(study.network, scenario.network, study.zones.points, request)
        t0 = time.perf_counter()
        full = compute_zone_travel_times(area, scenario.network, study.zones, study.layers,
                                         cache=off, engine=BuiltinEngine(scenario.network))
        t_full = time.perf_counter() - t0
        t0 = time.perf_counter()
        incremental = compute_zone_travel_times(
            area, scenario.network, study.zones, study.layers, cache=off,
            engine=BuiltinEngine(scenario.network, baseline=study.network),
            baseline=baseline.access.travel_times)
        t_inc = time.perf_counter() - t0
        same = np.array_equal(full.minutes, incremental.minutes, equal_nan=True)
        changed = ~np.all((full.minutes == baseline.access.travel_times.minutes)
                          | (np.isnan(full.minutes)
                             & np.isnan(baseline.access.travel_times.minutes)), axis=1)
        print(f"\n{proposal.name}: {int(affected.sum()):,} of {len(affected):,} origins affected "
              f"({int(changed.sum()):,} rows actually change); travel times full {t_full:.2f} s, "
              f"incremental {t_inc:.2f} s; equal: {same}")
        if not same:
            sys.exit("incremental travel times differ from the full recompute")
        runs: dict[str, list[float]] = {"full": [], "incremental": []}
        for _ in range(args.repeats):
            for name, engine in (("full", FullEngine(study.network)),
                                 ("incremental", BuiltinEngine(study.network))):
                fresh = dataclasses.replace(
                    study, cache=NetworkCache(Path(tempfile.mkdtemp(dir=work))))
                t0 = time.perf_counter()
                evaluate_proposal(fresh, proposal, baseline=baseline, engine=engine)
                runs[name].append(time.perf_counter() - t0)
        print(f"  evaluate_proposal, baseline cached: full {statistics.median(runs['full']):.2f} s "
              f"{[round(x, 2) for x in runs['full']]}, incremental "
              f"{statistics.median(runs['incremental']):.2f} s "
              f"{[round(x, 2) for x in runs['incremental']]} (load {_load()})")
    # evaluate_proposals (what compare runs): the baseline from the study's cache, then N deltas
    # (the scenarios' travel times are not in that cache: the runs above used other folders).
    t0 = time.perf_counter()
    evaluate_proposals(study, PROPOSALS)
    print(f"\nevaluate_proposals of {len(PROPOSALS)} proposals, baseline cached: "
          f"{time.perf_counter() - t0:.2f} s")
    print(f"load average at the end: {_load()}")


_PARTS = (  # (part, function whose cumulative time it is), first match wins
    ("routing (scenario travel times)", "compute_zone_travel_times"),
    ("isochrones", "compute_map_isochrones"),
    ("interaction metrics", "compute_interaction_change"),
    ("metrics (scenario, per zone)", "compute_access"),
    ("scenario network", "build_scenario"),
    ("scoring", "score_proposal"),
    ("zone changes", "compute_zone_changes"),
)


def _end_to_end(study: Study, baseline: Baseline, proposal: Proposal, work: Path,
                repeats: int) -> None:
    """Median wall and CPU seconds of evaluate_proposal, baseline cached; then a profile."""
    walls, cpus = [], []
    for _ in range(repeats):
        fresh = dataclasses.replace(study, cache=NetworkCache(Path(tempfile.mkdtemp(dir=work))))
        c0, t0 = time.process_time(), time.perf_counter()
        evaluate_proposal(fresh, proposal, baseline=baseline)
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    print(f"\n{proposal.name}: evaluate_proposal end to end, baseline cached: median "
          f"{statistics.median(walls):.2f} s wall {[round(x, 1) for x in walls]}, "
          f"{statistics.median(cpus):.2f} CPU s {[round(x, 1) for x in cpus]} (load {_load()})")
    fresh = dataclasses.replace(study, cache=NetworkCache(Path(tempfile.mkdtemp(dir=work))))
    profile = cProfile.Profile()
    t0 = time.perf_counter()
    profile.runcall(evaluate_proposal, fresh, proposal, baseline=baseline)
    total = time.perf_counter() - t0
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    cumulative: dict[str, float] = {}
    for (_, _, name), (_, _, _, cum, _) in stats.items():
        cumulative[name] = max(cumulative.get(name, 0.0), cum)
    print(f"  profile (wall, main thread's view; {total:.2f} s in all):")
    seen = 0.0
    for part, function in _PARTS:
        spent = cumulative.get(function, 0.0)
        if function == "compute_access":  # less the routing inside it
            spent -= cumulative.get("compute_zone_travel_times", 0.0)
        seen += spent
        print(f"    {part}: {spent:.2f} s")
    print(f"    the rest: {total - seen:.2f} s")


if __name__ == "__main__":
    main()
