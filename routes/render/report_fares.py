"""The report's section "Can people afford the journey?", from the scorecard's fare lines.

With ``[fares]`` in the study area the scorecard holds, for the jobs and the
shared spaces, the mean counts within the cutoff *and* the fare budget
beside the counts whatever the fare (:func:`routes.evaluation.fares.fare_indicators`).
This module puts them in plain words: fare-limited against time-only access
for residents of deprived neighbourhoods (all residents when the zones have no
deprivation deciles), then what the proposal changes, gains and losses. No
section without fare lines.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from routes.evaluation.fares import fare_budget_of
from routes.evaluation.scoring import Scorecard

__all__ = ["FareSection", "compute_fare_section"]

_KEY = re.compile(r"^mean_(?P<layer>\w+?)_within_(?P<cutoff>\d+)min_fare(?P<budget>\d+)p_"
                  r"(?P<who>deprived|all)_baseline$")


@dataclass(frozen=True, slots=True)
class FareSection:
    """What the affordability section says.

    Attributes
    ----------
    sentences
        Plain sentences, the headline first.
    summary
        One sentence for the report's one-minute summary.
    note
        What the fares are (budget, persona, one way).
    """

    sentences: tuple[str, ...]
    summary: str
    note: str


def _n(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:,.1f}"


def _than_today(change: float) -> str:
    if round(change, 1) == 0:
        return "as many as today"
    return f"{_n(abs(change))} {'more' if change > 0 else 'fewer'} than today"


def _residents(value: float) -> str:
    return f"{value:,.0f} resident{'s' if round(value) != 1 else ''}"


def _movers(gaining: float, losing: float, noun: str, budget: str, whom: str) -> str:
    """Who gains and who loses fare-limited access, in one sentence."""
    if not gaining and not losing:
        return f"Nobody gains or loses {noun} within reach for {budget}."
    who = whom.removeprefix("residents")
    gain = (f"{_residents(gaining)}{who} gain {noun} within reach for {budget}" if gaining
            else f"nobody gains {noun} within reach for {budget}")
    loss = f"{_residents(losing)} lose some" if losing else "nobody loses any"
    return f"{gain[0].upper()}{gain[1:]}; {loss}."


def compute_fare_section(scorecard: Scorecard) -> FareSection | None:
    """Gather the affordability section; ``None`` when the scorecard has no fare lines.

    Parameters
    ----------
    scorecard
        The proposal's scorecard.

    Returns
    -------
    FareSection or None
        Its sentences and note.
    """
    budget = fare_budget_of(scorecard)
    if budget is None:
        return None
    values = {i.key: i.value for i in scorecard.indicators}
    found = [m for m in map(_KEY.match, values) if m is not None]
    whos = {m["who"] for m in found}
    who = "deprived" if "deprived" in whos else "all"
    whom = ("residents of the most deprived neighbourhoods" if who == "deprived"
            else "residents")
    sentences: list[str] = []
    summaries: list[str] = []
    for m in (m for m in found if m["who"] == who):
        layer, cutoff = m["layer"], m["cutoff"]
        noun = "shared spaces" if layer == "spaces" else layer
        key = f"{layer}_within_{cutoff}min_fare{m['budget']}p"
        time_key = f"mean_{layer}_within_{cutoff}min_time_only_{who}"
        fare_before = values[f"mean_{key}_{who}_baseline"]
        fare_after = values[f"mean_{key}_{who}_scenario"]
        time_before = values[f"{time_key}_baseline"]
        time_after = values[f"{time_key}_scenario"]
        change = fare_after - fare_before
        if math.isnan(fare_before) or math.isnan(time_before):
            continue
        gap = ("" if round(time_before - fare_before, 1) <= 0 else
               " The gap is journeys that need more than one bus, each charging its own fare.")
        if gap:
            sentences.append(
                f"With {budget.budget}, {whom} can reach on average {_n(fare_before)} {noun} "
                f"within {cutoff} minutes, against {_n(time_before)} if fares are "
                f"ignored.{gap}")
        else:
            sentences.append(
                f"With {budget.budget}, {whom} can reach on average {_n(fare_before)} {noun} "
                f"within {cutoff} minutes, the same as if fares are ignored: none of them "
                "needs a second fare.")
        summaries.append(
            f"For {budget.budget}, {whom} can reach on average {_n(fare_after)} {noun} within "
            f"{cutoff} minutes with the proposal, {_than_today(change)} (whatever the fare: "
            f"{_n(time_after)}).")
        gaining = values.get(f"{who}_residents_gaining_{key}", math.nan)
        losing = values.get(f"{who}_residents_losing_{key}", math.nan)
        sentences.append(
            f"With the proposal: {_n(fare_after)} {noun} on average for {budget.budget}, "
            f"{_than_today(change)} (whatever the fare: {_n(time_after)}, "
            f"{_than_today(time_after - time_before)}). "
            + _movers(gaining, losing, noun, budget.budget, whom))
    if not sentences:
        return None
    note = (f"Fares counted: {budget.persona}; a journey counts when it takes at most the "
            f"time and costs at most {budget.budget}, one way. Every bus boarded charges its "
            "fare unless the operator's ticket allows a change (or a through ticket does).")
    return FareSection(tuple(sentences), summaries[0], note)
