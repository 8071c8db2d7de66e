"""Inputs for the map and report tests: a tiny synthetic evaluation, and Demo Town with
hostile names.

:func:`tiny_evaluation` builds everything a map or report needs without routing::

      lat
      0.02   +------+------+------+
             |  Z1  |  Z2  |  Z3  |      three square zones (Z2 has a hostile name),
      0.01   +------+------+------+      a route "<script>alert(1)</script>" from Z1 to Z3,
             0.00   0.01   0.02   0.03   two job sites and one shared space (hostile)
                                  lon

with deltas Z1 +1,200 jobs (decile 1), Z2 +300 (decile 2), Z3 0 (decile 8).

:func:`write_hostile_demo` writes Demo Town (``routes demo``) and gives two zones, two
shared spaces, the route and its stops of ``crosstown_link`` hostile names (one with
quotes and ampersands, :data:`HOSTILE_QUOTES`), saving the proposal as
``<img src=x onerror=alert(2)>.geojson`` (the proposal name is the file stem). The
route keeps its ``stop_spacing_m`` beside explicit stops, so the run has a data warning
that quotes the file and route names (:func:`hostile_warning`).
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from routes.evaluation.scoring import Indicator, Scorecard
from routes.inputs.destinations import Destinations
from routes.inputs.points import Points
from routes.proposal.costing import compute_proposal_cost
from routes.proposal.load import load_proposal

HOSTILE = "<script>alert(1)</script>"
HOSTILE_PROPOSAL = "<img src=x onerror=alert(2)>"
HOSTILE_ZONE = "<b onmouseover=alert(3)>Mill Hey</b>"
HOSTILE_SPACE = "`${alert(4)}` <svg onload=alert(5)>"
HOSTILE_STOP = "</script><script>alert(6)</script>"
HOSTILE_QUOTES = """Canal "Bank" &amp; 'Wharf' & <i onclick="alert(7)">Co</i>"""
HOSTILE_TEMPLATE = "{{ 7*7 }} {{ self }}{# hidden #}"  # runs if compiled as a jinja2 template
ALL_HOSTILE = (HOSTILE, HOSTILE_PROPOSAL, HOSTILE_ZONE, HOSTILE_SPACE, HOSTILE_STOP)

JOB_COLUMN = "jobs_within_45min"
REACH_COLUMN = "reach_other_groups_30min"


def write_proposal(folder: Path, stem: str = HOSTILE_PROPOSAL, route: str = HOSTILE) -> Path:
    """A one-route proposal along lat 0.015 from lon 0.005 to 0.025, with one named stop."""
    data = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature",
             "properties": {"name": route, "headway_min": 10, "start": "07:00", "end": "19:00"},
             "geometry": {"type": "LineString",
                          "coordinates": [[0.005, 0.015], [0.015, 0.015], [0.025, 0.015]]}},
            {"type": "Feature", "properties": {"route": route, "name": HOSTILE_STOP},
             "geometry": {"type": "Point", "coordinates": [0.005, 0.015]}},
            {"type": "Feature", "properties": {"route": route, "name": "Middle"},
             "geometry": {"type": "Point", "coordinates": [0.015, 0.015]}},
            {"type": "Feature", "properties": {"route": route, "name": "East end"},
             "geometry": {"type": "Point", "coordinates": [0.025, 0.015]}},
        ],
    }
    path = folder / f"{stem}.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def tiny_changes(*, deciles: bool = True) -> pd.DataFrame:
    table = pd.DataFrame(
        {"name": ["North End", HOSTILE_ZONE, "Z3"], "population": [1000.0, 2000.0, 500.0],
         "deprivation_decile": pd.array([1, 2, 8] if deciles else [None] * 3, dtype="Int64")},
        index=pd.Index(["Z1", "Z2", "Z3"], name="id"))
    table["deprived"] = [deciles, deciles, False]
    for col, base, delta in ((JOB_COLUMN, [1000.0, 5000.0, 9000.0], [1200.0, 300.0, 0.0]),
                             (REACH_COLUMN, [50.0, 80.0, 90.0], [40.0, 0.0, -5.0])):
        table[f"baseline_{col}"] = base
        table[f"scenario_{col}"] = np.add(base, delta)
        table[f"delta_{col}"] = delta
    return table


def tiny_zone_geometry() -> gpd.GeoSeries:
    boxes = [shapely.box(0.01 * i, 0.01, 0.01 * (i + 1), 0.02) for i in range(3)]
    return gpd.GeoSeries(boxes, index=pd.Index(["Z1", "Z2", "Z3"], name="id"), crs="EPSG:4326")


def tiny_destinations() -> tuple[Destinations, Destinations]:
    jobs = Destinations(
        "jobs",
        pd.DataFrame({"weight": [800.0, 5000.0], "category": ["other", "other"],
                      "name": ["Mill", pd.NA]}, index=pd.Index(["J1", "J2"], name="id")),
        Points(np.array(["J1", "J2"], dtype=object), np.array([0.012, 0.027]),
               np.array([0.012, 0.017])))
    spaces = Destinations(
        "spaces",
        pd.DataFrame({"weight": [1.0], "category": ["community_centre"], "name": [HOSTILE_SPACE]},
                     index=pd.Index(["S1"], name="id")),
        Points(np.array(["S1"], dtype=object), np.array([0.021]), np.array([0.013])))
    return jobs, spaces


def tiny_isochrones() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"network": ["baseline", "scenario"], "from_id": ["Z1", "Z1"], "cutoff_min": [45.0, 45.0],
         "geometry": [shapely.Point(0.015, 0.015).buffer(0.004),
                      shapely.Point(0.018, 0.015).buffer(0.009)]}, crs="EPSG:4326")


def tiny_scorecard(name: str = HOSTILE_PROPOSAL, *, deciles: bool = True) -> Scorecard:
    nan = float("nan")
    rows = [
        ("deprived_residents_gaining_jobs", 3000.0 if deciles else nan, "residents"),
        ("residents_gaining_jobs", 3000.0, "residents"),
        ("mean_gain_jobs_deprived", 600.0 if deciles else nan, "jobs"),
        ("total_gain_jobs", 1_800_000.0, "resident-jobs"),
        ("total_gain_jobs_deprived", 1_800_000.0 if deciles else nan, "resident-jobs"),
        ("gini_jobs_baseline", 0.3, "index 0-1"), ("palma_jobs_baseline", 1.1, "ratio"),
        ("gini_jobs_scenario", 0.25, "index 0-1"), ("palma_jobs_scenario", 0.9, "ratio"),
        ("benefit_per_vehicle_hour", 100.0 if deciles else nan, "resident-jobs per vehicle-hour"),
        ("mean_gain_reach_other_groups", 10.0, "residents"),
        ("new_zone_pairs", 2.0, "pairs"), ("route_km", 2.2, "km"),
        ("peak_vehicles", 3.0, "vehicles"), ("annual_vehicle_hours", 18_000.0, "hours"),
        ("annual_vehicle_km", 250_000.0, "km"),
    ]
    return Scorecard(name, tuple(Indicator(k, k.replace("_", " "), v, u, f"from {k}")
                                 for k, v, u in rows))


def tiny_manifest() -> dict[str, object]:
    return {
        "version": "0.1.0", "created_utc": "2026-01-01T00:00:00+00:00", "run": HOSTILE_PROPOSAL,
        "study_area": "Tiny (/tmp/routes.toml)", "service_date": "2019-05-13",
        "engine": "builtin",
        "routing": {"departure_start_s": 25200, "departure_end_s": 32400, "percentiles": [50],
                    "max_walk_min": 15.0, "walk_speed_kmh": 4.8, "max_rides": 3},
        "scoring": {"deprived_deciles": [1, 2, 3], "job_cutoff_min": 45.0,
                    "space_cutoff_min": 30.0, "decay_half_life_min": 20.0},
        "inputs": [{"role": "proposal", "path": f"/tmp/{HOSTILE_PROPOSAL}.geojson",
                    "sha256": "ab" * 32}],
        "outputs": ["report.html"],
    }


def tiny_evaluation(folder: Path, name: str = HOSTILE_PROPOSAL, *,
                    deciles: bool = True) -> SimpleNamespace:
    """Everything a map, report or comparison needs, as an Evaluation-like object."""
    proposal = load_proposal(write_proposal(folder, stem=name))
    return SimpleNamespace(proposal=proposal, cost=compute_proposal_cost(proposal),
                           changes=tiny_changes(deciles=deciles),
                           scorecard=tiny_scorecard(name, deciles=deciles), folder=folder,
                           seconds=0.0)


def hostile_warning() -> str:
    """The data warning of the hostile demo's proposal (it quotes the file and route names)."""
    return (f"{HOSTILE_PROPOSAL}.geojson feature 0 ({HOSTILE!r}): stop_spacing_m is ignored "
            "because the route has explicit stops")


def write_hostile_demo(folder: Path) -> Path:
    """Demo Town with hostile names; returns the hostile proposal's path."""
    from routes.demo.study_area import write_demo_study_area

    write_demo_study_area(folder)
    zones = folder / "zones" / "neighbourhoods.geojson"
    data = json.loads(zones.read_text(encoding="utf-8"))
    renamed = {"Mill Hey": HOSTILE_ZONE, "Canal Bank": HOSTILE_QUOTES}
    for feature in data["features"]:
        name = feature["properties"]["name"]
        feature["properties"]["name"] = renamed.get(name, name)
    zones.write_text(json.dumps(data), encoding="utf-8")
    spaces = folder / "zones" / "community_spaces.geojson"
    data = json.loads(spaces.read_text(encoding="utf-8"))
    data["features"][0]["properties"]["name"] = HOSTILE_SPACE
    data["features"][1]["properties"]["name"] = HOSTILE_QUOTES
    spaces.write_text(json.dumps(data), encoding="utf-8")
    source = folder / "examples" / "crosstown_link.geojson"
    data = json.loads(source.read_text(encoding="utf-8"))
    route = data["features"][0]
    route["properties"]["name"] = HOSTILE
    route["properties"]["stop_spacing_m"] = 400  # ignored beside explicit stops: a warning
    line = route["geometry"]["coordinates"]
    stops = [line[0], line[len(line) // 2], line[-1]]
    data["features"] += [
        {"type": "Feature", "properties": {"route": HOSTILE, "name": name},
         "geometry": {"type": "Point", "coordinates": xy}}
        for name, xy in zip((HOSTILE_STOP, "Middle", "End"), stops, strict=True)]
    target = folder / "examples" / f"{HOSTILE_PROPOSAL}.geojson"
    target.write_text(json.dumps(data), encoding="utf-8")
    return target
