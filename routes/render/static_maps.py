"""Static SVG maps for the report and its PDF: the change map and the reach map.

Drawn offline from the zones' own geometry (no tiles, no network): zones
filled by class, the proposal's routes, withdrawn or changed routes, the
names of the neighbourhoods that matter, and a legend. Like
:mod:`routes.render.svg`, every drawing is :class:`markupsafe.Markup` built
with :meth:`markupsafe.Markup.format`, so names and labels are escaped on the
way in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from markupsafe import Markup

from routes.render.svg import (
    _FONT,
    _JOIN,
    AFTER_COLOUR,
    ROUTE_COLOUR,
    ClassBreaks,
)

__all__ = [
    "REMOVED_COLOUR",
    "MapFrame",
    "render_change_map",
    "render_reach_map",
]

REMOVED_COLOUR = "#7b3294"
"""Routes withdrawn or changed by the proposal (drawn dashed)."""
BEFORE_OUTLINE = "#525252"
LEGEND_W = 215
"""Width of the legend column, right of the map, pixels."""


@dataclass(frozen=True, slots=True)
class MapFrame:
    """Where a map's metric coordinates fall on the page.

    Attributes
    ----------
    xmin, ymin
        The lower-left corner of the framed extent, metres.
    scale
        Pixels per metre.
    ox, oy
        Offsets that centre the extent, pixels.
    height
        Height of the drawing area, pixels (y grows downwards on the page).
    """

    xmin: float
    ymin: float
    scale: float
    ox: float
    oy: float
    height: float

    @classmethod
    def fit(cls, bounds: Sequence[float], width: float, height: float,
            pad: float = 6.0) -> MapFrame:
        """Frame ``(xmin, ymin, xmax, ymax)`` in a ``width`` × ``height`` box."""
        xmin, ymin, xmax, ymax = (float(b) for b in bounds)
        scale = min((width - 2 * pad) / max(xmax - xmin, 1e-9),
                    (height - 2 * pad) / max(ymax - ymin, 1e-9))
        return cls(xmin, ymin, scale, pad + ((width - 2 * pad) - (xmax - xmin) * scale) / 2,
                   pad + ((height - 2 * pad) - (ymax - ymin) * scale) / 2, height)

    def xy(self, x: float, y: float) -> tuple[float, float]:
        """Page coordinates of one point."""
        return (self.ox + (x - self.xmin) * self.scale,
                self.height - (self.oy + (y - self.ymin) * self.scale))

    def path(self, geom: shapely.Geometry) -> str:
        """SVG path data of a (multi)polygon or (multi)line."""
        out = []
        for part in getattr(geom, "geoms", [geom]):
            if part.is_empty:
                continue
            if part.geom_type == "Polygon":
                rings, close = [part.exterior, *part.interiors], "Z"
            elif part.geom_type in ("LineString", "LinearRing"):
                rings, close = [part], ""
            else:
                continue
            for ring in rings:
                xy = np.asarray(ring.coords)[:, :2]
                px = self.ox + (xy[:, 0] - self.xmin) * self.scale
                py = self.height - (self.oy + (xy[:, 1] - self.ymin) * self.scale)
                pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(px, py, strict=True))
                out.append(f"M{pts}{close}")
        return " ".join(out)


def _metric(geoms: gpd.GeoSeries, crs: object) -> gpd.GeoSeries:
    return geoms.to_crs(crs) if geoms.crs is not None else geoms


def _label(x: float, y: float, text: str, *, size: int = 11, weight: str = "600",
           fill: str = "#111") -> Markup:
    """Draw a label with a white halo (drawn twice: halo, then text), readable over any fill."""
    common = Markup('x="{:.1f}" y="{:.1f}" font-size="{}" font-weight="{}" '
                    'text-anchor="middle"').format(x, y, size, weight)
    return Markup('<text {c} fill="#fff" stroke="#fff" stroke-width="3.5" '
                  'stroke-linejoin="round" stroke-opacity="0.85">{t}</text>'
                  '<text {c} fill="{f}">{t}</text>').format(c=common, f=fill, t=text)


def _lines(frame: MapFrame, lines: Sequence[shapely.Geometry], colour: str, *,
           width: float, dashed: bool = False) -> list[Markup]:
    dash = Markup(' stroke-dasharray="7 4"') if dashed else Markup("")
    return [Markup('<path d="{}" fill="none" stroke="{}" stroke-width="{}" '
                   'stroke-linejoin="round" stroke-linecap="round"{}/>')
            .format(frame.path(line), colour, width, dash)
            for line in lines if line is not None and not line.is_empty]


def _legend(items: Sequence[tuple[str, str, str]], x: float, y: float) -> list[Markup]:
    """Legend rows ``(kind, colour, label)``; kind ``box``, ``line``, ``dash`` or ``outline``."""
    parts: list[Markup] = []
    for i, (kind, colour, label) in enumerate(items):
        yy = y + 16 * i
        if kind == "box":
            parts.append(Markup('<rect x="{:.1f}" y="{:.1f}" width="14" height="11" fill="{}" '
                                'stroke="#9e9e9e" stroke-width="0.5"/>')
                         .format(x, yy - 9, colour))
        else:
            dash = Markup(' stroke-dasharray="5 3"') if kind in ("dash",) else Markup("")
            w = 3 if kind in ("line", "dash") else 2
            parts.append(Markup('<line x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}" '
                                'stroke="{}" stroke-width="{}"{}/>')
                         .format(x, x + 14, yy - 4, yy - 4, colour, w, dash))
        parts.append(Markup('<text x="{:.1f}" y="{:.1f}" font-size="11" fill="#333">{}</text>')
                     .format(x + 20, yy, label))
    return parts


def _svg(width: int, height: int, title: str, body: Markup) -> Markup:
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="static-map" role="img" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" style="{font};background:#fbfbf8">'
        '<title>{t}</title><desc>{t}</desc>{b}</svg>'
    ).format(w=width, h=height, font=_FONT, t=title, b=body)


def render_change_map(
    zones: gpd.GeoSeries, delta: pd.Series, breaks: ClassBreaks, *, title: str, unit: str,
    new_lines: Sequence[shapely.Geometry] = (), removed_lines: Sequence[shapely.Geometry] = (),
    labels: Mapping[str, str] | None = None, width: int = 700, height: int = 440,
) -> Markup:
    """Draw the change map: zones coloured by their change, routes, names and a legend.

    Parameters
    ----------
    zones
        Zone polygons indexed by zone id, with a CRS (any; drawn in its UTM zone).
    delta
        The change of each zone (indexed by zone id; NaN: no data).
    breaks
        The classes (:func:`routes.render.svg.compute_class_breaks`).
    title
        Plain-text title (for assistive technology).
    unit
        Unit of the legend's classes (e.g. ``"jobs"``).
    new_lines, removed_lines
        New routes (drawn solid) and routes withdrawn or changed (dashed), in
        the zones' CRS.
    labels
        Zone id -> name to write on the map (the places that matter).
    width, height
        Size in CSS pixels.
    """
    crs = zones.estimate_utm_crs() if zones.crs is not None else None
    metric = _metric(zones, crs)
    new_m = list(_metric(gpd.GeoSeries(list(new_lines), crs=zones.crs), crs)) if new_lines else []
    old_m = (list(_metric(gpd.GeoSeries(list(removed_lines), crs=zones.crs), crs))
             if removed_lines else [])
    frame = MapFrame.fit(metric.total_bounds, width - LEGEND_W, height)
    parts: list[Markup] = []
    for zone_id, geom in metric.items():
        value = float(delta.get(zone_id, np.nan))
        parts.append(Markup('<path d="{}" fill="{}" stroke="#ffffff" stroke-width="0.8" '
                            'fill-rule="evenodd"/>').format(frame.path(geom),
                                                            breaks.colour(value)))
    parts += _lines(frame, old_m, REMOVED_COLOUR, width=3, dashed=True)
    parts += _lines(frame, new_m, ROUTE_COLOUR, width=3.5)
    for zone_id, text in (labels or {}).items():
        if zone_id in metric.index:
            point = metric[zone_id].representative_point()
            parts.append(_label(*frame.xy(point.x, point.y), text))
    legend: list[tuple[str, str, str]] = [("box", c, label)
                                          for c, label in breaks.legend(unit)]
    if new_m:
        legend.append(("line", ROUTE_COLOUR, "new route"))
    if old_m:
        legend.append(("dash", REMOVED_COLOUR, "route withdrawn or changed"))
    parts += _legend(legend, width - LEGEND_W + 12, 24)
    return _svg(width, height, title, _JOIN.join(parts))


def render_reach_map(
    zones: gpd.GeoSeries, origin: str, before: shapely.Geometry | None,
    after: shapely.Geometry | None, *, title: str, cutoff_min: float,
    new_lines: Sequence[shapely.Geometry] = (), removed_lines: Sequence[shapely.Geometry] = (),
    labels: Mapping[str, str] | None = None, width: int = 700, height: int = 440,
) -> Markup:
    """Draw where one neighbourhood's residents can get to, today and with the proposal.

    Parameters
    ----------
    zones
        Zone polygons indexed by zone id, with a CRS.
    origin
        The zone the reach is from (outlined and named).
    before, after
        The areas reachable within the cutoff today and with the proposal
        (the zones' CRS), or ``None``.
    title
        Plain-text title.
    cutoff_min
        The cutoff, minutes (for the legend).
    new_lines, removed_lines
        New routes and routes withdrawn or changed.
    labels
        Zone id -> name to write on the map.
    width, height
        Size in CSS pixels.
    """
    crs = zones.estimate_utm_crs() if zones.crs is not None else None
    metric = _metric(zones, crs)

    def project(geoms: Sequence[shapely.Geometry | None]) -> list[shapely.Geometry]:
        kept = [g for g in geoms if g is not None and not g.is_empty]
        return list(_metric(gpd.GeoSeries(kept, crs=zones.crs), crs)) if kept else []

    before_m, after_m = project([before]), project([after])
    # Frame the town and everywhere its people can reach, so no outline is cut off.
    extent = shapely.total_bounds(np.asarray([*metric.to_numpy(), *before_m, *after_m],
                                             dtype=object))
    frame = MapFrame.fit(extent, width - LEGEND_W, height)
    parts: list[Markup] = []
    for zone_id, geom in metric.items():
        fill = "#fde0a0" if zone_id == origin else "#eeeeea"
        parts.append(Markup('<path d="{}" fill="{}" stroke="#ffffff" stroke-width="0.8"/>')
                     .format(frame.path(geom), fill))
    for geom in after_m:
        parts.append(Markup('<path d="{}" fill="{}" fill-opacity="0.28" stroke="{}" '
                            'stroke-width="2.2" fill-rule="evenodd"/>')
                     .format(frame.path(geom), AFTER_COLOUR, AFTER_COLOUR))
    for geom in before_m:
        parts.append(Markup('<path d="{}" fill="none" stroke="{}" stroke-width="2" '
                            'stroke-dasharray="6 4" fill-rule="evenodd"/>')
                     .format(frame.path(geom), BEFORE_OUTLINE))
    parts += _lines(frame, project(list(removed_lines)), REMOVED_COLOUR, width=3, dashed=True)
    parts += _lines(frame, project(list(new_lines)), ROUTE_COLOUR, width=3.5)
    if origin in metric.index:
        parts.append(Markup('<path d="{}" fill="none" stroke="#111" stroke-width="2"/>')
                     .format(frame.path(metric[origin])))
    for zone_id, text in (labels or {}).items():
        if zone_id in metric.index:
            point = metric[zone_id].representative_point()
            parts.append(_label(*frame.xy(point.x, point.y), text,
                                size=13 if zone_id == origin else 11))
    legend = [("box", "#fde0a0", "the neighbourhood"),
              ("dash", BEFORE_OUTLINE, f"within {cutoff_min:g} min today"),
              ("box", "#a9c4df", f"within {cutoff_min:g} min with the proposal")]
    if project(list(new_lines)):
        legend.append(("line", ROUTE_COLOUR, "new route"))
    if project(list(removed_lines)):
        legend.append(("dash", REMOVED_COLOUR, "route withdrawn or changed"))
    parts += _legend(legend, width - LEGEND_W + 12, 24)
    return _svg(width, height, title, _JOIN.join(parts))

