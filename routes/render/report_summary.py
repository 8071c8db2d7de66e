"""The report's one-minute summary and its social-integration section, with named places.

Plain sentences for a partnership meeting: who gains and who loses (how
many, over whom, where by name), which communities can newly meet and at
which shared spaces (``scorecard.interaction.community_pairs``), and the net
running cost (new, saved, net). Every sentence says over whom it is taken.
Texts are plain strings; the templates escape them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from routes._format import format_number
from routes.config.study_area import ScoringParams
from routes.evaluation.scoring import Scorecard
from routes.proposal.costing import ProposalCost, describe_running_cost
from routes.render.html import Table
from routes.render.report_text import _deciles_text

__all__ = [
    "SocialSection",
    "compute_social_section",
    "compute_summary",
    "group_label",
    "list_names",
    "zone_label",
]


def group_label(group: object) -> str:
    """Write a community group's column name in words (``white_british``: White British)."""
    text = str(group).replace("_", " ").strip()
    return " ".join(w[:1].upper() + w[1:] for w in text.split())


def list_names(names: Sequence[str]) -> str:
    """Join names in words: ``["A", "B", "C"]`` gives ``"A, B and C"``.

    Examples
    --------
    >>> list_names(["Mill Hey", "Moorgate", "Heatherlea"])
    'Mill Hey, Moorgate and Heatherlea'
    """
    items = [str(n) for n in names]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def zone_label(changes: pd.DataFrame, zone_id: object) -> str:
    """Return a zone's name, or its id where it has none."""
    name = changes.at[zone_id, "name"] if "name" in changes else None
    return str(name) if isinstance(name, str) and name.strip() else str(zone_id)


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def _signed(value: float) -> str:
    return f"{'+' if value > 0 else '−' if value < 0 else ''}{format_number(abs(value))}"


def _places(changes: pd.DataFrame, delta: pd.Series, pop: pd.Series, ascending: bool,
            n: int = 3) -> str:
    weight = (delta * pop).sort_values(ascending=ascending)
    chosen = weight[(weight < 0) if ascending else (weight > 0)].index[:n]
    return list_names([f"{zone_label(changes, z)} ({_signed(float(delta[z]))})" for z in chosen])


def _people_sentences(changes: pd.DataFrame, scorecard: Scorecard, s: ScoringParams,
                      job: str, metric: str) -> list[str]:
    delta_col = f"delta_{metric}"
    if delta_col not in changes:
        return []
    pop = (changes["population"].astype(float).fillna(0.0) if "population" in changes
           else pd.Series(1.0, index=changes.index))
    delta = changes[delta_col].astype(float).fillna(0.0)
    within = f"within {s.job_cutoff_min:g} minutes by bus and on foot"
    deprived = (changes["deprived"].astype(bool) if "deprived" in changes
                else pd.Series(False, index=changes.index))
    has_deciles = "deprivation_decile" in changes and bool(
        changes["deprivation_decile"].notna().any())
    out: list[str] = []
    gain, loss = delta > 0, delta < 0
    if gain.any():
        mean = float((pop[gain] * delta[gain]).sum() / max(float(pop[gain].sum()), 1e-12))
        out.append(f"{format_number(float(pop[gain].sum()))} residents in "
                   f"{_count(int(gain.sum()), 'neighbourhood')} can reach more {job} "
                   f"{within}, most of all in {_places(changes, delta, pop, ascending=False)}; "
                   "on average "
                   f"{format_number(mean)} more {job} each (over the residents who gain).")
        if has_deciles:
            dep = gain & deprived
            if dep.any():
                dmean = float((pop[dep] * delta[dep]).sum() / max(float(pop[dep].sum()), 1e-12))
                out.append(f"Of them, {format_number(float(pop[dep].sum()))} live in the most "
                           f"deprived neighbourhoods ({_deciles_text(s.deprived_deciles)}): "
                           f"{format_number(dmean)} more {job} each on average (over these "
                           "deprived residents who gain).")
            else:
                out.append("None of them lives in the most deprived neighbourhoods "
                           f"({_deciles_text(s.deprived_deciles)}).")
    else:
        out.append(f"Nobody can reach more {job} {within} than today.")
    if loss.any():
        mean = float(-(pop[loss] * delta[loss]).sum() / max(float(pop[loss].sum()), 1e-12))
        text = (f"{format_number(float(pop[loss].sum()))} residents in "
                f"{_count(int(loss.sum()), 'neighbourhood')} lose: they can reach fewer "
                f"{job} {within}, most of all in {_places(changes, delta, pop, ascending=True)}; "
                "on average "
                f"{format_number(mean)} fewer each (over the residents who lose).")
        if has_deciles:
            text += (f" {format_number(float(pop[loss & deprived].sum()))} of them live in the "
                     "most deprived neighbourhoods.")
        out.append(text)
    else:
        out.append(f"Nobody loses: no neighbourhood can reach fewer {job} than today.")
    if loss.any() and not gain.any():  # a withdrawal: the losses are the news
        out.insert(0, out.pop())
    return out


def _pair_text(row: pd.Series, with_groups: bool) -> str:
    def one(side: str) -> str:
        name = str(row[f"name_{side}"]) if isinstance(row.get(f"name_{side}"), str) \
            else str(row[f"zone_{side}"])
        if with_groups and isinstance(row.get(f"group_{side}"), str):
            return f"{name} (mostly {group_label(row[f'group_{side}'])})"
        return name

    return f"{one('a')} and {one('b')}"


def _first_spaces(row: pd.Series, n: int = 2) -> list[str]:
    return [s.strip() for s in str(row.get("spaces") or "").split(";") if s.strip()][:n]


def _meeting_sentences(pairs: pd.DataFrame, cutoff: float) -> list[str]:
    if pairs.empty:
        return []
    with_groups = "across_groups" in pairs and bool(pairs["across_groups"].notna().any())
    out: list[str] = []
    for change, words in (("new", "can newly meet"), ("lost", "can no longer meet")):
        rows = pairs[pairs["change"] == change]
        if with_groups:
            rows = rows[rows["across_groups"].astype(bool)]
        if rows.empty:
            continue
        size = rows["residents_a"].astype(float) + rows["residents_b"].astype(float)
        top = rows.loc[size.sort_values(ascending=False).index[:2]]
        examples = "; ".join(f"{_pair_text(r, with_groups)} at {list_names(_first_spaces(r))}"
                             for _, r in top.iterrows())
        counts = Counter(s for _, r in rows.iterrows() for s in _first_spaces(r, 99))
        where = list_names([name for name, _ in counts.most_common(3)])
        who = ("neighbourhoods whose main communities differ" if with_groups
               else "neighbourhoods")
        verb = "could" if change == "lost" else "can"
        out.append(f"{_count(len(rows), 'pair')} of {who} {words} at a shared space "
                   f"within {cutoff:g} minutes of both, for example {examples}. Most of them "
                   f"{verb} meet at {where}.")
    return out


def _space_sentence(spaces: pd.DataFrame, cutoff: float) -> str | None:
    col = next((c for c in spaces.columns if c.startswith("delta_reachable_residents")), None)
    if spaces.empty or col is None:
        return None
    delta = spaces[col].astype(float).fillna(0.0)
    wider, narrower = int((delta > 0).sum()), int((delta < 0).sum())
    if not wider and not narrower:
        return (f"No shared community space is within {cutoff:g} minutes of more or fewer "
                "residents than today.")
    names = spaces["name"].astype(str) if "name" in spaces else spaces.index.astype(str)
    parts = []
    if wider:
        i = delta.idxmax()
        parts.append(f"{wider} of {len(spaces)} shared community spaces are within "
                     f"{cutoff:g} minutes of more residents, most of all {names[i]} "
                     f"({_signed(float(delta[i]))} residents)")
    if narrower:
        i = delta.idxmin()
        parts.append(f"{narrower} of fewer, most of all {names[i]} "
                     f"({_signed(float(delta[i]))})" if wider else
                     f"{narrower} of {len(spaces)} shared community spaces are within "
                     f"{cutoff:g} minutes of fewer residents, most of all {names[i]} "
                     f"({_signed(float(delta[i]))} residents)")
    return "; ".join(parts) + "."


def compute_summary(scorecard: Scorecard, changes: pd.DataFrame, *, scoring: ScoringParams,
                    job: str, job_metric: str, cost: ProposalCost | None) -> list[str]:
    """Write the one-minute summary: who gains, who loses, when, who can newly meet, what it costs.

    Parameters
    ----------
    scorecard
        The proposal's scorecard (its ``interaction`` tables name the pairs and spaces).
    changes
        The per-zone table (``zones.csv``), indexed by zone id, with ``name``.
    scoring
        Cutoffs and deprived deciles.
    job, job_metric
        The job layer and its column (``jobs_within_45min``).
    cost
        The running cost (new, saved, net); ``None``: not stated.

    Returns
    -------
    list[str]
        Plain sentences, most important first.
    """
    out = _people_sentences(changes, scorecard, scoring, job, job_metric)
    if scorecard.when_it_helps:  # with [[periods]]: "…, but nothing after 19:00"
        out.append(scorecard.when_it_helps)
    inter = scorecard.interaction
    if inter is not None:
        out += _meeting_sentences(inter.community_pairs, inter.cutoff_min)
        space = _space_sentence(inter.spaces, inter.cutoff_min)
        if space:
            out.append(space)
    if cost is not None:
        out.append(describe_running_cost(cost))
    return out


@dataclass(frozen=True, slots=True)
class SocialSection:
    """The social-integration section: sentences and named tables.

    Attributes
    ----------
    sentences
        Plain sentences (exposure, share of pairs able to meet, by group).
    new_pairs, lost_pairs
        Pairs of neighbourhoods newly able (no longer able) to meet, with
        names, main communities and where (``None`` when none).
    spaces
        Shared spaces whose catchment changes, by name (``None`` when none).
    groups
        Pairs of community groups: share of resident pairs able to meet
        before and after (``None`` without groups).
    cutoff
        The shared-space cutoff, as written (``"30"``).
    """

    sentences: tuple[str, ...]
    new_pairs: Table | None
    lost_pairs: Table | None
    spaces: Table | None
    groups: Table | None
    cutoff: str


def _pairs_table(pairs: pd.DataFrame, change: str, n: int) -> Table | None:
    rows = pairs[pairs["change"] == change]
    if rows.empty:
        return None
    with_groups = "across_groups" in rows and bool(rows["across_groups"].notna().any())
    if with_groups:
        rows = rows.assign(_across=rows["across_groups"].astype(bool))
    else:
        rows = rows.assign(_across=False)
    size = rows["residents_a"].astype(float) + rows["residents_b"].astype(float)
    rows = rows.assign(_size=size).sort_values(["_across", "_size"], ascending=False).head(n)
    body = []
    for _, r in rows.iterrows():
        a = f"{r['name_a']}" + (f" ({group_label(r['group_a'])})" if with_groups else "")
        b = f"{r['name_b']}" + (f" ({group_label(r['group_b'])})" if with_groups else "")
        spaces = _first_spaces(r, 3)
        more = int(r["n_spaces"]) - len(spaces)
        where = ", ".join(spaces) + (f" and {more} more" if more > 0 else "")
        body.append((a, b, float(r["residents_a"]) + float(r["residents_b"]), where))
    return Table.of(["neighbourhood (main community)", "and", "residents of both", "where"],
                    body, numeric=[False, False, True, False])


def compute_social_section(scorecard: Scorecard, n: int = 8) -> SocialSection | None:
    """Gather the social-integration section; ``None`` when there are no shared spaces."""
    inter = scorecard.interaction
    if inter is None:
        return None
    sentences: list[str] = []
    cutoff = inter.cutoff_min
    if not inter.group_pairs.empty:
        g = inter.group_pairs
        before = float((g["baseline_pairs_able_to_meet"]).sum())
        after = float((g["scenario_pairs_able_to_meet"]).sum())
        total = float(g["resident_pairs"].sum())
        if total > 0:
            sentences.append(
                f"Of all pairs of residents of different community groups, "
                f"{before / total:.0%} can both reach at least one shared space within "
                f"{cutoff:g} minutes today and {after / total:.0%} with the proposal.")
    for key, who in (("social_interaction_exposure_deprived", "residents of the most deprived "
                      "neighbourhoods"),):
        try:
            b = scorecard.value(f"{key}_baseline")
            a = scorecard.value(f"{key}_scenario")
        except KeyError:
            continue
        sentences.append(f"For {who}, the chance that a person met at the shared spaces they "
                         f"can reach is of another community group is {b:.0%} today and "
                         f"{a:.0%} with the proposal.")
    spaces_table = None
    sp = inter.spaces
    col = next((c for c in sp.columns if c.startswith("delta_reachable_residents")), None)
    if not sp.empty and col is not None:
        changed = sp[sp[col].astype(float).fillna(0.0) != 0]
        changed = changed.reindex(changed[col].abs().sort_values(ascending=False).index).head(n)
        base = col.replace("delta_", "baseline_", 1)
        scen = col.replace("delta_", "scenario_", 1)
        div = next((c for c in sp.columns if c.startswith("baseline_simpson")), None)
        rows = []
        for _, r in changed.iterrows():
            rows.append((str(r.get("name", "")), str(r.get("category", "")).replace("_", " "),
                         float(r[base]), float(r[scen]), float(r[col]),
                         (f"{float(r[div]):.2f} → "
                          f"{float(r[div.replace('baseline_', 'scenario_', 1)]):.2f}")
                         if div else ""))
        if rows:
            spaces_table = Table.of(
                ["shared space", "kind", "residents within reach today", "with the proposal",
                 "change", "mix of groups (0-1)"], rows,
                numeric=[False, False, True, True, True, True])
    groups_table = None
    if not inter.group_pairs.empty:
        g = inter.group_pairs
        groups_table = Table.of(
            ["group", "and group", "share able to meet today", "with the proposal"],
            [(group_label(r["group_a"]), group_label(r["group_b"]),
              f"{float(r['baseline_share_able_to_meet']):.0%}",
              f"{float(r['scenario_share_able_to_meet']):.0%}") for _, r in g.iterrows()],
            numeric=[False, False, True, True])
    pairs = inter.community_pairs
    return SocialSection(
        tuple(sentences),
        _pairs_table(pairs, "new", n) if not pairs.empty else None,
        _pairs_table(pairs, "lost", n) if not pairs.empty else None,
        spaces_table, groups_table, f"{cutoff:g}")
