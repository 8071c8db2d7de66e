"""The line study area of ``_evaluate_fixtures`` before and after route R1 is withdrawn."""

from __future__ import annotations

from pathlib import Path

from _evaluate_fixtures import feed_tables, routes_toml, write_line_study
from _feeds import write_feed


def write_withdrawn(folder: Path) -> tuple[Path, Path]:
    """The line study (``routes.toml``) and the same with R1 withdrawn (``after.toml``)."""
    before = write_line_study(folder)
    tables = feed_tables()
    tables["trips"] = [t for t in tables["trips"] if t["route_id"] != "R1"]
    tables["stop_times"] = [s for s in tables["stop_times"] if s["trip_id"] != "T1"]
    tables["routes"] = [r for r in tables["routes"] if r["route_id"] != "R1"]
    write_feed(folder / "feed_after.zip", **tables)
    after = folder / "after.toml"
    after.write_text(routes_toml(gtfs="feed_after.zip"), encoding="utf-8")
    return before, after
