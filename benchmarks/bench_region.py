"""Measure routes at regional scale on the synthetic region of gen_region.py, through the CLI.

    python benchmarks/gen_region.py /tmp/region [--scale 1]
    python benchmarks/bench_region.py /tmp/region [--repeats 3] [--profile DIR] [--only STAGES]

Every measurement is one ``routes ...`` subprocess (the commands, not the library,
so the script survives changes inside ``routes/``); its wall time, CPU time
(user + system, from ``os.wait4``) and peak RSS (``ru_maxrss`` of that child) are
recorded, and its ``-v`` log lines are timestamped against an RSS sampled every
0.1 s from ``/proc``, so that the peak can be put on a step. Stages:

``base``      a 3 x 3 street grid and a 2-stop feed: what every run pays (imports,
              compiled kernels), subtracted from nothing, shown for reference
``ingest``    the region's GTFS with the tiny street grid (cold cache): the
              timetable load (read, calendar, feed doctor, patterns)
``streets``   the region's OSM with the 2-stop feed (cold cache): the street network
``network``   both (cold cache): streets, timetable, stop links and transfer walks,
              then ``network (cached)`` the same run again from the cache
``matrix``    ``routes matrix``, 1,000 zones (seed 0) to the 4,000 workplaces, 60
              departures a minute apart from 07:00 (warm cache)
``evaluate``  ``routes evaluate`` of crosstown_1 (fills the baseline cache, reported
              as ``evaluate (first)``), then of crosstown_2, _3, ... (each a new
              proposal with the baseline cached): the goal's figure

The cold stages repeat ``--repeats`` times (a fresh cache each) and report the
median; ``matrix`` runs ``--matrix-repeats`` times (default 1); ``evaluate``
times ``--repeats`` new proposals. ``--profile DIR`` runs every stage once more
under py-spy (``pip install py-spy``; 20 samples a second, idle threads left out),
writes the collapsed stacks to DIR and prints the ``routes/`` functions with the
largest inclusive share of samples, and the leaf functions (where the time is
actually spent). The load average is printed before and after each stage.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

ROUTES = Path(sys.executable).with_name("routes")
OURS = re.compile(r"\((?:.*/)?(routes/[^:]*|cli\.py):\d+\)$")  # a frame in routes/ or cli.py


@dataclass
class Run:
    """One subprocess: what it cost and what it logged."""

    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    code: int
    log: list[tuple[float, float, str]] = field(default_factory=list)  # (t, max RSS MB, line)
    load_before: str = ""
    load_after: str = ""


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_routes(args: list[str], cache: Path, work: Path, *, profile: Path | None = None) -> Run:
    """Run ``routes -v ARGS`` with ROUTES_CACHE_DIR=cache; measure it."""
    env = {**os.environ, "ROUTES_CACHE_DIR": str(cache)}
    env.pop("CI", None)
    command = [str(ROUTES), "-v", *args]
    if profile is not None:
        command = [str(Path(sys.executable).with_name("py-spy")), "record", "-r", "20", "-f",
                   "raw", "-o", str(profile), "--", *command]
    load_before = loadavg()
    started = time.perf_counter()
    stdout = (work / "stdout.txt").open("wb")
    proc = subprocess.Popen(command, stdout=stdout, stderr=subprocess.PIPE, env=env, cwd=work)
    lines: list[tuple[float, str]] = []

    def read() -> None:
        assert proc.stderr is not None
        for raw in proc.stderr:
            lines.append((time.perf_counter() - started, raw.decode(errors="replace").rstrip()))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    samples: list[tuple[float, float]] = []
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        samples.append((time.perf_counter() - started, _rss_mb(proc.pid)))
        time.sleep(0.1)
    wall = time.perf_counter() - started
    reader.join(timeout=5)
    stdout.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    log = []
    previous = 0.0
    for t, line in lines:
        peak = max((r for s, r in samples if previous <= s <= t), default=0.0)
        log.append((t, peak, line))
        previous = t
    if proc.returncode != 0:
        tail = "\n".join(line for _, line in lines[-15:])
        print(f"  routes {' '.join(args)} exited {proc.returncode}:\n{tail}", file=sys.stderr)
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode,
               log, load_before, loadavg())


# --------------------------------------------------------------------------- inputs


def write_tiny_inputs(region: Path, work: Path) -> dict[str, Path]:
    """A 3 x 3 street grid, a 2-stop feed and two points, at the first zone of the region."""
    zones = pd.read_csv(region / "zones" / "zones.csv", dtype={"id": str})
    lon0, lat0 = float(zones["lon"].iloc[0]), float(zones["lat"].iloc[0])
    dlon, dlat = 100 / 66_000, 100 / 111_320
    nodes = {r * 3 + c + 1: (lon0 + c * dlon, lat0 + r * dlat) for r in range(3) for c in range(3)}
    ways = [[r * 3 + 1, r * 3 + 2, r * 3 + 3] for r in range(3)] + [[c + 1, c + 4, c + 7]
                                                                    for c in range(3)]
    xml = ["<?xml version='1.0' encoding='UTF-8'?>", '<osm version="0.6" generator="bench">']
    xml += [f'<node id="{n}" lat="{la:.7f}" lon="{lo:.7f}"/>' for n, (lo, la) in nodes.items()]
    for w, refs in enumerate(ways, start=1):
        xml.append(f'<way id="{w}">' + "".join(f'<nd ref="{r}"/>' for r in refs)
                   + '<tag k="highway" v="residential"/></way>')
    xml.append("</osm>")
    osm = work / "tiny.osm"
    osm.write_text("\n".join(xml) + "\n", encoding="utf-8")

    import zipfile

    feed = work / "tiny_gtfs.zip"
    a, b = nodes[1], nodes[9]
    with zipfile.ZipFile(feed, "w") as archive:
        archive.writestr("agency.txt", "agency_id,agency_name,agency_url,agency_timezone\n"
                         "A,Tiny,https://example.org,Europe/London\n")
        archive.writestr("stops.txt", "stop_id,stop_name,stop_lat,stop_lon\n"
                         f"S1,One,{a[1]:.7f},{a[0]:.7f}\nS2,Two,{b[1]:.7f},{b[0]:.7f}\n")
        archive.writestr("routes.txt", "route_id,agency_id,route_short_name,route_type\n"
                         "R,A,1,3\n")
        archive.writestr("trips.txt", "route_id,service_id,trip_id\nR,D,T1\n")
        archive.writestr("stop_times.txt", "trip_id,arrival_time,departure_time,stop_id,"
                         "stop_sequence\nT1,07:00:00,07:00:00,S1,1\nT1,07:05:00,07:05:00,S2,2\n")
        archive.writestr("calendar.txt", "service_id,monday,tuesday,wednesday,thursday,"
                         "friday,saturday,sunday,start_date,end_date\n"
                         "D,1,1,1,1,1,1,1,20200101,20301231\n")
    points = work / "two_points.csv"
    points.write_text(f"id,lon,lat\np1,{a[0]:.7f},{a[1]:.7f}\np2,{b[0]:.7f},{b[1]:.7f}\n",
                      encoding="utf-8")
    origins = work / "origins_1000.csv"
    zones.sample(n=min(1000, len(zones)), random_state=0)[["id", "lon", "lat"]].to_csv(
        origins, index=False)

    date = re.search(r'date = "([\d-]+)"', (region / "routes.toml").read_text()).group(1)
    tomls = {}
    for name, gtfs, osm_path in (("base", feed, osm), ("ingest", region / "gtfs" / "region.zip",
                                                       osm),
                                 ("streets", feed, region / "osm" / "region.osm.pbf"),
                                 ("network", region / "gtfs" / "region.zip",
                                  region / "osm" / "region.osm.pbf")):
        toml = work / f"{name}.toml"
        toml.write_text(f'[study_area]\nname = "{name}"\ngtfs = ["{gtfs}"]\nosm = "{osm_path}"\n'
                        f'date = "{date}"\n', encoding="utf-8")
        tomls[name] = toml
    return {**tomls, "points": points, "origins": origins}


# --------------------------------------------------------------------------- report


def summarise(name: str, runs: list[Run]) -> dict[str, object]:
    ok = [r for r in runs if r.code == 0]
    if not ok:
        return {"stage": name, "runs": len(runs), "failed": True}
    return {
        "stage": name, "runs": len(ok),
        "wall_s": round(statistics.median(r.wall_s for r in ok), 1),
        "wall_s_each": [round(r.wall_s, 1) for r in ok],
        "cpu_s": round(statistics.median(r.cpu_s for r in ok), 1),
        "peak_rss_mb": round(max(r.peak_rss_mb for r in ok)),
        "load": f"{ok[0].load_before} -> {ok[-1].load_after}",
    }


def print_steps(name: str, run: Run) -> None:
    """The log lines, each with its time and the RSS peak since the previous line."""
    print(f"  steps of {name} (t s, peak RSS MB since the previous line, line):")
    for t, peak, line in run.log:
        if line.startswith(("INFO", "warning")):
            print(f"    {t:7.1f}  {peak:7.0f}  {line[:150]}")


def print_profile(path: Path, top: int = 12) -> None:
    """Inclusive shares of routes/ functions and the leaves, from py-spy's raw output."""
    inclusive: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        leaves[_short(frames[-1])] += n
        for frame in {f for f in frames if OURS.search(f)}:
            inclusive[_short(frame, line_no=False)] += n
    if not total:
        return
    print(f"  profile {path.name} ({total:,} samples at 20/s):")
    for frame, n in inclusive.most_common(top):
        print(f"    {100 * n / total:5.1f} %  {frame}")
    print("   leaves:")
    for frame, n in leaves.most_common(top):
        print(f"    {100 * n / total:5.1f} %  {frame}")


def _short(frame: str, *, line_no: bool = True) -> str:
    m = re.match(r"(.*) \((.*?):(\d+)\)$", frame)
    if not m:
        return frame
    func, file, line = m.groups()
    file = re.sub(r".*/(site-packages|wt-[^/]+|main)/", "", file)
    return f"{func} ({file}:{line})" if line_no else f"{func} ({file})"


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("region", type=Path, help="folder written by gen_region.py")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--matrix-repeats", type=int, default=1)
    parser.add_argument("--only", default="base,ingest,streets,network,matrix,evaluate",
                        help="comma-separated stages")
    parser.add_argument("--profile", type=Path, help="also profile each stage with py-spy here")
    parser.add_argument("--json", type=Path, help="write the summary as JSON")
    args = parser.parse_args()
    stages = set(args.only.split(","))
    region = args.region.resolve()
    work = Path(tempfile.mkdtemp(prefix="bench-region-"))
    inputs = write_tiny_inputs(region, work)
    warm = work / "cache-warm"
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    print(f"region {region} ({(region / 'routes.toml').read_text().splitlines()[0][2:]})")
    print(f"machine: {os.cpu_count()} cores, load {loadavg()}; work folder {work}")
    results = []

    def cold(name: str, toml: Path, *extra: str) -> None:
        runs = []
        for _ in range(args.repeats):
            cache = Path(tempfile.mkdtemp(prefix="cache-", dir=work))
            runs.append(run_routes(["--config", str(toml), "matrix", "--from",
                                    str(inputs["points"]), "--to", str(inputs["points"]),
                                    "--departure", "07:00", "--window-min", "1", "--out",
                                    str(work / f"{name}.csv"), "--force", *extra], cache, work))
            shutil.rmtree(cache)
        report(name, runs)
        if args.profile:
            cache = Path(tempfile.mkdtemp(prefix="cache-", dir=work))
            run_routes(["--config", str(toml), "matrix", "--from", str(inputs["points"]), "--to",
                        str(inputs["points"]), "--departure", "07:00", "--window-min", "1",
                        "--out", str(work / f"{name}.csv"), "--force"], cache, work,
                       profile=args.profile / f"{name}.txt")
            shutil.rmtree(cache)
            print_profile(args.profile / f"{name}.txt")

    def report(name: str, runs: list[Run]) -> None:
        summary = summarise(name, runs)
        results.append(summary)
        print(json.dumps(summary))
        ok = [r for r in runs if r.code == 0]
        if ok:
            print_steps(name, max(ok, key=lambda r: r.peak_rss_mb))
        sys.stdout.flush()

    for name in ("base", "ingest", "streets"):
        if name in stages:
            cold(name, inputs[name])
    if "network" in stages or "matrix" in stages or "evaluate" in stages:
        if "network" in stages:
            cold("network", inputs["network"])
        first = run_routes(["--config", str(inputs["network"]), "matrix", "--from",
                            str(inputs["points"]), "--to", str(inputs["points"]), "--departure",
                            "07:00", "--window-min", "1", "--out", str(work / "warm.csv"),
                            "--force"], warm, work)
        report("network (fills the warm cache)", [first])
        again = [run_routes(["--config", str(inputs["network"]), "matrix", "--from",
                             str(inputs["points"]), "--to", str(inputs["points"]),
                             "--departure", "07:00", "--window-min", "1", "--out",
                             str(work / "warm.csv"), "--force"], warm, work)
                 for _ in range(args.repeats)]
        report("network (cached)", again)
    if "matrix" in stages:
        matrix_args = ["--config", str(region / "routes.toml"), "matrix", "--from",
                       str(inputs["origins"]), "--to", str(region / "zones" / "jobs.csv"),
                       "--departure", "07:00", "--window-min", "60", "--out",
                       str(work / "matrix.parquet"), "--force"]
        runs = [run_routes(matrix_args, warm, work) for _ in range(args.matrix_repeats)]
        report("matrix 1,000 x 4,000, 60 departures", runs)
        if args.profile:
            run_routes(matrix_args, warm, work, profile=args.profile / "matrix.txt")
            print_profile(args.profile / "matrix.txt")
    if "evaluate" in stages:
        proposals = sorted((region / "proposals").glob("crosstown_*.geojson"))
        out = work / "outputs"

        def evaluate(proposal: Path, profile: Path | None = None) -> Run:
            return run_routes(["--config", str(region / "routes.toml"), "evaluate",
                               str(proposal), "--out", str(out), "--force"], warm, work,
                              profile=profile)

        report("evaluate (first: computes and caches the baseline)", [evaluate(proposals[0])])
        new = proposals[1 : 1 + args.repeats]
        report(f"evaluate, new proposal ({len(new)} proposals)", [evaluate(p) for p in new])
        if args.profile and len(proposals) > 1 + args.repeats:
            evaluate(proposals[1 + args.repeats], args.profile / "evaluate.txt")
            print_profile(args.profile / "evaluate.txt")
    print(f"load at the end: {loadavg()}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
