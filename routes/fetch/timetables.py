"""The bus timetable of a study area: the BODS regional GTFS, restricted to the area."""

from __future__ import annotations

import datetime as dt
import logging
import os
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
from shapely.geometry.base import BaseGeometry

from routes._gtfs_read import Problems, parse_calendar, read_gtfs_feed
from routes.errors import GtfsError, RoutesWarning

__all__ = ["choose_service_date", "restrict_feed_to_area"]

logger = logging.getLogger(__name__)

_TUESDAY = 1
_WEEKS_CONSIDERED = 8


def restrict_feed_to_area(source: Path, area: BaseGeometry, dest: Path) -> Any:
    """Write the trips of a GTFS feed that stop inside ``area`` to a new feed.

    Uses :func:`gtfs_kit.restrict_to_area`: a trip is kept whole if at least
    one of its stops lies in the area, so journeys that leave the district are
    not cut short.

    Parameters
    ----------
    source
        The regional GTFS zip.
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
        If the feed cannot be read or no trip stops in the area.
    """
    import gtfs_kit

    feed = read_gtfs_feed(source, source.stem)
    logger.info("BODS GTFS: %s trips in the regional feed", f"{len(feed.trips):,}")
    restricted = gtfs_kit.restrict_to_area(
        feed, gpd.GeoDataFrame(geometry=[area], crs="EPSG:4326"))
    n_trips = len(restricted.trips)
    if n_trips == 0:
        msg = f"{source.name}: no trip of the regional feed stops in the study area; is it " \
              "the right region's feed?"
        raise GtfsError(msg)
    tmp = dest.with_name(f".{dest.name}.part.zip")
    restricted.to_file(tmp)
    os.replace(tmp, dest)
    logger.info("BODS GTFS: kept %s trips calling in the study area", f"{n_trips:,}")
    return restricted


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
