"""Check that a code change leaves the results unchanged: run a fixed set of evaluations, diff.

Two steps, each run with the checkout under test (the ``routes`` console script
beside this Python)::

    python benchmarks/check_same_results.py run  /tmp/results_before   # on the old code
    python benchmarks/check_same_results.py run  /tmp/results_after    # on the new code
    python benchmarks/check_same_results.py diff /tmp/results_before /tmp/results_after

``run`` writes the demo study area (``routes demo``), evaluates its three example
proposals (``examples/*.geojson``), compares them (``routes compare``), computes the
demo's baseline access, and evaluates the two Porto Alegre proposals of
``tests/data/proposals`` (``poa_crosstown``: a new route; ``poa_feeder``: new route,
``remove_route`` and ``change_headway``) on ``../shared/data/poa``. Each command's
stdout is kept as ``<name>.stdout``.

``diff`` compares every ``scorecard.json``, ``zones.csv``, ``ranking.csv`` and stdout
file of the two folders: JSON and CSV by value (numbers exactly), stdout as text.
The manifests (timestamps, versions) are not compared. It prints one line per
difference and exits 1 if there is any.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _evaluate_fixtures import POA_TOML  # noqa: E402  (the POA study area the tests evaluate)

REPO = Path(__file__).resolve().parents[1]
POA = REPO.parent / "shared" / "data" / "poa"
PROPOSALS = REPO / "tests" / "data" / "proposals"
ROUTES = Path(sys.executable).parent / "routes"


COMPARED = ("scorecard.json", "zones.csv", "ranking.csv")


def _routes(out: Path, name: str, *args: str | Path) -> None:
    """Run ``routes ARGS`` and keep its stdout as ``out/name.stdout``."""
    command = [str(ROUTES), *map(str, args)]
    print("+", " ".join(command), flush=True)
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    (out / f"{name}.stdout").write_text(done.stdout, encoding="utf-8")
    (out / f"{name}.stderr").write_text(done.stderr, encoding="utf-8")
    if done.returncode != 0:
        sys.exit(f"{name} failed ({done.returncode}):\n{done.stderr}")


def run(out: Path) -> None:
    """Write every result of the fixed set of runs into ``out``."""
    out.mkdir(parents=True, exist_ok=False)
    os.environ.setdefault("ROUTES_CACHE_DIR", tempfile.mkdtemp(prefix="routes-cache-"))
    demo = out / "demo"
    _routes(out, "demo", "demo", demo)
    toml = demo / "routes.toml"
    examples = sorted((demo / "examples").glob("*.geojson"))
    _routes(out, "demo_evaluate", "--config", toml, "evaluate", *examples,
            "--out", out / "demo_runs")
    _routes(out, "demo_compare", "--config", toml, "compare", *examples,
            "--out", out / "demo_compare")
    _routes(out, "demo_access", "--config", toml, "access", "--out", out / "demo_access")
    poa_toml = out / "poa.toml"
    poa_toml.write_text(POA_TOML.format(poa=POA.as_posix()), encoding="utf-8")
    for name in ("poa_crosstown", "poa_feeder"):
        _routes(out, name, "--config", poa_toml, "evaluate", PROPOSALS / f"{name}.geojson",
                "--out", out / "poa_runs")


def _differences(old: Path, new: Path) -> list[str]:
    found: list[str] = []
    old_files = {p.relative_to(old) for p in old.rglob("*")
                 if p.name in COMPARED or p.suffix == ".stdout"}
    new_files = {p.relative_to(new) for p in new.rglob("*")
                 if p.name in COMPARED or p.suffix == ".stdout"}
    for missing in sorted(old_files ^ new_files):
        found.append(f"{missing}: only in {'old' if missing in old_files else 'new'}")
    for rel in sorted(old_files & new_files):
        a, b = old / rel, new / rel
        if rel.suffix == ".json":
            if json.loads(a.read_text("utf-8")) != json.loads(b.read_text("utf-8")):
                found.append(f"{rel}: values differ")
        elif rel.suffix == ".csv":
            left, right = pd.read_csv(a, dtype=str), pd.read_csv(b, dtype=str)
            if not left.equals(right):
                found.append(f"{rel}: values differ")
        else:
            # stdout names the run folders, which differ by root; compare with roots replaced
            text_a = a.read_text("utf-8").replace(str(old), "<ROOT>")
            text_b = b.read_text("utf-8").replace(str(new), "<ROOT>")
            if text_a != text_b:
                lines = [f"  - {x}\n  + {y}" for x, y in zip(text_a.splitlines(),
                                                           text_b.splitlines(), strict=False)
                         if x != y]
                found.append(f"{rel}: text differs\n" + "\n".join(lines))
    return found


def main() -> None:
    """Parse the command line and run ``run`` or ``diff``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="step", required=True)
    sub.add_parser("run").add_argument("out", type=Path)
    d = sub.add_parser("diff")
    d.add_argument("old", type=Path)
    d.add_argument("new", type=Path)
    args = parser.parse_args()
    if args.step == "run":
        run(args.out.resolve())
        return
    found = _differences(args.old.resolve(), args.new.resolve())
    for line in found:
        print(line)
    n = len(list(args.old.rglob("*.stdout")))
    print(f"{len(found)} differences ({n} commands compared)")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
