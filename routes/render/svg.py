"""Static SVG for the reports: bar charts, histograms and small choropleth maps.

Hand-written SVG keeps the reports self-contained and printable (and lets
WeasyPrint draw them in the PDF) without a plotting dependency.

Each drawing is :class:`markupsafe.Markup` built only with
:meth:`markupsafe.Markup.format` and :meth:`markupsafe.Markup.join` over
constant markup: every argument that is not itself Markup (a title, a label, a
colour, a number) is HTML-escaped on the way in. So a chart is safe HTML by
construction, and the page templates (autoescape on) write it as it is, while
any plain string in its place would be escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from markupsafe import Markup
from numpy.typing import ArrayLike

from routes._format import format_number

__all__ = [
    "BEFORE_COLOUR",
    "AFTER_COLOUR",
    "ClassBreaks",
    "compute_class_breaks",
    "render_bar_chart",
    "render_dumbbell_chart",
    "render_histogram",
    "render_zone_map",
]

GAIN_COLOURS = ("#d1e5f0", "#92c5de", "#4393c3", "#2166ac")
"""Gains, weakest to strongest (ColorBrewer RdBu)."""
LOSS_COLOURS = ("#fddbc7", "#f4a582", "#d6604d", "#b2182b")
"""Losses, weakest to strongest (ColorBrewer RdBu)."""
NO_CHANGE_COLOUR = "#f2f2f2"
NO_DATA_COLOUR = "#ffffff"
BEFORE_COLOUR = "#9e9e9e"
AFTER_COLOUR = "#2166ac"
ROUTE_COLOUR = "#d81b60"
_FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif"


@dataclass(frozen=True, slots=True)
class ClassBreaks:
    """Classes of a change (delta) for choropleths: losses, no change, gains.

    Attributes
    ----------
    gain_edges
        Upper edges of the gain classes (ascending, positive); a value in
        ``(0, gain_edges[0]]`` is in the first class.
    loss_edges
        Lower edges of the loss classes (descending, negative).
    """

    gain_edges: tuple[float, ...]
    loss_edges: tuple[float, ...]

    def colour(self, value: float) -> str:
        """Return the fill colour of one value (white for missing, grey for no change)."""
        if value is None or not math.isfinite(value):
            return NO_DATA_COLOUR
        if abs(value) < 1e-9:
            return NO_CHANGE_COLOUR
        edges, colours = ((self.gain_edges, GAIN_COLOURS) if value > 0
                          else (self.loss_edges, LOSS_COLOURS))
        for edge, colour in zip(edges, colours, strict=False):
            if abs(value) <= abs(edge) + 1e-9:
                return colour
        return colours[len(edges) - 1] if edges else NO_CHANGE_COLOUR

    def legend(self, unit: str = "") -> list[tuple[str, str]]:
        """``(colour, plain-text label)`` of each class, biggest gain first."""
        suffix = f" {unit}" if unit else ""

        def labels(edges: tuple[float, ...], sign: str) -> list[str]:
            out = []
            for i, edge in enumerate(edges):
                if i == 0:
                    out.append(f"up to {sign}{_short(abs(edge))}{suffix}")
                else:
                    out.append(f"{sign}{_short(abs(edges[i - 1]))} to "
                               f"{sign}{_short(abs(edge))}{suffix}")
            return out

        gains = list(zip(GAIN_COLOURS, labels(self.gain_edges, "+"), strict=False))
        losses = list(zip(LOSS_COLOURS, labels(self.loss_edges, "−"), strict=False))
        return [*reversed(gains), (NO_CHANGE_COLOUR, "no change"), *losses]


def _short(value: float) -> str:
    return format_number(value)


def _nice(value: float) -> float:
    """Round up to 1, 2, 2.5 or 5 times a power of ten."""
    if value <= 0 or not math.isfinite(value):
        return 0.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if value <= step * power * (1 + 1e-9):
            return float(step * power)
    return float(10 * power)  # pragma: no cover


def compute_class_breaks(values: ArrayLike) -> ClassBreaks:
    """Four gain and four loss classes, symmetric around 0 and covering every value.

    The widest class ends at the largest change (gain or loss) rounded up to
    1, 2, 2.5 or 5 times a power of ten, ``M``; the others at ``M/8``,
    ``M/4`` and ``M/2`` (rounded likewise). Gains and losses share the edges,
    so a pale blue and a pale red mean changes of the same size, and the same
    breaks can be given to every map of a comparison.

    Parameters
    ----------
    values
        Changes (any unit); NaN and zeros are ignored.

    Examples
    --------
    >>> compute_class_breaks([-18_400.0, 300.0, 2_000.0])
    ClassBreaks(gain_edges=(2500.0, 5000.0, 10000.0, 20000.0), \
loss_edges=(-2500.0, -5000.0, -10000.0, -20000.0))
    """
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v) & (np.abs(v) >= 1e-9)]
    if v.size == 0:
        return ClassBreaks((), ())
    top = _nice(float(np.abs(v).max()))
    edges: list[float] = []
    for fraction in (0.125, 0.25, 0.5, 1.0):
        edge = top if fraction == 1.0 else _nice(top * fraction)
        if not edges or edge > edges[-1]:
            edges.append(edge)
    return ClassBreaks(tuple(edges), tuple(-e for e in edges))


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if not math.isfinite(hi - lo) or hi <= lo:
        return [lo]
    step = _nice((hi - lo) / n)
    start = math.floor(lo / step) * step
    ticks = []
    t = start
    while t < hi + step * 0.999:
        if t >= lo - step * 1e-6:
            ticks.append(round(t, 10))
        t += step
    return ticks


_JOIN = Markup("")  # joins Markup parts (a plain string among them would be escaped)


def _svg(width: int, height: int, title: str, desc: str, body: Markup, *,
         class_: str) -> Markup:
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="{class_}" role="img" '
        'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'style="{font}">'
        "<title>{title}</title><desc>{desc}</desc>{body}</svg>"
    ).format(class_=class_, width=width, height=height, font=_FONT, title=title, desc=desc,
             body=body)


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int = 11,
          fill: str = "#333", weight: str = "normal", rotate: bool = False) -> Markup:
    transform = (Markup(' transform="rotate(-90 {:.1f} {:.1f})"').format(x, y) if rotate
                 else Markup(""))
    return Markup(
        '<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}" '
        'text-anchor="{anchor}" font-weight="{weight}"{transform}>{text}</text>'
    ).format(x=x, y=y, size=size, fill=fill, anchor=anchor, weight=weight,
             transform=transform, text=text)


def _frame(y_lo: float, y_hi: float, left: int, top: int, plot_w: int, plot_h: int,
           y_label: str) -> tuple[Markup, list[float], float, float]:
    ticks = _ticks(y_lo, y_hi)
    lo, hi = min(ticks[0], y_lo), max(ticks[-1], y_hi)
    if hi <= lo:
        hi = lo + 1.0
    parts = []
    for t in ticks:
        y = top + plot_h - (t - lo) / (hi - lo) * plot_h
        parts.append(Markup('<line x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}" '
                            'stroke="#e0e0e0" stroke-width="1"/>')
                     .format(left, left + plot_w, y, y))
        parts.append(_text(left - 6, y + 4, format_number(t), anchor="end", size=10))
    parts.append(_text(14, top + plot_h / 2, y_label, anchor="middle", rotate=True))
    return _JOIN.join(parts), ticks, lo, hi


def render_bar_chart(
    categories: Sequence[str], values: Sequence[float], *, title: str, y_label: str,
    x_label: str, annotations: Sequence[str] | None = None, colour: str = AFTER_COLOUR,
    width: int = 640, height: int = 280,
) -> Markup:
    """Draw a bar chart (one bar per category; negative bars hang below zero).

    Parameters
    ----------
    categories
        Bar labels.
    values
        Bar heights (NaN draws no bar).
    title, y_label, x_label
        Plain-text title and axis labels.
    annotations
        Optional text above each bar (e.g. residents counted).
    colour
        Bar colour.
    width, height
        Size in CSS pixels.
    """
    left, top, right, bottom = 64, 16, 12, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    finite = [v for v in values if math.isfinite(v)]
    y_lo = min([0.0, *finite])
    y_hi = max([0.0, *finite])
    grid, _, lo, hi = _frame(y_lo, y_hi if y_hi > y_lo else y_lo + 1, left, top, plot_w, plot_h,
                             y_label)

    def y_of(v: float) -> float:
        return top + plot_h - (v - lo) / (hi - lo) * plot_h

    parts = [grid]
    n = max(len(categories), 1)
    slot = plot_w / n
    bar_w = slot * 0.7
    for i, (cat, v) in enumerate(zip(categories, values, strict=True)):
        x = left + i * slot + (slot - bar_w) / 2
        if math.isfinite(v):
            y0, y1 = sorted((y_of(0.0), y_of(v)))
            parts.append(Markup('<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" '
                                'fill="{}"><title>{}: {}</title></rect>')
                         .format(x, y0, bar_w, max(y1 - y0, 0.5), colour, cat,
                                 format_number(v)))
            label = annotations[i] if annotations else format_number(v)
            parts.append(_text(x + bar_w / 2, y0 - 4, label, anchor="middle", size=10))
        parts.append(_text(x + bar_w / 2, top + plot_h + 16, cat, anchor="middle", size=11))
    zero = y_of(0.0)
    parts.append(Markup('<line x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}" '
                        'stroke="#666" stroke-width="1"/>').format(left, left + plot_w, zero, zero))
    parts.append(_text(left + plot_w / 2, height - 6, x_label, anchor="middle"))
    desc = "; ".join(f"{c}: {format_number(v)}" for c, v in zip(categories, values, strict=True))
    return _svg(width, height, title, desc, _JOIN.join(parts), class_="chart")


def render_histogram(
    before: ArrayLike, after: ArrayLike, weights: ArrayLike, *, title: str, x_label: str,
    y_label: str = "residents", labels: tuple[str, str] = ("today", "with the proposal"),
    bins: int = 12, width: int = 640, height: int = 280,
) -> Markup:
    """Weighted histograms of a quantity before and after, as paired bars.

    Parameters
    ----------
    before, after
        The values per zone (NaN is left out).
    weights
        Weight per zone (residents).
    title, x_label, y_label
        Plain-text title and axis labels.
    labels
        Legend labels of the two series.
    bins
        Number of equal-width bins over the range of both series.
    width, height
        Size in CSS pixels.
    """
    b = np.asarray(before, dtype=np.float64)
    a = np.asarray(after, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    both = np.concatenate([b[np.isfinite(b)], a[np.isfinite(a)]])
    lo_v = float(both.min()) if both.size else 0.0
    hi_v = float(both.max()) if both.size else 1.0
    if hi_v <= lo_v:
        hi_v = lo_v + 1.0
    edges = np.linspace(lo_v, hi_v, bins + 1)
    hb, _ = np.histogram(b[np.isfinite(b)], bins=edges, weights=w[np.isfinite(b)])
    ha, _ = np.histogram(a[np.isfinite(a)], bins=edges, weights=w[np.isfinite(a)])
    left, top, right, bottom = 64, 30, 28, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    grid, _, lo, hi = _frame(0.0, float(max(hb.max(), ha.max(), 1.0)), left, top, plot_w, plot_h,
                             y_label)
    parts = [grid]
    slot = plot_w / bins
    for i in range(bins):
        for j, (h, colour) in enumerate(((hb[i], BEFORE_COLOUR), (ha[i], AFTER_COLOUR))):
            bar_h = (h - lo) / (hi - lo) * plot_h
            x = left + i * slot + slot * (0.08 + 0.42 * j)
            tip = (f"{labels[j]}: {format_number(h)} {y_label} with "
                   f"{format_number(edges[i])} to {format_number(edges[i + 1])}")
            parts.append(Markup('<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" '
                                'fill="{}"><title>{}</title></rect>')
                         .format(x, top + plot_h - bar_h, slot * 0.42, bar_h, colour, tip))
    for i in range(0, bins + 1, max(1, bins // 6)):
        x = left + i * slot
        parts.append(_text(x, top + plot_h + 16, format_number(edges[i]), anchor="middle",
                           size=10))
    parts.append(Markup('<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#666"/>')
                 .format(left, left + plot_w, top + plot_h, top + plot_h))
    parts.append(_text(left + plot_w / 2, height - 6, x_label, anchor="middle"))
    for j, (label, colour) in enumerate(zip(labels, (BEFORE_COLOUR, AFTER_COLOUR),
                                            strict=True)):
        x = left + 8 + j * 190
        parts.append(Markup('<rect x="{}" y="8" width="12" height="12" fill="{}"/>')
                     .format(x, colour))
        parts.append(_text(x + 18, 18, label))
    desc = (f"{labels[0]}: {format_number(float(hb.sum()))} {y_label}; "
            f"{labels[1]}: {format_number(float(ha.sum()))} {y_label}")
    return _svg(width, height, title, desc, _JOIN.join(parts), class_="chart")


def render_zone_map(
    zones: Sequence[shapely.Geometry], fills: Sequence[str], *, title: str,
    lines: Sequence[shapely.Geometry] = (), bounds: tuple[float, float, float, float] | None = None,
    width: int = 300, height: int = 300,
) -> Markup:
    """Draw a small static map: filled zone polygons and route lines, in a metric CRS.

    Parameters
    ----------
    zones
        Zone polygons (any metric CRS; y grows northwards).
    fills
        Fill colour of each zone.
    title
        Plain-text title (for assistive technology; not drawn).
    lines
        Route lines drawn on top, same CRS.
    bounds
        ``(xmin, ymin, xmax, ymax)`` to frame; default the zones' extent. Give
        the same bounds to small multiples so they line up.
    width, height
        Size in CSS pixels.
    """
    if bounds is None:
        geoms = [g for g in (*zones, *lines) if g is not None and not g.is_empty]
        extent = shapely.total_bounds(np.asarray(geoms, dtype=object))
        xmin, ymin, xmax, ymax = (float(b) for b in extent)
    else:
        xmin, ymin, xmax, ymax = bounds
    pad = 4.0
    scale = min((width - 2 * pad) / max(xmax - xmin, 1e-9),
                (height - 2 * pad) / max(ymax - ymin, 1e-9))
    ox = pad + ((width - 2 * pad) - (xmax - xmin) * scale) / 2
    oy = pad + ((height - 2 * pad) - (ymax - ymin) * scale) / 2

    def path(geom: shapely.Geometry) -> str:
        out = []
        for part in getattr(geom, "geoms", [geom]):
            rings = ([part.exterior, *part.interiors] if part.geom_type == "Polygon"
                     else [part])
            for ring in rings:
                xy = np.asarray(ring.coords)[:, :2]
                px = ox + (xy[:, 0] - xmin) * scale
                py = height - (oy + (xy[:, 1] - ymin) * scale)
                pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(px, py, strict=True))
                close = "Z" if part.geom_type == "Polygon" else ""
                out.append(f"M{pts}{close}")
        return " ".join(out)

    parts = []
    for geom, fill in zip(zones, fills, strict=True):
        if geom is None or geom.is_empty:
            continue
        parts.append(Markup('<path d="{}" fill="{}" stroke="#bdbdbd" stroke-width="0.3" '
                            'fill-rule="evenodd"/>').format(path(geom), fill))
    for line in lines:
        parts.append(Markup('<path d="{}" fill="none" stroke="{}" stroke-width="2" '
                            'stroke-linejoin="round" stroke-linecap="round"/>')
                     .format(path(line), ROUTE_COLOUR))
    return _svg(width, height, title, title, _JOIN.join(parts), class_="zone-map")


def render_dumbbell_chart(
    labels: Sequence[str], before: Sequence[float], after: Sequence[float], *, title: str,
    x_label: str, width: int = 640, row_h: int = 24,
) -> Markup:
    """Draw one row per item: a grey dot today, a coloured dot with the proposal, joined.

    Parameters
    ----------
    labels
        Row labels (e.g. neighbourhood names), top to bottom.
    before, after
        The value of each row today and with the proposal.
    title
        Plain-text title (for assistive technology; not drawn).
    x_label
        What the values are (drawn under the axis).
    width, row_h
        Width of the drawing and height of a row, CSS pixels.

    Notes
    -----
    A gain is drawn in blue, a loss in red; the label column holds the label
    and the change (``+1,200``).
    """
    b = np.asarray(before, dtype=float)
    a = np.asarray(after, dtype=float)
    left, right, top = 250, 24, 26
    plot_w = width - left - right
    height = top + row_h * len(labels) + 40
    finite = np.concatenate([b[np.isfinite(b)], a[np.isfinite(a)], [0.0]])
    ticks = _ticks(0.0, float(finite.max()) if finite.size else 1.0)
    hi = max(ticks[-1], float(finite.max()), 1e-9)

    def x_of(v: float) -> float:
        return left + v / hi * plot_w

    parts: list[Markup] = []
    for t in ticks:
        parts.append(Markup('<line x1="{x:.1f}" x2="{x:.1f}" y1="{}" y2="{}" stroke="#e0e0e0"/>')
                     .format(top - 6, top + row_h * len(labels), x=x_of(t)))
        parts.append(_text(x_of(t), top + row_h * len(labels) + 14, format_number(t),
                           anchor="middle", size=10))
    parts.append(_text(left + plot_w / 2, height - 6, x_label, anchor="middle"))
    parts.append(_text(10, 14, "today", fill=BEFORE_COLOUR, weight="bold"))
    parts.append(_text(60, 14, "with the proposal: gain", fill=AFTER_COLOUR, weight="bold"))
    parts.append(_text(210, 14, "or loss", fill=LOSS_COLOURS[-1], weight="bold"))
    for i, label in enumerate(labels):
        y = top + row_h * i + row_h / 2
        change = a[i] - b[i]
        colour = AFTER_COLOUR if change >= 0 else LOSS_COLOURS[-1]
        sign = "+" if change > 0 else ("−" if change < 0 else "")
        parts.append(_text(10, y + 4, label, size=12))
        parts.append(_text(left - 8, y + 4, f"{sign}{format_number(abs(change))}",
                           anchor="end", size=12, fill=colour, weight="bold"))
        parts.append(Markup('<line x1="{:.1f}" x2="{:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
                            'stroke="{}" stroke-width="3" stroke-opacity="0.6"/>')
                     .format(x_of(b[i]), x_of(a[i]), colour, y=y))
        parts.append(Markup('<circle cx="{:.1f}" cy="{:.1f}" r="5" fill="{}"/>')
                     .format(x_of(b[i]), y, BEFORE_COLOUR))
        parts.append(Markup('<circle cx="{:.1f}" cy="{:.1f}" r="5.5" fill="{}"/>')
                     .format(x_of(a[i]), y, colour))
    desc = "; ".join(f"{label}: {format_number(b[i])} to {format_number(a[i])}"
                     for i, label in enumerate(labels))
    return _svg(width, height, title, desc, _JOIN.join(parts), class_="chart")
