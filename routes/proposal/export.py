"""Export a proposal's new routes as a GTFS feed.

Only the new routes are exported; modifications of existing routes apply to
the baseline feeds (see :mod:`routes.proposal.modifications`).

Every id is prefixed ``proposal_<proposal slug>`` so the feed can be loaded next
to real feeds without collisions:

================  =======================================================
id                form
================  =======================================================
``agency_id``     ``proposal_<p>``
``route_id``      ``proposal_<p>_<route slug>``
``service_id``    ``proposal_<p>_<route slug>_days``
``stop_id``       ``proposal_<p>_<route slug>_s<NNN>`` (stops are per route)
``trip_id``       ``proposal_<p>_<route slug>_d<direction>_<HHMMSS>``
================  =======================================================
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from routes.errors import OutputExistsError
from routes.proposal.model import Proposal, Weekday
from routes.proposal.trips import compute_proposal_trips
from routes.timetable.export import write_gtfs_tables
from routes.timetable.gtfs_time import format_gtfs_times

__all__ = [
    "DEFAULT_AGENCY_URL",
    "DEFAULT_SERVICE_DATES",
    "DEFAULT_TIMEZONE",
    "build_proposal_feed",
    "write_proposal_feed",
]

logger = logging.getLogger(__name__)

DEFAULT_SERVICE_DATES = (dt.date(2000, 1, 1), dt.date(2099, 12, 31))
"""Calendar range of the exported services: wide enough to overlap any baseline feed."""
DEFAULT_TIMEZONE = "Europe/London"
DEFAULT_AGENCY_URL = "https://example.org/community-routes"
"""Placeholder for the required ``agency_url`` (a proposal has no operator yet)."""

_TABLE_ORDER = ("agency", "routes", "stops", "calendar", "trips", "stop_times")
_DAY_COLUMNS = (
    ("monday", Weekday.MON),
    ("tuesday", Weekday.TUE),
    ("wednesday", Weekday.WED),
    ("thursday", Weekday.THU),
    ("friday", Weekday.FRI),
    ("saturday", Weekday.SAT),
    ("sunday", Weekday.SUN),
)


def build_proposal_feed(
    proposal: Proposal,
    service_dates: dt.date | tuple[dt.date, dt.date] = DEFAULT_SERVICE_DATES,
    *,
    timezone: str = DEFAULT_TIMEZONE,
    agency_url: str = DEFAULT_AGENCY_URL,
) -> dict[str, pd.DataFrame]:
    """Build GTFS tables for a proposal's new routes.

    Parameters
    ----------
    proposal
        The proposal.
    service_dates
        First and last date of the calendar (inclusive), or one date.
    timezone
        ``agency_timezone``; use the baseline feeds' timezone (e.g.
        ``"America/Sao_Paulo"`` for Porto Alegre).
    agency_url
        ``agency_url`` (GTFS requires one).

    Returns
    -------
    dict[str, pandas.DataFrame]
        Tables keyed by GTFS file stem, with gtfs_kit dtypes:

        - ``agency``: ``agency_id``, ``agency_name``, ``agency_url``, ``agency_timezone``;
        - ``routes``: ``route_id``, ``agency_id``, ``route_short_name`` (the route
          name), ``route_long_name``, ``route_type``;
        - ``stops``: ``stop_id``, ``stop_name``, ``stop_lat``, ``stop_lon`` (WGS84
          degrees), ``location_type``;
        - ``calendar``: ``service_id``, ``monday`` ... ``sunday`` (1 = runs),
          ``start_date``, ``end_date`` (``YYYYMMDD``);
        - ``trips``: ``route_id``, ``service_id``, ``trip_id``, ``trip_headsign``,
          ``direction_id`` (0 as drawn, 1 reversed);
        - ``stop_times``: ``trip_id``, ``arrival_time``, ``departure_time``
          (``HH:MM:SS``, past 24:00 for after midnight), ``stop_id``,
          ``stop_sequence`` (from 1), ``timepoint`` (1: every time is exact).
          There is no ``shapes`` table, so no ``shape_dist_traveled`` either (its
          unit would be ambiguous).

    Raises
    ------
    ValueError
        If the last service date is before the first.

    Notes
    -----
    Trips leave the first stop at every departure of
    :func:`routes.proposal.schedule.compute_departures_s`; bidirectional routes run the
    reverse direction at the same times from the other end. Times at stops come
    from :func:`routes.proposal.schedule.compute_stop_offsets_s`: running time
    ``distance / speed`` between stops, and at intermediate stops a bus arrives,
    then departs ``dwell_s`` later. Stops are not shared between routes.
    """
    if isinstance(service_dates, dt.date):
        start_date, end_date = service_dates, service_dates
    else:
        start_date, end_date = service_dates
    if end_date < start_date:
        msg = f"service_dates {start_date} to {end_date}: the end is before the start"
        raise ValueError(msg)
    laid = compute_proposal_trips(proposal)
    agency = pd.DataFrame(
        {
            "agency_id": [laid.agency_id],
            "agency_name": [f"Proposal {proposal.name}"],
            "agency_url": [agency_url],
            "agency_timezone": [timezone],
        }
    )
    routes = [
        {
            "route_id": route_id,
            "agency_id": laid.agency_id,
            "route_short_name": route.name,
            "route_long_name": f"{route.name} (proposal {proposal.name})",
            "route_type": route.route_type,
        }
        for route, route_id in zip(proposal.routes, laid.route_ids, strict=True)
    ]
    calendar = [
        {"service_id": f"{route_id}_days"}
        | {column: int(day in route.days) for column, day in _DAY_COLUMNS}
        | {"start_date": start_date.strftime("%Y%m%d"), "end_date": end_date.strftime("%Y%m%d")}
        for route, route_id in zip(proposal.routes, laid.route_ids, strict=True)
    ]
    route_ids = np.asarray(laid.route_ids, dtype=object)
    n_stops = np.diff(laid.stop_ptr)
    trip_of_row = np.repeat(np.arange(laid.n_trips), n_stops)
    first_row = np.repeat(laid.stop_ptr[:-1], n_stops)
    tables = {
        "agency": agency,
        "routes": pd.DataFrame(routes, columns=list(_COLUMNS["routes"])),
        "stops": pd.DataFrame({
            "stop_id": laid.stop_ids.astype(str),
            "stop_name": laid.stop_names.astype(str),
            "stop_lat": laid.stop_lat,
            "stop_lon": laid.stop_lon,
            "location_type": 0,
        }),
        "calendar": pd.DataFrame(calendar, columns=list(_COLUMNS["calendar"])),
        "trips": pd.DataFrame({
            "route_id": route_ids[laid.trip_route].astype(str),
            "service_id": (route_ids[laid.trip_route] + "_days").astype(str),
            "trip_id": laid.trip_ids.astype(str),
            "trip_headsign": laid.trip_headsigns.astype(str),
            "direction_id": laid.trip_direction,
        }),
        "stop_times": pd.DataFrame({
            "trip_id": laid.trip_ids.astype(str)[trip_of_row],
            "arrival_time": format_gtfs_times(laid.arrival_s),
            "departure_time": format_gtfs_times(laid.departure_s),
            "stop_id": laid.stop_ids.astype(str)[laid.stops],
            "stop_sequence": np.arange(len(laid.stops)) - first_row + 1,
            "timepoint": 1,
        }),
    }
    return {name: _typed(df, name) for name, df in tables.items()}


_COLUMNS: dict[str, dict[str, str]] = {
    "agency": {
        "agency_id": "string",
        "agency_name": "string",
        "agency_url": "string",
        "agency_timezone": "string",
    },
    "routes": {
        "route_id": "string",
        "agency_id": "string",
        "route_short_name": "string",
        "route_long_name": "string",
        "route_type": "Int32",
    },
    "stops": {
        "stop_id": "string",
        "stop_name": "string",
        "stop_lat": "float64",
        "stop_lon": "float64",
        "location_type": "Int32",
    },
    "calendar": {"service_id": "string"}
    | {column: "Int32" for column, _ in _DAY_COLUMNS}
    | {"start_date": "string", "end_date": "string"},
    "trips": {
        "route_id": "string",
        "service_id": "string",
        "trip_id": "string",
        "trip_headsign": "string",
        "direction_id": "Int32",
    },
    "stop_times": {
        "trip_id": "string",
        "arrival_time": "string",
        "departure_time": "string",
        "stop_id": "string",
        "stop_sequence": "Int32",
        "timepoint": "Int32",
    },
}


def _typed(df: pd.DataFrame, table: str) -> pd.DataFrame:
    columns = _COLUMNS[table]
    return df.reindex(columns=list(columns)).astype(columns)


def write_proposal_feed(
    proposal: Proposal,
    out_path: Path,
    *,
    overwrite: bool = False,
    service_dates: dt.date | tuple[dt.date, dt.date] = DEFAULT_SERVICE_DATES,
    timezone: str = DEFAULT_TIMEZONE,
) -> Path:
    """Write a proposal's new routes as a GTFS zip.

    Parameters
    ----------
    proposal
        The proposal.
    out_path
        The zip file to write; its folder is created if missing.
    overwrite
        Replace an existing file.
    service_dates, timezone
        As for :func:`build_proposal_feed`.

    Returns
    -------
    Path
        ``out_path``.

    Raises
    ------
    OutputExistsError
        If ``out_path`` exists and ``overwrite`` is false.

    Notes
    -----
    The zip is written to a temporary file in the same folder and renamed into
    place, so a reader never sees a partial file.
    """
    out_path = Path(out_path)
    if out_path.exists() and not overwrite:
        msg = (
            f"{out_path}: already exists; choose another path, or overwrite it with "
            "overwrite=True (--force on the command line)"
        )
        raise OutputExistsError(msg)
    tables = build_proposal_feed(proposal, service_dates, timezone=timezone)
    write_gtfs_tables({name: tables[name] for name in _TABLE_ORDER}, out_path, overwrite=True)
    logger.info(
        "proposal %s: wrote %s (%d routes, %d trips)",
        proposal.name,
        out_path,
        len(tables["routes"]),
        len(tables["trips"]),
    )
    return out_path
