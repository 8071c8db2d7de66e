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
import re
from pathlib import Path

import numpy as np
import pandas as pd

from routes.errors import OutputExistsError
from routes.proposal.model import Proposal, ProposalRoute, Weekday
from routes.proposal.schedule import compute_departures_s, compute_stop_offsets_s
from routes.proposal.stops import compute_route_stops
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


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _route_slugs(routes: tuple[ProposalRoute, ...]) -> list[str]:
    """One unique slug per route; collisions ("Route A", "route-a") get ``_2``, ``_3``..."""
    seen: set[str] = set()
    out = []
    for index, route in enumerate(routes):
        base = _slug(route.name) or f"route{index + 1}"
        slug, n = base, 1
        while slug in seen:
            n += 1
            slug = f"{base}_{n}"
        seen.add(slug)
        out.append(slug)
    return out


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
    prefix = f"proposal_{_slug(proposal.name) or 'unnamed'}"
    agency = pd.DataFrame(
        {
            "agency_id": [prefix],
            "agency_name": [f"Proposal {proposal.name}"],
            "agency_url": [agency_url],
            "agency_timezone": [timezone],
        }
    )
    routes, stops, calendar, trips, stop_times = [], [], [], [], []
    for route, slug in zip(proposal.routes, _route_slugs(proposal.routes), strict=True):
        route_id = f"{prefix}_{slug}"
        service_id = f"{route_id}_days"
        routes.append(
            {
                "route_id": route_id,
                "agency_id": prefix,
                "route_short_name": route.name,
                "route_long_name": f"{route.name} (proposal {proposal.name})",
                "route_type": route.route_type,
            }
        )
        calendar.append(
            {"service_id": service_id}
            | {column: int(day in route.days) for column, day in _DAY_COLUMNS}
            | {"start_date": start_date.strftime("%Y%m%d"), "end_date": end_date.strftime("%Y%m%d")}
        )
        route_stops = compute_route_stops(route)
        stop_ids = np.array([f"{route_id}_s{k + 1:03d}" for k in range(len(route_stops))])
        stop_names = [s.name or f"{route.name} stop {k + 1}" for k, s in enumerate(route_stops)]
        stops.append(
            pd.DataFrame(
                {
                    "stop_id": stop_ids,
                    "stop_name": stop_names,
                    "stop_lat": [s.lat for s in route_stops],
                    "stop_lon": [s.lon for s in route_stops],
                    "location_type": 0,
                }
            )
        )
        departures_s = compute_departures_s(route)
        directions = (0, 1) if route.bidirectional else (0,)
        for direction in directions:
            reverse = direction == 1
            arrival_s, departure_s = compute_stop_offsets_s(route, route_stops, reverse=reverse)
            order = np.arange(len(route_stops))[::-1] if reverse else np.arange(len(route_stops))
            trip_ids = np.char.add(
                f"{route_id}_d{direction}_",
                np.char.replace(format_gtfs_times(departures_s), ":", ""),
            )
            trips.append(
                pd.DataFrame(
                    {
                        "route_id": route_id,
                        "service_id": service_id,
                        "trip_id": trip_ids,
                        "trip_headsign": stop_names[order[-1]],
                        "direction_id": direction,
                    }
                )
            )
            n_trips, n_stops = len(departures_s), len(order)
            stop_times.append(
                pd.DataFrame(
                    {
                        "trip_id": np.repeat(trip_ids, n_stops),
                        "arrival_time": format_gtfs_times(
                            (departures_s[:, None] + arrival_s[None, :]).ravel()
                        ),
                        "departure_time": format_gtfs_times(
                            (departures_s[:, None] + departure_s[None, :]).ravel()
                        ),
                        "stop_id": np.tile(stop_ids[order], n_trips),
                        "stop_sequence": np.tile(np.arange(1, n_stops + 1), n_trips),
                        "timepoint": 1,
                    }
                )
            )
    tables = {
        "agency": agency,
        "routes": pd.DataFrame(routes, columns=list(_COLUMNS["routes"])),
        "stops": _concat(stops, "stops"),
        "calendar": pd.DataFrame(calendar, columns=list(_COLUMNS["calendar"])),
        "trips": _concat(trips, "trips"),
        "stop_times": _concat(stop_times, "stop_times"),
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


def _concat(frames: list[pd.DataFrame], table: str) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=list(_COLUMNS[table]))
    return pd.concat(frames, ignore_index=True)


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
