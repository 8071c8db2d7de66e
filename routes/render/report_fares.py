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
from routes.evaluation.scoring import Indicator, Scorecard

__all__ = ["FareSection", "compute_fare_section"]

_FASTEST = re.compile(r"^median_(?P<column>fastest_fare_(?P<layer>\w+?)_(?P<cutoff>\d+)min_p)_"
                      r"(?P<who>deprived|all)_baseline$")
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
    fastest
        Plain sentences on what the quickest journey costs (its fare, the
        share over budget, the share needing two operators); empty without
        those lines.
    """

    sentences: tuple[str, ...]
    summary: str
    note: str
    fastest: tuple[str, ...] = ()


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
    fastest = _fastest_sentences(scorecard, who, whom, budget.budget)
    if fastest:
        note += (" The quickest journey is the fastest whatever the fare; without data on "
                 "where people work, the jobs they can reach in the time stand for their "
                 "work. Half of those jobs are reached for at most the typical fare shown.")
    return FareSection(tuple(sentences), summaries[0], note, fastest)


def _percent(share: float) -> str:
    return f"{100 * share:.0f} %" if share == 0 or 100 * share >= 1 else "under 1 %"


def _fare(indicator: Indicator) -> str:
    """Return a median fare line in words: ``"£3.00"``, ``"more than £6.00"``, ``"not known"``."""
    if math.isfinite(indicator.value):
        pounds = indicator.value / 100
        return "nothing (free)" if pounds == 0 else f"£{pounds:,.2f}"
    if indicator.description.startswith("More than "):
        return "more than " + indicator.description.removeprefix("More than ").split(" ")[0]
    return "not known (no jobs within reach)"


def _fastest_sentences(scorecard: Scorecard, who: str, whom: str, budget: str) -> tuple[str, ...]:
    """Return what the quickest journey costs, before and after, in plain sentences."""
    by_key = {i.key: i for i in scorecard.indicators}
    found = [m for m in map(_FASTEST.match, by_key) if m is not None and m["who"] == who]
    if not found:
        return ()
    m = found[0]
    layer, cutoff = m["layer"], m["cutoff"]
    before = by_key[f"median_{m['column']}_{who}_baseline"]
    after = by_key[f"median_{m['column']}_{who}_scenario"]
    def money(i: Indicator) -> str:
        if i.unit.startswith("pence") or not math.isfinite(i.value):
            return _fare(i)
        return f"{i.value:,.0f} {i.unit}"  # other currencies: the unit in words

    sentences = [
        f"For {whom}, the quickest way to the {layer} they can reach within {cutoff} minutes "
        f"typically costs {money(before)} one way (half of those {layer} for at most that); "
        f"with the proposal, {money(after)}."]
    prefix = f"mean_{layer}_within_{cutoff}min_"
    for key, indicator in by_key.items():
        share = re.fullmatch(prefix + r"over_fare(\d+)p_share_" + who + "_baseline", key)
        if share is None or f"{prefix}over_fare{share[1]}p_share_{who}_scenario" not in by_key:
            continue
        col = f"{layer}_within_{cutoff}min_over_fare{share[1]}p_share"
        if f"{who}_residents_with_lower_{col}" not in by_key:
            continue  # the reporting limit's share: only tells "more than" apart
        then = indicator.value
        now = by_key[f"{prefix}over_fare{share[1]}p_share_{who}_scenario"].value
        if math.isnan(then) or math.isnan(now):
            continue
        better = by_key[f"{who}_residents_with_lower_{col}"].value
        worse = by_key[f"{who}_residents_with_higher_{col}"].value
        sentences.append(
            f"For {_percent(then)} of those {layer}, the quickest journey costs more than "
            f"{budget}; with the proposal, {_percent(now)}. "
            + _movers_share(better, worse))
    two = f"{prefix}two_operators_share_{who}"
    if f"{two}_baseline" in by_key:
        two_then = by_key[f"{two}_baseline"]
        two_now = by_key.get(f"{two}_scenario")
        if two_now is None or math.isnan(two_then.value):
            sentences.append("One company runs every bus here, today and with the proposal, so "
                             "no journey needs the fares of two companies.")
        else:
            col = f"{layer}_within_{cutoff}min_two_operators_share"
            better = by_key[f"{who}_residents_with_lower_{col}"].value
            worse = by_key[f"{who}_residents_with_higher_{col}"].value
            sentences.append(
                f"For {_percent(two_then.value)} of those {layer}, the quickest way needs "
                f"buses of two companies, each charging its own fare; with the proposal, "
                f"{_percent(two_now.value)}. " + _movers_share(better, worse))
    return tuple(sentences)


def _movers_share(falling: float, rising: float) -> str:
    """Return for whom a share falls and for whom it rises, in one sentence."""
    if not falling and not rising:
        return "It changes for nobody."
    fall = _residents(falling) if falling else "nobody"
    rise = _residents(rising) if rising else "nobody"
    return f"It falls for {fall} and rises for {rise}."
