"""Newport (Wales) study area for the tests, built in a temporary folder from ../shared/data.

The shared files are read in place; only the small derived tables are written:

    zones.csv        the 511 ONS Output Area (2021) population-weighted centroids
                     (id = OA21CD, lon, lat), 300 residents each: the OA design size,
                     since the file has no population (its README suggests this);
                     no deprivation decile (Wales's WIMD is not in the data) and no
                     community groups
    workplaces.csv   a crude jobs proxy: every OSM feature of the extract tagged as
                     a workplace (see WORKPLACE_TAGS), one job each
    routes.toml      the BODS feed of Tuesday 2024-03-05 plus the rail feed, the
                     2023 OSM extract, the zones, the supermarkets (a file of
                     places with no weight: a "space" layer, so nearest-supermarket
                     times) and the workplaces (weighted: jobs within 45 min)

The GTFS helpers below re-implement, with plain pandas and independently of
``routes``, what the tests check the product against: which trips run on the
date (calendar.txt weekday flags and date range, calendar_dates.txt exceptions),
which trips of the day before run on past midnight, and which trips are exact
copies of one another.
"""

from __future__ import annotations

import datetime as dt
import math
import zipfile
from pathlib import Path

import numpy as np
import osmium
import pandas as pd

NEWPORT_DATE = dt.date(2024, 3, 5)
BODS_ZIP = "newport_area_bods_gtfs_20240305.zip"
RAIL_ZIP = "newport_area_rail_gtfs_2024.zip"
OSM_PBF = "newport-2023-06-13.osm.pbf"
CENTROIDS_CSV = "newport_oa21_pop_weighted_centroids.csv"
SUPERMARKETS_CSV = "newport_supermarkets_osm.csv"
RESIDENTS_PER_OA = 300

#: Extent of the streets of the OSM extract (lon_min, lat_min, lon_max, lat_max), from
#: the data's README: every walkable street lies inside it.
STREET_BBOX = (-3.094, 51.517, -2.868, 51.599)

#: OSM tags whose features count as one workplace each (the jobs proxy).
WORKPLACE_TAGS: dict[str, frozenset[str] | None] = {
    "office": None,  # any value
    "building": frozenset({"commercial", "retail", "industrial", "office", "warehouse",
                           "hospital", "school", "university", "college"}),
    "amenity": frozenset({"school", "hospital", "college", "university", "townhall",
                          "doctors", "clinic"}),
}

DAY_S = 86_400
EARTH_RADIUS_M = 6_371_008.8


def haversine_m(
    lon1: np.ndarray | float, lat1: np.ndarray | float,
    lon2: np.ndarray | float, lat2: np.ndarray | float,
) -> np.ndarray:
    """Great-circle distance in metres."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat, dlon = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a)))


def in_bbox(lon: pd.Series, lat: pd.Series, buffer_m: float = 0.0) -> pd.Series:
    """Whether points lie inside :data:`STREET_BBOX` grown (or shrunk) by ``buffer_m``."""
    lon_min, lat_min, lon_max, lat_max = STREET_BBOX
    dlat = buffer_m / 111_195.0  # metres per degree of latitude on the mean sphere
    dlon = dlat / math.cos(math.radians((lat_min + lat_max) / 2))
    return (lon.between(lon_min - dlon, lon_max + dlon)
            & lat.between(lat_min - dlat, lat_max + dlat))


# --------------------------------------------------------------------------- the study area


class _Workplaces(osmium.SimpleHandler):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, float, float]] = []

    def _is_workplace(self, tags: osmium.osm.TagList) -> bool:
        for key, values in WORKPLACE_TAGS.items():
            value = tags.get(key)
            if value is not None and (values is None or value in values):
                return True
        return False

    def node(self, n: osmium.osm.Node) -> None:
        if self._is_workplace(n.tags):
            self.rows.append((f"n{n.id}", n.location.lon, n.location.lat))

    def way(self, w: osmium.osm.Way) -> None:
        if self._is_workplace(w.tags):
            located = [(nd.lon, nd.lat) for nd in w.nodes if nd.location.valid()]
            if located:
                lon, lat = np.mean(located, axis=0)
                self.rows.append((f"w{w.id}", float(lon), float(lat)))


def workplaces_from_osm(pbf: Path) -> pd.DataFrame:
    """The jobs proxy: ``id, lon, lat, jobs`` (1 each), nodes and ways (mean of their nodes)."""
    handler = _Workplaces()
    handler.apply_file(str(pbf), locations=True)
    frame = pd.DataFrame(handler.rows, columns=["id", "lon", "lat"])
    frame["jobs"] = 1
    return frame


def write_newport_study(folder: Path, data: Path, *, window: str = "08:00-08:05") -> Path:
    """Write zones.csv, workplaces.csv and routes.toml into ``folder``; return routes.toml."""
    folder.mkdir(parents=True, exist_ok=True)
    oas = pd.read_csv(data / CENTROIDS_CSV, dtype={"OA21CD": str})
    zones = pd.DataFrame({"id": oas["OA21CD"], "lon": oas["lon"], "lat": oas["lat"],
                          "population": RESIDENTS_PER_OA})
    zones.to_csv(folder / "zones.csv", index=False)
    workplaces_from_osm(data / OSM_PBF).to_csv(folder / "workplaces.csv", index=False)
    toml = folder / "routes.toml"
    toml.write_text(
        "[study_area]\n"
        'name = "Newport (OA centroids, 300 residents each)"\n'
        f"gtfs = [{(data / BODS_ZIP).as_posix()!r}, {(data / RAIL_ZIP).as_posix()!r}]\n"
        f"osm = {(data / OSM_PBF).as_posix()!r}\n"
        f"date = {NEWPORT_DATE.isoformat()}\n"
        "\n[zones]\n"
        'file = "zones.csv"\nid = "id"\npopulation = "population"\n'
        "\n[[destinations]]\n"
        f'name = "supermarkets"\nfile = {(data / SUPERMARKETS_CSV).as_posix()!r}\n'
        "\n[[destinations]]\n"
        'name = "jobs"\nfile = "workplaces.csv"\nweight = "jobs"\n'
        "\n[routing]\n"
        f"departure_window = {window!r}\n"
        "max_walk_min = 15\nwalk_speed_kmh = 4.8\nmax_rides = 3\nmax_trip_min = 120\n"
        "\n[scoring]\n"
        "job_cutoff_min = 45\nspace_cutoff_min = 30\n",
        encoding="utf-8",
    )
    return toml


# --------------------------------------------------------------------------- GTFS, by hand


def read_gtfs_table(feed: Path, name: str, **kwargs: object) -> pd.DataFrame:
    """One table of a zipped feed, every column as text (``""`` when empty)."""
    with zipfile.ZipFile(feed) as archive:
        if name not in archive.namelist():
            return pd.DataFrame()
        with archive.open(name) as handle:
            return pd.read_csv(handle, dtype=str, keep_default_na=False, **kwargs)


def services_running(feed: Path, day: dt.date) -> set[str]:
    """service_ids running on ``day``: calendar.txt, plus additions, minus removals."""
    calendar = read_gtfs_table(feed, "calendar.txt")
    dates = read_gtfs_table(feed, "calendar_dates.txt")
    ymd, weekday = day.strftime("%Y%m%d"), day.strftime("%A").lower()
    running = set(calendar.loc[(calendar[weekday] == "1") & (calendar["start_date"] <= ymd)
                               & (calendar["end_date"] >= ymd), "service_id"])
    if len(dates):
        on_day = dates[dates["date"] == ymd]
        running |= set(on_day.loc[on_day["exception_type"] == "1", "service_id"])
        running -= set(on_day.loc[on_day["exception_type"] == "2", "service_id"])
    return running


def _seconds(clock: pd.Series) -> pd.Series:
    """HH:MM:SS (hours may pass 23; H:MM:SS too) to seconds; ``-1`` where empty."""
    given = clock != ""
    text = clock.where(given, "00:00:00").str.zfill(8)
    if (text.str.len() == 8).all():  # fixed width: read the digits as bytes
        digits = (np.frombuffer(text.to_numpy().astype("S8").tobytes(), dtype=np.uint8)
                  .reshape(-1, 8).astype(np.int64) - ord("0"))
        seconds = pd.Series((digits[:, 0] * 10 + digits[:, 1]) * 3600
                            + (digits[:, 3] * 10 + digits[:, 4]) * 60
                            + digits[:, 6] * 10 + digits[:, 7], index=clock.index)
    else:
        parts = text.str.split(":", expand=True).astype(int)
        seconds = parts[0] * 3600 + parts[1] * 60 + parts[2]
    return seconds.where(given, -1)


def trips_of_the_day(feed: Path, day: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The trips of ``day`` and the previous day's trips still running after midnight.

    Returns
    -------
    trips
        One row per trip with the trips.txt and routes.txt columns, ``service``
        (route short name, else long name, else route_id), ``tid`` (the trip ID,
        ``@-1d`` appended for carried-over trips), ``carried`` and ``signature``:
        the trip's stops with their arrival and departure seconds after midnight
        of ``day``.
    stop_times
        ``tid, stop_id, arr, dep`` of those trips (seconds after midnight of ``day``).

    Notes
    -----
    A carried-over trip keeps, as R5 does, its stops from the first departure at
    or after 24:00 (times minus 24 h, an earlier arrival there becoming 0) and
    needs two such stops.
    """
    trips = read_gtfs_table(feed, "trips.txt")
    routes = read_gtfs_table(feed, "routes.txt")
    stop_times = read_gtfs_table(
        feed, "stop_times.txt",
        usecols=["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"],
    )
    stop_times["sequence"] = stop_times["stop_sequence"].astype(int)
    stop_times = stop_times.sort_values(["trip_id", "sequence"], kind="stable")
    stop_times["arr"] = _seconds(stop_times["arrival_time"])
    stop_times["dep"] = _seconds(stop_times["departure_time"])

    today = trips[trips["service_id"].isin(services_running(feed, day))]
    yesterday = trips[trips["service_id"].isin(
        services_running(feed, day - dt.timedelta(days=1)))]
    rows_today = stop_times[stop_times["trip_id"].isin(today["trip_id"])].assign(
        tid=lambda f: f["trip_id"])
    late = stop_times[stop_times["trip_id"].isin(yesterday["trip_id"])
                      & (stop_times["dep"] >= DAY_S)].copy()
    late["arr"] = (late["arr"] - DAY_S).clip(lower=0)
    late["dep"] = late["dep"] - DAY_S
    late = late[late.groupby("trip_id")["trip_id"].transform("size") >= 2]
    late["tid"] = late["trip_id"] + "@-1d"
    rows = pd.concat([rows_today, late], ignore_index=True)
    cell = rows["stop_id"] + "|" + rows["arr"].astype(str) + "|" + rows["dep"].astype(str)
    per_trip = pd.DataFrame({
        "trip_id": rows.groupby("tid", sort=False)["trip_id"].first(),
        "signature": cell.groupby(rows["tid"], sort=False).agg(";".join),
    })
    per_trip["carried"] = per_trip.index.str.endswith("@-1d")
    out = per_trip.rename_axis("tid").reset_index().merge(trips, on="trip_id", how="left")
    out = out.merge(routes, on="route_id", how="left", suffixes=("", "_route"))
    for column in ("agency_id", "route_short_name", "route_long_name"):
        out[column] = out[column].fillna("") if column in out else ""
    service = out["route_short_name"].where(out["route_short_name"] != "",
                                            out["route_long_name"])
    out["service"] = service.where(service != "", out["route_id"])
    return out, rows[["tid", "stop_id", "arr", "dep"]]


def duplicate_groups(day_trips: pd.DataFrame) -> pd.DataFrame:
    """The trips that have an exact twin: same agency, service, stops and times.

    Returns those trips with a ``group`` number shared by twins; ``len(result) -
    result.group.nunique()`` is how many are redundant.
    """
    key = ["agency_id", "service", "signature"]
    size = day_trips.groupby(key)["tid"].transform("size")
    twins = day_trips[size > 1].copy()
    twins["group"] = twins.groupby(key).ngroup()
    return twins
