"""Peak memory of ``routes matrix`` on Porto Alegre, with a warm network cache.

Run from the repository root:

    python benchmarks/bench_matrix_memory.py [--runs 3] [--cache DIR] [--no-stages]

The study area is the one the tests evaluate (``tests/_evaluate_fixtures.py``
``POA_TOML``): the 1,227 hex zones all-to-all, 14:00-15:00, one percentile. Each
run is the CLI in a fresh subprocess (``routes -q matrix --out m.csv``, then
``--out m.parquet``); its peak resident set size is the kernel's ``ru_maxrss``
of that child (what ``/usr/bin/time -v`` prints as "Maximum resident set
size"). The first run fills the network cache when it is empty (reported as
"cold"); the median of ``--runs`` warm runs is the figure to quote.

Unless ``--no-stages``, one more warm run (CSV) records where the memory goes:
the child wraps the functions of the matrix path and, at each one's entry and
exit, reads its RSS and the peak since the previous event (``VmRSS`` and
``VmHWM`` of ``/proc/self/status``; the peak is reset after each event through
``/proc/self/clear_refs``, Linux only). The wrapping itself costs nothing
measurable.

Prints the machine's load average: memory does not depend on it, time does.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
POA = REPO.parent / "shared" / "data" / "poa"

#: Functions of the matrix path whose entry and exit are stage boundaries
#: (``module:attribute[.attribute]``); names missing in this checkout are skipped,
#: so the same script measures older commits.
STAGE_HOOKS = (
    ("network", "routes.network.transit:build_network"),
    ("point check", "routes.network.coverage:check_point_coverage"),
    ("travel-time array", "routes.engine.base:BuiltinEngine.compute_travel_time_array"),
    ("link points", "routes.engine.raptor:link_points"),
    ("engine inputs", "routes.engine.raptor:prepared_network"),
    ("walk legs", "routes.engine.raptor:prepared_walks"),
    ("long table", "routes.engine.backends:travel_time_table"),
    ("write table", "routes.io:write_table"),
    ("write table", "routes.io:write_table_chunks"),
)


def _memory_mb() -> tuple[float, float]:
    """Return this process's resident set size and its peak since the last reset, MB."""
    status = Path("/proc/self/status").read_text(encoding="ascii")

    def field(name: str) -> float:
        found = re.search(rf"^{name}:\s+(\d+) kB", status, re.MULTILINE)
        return int(found.group(1)) / 1024 if found else float("nan")

    return field("VmRSS"), field("VmHWM")


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5", encoding="ascii")


def _install_hooks(log: Path) -> None:
    """Wrap the matrix path's functions so that each entry and exit logs the memory."""
    events: list[dict[str, Any]] = []

    def record(label: str) -> None:
        rss, peak = _memory_mb()
        events.append({"event": label, "rss_mb": rss, "peak_mb": peak})
        log.write_text(json.dumps(events), encoding="utf-8")
        _reset_peak()

    def wrap(label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            record(f"until {label}")
            try:
                return fn(*args, **kwargs)
            finally:
                record(label)

        return wrapped

    for label, target in STAGE_HOOKS:
        module_name, _, attr_path = target.partition(":")
        try:
            owner: Any = importlib.import_module(module_name)
        except ImportError:
            continue
        *parents, attr = attr_path.split(".")
        for parent in parents:
            owner = getattr(owner, parent, None)
        if owner is not None and hasattr(owner, attr):
            setattr(owner, attr, wrap(label, getattr(owner, attr)))
    _reset_peak()
    events.append({"event": "start", "rss_mb": _memory_mb()[0], "peak_mb": _memory_mb()[1]})
    import atexit

    atexit.register(record, "exit")


def _child(argv: list[str]) -> None:
    """Run the CLI in this process (the parent's subprocess), hooked when asked."""
    log = os.environ.get("ROUTES_BENCH_STAGES")
    if log:
        # Hooks import the modules they wrap before the CLI does: the import cost
        # then shows at "start" instead of inside the first stage.
        _install_hooks(Path(log))
    from routes.cli import main

    main(argv, prog_name="routes")


def _run(work: Path, cache: Path, out: Path, stages: Path | None = None) -> tuple[float, float]:
    """Run ``routes matrix`` once; return (peak RSS MB, wall seconds)."""
    env = dict(os.environ, ROUTES_CACHE_DIR=str(cache))
    env.pop("ROUTES_BENCH_STAGES", None)
    if stages is not None:
        env["ROUTES_BENCH_STAGES"] = str(stages)
    out.unlink(missing_ok=True)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "-q", "matrix",
           "--out", str(out)]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    stdout, stderr = proc.stdout.read(), proc.stderr.read()  # type: ignore[union-attr]
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"routes matrix failed (exit {code}):\n{stdout}{stderr}")
    return usage.ru_maxrss / 1024, seconds


def _print_stages(path: Path) -> None:
    events = json.loads(path.read_text(encoding="utf-8"))
    print("\nstages (one warm CSV run): RSS at the event, peak since the previous event, MB")
    print(f"{'event':34s} {'RSS':>8s} {'peak':>8s}")
    for e in events:
        print(f"{e['event']:34s} {e['rss_mb']:8.0f} {e['peak_mb']:8.0f}")
    # (the resets also reset ru_maxrss: the run's peak is the largest stage peak)
    print(f"this run's peak RSS: {max(e['peak_mb'] for e in events):.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="warm runs per format")
    parser.add_argument("--cache", type=Path, default=None,
                        help="network cache folder (default: a new temporary one)")
    parser.add_argument("--no-stages", action="store_true", help="skip the stage breakdown")
    parser.add_argument("--formats", default="csv,parquet", help="comma-separated: csv,parquet")
    args = parser.parse_args()
    if not POA.is_dir():
        sys.exit(f"POA data not found at {POA}; see benchmarks/_poa.py")
    sys.path.insert(0, str(REPO / "tests"))
    from _evaluate_fixtures import POA_TOML

    with tempfile.TemporaryDirectory(prefix="bench_matrix_memory_") as tmp:
        work = Path(tmp)
        (work / "routes.toml").write_text(POA_TOML.format(poa=POA.as_posix()), encoding="utf-8")
        cache = args.cache if args.cache is not None else work / "cache"
        cache.mkdir(parents=True, exist_ok=True)
        print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        if not any(cache.iterdir()):
            peak, seconds = _run(work, cache, work / "cold.csv")
            print(f"cold (builds the network cache): peak RSS {peak:.0f} MB, {seconds:.0f} s")
        for fmt in args.formats.split(","):
            peaks = []
            for _ in range(args.runs):
                peak, seconds = _run(work, cache, work / f"m.{fmt}")
                peaks.append(peak)
                print(f"warm {fmt}: peak RSS {peak:.0f} MB, {seconds:.0f} s "
                      f"(load {os.getloadavg()[0]:.1f})", flush=True)
            print(f"warm {fmt}: median peak RSS {statistics.median(peaks):.0f} MB "
                  f"of {len(peaks)} runs (min {min(peaks):.0f}, max {max(peaks):.0f})")
        if not args.no_stages:
            log = work / "stages.json"
            _run(work, cache, work / "stages.csv", stages=log)
            _print_stages(log)
        print(f"load average at end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2:])
    else:
        main()
