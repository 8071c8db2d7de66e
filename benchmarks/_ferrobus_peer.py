"""Peer benchmark helpers for ``ferrobus`` (Rust RAPTOR, PyPI 0.2.1).

Used to benchmark our range-RAPTOR engine against an independent implementation on the
Porto Alegre sample (see ``_poa.py``). Facts below were checked against the installed
wheel (stub ``site-packages/ferrobus/__init__.pyi``, strings in the ``.so``, upstream
source github.com/chingiztob/ferrobus, and behavioural tests on POA and on a synthetic
OSM/GTFS in /tmp/ferrobus_scratch/synth).

API used (all times are integer seconds)
----------------------------------------
* ``create_transit_model(osm_path: str, gtfs_dirs: list[str], date: datetime.date | None,
  max_transfer_time: int = 1200) -> TransitModel`` - the stub docstring says the default
  is 1800, the real signature default is 1200. GTFS must be *folders*; stops, routes,
  trips, stop_times, calendar are required; feed_info, calendar_dates, transfers are
  optional ("Skipping optional GTFS file" log). Builds in ~0.3 s for POA.
* ``create_transit_point(lat, lon, model, max_walking_time=1200, max_nearest_stops=10)``
  (note lat before lon). Raises ``ValueError`` when no street node is within reach
  (3 of the 1,227 POA hexes).
* ``travel_time_matrix(model, points, departure_time, max_transfers)
  -> list[list[int | None]]``: all-to-all, rayon-parallel over origins (uses all cores),
  ``None`` = unreachable, diagonal 0. Row i equals ``find_routes_one_to_many`` from i.
* ``range_multimodal_routing(model, start, end, (t0, t1), max_transfers=3)``: one-to-one
  only (returns ``RangeRoutingResult`` with ``travel_times()``, ``departure_times()``,
  ``median_travel_time()``) - there is no all-to-all range call, so a 60-minute window
  is benchmarked as 60 ``travel_time_matrix`` calls (:func:`ferrobus_range_matrix`).

Semantics
---------
* ``max_transfers`` is the number of RAPTOR rounds = the maximum number of **rides**
  (not rides - 1): with 0 only walking is possible (detailed journeys have no transit
  leg), with 1 at most one transit leg, with 2 at most two, ... So pass 3 for
  "at most 3 rides". (find_route's ``transfers`` field also counts rides.)
* Service date: ``date`` keeps trips whose calendar.txt *weekday* flag is set for that
  weekday, then applies calendar_dates.txt exceptions of exactly that date.
  calendar ``start_date``/``end_date`` are ignored (Mon 2030-01-07 loads the same trips
  as Mon 2019-05-13; Wed 2019-05-01, a holiday, loads fewer). ``date=None`` loads every
  trip of every service at once (TRENSURB weekday + Saturday + Sunday trips together:
  226 routes / 144,874 stop times instead of 222 / 136,366), which inflates
  frequencies and trip counts - always pass a date. We use Monday 2019-05-13.
* Time: ``departure_time`` is seconds after midnight of that service day; GTFS times
  > 24:00:00 are read as-is; departures > 172800 s are rejected (row becomes None).
  No previous-day/overnight wrap. An *empty* GTFS time parses as 00:00:00, hence
  :func:`prepare_gtfs_for_ferrobus`. (``TransitModel.__repr__``'s "trips" count is
  really the number of stop times.)
* Trip patterns: 0.2.1 builds one RAPTOR route per distinct stop sequence (route count
  is identical with and without :func:`split_route_patterns`).

Walking - configurable vs fixed
-------------------------------
* Walking speed: **fixed** at 1.4 m/s (``WALKING_SPEED`` compile-time constant in
  ferrobus-core; a 1,400 m single-edge footway takes 1,000-1,001 s). Each street edge
  weight is truncated to whole seconds (14 x 100 m edges -> 994 s, not 1,000), a small
  optimistic bias. The point-to-nearest-street-node snap distance is not counted.
* ``max_walking_time`` (per TransitPoint, seconds): caps access walk, egress walk and
  the direct walk-only trip; 1200 = our "<= 20 min walking at each end".
* ``max_transfer_time`` (model build, seconds): cap for stop-to-stop footpaths
  (street-network Dijkstra between snapped stops). A "walk-only" result can still
  exceed ``max_walking_time`` by chaining access + one footpath + egress.
* ``max_nearest_stops`` (per TransitPoint): number of candidate stops kept (within
  ``max_walking_time``, sorted by walk time). It only matters at the **destination**:
  the **origin uses only its single nearest stop** (``MAX_CANDIDATE_STOPS = 1``; the
  stub says find_route "scans fewer possible egress stops"). Verified: origins built
  with max_nearest_stops 1, 10 or 50 give identical results, while destinations with 1
  instead of 10 stops are slower for ~40 % of pairs, and 50 instead of 10 faster for
  ~8 %. Use a huge value (e.g. 100000) for "all egress stops within max_walking_time".
* No trip-duration cutoff (``travel_time_statistics`` has ``filter_cutoff`` only for
  its statistic): apply the 120-min limit afterwards (``max_trip_s=7200``).
* Results are not bit-reproducible across model builds / point creation: ties (equal
  walk times to several stops, several stops on one street node) are broken in hash-map
  order. On POA two builds differ on ~0.3 % of pairs (median 10 s, max ~18 min);
  repeated calls on the same model + points are identical.
* Not configurable at all: walking speed, number of access stops, transfer penalty /
  minimum transfer time (GTFS transfers.txt is read when present), routing date after
  the model is built.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

try:  # ferrobus is only in the ``bench`` dependency group
    import ferrobus
except ImportError:  # pragma: no cover - exercised only without the bench group
    ferrobus = None

_PREP_VERSION = 1  # bump when the output of prepare_gtfs_for_ferrobus changes
_EARTH_RADIUS_M = 6_371_008.8
_SEP = "::p"  # route_id suffix for split stop patterns

#: Monday 2019-05-13, inside both POA feeds, not a holiday.
POA_MONDAY = dt.date(2019, 5, 13)


# --------------------------------------------------------------------------- GTFS prep


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _read_zip_tables(src_zip: Path) -> dict[str, pd.DataFrame]:
    """Read every ``*.txt`` in a GTFS zip as all-string tables with stripped headers."""
    tables: dict[str, pd.DataFrame] = {}
    with zipfile.ZipFile(src_zip) as z:
        for name in z.namelist():
            if not name.endswith(".txt") or name.endswith("/"):
                continue
            with z.open(name) as f:
                df = pd.read_csv(f, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            df.columns = [str(c).strip().lstrip("\ufeff") for c in df.columns]
            tables[Path(name).name[:-4]] = df
    return tables


def _hms_to_s(s: pd.Series) -> np.ndarray:
    """'H:MM:SS' (hours may exceed 24) -> float seconds, NaN for empty/invalid."""
    parts = s.astype(str).str.strip().str.split(":", expand=True)
    if parts.shape[1] < 3:
        return np.full(len(s), np.nan)
    h, m, sec = (pd.to_numeric(parts[i], errors="coerce") for i in range(3))
    return (h * 3600 + m * 60 + sec).to_numpy(dtype=np.float64)


def _s_to_hms(sec: np.ndarray) -> np.ndarray:
    """Integer seconds -> zero-padded 'HH:MM:SS' (hours may exceed 24)."""
    sec = np.asarray(sec, dtype=np.int64)
    h, rem = np.divmod(sec, 3600)
    m, s = np.divmod(rem, 60)
    hh = pd.Series(h).astype(str).str.zfill(2)
    mm = pd.Series(m).astype(str).str.zfill(2)
    ss = pd.Series(s).astype(str).str.zfill(2)
    return (hh + ":" + mm + ":" + ss).to_numpy()


def _haversine_m(lat1, lon1, lat2, lon2) -> np.ndarray:
    lat1, lon1, lat2, lon2 = (
        np.radians(np.asarray(a, dtype=np.float64)) for a in (lat1, lon1, lat2, lon2)
    )
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * _EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def fill_stop_times(stop_times: pd.DataFrame, stops: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Linearly interpolate untimed stop times between timed neighbours of the same trip.

    The interpolation coordinate is ``shape_dist_traveled`` for trips where it is given on
    every row, else the cumulative haversine distance between consecutive stops; if the two
    bracketing timepoints are at the same distance, the stop index is used instead.
    An untimed row gets ``arrival = departure = interpolated``; a row with only one of
    arrival/departure gets the other copied. Rows before the first / after the last
    timepoint of a trip cannot be interpolated and are dropped (as are trips left with
    fewer than two rows). Adds a GTFS ``timepoint`` column (1 = original, 0 = filled).
    Returns the filled table (sorted by trip, stop_sequence) and a small stats dict.
    """
    st = stop_times.copy()
    st["_seq"] = pd.to_numeric(st["stop_sequence"], errors="raise")
    st = st.sort_values(["trip_id", "_seq"], kind="stable").reset_index(drop=True)
    trip = st["trip_id"].to_numpy()

    arr = _hms_to_s(st["arrival_time"])
    dep = _hms_to_s(st["departure_time"])
    arr = np.where(np.isnan(arr), dep, arr)
    dep = np.where(np.isnan(dep), arr, dep)
    timed = ~np.isnan(arr)

    # distance coordinate ------------------------------------------------------------
    new_trip = np.r_[True, trip[1:] != trip[:-1]]
    lat = st["stop_id"].map(stops.set_index("stop_id")["stop_lat"].astype(float)).to_numpy()
    lon = st["stop_id"].map(stops.set_index("stop_id")["stop_lon"].astype(float)).to_numpy()
    step = np.r_[0.0, _haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:])]
    step[new_trip | np.isnan(step)] = 0.0
    cum = pd.Series(step).groupby(trip, sort=False).cumsum().to_numpy()
    if "shape_dist_traveled" in st.columns:
        sdt = pd.to_numeric(st["shape_dist_traveled"], errors="coerce")
        trip_has_sdt = sdt.notna().groupby(trip, sort=False).transform("all").to_numpy()
        cum = np.where(trip_has_sdt, sdt.to_numpy(dtype=np.float64), cum)
    else:
        trip_has_sdt = np.zeros(len(st), dtype=bool)
    pos = st.groupby("trip_id", sort=False).cumcount().to_numpy(dtype=np.float64)

    # bracketing timepoints ------------------------------------------------------------
    def ffill(v):
        return pd.Series(np.where(timed, v, np.nan)).groupby(trip, sort=False).ffill().to_numpy()

    def bfill(v):
        return pd.Series(np.where(timed, v, np.nan)).groupby(trip, sort=False).bfill().to_numpy()

    t0, x0, p0 = ffill(dep), ffill(cum), ffill(pos)
    t1, x1, p1 = bfill(arr), bfill(cum), bfill(pos)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(
            x1 > x0, (cum - x0) / (x1 - x0), np.where(p1 > p0, (pos - p0) / (p1 - p0), 0.0)
        )
    interp = t0 + np.clip(frac, 0.0, 1.0) * (t1 - t0)
    arr = np.where(timed, arr, interp)
    dep = np.where(timed, dep, interp)

    keep = ~np.isnan(arr)
    n_drop_rows = int((~keep).sum())
    st["arrival_time"] = ""
    st["departure_time"] = ""
    st.loc[keep, "arrival_time"] = _s_to_hms(np.rint(arr[keep]))
    st.loc[keep, "departure_time"] = _s_to_hms(np.rint(dep[keep]))
    st["timepoint"] = np.where(timed, "1", "0")
    st = st.loc[keep]
    ntrip = st.groupby("trip_id")["trip_id"].transform("size")
    n_drop_trips = int(st.loc[ntrip < 2, "trip_id"].nunique())
    st = st.loc[ntrip >= 2].drop(columns="_seq").reset_index(drop=True)
    stats = {
        "rows": len(stop_times),
        "timed_rows": int(timed.sum()),
        "filled_rows": int((~timed & keep).sum()),
        "dropped_rows_untimed_ends": n_drop_rows,
        "dropped_trips_lt2_rows": n_drop_trips,
        "rows_interp_by_shape_dist": int((trip_has_sdt & ~timed).sum()),
        "rows_unknown_stop": int(np.isnan(lat).sum()),
    }
    return st, stats


def split_route_patterns(
    trips: pd.DataFrame, routes: pd.DataFrame, stop_times: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Give every distinct stop pattern of a route its own ``route_id``.

    Older ferrobus sources group the trips of a GTFS route only by *number of stops* and
    take the stop order of the earliest trip of each group, so same-length patterns
    (e.g. the two directions of a line) would be timed against the wrong stops. 0.2.1
    already splits by pattern, so this is off by default. Routes with a single pattern
    keep their id; others become ``<route_id>::p<k>`` (routes.txt rows duplicated).
    """
    pat = stop_times.groupby("trip_id", sort=False)["stop_id"].agg("|".join)
    t = trips.copy()
    t["_pat"] = t["trip_id"].map(pat)
    n_pat = t.groupby("route_id")["_pat"].transform("nunique")
    k = t.groupby("route_id")["_pat"].transform(lambda s: pd.factorize(s, sort=True)[0])
    multi = n_pat > 1
    t.loc[multi, "route_id"] = t.loc[multi, "route_id"] + _SEP + k[multi].astype(str)
    t = t.drop(columns="_pat")
    new_ids = t[["route_id"]].drop_duplicates()
    new_ids["_orig"] = new_ids["route_id"].str.split(_SEP, n=1, regex=False).str[0]
    r = new_ids.merge(routes.rename(columns={"route_id": "_orig"}), on="_orig", how="left")
    r = r.drop(columns="_orig")[routes.columns]
    # keep routes without trips too (harmless)
    r = pd.concat([r, routes[~routes["route_id"].isin(r["route_id"])]], ignore_index=True)
    return t, r, int(multi.groupby(trips["route_id"]).any().sum())


def prepare_gtfs_for_ferrobus(
    src_zip: Path, out_dir: Path, *, split_patterns: bool = False
) -> Path:
    """Write a ferrobus-ready GTFS *folder* for ``src_zip`` under ``out_dir`` and return it.

    ferrobus reads GTFS directories (not zips), parses an empty time as 00:00:00 and needs
    every stop time, so untimed stop times are interpolated (:func:`fill_stop_times`);
    header names are stripped of stray spaces / BOM; optionally route patterns are split
    (:func:`split_route_patterns`; not needed for ferrobus 0.2.1, which already builds one
    RAPTOR route per stop pattern - verified: same ``route_count()`` with and without).
    Idempotent: the folder ``out_dir/<zip stem>_ferrobus`` is reused when its
    ``.prepared.json`` stamp (source sha256 + options + prep version) matches; it is
    (re)written atomically otherwise.
    """
    src_zip = Path(src_zip).resolve()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    dest = out_dir / f"{src_zip.stem}_ferrobus"
    stamp = {
        "prep_version": _PREP_VERSION,
        "source": str(src_zip),
        "sha256": _sha256(src_zip),
        "split_patterns": split_patterns,
    }
    marker = dest / ".prepared.json"
    if marker.exists():
        try:
            old = json.loads(marker.read_text())
        except json.JSONDecodeError:
            old = {}
        if {k: old.get(k) for k in stamp} == stamp:
            return dest

    tables = _read_zip_tables(src_zip)
    for req in ("stops", "routes", "trips", "stop_times", "calendar"):
        if req not in tables:
            raise ValueError(f"{src_zip.name}: {req}.txt missing (ferrobus needs it)")
    st, stats = fill_stop_times(tables["stop_times"], tables["stops"])
    trips = tables["trips"][tables["trips"]["trip_id"].isin(st["trip_id"])]
    stats["n_routes_split"] = 0
    if split_patterns:
        trips, routes, stats["n_routes_split"] = split_route_patterns(trips, tables["routes"], st)
        tables["routes"] = routes
    tables["trips"] = trips
    tables["stop_times"] = st

    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=out_dir))
    tmp.chmod(0o755)
    try:
        for name, df in tables.items():
            df.to_csv(tmp / f"{name}.txt", index=False)
        (tmp / ".prepared.json").write_text(json.dumps({**stamp, "stats": stats}, indent=1))
        if dest.exists():
            shutil.rmtree(dest)
        tmp.rename(dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


def prepared_stats(gtfs_dir: Path) -> dict:
    """The ``stats`` recorded by :func:`prepare_gtfs_for_ferrobus` for a prepared folder."""
    return json.loads((Path(gtfs_dir) / ".prepared.json").read_text()).get("stats", {})


# --------------------------------------------------------------------------- model


def _require_ferrobus() -> Any:
    if ferrobus is None:
        raise ImportError("ferrobus is not installed (uv sync --group bench)")
    return ferrobus


def build_model(
    osm_pbf: Path,
    gtfs_dirs: list[Path],
    max_transfer_time_s: int = 1200,
    date: dt.date | None = POA_MONDAY,
) -> Any:
    """Build a ``ferrobus.TransitModel``.

    Wraps ``create_transit_model(osm_path: str, gtfs_dirs: list[str],
    date: datetime.date | None, max_transfer_time: int = 1200)``. ``date`` selects trips
    by the calendar.txt *weekday flag* plus calendar_dates.txt exceptions of that exact
    date; ``None`` keeps every trip of every service. ``max_transfer_time_s`` is the
    street-network walking-time cap (seconds, 1.4 m/s) for stop-to-stop transfers.
    """
    fb = _require_ferrobus()
    return fb.create_transit_model(
        str(osm_pbf), [str(d) for d in gtfs_dirs], date, int(max_transfer_time_s)
    )


@dataclass
class FerrobusPoints:
    """Transit points for a fixed list of coordinates (reusable across departure times)."""

    points: list[Any]  # ferrobus.TransitPoint for the valid coordinates only
    valid: np.ndarray  # bool (n,) - False where create_transit_point failed
    n: int
    build_s: float


def make_points(
    model: Any,
    lon: np.ndarray,
    lat: np.ndarray,
    max_walk_s: int = 1200,
    max_nearest_stops: int = 10,
) -> FerrobusPoints:
    """``create_transit_point(lat, lon, model, max_walking_time, max_nearest_stops)`` per point.

    Points whose nearest street node is more than ``max_walk_s`` away raise in ferrobus;
    they are marked invalid (their matrix rows/columns stay NaN).
    """
    fb = _require_ferrobus()
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    t0 = time.perf_counter()
    pts, valid = [], np.zeros(len(lon), dtype=bool)
    for i, (x, y) in enumerate(zip(lon, lat, strict=True)):
        try:
            pts.append(
                fb.create_transit_point(
                    float(y), float(x), model, int(max_walk_s), int(max_nearest_stops)
                )
            )
            valid[i] = True
        except (ValueError, RuntimeError):
            pass
    return FerrobusPoints(pts, valid, len(lon), time.perf_counter() - t0)


def _to_array(rows: list[list[int | None]], pts: FerrobusPoints) -> np.ndarray:
    sub = np.array([[np.nan if v is None else v for v in r] for r in rows], dtype=np.float64)
    out = np.full((pts.n, pts.n), np.nan)
    idx = np.flatnonzero(pts.valid)
    out[np.ix_(idx, idx)] = sub.reshape(len(idx), len(idx))
    return out


def ferrobus_matrix(
    model: Any,
    lon: np.ndarray | None,
    lat: np.ndarray | None,
    departure_s: int,
    max_transfers: int,
    *,
    points: FerrobusPoints | None = None,
    max_walk_s: int = 1200,
    max_nearest_stops: int = 10,
    max_trip_s: float | None = None,
) -> np.ndarray:
    """All-to-all travel times (n x n float64 seconds, NaN = unreachable).

    Calls ``travel_time_matrix(model, points, departure_time, max_transfers)``.
    ``max_transfers`` is passed through unchanged: in ferrobus it is the number of RAPTOR
    rounds, i.e. the maximum number of *rides* (see module docstring), so use 3 for
    "at most 3 rides". ferrobus has no trip-duration cutoff; ``max_trip_s`` (e.g. 7200)
    masks longer results afterwards. Pass ``points`` to reuse transit points.
    """
    fb = _require_ferrobus()
    if points is None:
        points = make_points(model, lon, lat, max_walk_s, max_nearest_stops)
    rows = fb.travel_time_matrix(model, points.points, int(departure_s), int(max_transfers))
    m = _to_array(rows, points)
    if max_trip_s is not None:
        m[m > max_trip_s] = np.nan
    return m


def ferrobus_range_matrix(
    model: Any,
    lon: np.ndarray | None,
    lat: np.ndarray | None,
    start_s: int,
    max_transfers: int,
    *,
    window_s: int = 3600,
    step_s: int = 60,
    points: FerrobusPoints | None = None,
    max_walk_s: int = 1200,
    max_nearest_stops: int = 10,
    max_trip_s: float | None = None,
    timings: list[float] | None = None,
) -> np.ndarray:
    """One ``travel_time_matrix`` call per departure ``start_s, start_s+step_s, ...``
    (``window_s / step_s`` calls, default 60: one per minute of an hour).

    Returns a ``(n_departures, n, n)`` float32 array (NaN = unreachable). ferrobus has
    no all-to-all range-RAPTOR: ``range_multimodal_routing`` is one-to-one only. If
    ``timings`` is a list, the wall time of each ferrobus call is appended to it.
    """
    fb = _require_ferrobus()
    if points is None:
        points = make_points(model, lon, lat, max_walk_s, max_nearest_stops)
    deps = range(int(start_s), int(start_s) + int(window_s), int(step_s))
    out = np.empty((len(deps), points.n, points.n), dtype=np.float32)
    for k, d in enumerate(deps):
        t0 = time.perf_counter()
        rows = fb.travel_time_matrix(model, points.points, d, int(max_transfers))
        if timings is not None:
            timings.append(time.perf_counter() - t0)
        out[k] = _to_array(rows, points)
    if max_trip_s is not None:
        out[out > max_trip_s] = np.nan
    return out
