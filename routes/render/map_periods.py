"""The map's change in jobs by period, when ``routes.toml`` has ``[[periods]]``.

A study area with periods gets one choropleth of the change in jobs per
departure window (the study's own window first, then each period), shown one
at a time: they are the map's base layers, which Leaflet's layer control
lists as radio buttons. Every window is coloured with the same symmetric class
breaks (:func:`period_class_breaks`), so a colour means the same change in
every period, and each zone's tooltip lists its change in every window
("am_peak 07:00-09:00: +1,200 jobs"). Nothing here is computed from travel
times: the values are the run's ``zones.csv`` columns, a period's ending with
``_<period>``.

Period names come from the user's ``routes.toml``; they reach the page
HTML-escaped inside JSON data (tooltips) and layer names, as every other
user-supplied string of the map.

Examples
--------
>>> from routes.config.periods import Period
>>> evening = MapPeriod.of(Period("evening", 19 * 3600, 21 * 3600))
>>> evening.label, evening.suffix
('evening 19:00-21:00', '_evening')
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from routes._format import format_number
from routes.config.periods import Period, format_clock
from routes.config.study_area import StudyArea
from routes.render.html import escape
from routes.render.map_layers import (
    PROPOSAL_COMPARISON,
    Comparison,
    _change_sentence,
    _feature,
    _zone_header,
)
from routes.render.svg import ClassBreaks, compute_class_breaks

__all__ = [
    "MapPeriod",
    "map_periods",
    "period_class_breaks",
    "period_layer_features",
    "present_periods",
]

STUDY_WINDOW = "study window"
"""The name the map gives the study's own departure window beside its periods."""

BASELAYER_TO_BACK = ('{{ this._parent.get_name() }}.on("baselayerchange", function (e) { '
                     'if (e.layer.bringToBack) { e.layer.bringToBack(); } });')
"""Script (a folium template: no user text) keeping the period shown beneath routes, stops
and outlines when switched to."""


@dataclass(frozen=True, slots=True)
class MapPeriod:
    """A departure window the map shows the change in jobs of.

    Attributes
    ----------
    name
        The period's name (user text, escaped where drawn), or
        :data:`STUDY_WINDOW`.
    window
        Its departure window, e.g. ``07:00-09:00``, with `` on <date>`` when
        the period has a date of its own.
    suffix
        What its ``zones.csv`` columns end with: ``_<name>``, or ``""`` for
        the study window.
    """

    name: str
    window: str
    suffix: str

    @property
    def label(self) -> str:
        """Name and window, e.g. ``evening 19:00-21:00`` (plain text)."""
        return f"{self.name} {self.window}"

    @classmethod
    def of(cls, period: Period, study_date: dt.date | None = None) -> MapPeriod:
        """Return the map's view of a ``[[periods]]`` entry (its own date named, if any)."""
        window = period.window
        if period.date is not None and period.date != study_date:
            window += f" on {period.date.isoformat()}"
        return cls(period.name, window, period.suffix)


def map_periods(area: StudyArea) -> tuple[MapPeriod, ...]:
    """Return the windows a study area's map shows: the study's and each period's, or none.

    Parameters
    ----------
    area
        The study area.

    Returns
    -------
    tuple[MapPeriod, ...]
        Empty when ``area`` has no ``[[periods]]`` (the map is as without
        periods); else the study window (suffix ``""``), then every period
        in the order of ``routes.toml``.
    """
    if not area.periods:
        return ()
    routing = area.routing
    window = f"{format_clock(routing.departure_start_s)}-{format_clock(routing.departure_end_s)}"
    return (MapPeriod(STUDY_WINDOW, window, ""),
            *(MapPeriod.of(p, area.service_date) for p in area.periods))


def _delta_column(metric: str, period: MapPeriod) -> str:
    return f"delta_{metric}{period.suffix}"


def present_periods(changes: pd.DataFrame, metric: str,
                    periods: Sequence[MapPeriod]) -> list[MapPeriod]:
    """Keep the periods whose baseline, scenario and change columns of ``metric`` are present."""
    return [p for p in periods
            if all(f"{kind}_{metric}{p.suffix}" in changes
                   for kind in ("baseline", "scenario", "delta"))]


def period_class_breaks(changes: pd.DataFrame, metric: str,
                        periods: Sequence[MapPeriod]) -> ClassBreaks:
    """Compute one set of symmetric class breaks covering the change in every period.

    Parameters
    ----------
    changes
        Per-zone table with ``delta_<metric><suffix>`` columns.
    metric
        Unsuffixed metric, e.g. ``jobs_within_45min``.
    periods
        The windows drawn.

    Returns
    -------
    ClassBreaks
        :func:`routes.render.svg.compute_class_breaks` of all their changes.
    """
    columns = [_delta_column(metric, p) for p in periods if _delta_column(metric, p) in changes]
    if not columns:
        return compute_class_breaks([])
    return compute_class_breaks(np.concatenate(
        [changes[c].to_numpy(dtype=np.float64) for c in columns]))


def _change_words(delta: float, unit: str) -> str:
    if not math.isfinite(delta):
        return "not reachable"
    if abs(delta) < 1e-9:
        return "0"
    return f"{format_number(delta, signed=True)} {unit}"


def period_layer_features(
    changes: pd.DataFrame, cells: gpd.GeoSeries, metric: str, what: str, unit: str,
    periods: Sequence[MapPeriod], breaks: ClassBreaks, comparison: Comparison = PROPOSAL_COMPARISON,
) -> list[tuple[MapPeriod, list[dict[str, Any]]]]:
    """Draw one choropleth of the change in ``metric`` per period; tooltips list every period.

    Parameters
    ----------
    changes
        Per-zone table (``zones.csv``) indexed by zone id, with
        ``baseline_``/``scenario_``/``delta_<metric><suffix>`` columns.
    cells
        Zone cells, EPSG:4326 (:func:`routes.render.map_layers.compute_zone_cells`).
    metric
        Unsuffixed metric, e.g. ``jobs_within_45min``.
    what
        What the metric counts, in words (``Jobs within 45 min``).
    unit
        The unit after a change in the list of periods (``jobs``).
    periods
        The windows to draw (those lacking columns are left out).
    breaks
        The class breaks shared by every period (:func:`period_class_breaks`).
    comparison
        What the two sides are called in the tooltips.

    Returns
    -------
    list[tuple[MapPeriod, list[dict]]]
        Per period drawn, its GeoJSON features: fill colour and an escaped
        tooltip.
    """
    drawn = present_periods(changes, metric, periods)
    out: list[tuple[MapPeriod, list[dict[str, Any]]]] = [(p, []) for p in drawn]
    for zone_id, geom in cells.items():
        if geom is None or geom.is_empty or zone_id not in changes.index:
            continue
        row = changes.loc[zone_id]
        deltas = [float(row[_delta_column(metric, p)]) for p in drawn]
        by_period = "<br>".join(escape(f"{p.label}: {_change_words(d, unit)}")
                                for p, d in zip(drawn, deltas, strict=True))
        header = _zone_header(changes, str(zone_id))
        for (period, features), delta in zip(out, deltas, strict=True):
            sentence = _change_sentence(float(row[f"baseline_{metric}{period.suffix}"]),
                                        float(row[f"scenario_{metric}{period.suffix}"]),
                                        f"{what}, {period.label}", comparison)
            tip = (f"{header}<br>{escape(sentence)}<br><b>{escape(what)}, change by period"
                   f"</b><br>{by_period}")
            features.append(_feature(geom, tip, fill=breaks.colour(delta)))
    return out
