"""The report's period section: access by period, when ``routes.toml`` has ``[[periods]]``.

One sentence says in which periods the proposal helps ("…, but nothing after
19:00"), a table gives the key indicators of the study's window and of each
period side by side, and a small bar chart per period (small multiples)
shows the residents gaining job access. It renders the template
``templates/report_periods.html`` with autoescape on; nothing here is
computed from travel times, only read from the scorecard.
"""

from __future__ import annotations

from markupsafe import Markup

from routes.evaluation.scoring import Indicator, Scorecard, job_layer_of
from routes.render.html import Table, render_macro

__all__ = ["render_period_section"]

_BAR_W = 220.0


def _value(indicators: tuple[Indicator, ...], key: str) -> float:
    return next((i.value for i in indicators if i.key == key), float("nan"))


def _bars(rows: list[tuple[str, float]]) -> Markup:
    """Draw a horizontal bar per period (residents gaining), as inline SVG (numbers only)."""
    top = max((v for _, v in rows if v == v), default=0.0) or 1.0
    height = 22 * len(rows) + 6
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_BAR_W + 180:.0f}" '
             f'height="{height}" role="img">']
    for k, (_, value) in enumerate(rows):
        width = 0.0 if value != value else _BAR_W * max(value, 0.0) / top
        y = 4 + 22 * k
        parts.append(f'<rect x="140" y="{y}" width="{width:.1f}" height="16" fill="#2166ac"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def render_period_section(scorecard: Scorecard) -> Markup | None:
    """Render the period section of the report, or ``None`` when the run has no periods."""
    if not scorecard.periods:
        return None
    job = job_layer_of(scorecard) or "jobs"
    keys = [(f"residents_gaining_{job}", f"residents gaining {job}"),
            (f"deprived_residents_gaining_{job}", f"deprived residents gaining {job}"),
            (f"residents_losing_{job}", f"residents losing {job}"),
            ("residents_newly_reaching_a_space", "residents newly reaching a shared space"),
            ("mean_change_nearest_space_min", "mean change, minutes to nearest space")]
    window, _, date = scorecard.window.partition(" on ")
    rows: list[tuple[object, ...]] = [(
        "study window", window, date, *[_value(scorecard.indicators, k) for k, _ in keys])]
    bars = [("study window", _value(scorecard.indicators, keys[0][0]))]
    for card in scorecard.periods:
        suffix = f"_{card.name}"
        values = [_value(card.indicators, k + suffix) for k, _ in keys]
        rows.append((card.name, card.window, card.date, *values))
        bars.append((card.name, values[0]))
    table = Table.of(["period", "window", "date", *[label for _, label in keys]], rows,
                     numeric=[False, False, False, *[True] * len(keys)])
    return render_macro("report_periods.html", "period_section", scorecard.when_it_helps,
                        table, [name for name, _ in bars], _bars(bars),
                        [v for _, v in bars], job)
