"""The bus timetable of a study area: the BODS regional GTFS files, restricted and merged."""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry

from routes.errors import GtfsError, RoutesWarning
from routes.io import atomic_path
from routes.timetable.calendar import parse_calendar
from routes.timetable.read import Problems, read_gtfs_feed

__all__ = ["choose_service_date", "merge_feeds", "restrict_feed_to_area", "restrict_feeds_to_area"]

logger = logging.getLogger(__name__)

_TUESDAY = 1
_WEEKS_CONSIDERED = 8


_TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "agency": ("agency_id",),
    "stops": ("stop_id",),
    "routes": ("route_id",),
    "trips": ("trip_id",),
    "stop_times": ("trip_id", "stop_sequence"),
    "calendar": ("service_id",),
    "calendar_dates": ("service_id", "date"),
    "shapes": ("shape_id", "shape_pt_sequence"),
    "frequencies": ("trip_id", "start_time"),
    "transfers": ("from_stop_id", "to_stop_id"),
    "fare_attributes": ("fare_id",),
    "fare_rules": (),
    "attributions": (),
}
"""The GTFS tables kept when feeds are merged, with the columns that identify a row."""


def _restricted(source: Path, area: BaseGeometry) -> Any:
    import gtfs_kit

    feed = read_gtfs_feed(source, source.stem)
    logger.info("%s: %s trips in the regional feed", source.name, f"{len(feed.trips):,}")
    restricted = gtfs_kit.restrict_to_area(
        feed, gpd.GeoDataFrame(geometry=[area], crs="EPSG:4326"))
    logger.info("%s: %s trips call in the study area", source.name,
                f"{len(restricted.trips):,}")
    return restricted


def merge_feeds(feeds: Sequence[Any], names: Sequence[str]) -> Any:
    """One feed holding every row of ``feeds``, each row once.

    BODS regional files come from one database, so a trip that calls in two
    regions appears in both files with the same identifiers; identical rows
    are kept once. ``feed_info`` keeps one row spanning all the feeds' dates.

    Parameters
    ----------
    feeds
        ``gtfs_kit.Feed`` objects.
    names
        Their file names, for messages.

    Returns
    -------
    gtfs_kit.Feed
        The merged feed (distances in the first feed's units).

    Raises
    ------
    GtfsError
        If two feeds hold different rows under the same identifier (files
        published on different days: download them again).
    """
    import gtfs_kit

    tables: dict[str, pd.DataFrame | None] = {}
    for table, key in _TABLE_KEYS.items():
        parts = [t for f in feeds if (t := getattr(f, table, None)) is not None]
        if not parts:
            tables[table] = None
            continue
        merged = pd.concat(parts, ignore_index=True).drop_duplicates(ignore_index=True)
        if key and all(k in merged.columns for k in key) and merged.duplicated(list(key)).any():
            clash = merged.loc[merged.duplicated(list(key), keep=False), list(key)].iloc[0]
            msg = (f"{' + '.join(names)}: {table}.txt holds different rows for "
                   f"{', '.join(f'{k}={v!r}' for k, v in clash.items())}; the regional files "
                   "were published on different days; run routes fetch again with --refresh")
            raise GtfsError(msg)
        tables[table] = merged
    infos = [f.feed_info for f in feeds if getattr(f, "feed_info", None) is not None]
    feed_info = None
    if infos:
        feed_info = infos[0].head(1).copy()
        every = pd.concat(infos, ignore_index=True)
        for column, pick in (("feed_start_date", min), ("feed_end_date", max)):
            if column in every.columns and every[column].notna().any():
                feed_info[column] = pick(every[column].dropna().astype(str))
    return gtfs_kit.Feed(dist_units=feeds[0].dist_units, feed_info=feed_info, **tables)


def restrict_feeds_to_area(sources: Sequence[Path], area: BaseGeometry, dest: Path) -> Any:
    """Write the trips of one or more GTFS feeds that stop inside ``area`` to one feed.

    Uses :func:`gtfs_kit.restrict_to_area` on each feed: a trip is kept whole
    if at least one of its stops lies in the area, so journeys that leave the
    district are not cut short. Several feeds (neighbouring BODS regions) are
    then merged with :func:`merge_feeds`.

    Parameters
    ----------
    sources
        The regional GTFS zips.
    area
        WGS84 polygon (the district with its buffer).
    dest
        The ``.zip`` to write; written beside itself and renamed into place.

    Returns
    -------
    gtfs_kit.Feed
        The restricted feed, as written to ``dest`` (pass it on to
        :func:`choose_service_date` to save reading ``dest`` again).

    Raises
    ------
    GtfsError
        If a feed cannot be read, the feeds disagree, or no trip stops in the
        area.
    """
    names = [s.name for s in sources]
    restricted = [_restricted(s, area) for s in sources]
    feed = restricted[0] if len(restricted) == 1 else merge_feeds(restricted, names)
    n_trips = len(feed.trips)
    if n_trips == 0:
        msg = (f"{' + '.join(names)}: no trip of the regional feed stops in the study area; "
               "is it the right region's feed?")
        raise GtfsError(msg)
    with atomic_path(dest, overwrite=True) as tmp:
        feed.to_file(tmp)
    logger.info("BODS GTFS: kept %s trips calling in the study area", f"{n_trips:,}")
    return feed


def restrict_feed_to_area(source: Path, area: BaseGeometry, dest: Path) -> Any:
    """Write the trips of a GTFS feed that stop inside ``area`` to a new feed.

    The one-feed case of :func:`restrict_feeds_to_area`.
    """
    return restrict_feeds_to_area([source], area, dest)


def choose_service_date(
    feed_path: Path, *, today: dt.date | None = None, feed: Any = None,
) -> dt.date:
    """Pick a Tuesday with full service: the busiest in the feed's next eight weeks.

    Parameters
    ----------
    feed_path
        A GTFS feed.
    feed
        The same feed already read (a ``gtfs_kit.Feed``), if at hand; it is
        then not read from ``feed_path`` again.
    today
        Count weeks from this day (default: today); if the feed's dates lie
        wholly before or after it, from the feed's first date instead (with a
        warning).

    Returns
    -------
    datetime.date
        The Tuesday on which the most trips run (the earliest, on a tie),
        which steers clear of bank holidays and school-holiday timetables.

    Raises
    ------
    GtfsError
        If the feed has no dates, or no trip runs on any Tuesday considered.

    Warns
    -----
    RoutesWarning
        If the feed's dates do not include ``today`` (an old download, or a
        timetable not yet in force).
    """
    feed = feed if feed is not None else read_gtfs_feed(feed_path, feed_path.stem)
    calendar = parse_calendar(feed, Problems())
    first, last = calendar.date_range()
    if first is None or last is None:
        msg = f"{feed_path.name}: the feed has no service dates in calendar.txt or " \
              "calendar_dates.txt"
        raise GtfsError(msg)
    today = today or dt.date.today()
    start = today if first <= today <= last else first
    if start != today:
        msg = (
            f"{feed_path.name}: the timetable runs from {first} to {last}, which does not "
            f"include today ({today}); the service date is taken from its first weeks; run "
            "routes fetch with --refresh for the current timetable"
        )
        warnings.warn(msg, RoutesWarning, stacklevel=2)
    start += dt.timedelta(days=(_TUESDAY - start.weekday()) % 7)
    trips_per_service = feed.trips["service_id"].astype(str).value_counts()
    best: tuple[int, dt.date] | None = None
    for week in range(_WEEKS_CONSIDERED):
        day = start + dt.timedelta(weeks=week)
        if day > last:
            break
        n = int(trips_per_service.reindex(list(calendar.active_services(day))).fillna(0).sum())
        if n and (best is None or n > best[0]):
            best = (n, day)
    if best is None:
        msg = f"{feed_path.name}: no trip runs on a Tuesday between {start} and {last}; " \
              "set [study_area].date in routes.toml by hand"
        raise GtfsError(msg)
    logger.info("service date: %s, with %s trips", best[1], f"{best[0]:,}")
    return best[1]
