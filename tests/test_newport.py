"""Newport (Wales): a real 16-operator BODS feed, through the CLI, against independent counts.

The study area (``tests/_newport.py``) reads ../shared/data/newport in place: the
BODS GTFS of Tuesday 2024-03-05 and the area's rail GTFS, an OSM extract of 2023
that covers only the Newport urban area while many routes run on to Cardiff,
Bristol and beyond, the 511 OA population-weighted centroids as zones (300
residents each), the supermarkets, and OSM workplaces as a crude jobs proxy.

Expected values come from a plain-pandas reading of the GTFS files
(``trips_of_the_day``: calendar.txt, the previous day's trips past midnight,
exact copies), from the extent of the street extract given in the data's README,
and from straight-line distances; none from ``routes``. The 383 trips the feed
doctor drops as duplicates are each checked to have a kept twin with the same
agency, route short name, stops and times.

Skips without ../shared/data/newport; fails when ``CI`` is set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _newport import (
    BODS_ZIP,
    CENTROIDS_CSV,
    NEWPORT_DATE,
    RAIL_ZIP,
    SUPERMARKETS_CSV,
    duplicate_groups,
    haversine_m,
    in_bbox,
    read_gtfs_table,
    trips_of_the_day,
    write_newport_study,
)
from click.testing import CliRunner, Result
from conftest import shared_data_dir

import cli
from routes.errors import RoutesWarning
from routes.timetable.gtfs_time import (
    DAY_S,  # imports gtfs_kit at collection, before sockets are blocked
)
from routes.timetable.timetable import load_timetable

pytestmark = pytest.mark.filterwarnings("default::routes.errors.RoutesWarning")

WALK_SPEED_KMH = 4.8  # [routing].walk_speed_kmh of the study area
MAX_VEHICLE_KMH = 200.0  # faster than any bus or train here (the main line allows 125 mph)
LINK_RADIUS_M = 1_600.0  # stops farther than this from every street are left out (R5's)
MAX_SNAP_M = 500.0  # [routing].max_snap_m default: points farther are dropped
JOB_CUTOFF_MIN, DECAY_HALF_LIFE_MIN = 45, 20  # [scoring] defaults


#: The warnings a Newport run gives: routes leaving the extract, the feed doctor's
#: drops, and points (zones or shops) beyond the extract.
EXPECTED_WARNINGS = [re.compile(p) for p in (
    r"[\d,]+ of [\d,]+ served stops are more than 1,600 m from the street network",
    r"GTFS feed 'newport_area_(bods_gtfs_20240305|rail_gtfs_2024)': the feed doctor dropped",
    r"[\d,]+ of [\d,]+ (origins|destinations) are more than 500 m from the street network",
)]


def run(*args: object) -> Result:
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def count(text: str) -> int:
    return int(text.replace(",", ""))


@dataclass(frozen=True)
class Newport:
    data: Path
    folder: Path
    toml: Path


@pytest.fixture(scope="module")
def newport(tmp_path_factory: pytest.TempPathFactory) -> Newport:
    data = shared_data_dir("newport")
    folder = tmp_path_factory.mktemp("newport")
    return Newport(data, folder, write_newport_study(folder, data))


@pytest.fixture(scope="module")
def bus_day(newport: Newport) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The BODS trips of 2024-03-05 and the 2024-03-04 trips past midnight, by hand."""
    return trips_of_the_day(newport.data / BODS_ZIP, NEWPORT_DATE)


@pytest.fixture(scope="module")
def served_stops(newport: Newport, bus_day: tuple[pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    """``lon, lat`` of every stop of both feeds served on the date (by hand)."""
    _, bus_times = bus_day
    _, rail_times = trips_of_the_day(newport.data / RAIL_ZIP, NEWPORT_DATE)
    served = []
    for feed, times in ((BODS_ZIP, bus_times), (RAIL_ZIP, rail_times)):
        stops = read_gtfs_table(newport.data / feed, "stops.txt")
        stops = stops[stops["stop_id"].isin(times["stop_id"])]
        served.append(pd.DataFrame({"lon": stops["stop_lon"].astype(float),
                                    "lat": stops["stop_lat"].astype(float)}))
    return pd.concat(served, ignore_index=True)


@pytest.fixture(scope="module")
def check_report(newport: Newport) -> str:
    result = run("--config", newport.toml, "check")
    assert result.exit_code == 0, result.output
    return result.stdout


def kept_after_dedup(day: pd.DataFrame) -> pd.DataFrame:
    """The trips left when each set of exact copies keeps one (the day's trips first)."""
    ordered = day.sort_values("carried", kind="stable")
    return ordered[~ordered.duplicated(["agency_id", "service", "signature"])]


# --------------------------------------------------------------------------- routes check


def test_check_counts_the_bods_trips_of_the_day(
    check_report: str, bus_day: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    day, stop_times = bus_day
    kept = kept_after_dedup(day)
    n_today, n_carried = int((~kept["carried"]).sum()), int(kept["carried"].sum())
    served = stop_times.loc[stop_times["tid"].isin(kept["tid"]), "stop_id"].nunique()
    line = (f"on 2024-03-05: {n_today:,} trips (+{n_carried:,} from the day before) on "
            f"{kept['route_id'].nunique():,} routes")
    assert re.search(rf"{re.escape(line)} \(\d[\d,]* patterns\), {served:,} stops served",
                     check_report), check_report
    # 5,426 trips run on the Tuesday, 18 of Monday's run past midnight; 383 are copies
    twins = duplicate_groups(day)
    n_copies = len(twins) - twins["group"].nunique()
    past_midnight = stop_times.groupby("tid")[["arr", "dep"]].max().max(axis=1) >= DAY_S
    n_past = int(past_midnight[day.loc[~day["carried"], "tid"]].sum())
    doctor = next(line for line in check_report.splitlines()
                  if line.strip().startswith("newport_area_bods_gtfs_20240305: ")
                  and "duplicate" in line)
    assert f"{n_copies:,} duplicate trips dropped" in doctor
    assert (f"{n_past:,} trips past 24:00 (+{int(day['carried'].sum()):,} carried over from "
            "the day before)") in doctor
    assert (f"the feed doctor dropped {n_copies:,} duplicate trips of the {len(day):,} trips "
            "on 2024-03-05") in check_report


def test_check_warns_about_stops_outside_the_street_extract(
    check_report: str, served_stops: pd.DataFrame
) -> None:
    """Long routes leave the extract: their stops are left out with a warning, no crash."""
    lon, lat = served_stops["lon"], served_stops["lat"]
    m = re.search(r"stops served on the date: ([\d,]+); linked to the street network within "
                  r"1,600 m: ([\d,]+); outside it: ([\d,]+)", check_report)
    assert m, check_report
    n_served, n_linked, n_outside = (count(g) for g in m.groups())
    assert n_served == len(served_stops) and n_linked + n_outside == n_served
    # every street lies inside the extract's extent: no stop farther out than 1.6 km
    # can be linked, and every stop inside it is within 1.6 km of some street
    assert in_bbox(lon, lat).sum() <= n_linked <= in_bbox(lon, lat, LINK_RADIUS_M).sum()
    assert n_outside > n_linked  # most of the feed runs outside the extract
    assert (f"{n_outside:,} of {n_served:,} served stops are more than 1,600 m from the "
            "street network") in check_report


def test_check_snaps_zones_and_destinations_inside_the_extract(
    check_report: str, newport: Newport
) -> None:
    layers = {"zones": CENTROIDS_CSV, "supermarkets": SUPERMARKETS_CSV}
    for name, file in layers.items():
        points = pd.read_csv(newport.data / file)
        m = re.search(rf"{name}: ([\d,]+) features, ([\d,]+) snapped \(median (\d+) m from a "
                      r"street\), ([\d,]+) dropped", check_report)
        assert m, (name, check_report)
        n, snapped, median_m, dropped = (count(g) for g in m.groups())
        assert n == len(points) and snapped + dropped == n
        # points more than 500 m outside the extent cannot snap; population-weighted
        # centroids and shops 500 m or more inside it all do
        inner = in_bbox(points["lon"], points["lat"], -MAX_SNAP_M).sum()
        assert inner <= snapped <= in_bbox(points["lon"], points["lat"], MAX_SNAP_M).sum()
        assert median_m < 50
    jobs = pd.read_csv(newport.folder / "workplaces.csv")
    assert re.search(rf"jobs: {len(jobs):,} features, [\d,]+ snapped", check_report)


# --------------------------------------------------------------------------- duplicates


def test_the_dropped_duplicates_each_have_a_kept_twin(
    newport: Newport, bus_day: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    """Each trip the doctor drops has a twin it keeps: same agency, route short name, stops
    and times (recomputed here with pandas from the GTFS text, not with routes' code).

    Why they are there: each twin set is a pair of trips of one ``route_id`` (one line of
    one operator) with the same headsign and shape_id, under two ``service_id`` values that
    both run on the date by calendar.txt (calendar_dates.txt is empty). Of the 383 pairs,
    Stagecoach South Wales has 357 (one of them carried over from the Monday), Cardiff
    Bus 23 and Henleys 3. In 359 pairs the two ``vehicle_journey_code`` values are
    consecutive (e.g. VJ1069 / VJ1070) and in one nearly so (VJ436 / VJ439): most likely one
    TransXChange document listing the journey twice, under two operating profiles that
    the export no longer tells apart on this date. The 23 Cardiff Bus pairs (route 52)
    repeat the same code under two services: likely the journey in two overlapping documents.
    """
    day, _ = bus_day
    with pytest.warns(RoutesWarning, match="feed doctor dropped"):
        timetable = load_timetable([newport.data / BODS_ZIP, newport.data / RAIL_ZIP],
                                   NEWPORT_DATE)
    (bods,) = (d for d in timetable.feed_diagnoses if d.feed_name == BODS_ZIP[:-4])
    assert bods.n_trips == len(day)
    assert bods.n_superseded_trips == 0

    twins = duplicate_groups(day)
    dropped = pd.Index(bods.duplicate_trip_ids)
    assert dropped.is_unique and len(dropped) == bods.n_duplicate_trips
    assert dropped.isin(twins["tid"]).all(), "a dropped trip without a twin"
    kept_per_set = twins[~twins["tid"].isin(dropped)].groupby("group").size()
    assert len(kept_per_set) == twins["group"].nunique()  # no set lost every member
    assert (kept_per_set == 1).all()  # ... and each keeps exactly one
    assert len(dropped) == len(twins) - twins["group"].nunique()

    per_set = twins.groupby("group").agg(
        routes=("route_id", "nunique"), headsigns=("trip_headsign", "nunique"),
        services=("service_id", "nunique"), size=("tid", "size"),
    )
    assert (per_set["routes"] == 1).all() and (per_set["headsigns"] == 1).all()
    assert (per_set["services"] == per_set["size"]).all()  # one copy per service_id
    assert read_gtfs_table(newport.data / BODS_ZIP, "calendar_dates.txt").empty


# --------------------------------------------------------------------------- matrix and access


@pytest.fixture(scope="module")
def origins(newport: Newport) -> pd.DataFrame:
    """Every 16th zone (by ID) 500 m or more inside the extract: 21 origins across the town."""
    zones = pd.read_csv(newport.folder / "zones.csv", dtype={"id": str}).sort_values("id")
    inside = zones[in_bbox(zones["lon"], zones["lat"], -MAX_SNAP_M)]
    chosen = inside.iloc[::16].reset_index(drop=True)
    chosen.to_csv(newport.folder / "origins.csv", index=False)
    return chosen


def run_matrix(newport: Newport, to: Path, name: str, *extra: str) -> pd.DataFrame:
    out = newport.folder / f"{name}.csv"
    result = run("--config", newport.toml, "matrix", "--from", newport.folder / "origins.csv",
                 "--to", to, "--out", out, *extra)
    assert result.exit_code == 0, result.output
    warned = [line.removeprefix("warning: ") for line in result.stderr.splitlines()
              if line.startswith("warning: ")]
    assert any(EXPECTED_WARNINGS[0].match(w) for w in warned), result.stderr
    unexpected = [w for w in warned if not any(p.match(w) for p in EXPECTED_WARNINGS)]
    assert not unexpected, unexpected
    return pd.read_csv(out, dtype={"from_id": str, "to_id": str})


@pytest.fixture(scope="module")
def supermarket_matrix(newport: Newport, origins: pd.DataFrame) -> pd.DataFrame:
    return run_matrix(newport, newport.data / SUPERMARKETS_CSV, "supermarkets",
                      "--percentiles", "10,50,90")


@pytest.fixture(scope="module")
def access(newport: Newport) -> pd.DataFrame:
    out = newport.folder / "access"
    result = run("--config", newport.toml, "access", "--out", out)
    assert result.exit_code == 0, result.output
    return pd.read_csv(out / "zones.csv", dtype={"id": str}).set_index("id")


def test_matrix_times_respect_straight_line_bounds(
    newport: Newport, origins: pd.DataFrame, supermarket_matrix: pd.DataFrame,
    served_stops: pd.DataFrame,
) -> None:
    """No journey beats the straight line: walking at 4.8 km/h, riding at most 200 km/h.

    A journey either walks all the way (street paths are no shorter than the straight
    line, d / w), or walks at least to the origin's nearest served stop (a), rides, and
    walks at least from the destination's nearest served stop (b): at least
    (a + b) / w + max(0, d - a - b) / v. The straight lines use haversine distances.
    """
    matrix = supermarket_matrix
    assert set(matrix["from_id"]) <= set(origins["id"])
    assert len(matrix) > 0.5 * len(origins) * 15  # most origins reach most shops in town
    p10, p50, p90 = (matrix[f"travel_time_p{p}_min"] for p in (10, 50, 90))
    assert ((p10 <= p50) & (p50 <= p90)).all()

    stop_lon, stop_lat = served_stops["lon"].to_numpy(), served_stops["lat"].to_numpy()

    def nearest_stop_m(lon: pd.Series, lat: pd.Series) -> pd.Series:
        d = haversine_m(lon.to_numpy()[:, None], lat.to_numpy()[:, None], stop_lon, stop_lat)
        return pd.Series(d.min(axis=1), index=lon.index)

    shops = pd.read_csv(newport.data / SUPERMARKETS_CSV, dtype={"id": str}).set_index("id")
    here = origins.set_index("id")
    o, d = here.loc[matrix["from_id"]], shops.loc[matrix["to_id"]]
    straight_m = haversine_m(o["lon"].to_numpy(), o["lat"].to_numpy(),
                             d["lon"].to_numpy(), d["lat"].to_numpy())
    a = nearest_stop_m(here["lon"], here["lat"]).loc[matrix["from_id"]].to_numpy()
    b = nearest_stop_m(shops["lon"], shops["lat"]).loc[matrix["to_id"]].to_numpy()
    walk_m_per_min, ride_m_per_min = WALK_SPEED_KMH * 1000 / 60, MAX_VEHICLE_KMH * 1000 / 60
    by_transit = (a + b) / walk_m_per_min + np.maximum(0, straight_m - a - b) / ride_m_per_min
    bound_min = np.minimum(straight_m / walk_m_per_min, by_transit)
    assert (p10.to_numpy() >= bound_min - 1 / 60).all()  # 1 s: walks are rounded once
    # and the typical door-to-door speed is that of a town bus trip, not of a unit slip
    speed_kmh = straight_m / 1000 / (p50.to_numpy() / 60)
    assert 2 < np.median(speed_kmh) < 20


@pytest.mark.slow
def test_access_agrees_with_the_matrix(
    newport: Newport, origins: pd.DataFrame, supermarket_matrix: pd.DataFrame,
    access: pd.DataFrame,
) -> None:
    """Per-zone metrics of ``routes access`` recomputed naively from ``routes matrix``."""
    zones = pd.read_csv(newport.folder / "zones.csv", dtype={"id": str})
    assert list(access.index) == list(zones["id"])
    assert access["population"].sum() == 300 * len(zones)
    # nearest supermarket: the row minimum of the median times
    nearest = supermarket_matrix.groupby("from_id")["travel_time_p50_min"].min()
    got = access.loc[origins["id"], "nearest_space_min"]
    np.testing.assert_allclose(got.loc[nearest.index], nearest, rtol=1e-6)
    assert got.drop(nearest.index).isna().all()  # origins that reach no supermarket

    jobs_matrix = run_matrix(newport, newport.folder / "workplaces.csv", "jobs")
    jobs = pd.read_csv(newport.folder / "workplaces.csv", dtype={"id": str}).set_index("id")
    weight = jobs.loc[jobs_matrix["to_id"], "jobs"].to_numpy()
    t = jobs_matrix["travel_time_p50_min"].to_numpy()
    frame = pd.DataFrame({"from_id": jobs_matrix["from_id"],
                          "within": weight * (t <= JOB_CUTOFF_MIN),
                          "decay": weight * np.exp(-np.log(2) * t / DECAY_HALF_LIFE_MIN)})
    naive = frame.groupby("from_id")[["within", "decay"]].sum()
    naive = naive.reindex(origins["id"], fill_value=0.0)
    np.testing.assert_allclose(access.loc[origins["id"], f"jobs_within_{JOB_CUTOFF_MIN}min"],
                               naive["within"])
    np.testing.assert_allclose(
        access.loc[origins["id"], f"jobs_decay_h{DECAY_HALF_LIFE_MIN}min"], naive["decay"],
        rtol=1e-5,
    )
    assert naive["within"].max() > 0
