"""The report of a monitoring run (``routes monitor``): ``report.html``, for people.

It says what changed between the first and the last timetable, who lost and
who gained by deprivation decile and by community group, and with more than
two timetables the trend of every indicator (a table and a small line chart
each). The page is ``templates/monitor.html``, in the report's style,
rendered with autoescape on; the charts are inline SVG built from numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from markupsafe import Markup

from routes.render.html import Table, render_template

__all__ = ["render_monitor_report", "trend_chart"]


def trend_chart(values: Sequence[float], *, width: float = 240.0, height: float = 60.0) -> Markup:
    """Draw a line through the values (one per timetable) as inline SVG; empty if none is known.

    >>> "polyline" in trend_chart([1.0, 2.0, 1.5])
    True
    """
    known = [(k, v) for k, v in enumerate(values) if isinstance(v, float) and math.isfinite(v)]
    if not known:
        return Markup("")
    lo, hi = min(v for _, v in known), max(v for _, v in known)
    span = (hi - lo) or 1.0
    step = (width - 20) / max(len(values) - 1, 1)
    points = [(10 + k * step, height - 8 - (height - 16) * (v - lo) / span) for k, v in known]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#2166ac"/>' for x, y in points)
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" '
                  f'height="{height:.0f}" role="img"><polyline points="{path}" fill="none" '
                  f'stroke="#2166ac" stroke-width="2"/>{dots}</svg>')


def _table(frame: pd.DataFrame, caption: str | None = None) -> Table | None:
    if frame.empty:
        return None
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    rows = [tuple(None if not isinstance(v, str) and pd.isna(v) else v for v in row)
            for row in frame.itertuples(index=False)]
    return Table.of([str(c).replace("_", " ") for c in frame.columns], rows, numeric=numeric,
                    caption=caption)


def render_monitor_report(
    *, title: str, labels: Sequence[str], findings: Sequence[str], by_decile: pd.DataFrame,
    by_community: pd.DataFrame, trend: pd.DataFrame | None, top_losers: pd.DataFrame,
    timetables: Sequence[Mapping[str, Any]], warnings: Sequence[str] = (),
    map_file: str | None = "map.html",
) -> str:
    """Render the monitoring report as a self-contained, printable HTML page.

    Parameters
    ----------
    title
        The study area's name.
    labels
        Each timetable's label, in order.
    findings
        Plain sentences on what changed.
    by_decile, by_community
        Who gained and lost (:func:`routes.evaluation.monitor.count_changes_by`).
    trend
        Per indicator, its value under each timetable; ``None`` with two timetables.
    top_losers
        The zones that lost most (name, decile, residents, before, after, change).
    timetables
        Each timetable's manifest entry (file, date, feeds and their SHA-256).
    warnings
        Data warnings of the run.
    map_file
        Relative link to the map, or ``None``.
    """
    charts = None
    if trend is not None and not trend.empty:
        charts = [(str(row["metric"]).replace("_", " "),
                   trend_chart([float(row[label]) for label in labels]))
                  for _, row in trend.iterrows()]
    return render_template(
        "monitor.html", title=title, labels=list(labels), findings=list(findings),
        by_decile=_table(by_decile), by_community=_table(by_community),
        trend=_table(trend) if trend is not None else None, charts=charts,
        top_losers=_table(top_losers), timetables=list(timetables), warnings=list(warnings),
        map_file=map_file)
