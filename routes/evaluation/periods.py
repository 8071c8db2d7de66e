"""Every metric for every period of a study area, with the streets and stop links built once.

A study area's ``[[periods]]`` (:mod:`routes.config.periods`) are more
departure windows, each on the study date or a date of its own. The network of
a period on the study date is the study's network (only the window differs);
a period on another date gets that date's timetable, assembled from each
feed's trips of that date (read once per feed and date and cached, as the
study's are: :func:`routes.network.transit.load_feeds`), on the study's
streets, edge index and stop links: no street is parsed and no stop linked
again unless the other date's feeds hold other stops (then only what
differs, as a scenario's new stops are linked).

A period's columns are the study's columns with ``_<period>`` at the end
(``delta_jobs_within_45min_evening``); the study's own window keeps the
names it has without periods.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from routes.access.zone_access import AccessResult, compute_access
from routes.cache import NetworkCache
from routes.columns import ColumnKind, column_name
from routes.config.periods import Period, format_clock
from routes.config.study_area import StudyArea
from routes.engine.base import TravelTimeEngine
from routes.errors import InputError
from routes.evaluation.scenario import build_scenario, write_scenario_feeds
from routes.evaluation.scoring import (
    Indicator,
    PeriodScorecard,
    compute_zone_changes,
    score_proposal,
)
from routes.inputs.destinations import Destinations
from routes.inputs.zones import Zones
from routes.network.scenario import extend_stop_links, timetable_digest
from routes.network.transit import (
    StopLinks,
    TransitNetwork,
    check_stop_links,
    compute_transfers,
    link_stops,
    load_feeds,
)
from routes.proposal.costing import ProposalCost
from routes.proposal.model import Proposal
from routes.timetable.timetable import assemble_timetable

__all__ = [
    "PeriodAccess",
    "PeriodEvaluation",
    "build_period_network",
    "compute_period_access",
    "describe_when_it_helps",
    "evaluate_periods",
    "period_helps",
    "with_period_columns",
]

_CHANGE_PREFIXES = ("baseline_", "scenario_", "delta_", "new_zone_pairs", "lost_zone_pairs")


@dataclass(frozen=True, slots=True)
class PeriodAccess:
    """Accessibility in one period.

    Attributes
    ----------
    period
        The period.
    area
        The study area as the period sees it (:meth:`StudyArea.for_period`).
    network
        The period's network (the study's when the period is on the study date).
    access
        Per-zone metrics and travel times in the period (unsuffixed column names).
    """

    period: Period
    area: StudyArea
    network: TransitNetwork
    access: AccessResult


@dataclass(frozen=True, slots=True)
class PeriodEvaluation:
    """A proposal in one period.

    Attributes
    ----------
    period
        The period.
    baseline, scenario
        Accessibility before and with the proposal, in the period.
    changes
        Per zone, as :func:`routes.evaluation.scoring.compute_zone_changes`
        (unsuffixed names; the run's ``zones.csv`` holds them with the
        period's suffix).
    scorecard
        The period's indicators, their sources naming the suffixed columns.
    """

    period: Period
    baseline: AccessResult
    scenario: AccessResult
    changes: pd.DataFrame
    scorecard: PeriodScorecard


def build_period_network(study: StudyArea, network: TransitNetwork, period: Period, *,
                         cache: NetworkCache | None = None) -> TransitNetwork:
    """Build the transit network of a period, on the study network's streets and stop links.

    Parameters
    ----------
    study
        The study area (its date and feeds).
    network
        The study's network (:func:`routes.network.transit.build_network`).
    period
        The period.
    cache
        Network cache the feeds' trips of the period's date are read from or
        written to (the study's; default folder when ``None``).

    Returns
    -------
    TransitNetwork
        ``network`` itself when the period is on the study date; else the
        period date's timetable on ``network``'s streets and links (its digest
        covers the study network's and the timetable).

    Raises
    ------
    GtfsError
        If no feed runs on the period's date.
    DataLossError
        As :func:`routes.network.transit.build_network`, for the other date.
    """
    day = period.service_date(study.service_date)
    if day == network.timetable.service_date:
        return network
    if not network.feeds:
        msg = "the study network was not built from feeds; build it with build_network"
        raise ValueError(msg)
    feeds, _ = load_feeds(tuple(Path(f.path) for f in network.feeds), day,
                          cache=cache if cache is not None else NetworkCache(),
                          allow_feed_errors=network.allow_feed_errors,
                          feed_doctor=network.feed_doctor)
    timetable = assemble_timetable(feeds, day)
    old = network.timetable
    n_old = old.n_stops
    same_prefix = (timetable.n_stops >= n_old
                   and np.array_equal(timetable.stop_ids[:n_old], old.stop_ids)
                   and np.array_equal(timetable.stop_lon[:n_old], old.stop_lon, equal_nan=True)
                   and np.array_equal(timetable.stop_lat[:n_old], old.stop_lat, equal_nan=True))
    if same_prefix:
        links = extend_stop_links(network.streets, network.links, timetable.stop_lon[n_old:],
                                  timetable.stop_lat[n_old:], index=network.edge_index)
    else:  # the other date's feeds hold other stops: link them on the same streets
        stops = link_stops(network.streets, timetable.stop_lon, timetable.stop_lat,
                           link_radius_m=network.links.link_radius_m, index=network.edge_index)
        links = StopLinks(stops, compute_transfers(network.streets, stops,
                                                   network.links.max_transfer_m),
                          network.links.max_transfer_m, network.links.link_radius_m)
    check_stop_links(timetable, links, osm_path=study.osm_path,
                     feeds={f.name: Path(f.path) for f in feeds},
                     allow_data_loss=network.allow_data_loss)
    digest = hashlib.sha256(f"period {day.isoformat()} of {network.digest}\n"
                            f"{timetable_digest(timetable)}".encode()).hexdigest()
    return replace(network, timetable=timetable, links=links, digest=digest, feeds=feeds)


def _engine_for(engine: TravelTimeEngine | None, base: TransitNetwork,
                network: TransitNetwork, area: StudyArea) -> TravelTimeEngine | None:
    if engine is None or network is base:
        return engine
    if engine.name == "r5py":
        msg = (f"{area.config_path.name} [[periods]]: --engine r5py routes on the study date "
               f"only, and a period is on {area.service_date}; use the built-in engine, or "
               "give the period no date of its own")
        raise InputError(msg)
    return engine.for_scenario(network, lambda folder: ())


def compute_period_access(
    study: StudyArea, network: TransitNetwork, zones: Zones, layers: tuple[Destinations, ...],
    *, cache: NetworkCache | None = None, engine: TravelTimeEngine | None = None,
) -> tuple[PeriodAccess, ...]:
    """Compute accessibility in every period of ``study`` (none when it has no ``[[periods]]``).

    Each period's network comes from :func:`build_period_network` (the
    streets and stop links of ``network``); ``engine`` is the study's engine,
    given each other date's network with ``for_scenario``.
    """
    out = []
    for period in study.periods:
        area = study.for_period(period)
        net = build_period_network(study, network, period, cache=cache)
        access = compute_access(area, net, zones, layers, cache=cache,
                                engine=_engine_for(engine, network, net, area))
        out.append(PeriodAccess(period, area, net, access))
    return tuple(out)


def evaluate_periods(
    study: StudyArea, network: TransitNetwork, baselines: Sequence[PeriodAccess],
    proposal: Proposal, cost: ProposalCost, zones: Zones, layers: tuple[Destinations, ...], *,
    cache: NetworkCache | None = None, engine: TravelTimeEngine | None = None,
) -> tuple[PeriodEvaluation, ...]:
    """Evaluate a proposal in every period: the scenario on each period's network, scored.

    The proposal runs in a period as its timetable says: a route whose
    headway periods miss the window, or whose days miss the date, adds no
    trip there and changes nothing.
    """
    out = []
    for base in baselines:
        area = base.area
        scenario = build_scenario(area, base.network, proposal)
        period_engine = _engine_for(engine, network, base.network, area)
        scenario_engine = (None if period_engine is None else period_engine.for_scenario(
            scenario.network, partial(write_scenario_feeds, area, proposal)))
        access = compute_access(area, scenario.network, zones, layers, cache=cache,
                                engine=scenario_engine)
        changes = compute_zone_changes(area, base.access, access)
        card = score_proposal(area, changes, cost, proposal.name)
        out.append(PeriodEvaluation(base.period, base.access, access, changes,
                                    _period_scorecard(base, changes, card.indicators,
                                                      study)))
    return tuple(out)


def _suffixable(columns: Sequence[str]) -> list[str]:
    return [c for c in columns if c.startswith(_CHANGE_PREFIXES)]


def _period_scorecard(base: PeriodAccess, changes: pd.DataFrame,
                      indicators: Sequence[Indicator], study: StudyArea) -> PeriodScorecard:
    names = sorted(_suffixable(list(changes.columns)), key=len, reverse=True)
    pattern = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, names))
                         + r")(?![A-Za-z0-9_])") if names else None
    suffix = base.period.suffix

    def rename(text: str) -> str:
        return pattern.sub(lambda m: m.group(1) + suffix, text) if pattern else text

    rows = tuple(replace(i, key=i.key + suffix, source=rename(i.source)) for i in indicators)
    period = base.period
    return PeriodScorecard(period.name, period.window,
                           period.service_date(study.service_date).isoformat(), rows,
                           helps=period_helps(changes, study))


def with_period_columns(table: pd.DataFrame, parts: Mapping[Period, pd.DataFrame], *,
                        attributes: Sequence[str] | None = None) -> pd.DataFrame:
    """``table`` (zones.csv of the study's window) with every period's columns after it.

    Parameters
    ----------
    table
        The per-zone table of the study's own window.
    parts
        Each period's table of the same zones, unsuffixed.
    attributes
        Columns that describe the zone, not a metric, left out of the
        periods' parts (``None``: change tables, whose ``baseline_``,
        ``scenario_``, ``delta_`` and zone-pair columns are the metrics).
    """
    if not parts:
        return table
    out = [table]
    for period, part in parts.items():
        keep = (_suffixable(list(part.columns)) if attributes is None
                else [c for c in part.columns if c not in set(attributes)])
        out.append(part[keep].rename(columns={c: f"{c}{period.suffix}" for c in keep}))
    # One block per dtype: a table of hundreds of blocks warns (and slows) on every insert.
    return pd.concat(out, axis=1).copy()


def period_helps(changes: pd.DataFrame, study: StudyArea) -> bool:
    """Tell whether anyone gains in a period.

    A zone gains when more jobs (or opportunities) are within the job cutoff,
    or a shared space is reached sooner or newly reached.

    Losses elsewhere do not count here; the scorecard says them.
    """
    gains = False
    for column in changes.columns:
        if not column.startswith("delta_"):
            continue
        delta = changes[column].astype(float)
        if column.endswith(f"_within_{int(study.scoring.job_cutoff_min)}min"):
            gains = gains or bool((delta > 0).any())
    nearest = column_name(ColumnKind.NEAREST_SPACE)
    if f"baseline_{nearest}" in changes:
        before = changes[f"baseline_{nearest}"].astype(float)
        after = changes[f"scenario_{nearest}"].astype(float)
        sooner = (after < before) | (before.isna() & after.notna())
        gains = gains or bool(sooner.any())
    return gains


def describe_when_it_helps(name: str, default_helps: bool, default_window: str,
                           cards: Sequence[PeriodScorecard], study_date: str) -> str:
    """One plain sentence: in which periods a proposal helps, and where it does not.

    >>> from routes.evaluation.scoring import PeriodScorecard
    >>> cards = [PeriodScorecard("am_peak", "07:00-09:00", "2026-03-10", (), helps=True),
    ...          PeriodScorecard("evening", "19:00-21:00", "2026-03-10", (), helps=False)]
    >>> print(describe_when_it_helps("Link", False, "07:00-09:00", cards, "2026-03-10"))
    Link helps in am_peak (07:00-09:00), but nothing after 19:00.
    """
    def label(card: PeriodScorecard) -> str:
        day = "" if card.date == study_date else f" on {card.date}"
        return f"{card.name} ({card.window}{day})"

    helped = ([f"the study window ({default_window})"] if default_helps else []) + [
        label(c) for c in cards if c.helps]
    missed = [c for c in cards if not c.helps]
    if not helped:
        return f"{name} helps in none of the periods: nobody gains access in any of them."
    text = f"{name} helps in {_join(helped)}"
    if not missed:
        return text + ": in every period."
    same_day = [c for c in missed if c.date == study_date]
    other_day = [c for c in missed if c.date != study_date]
    helped_ends = [_end_s(default_window)] if default_helps else []
    helped_ends += [_end_s(c.window) for c in cards if c.helps and c.date == study_date]
    first_missed = min((_start_s(c.window) for c in same_day), default=None)
    parts = []
    if first_missed is not None and helped_ends and max(helped_ends) <= first_missed:
        parts.append(f"nothing after {format_clock(first_missed)}")
    elif same_day:
        parts.append(f"nothing in {_join([label(c) for c in same_day])}")
    if other_day:
        parts.append(f"{'nor' if parts else 'nothing'} in {_join([label(c) for c in other_day])}")
    return f"{text}, but {', '.join(parts)}."


def _start_s(window: str) -> int:
    hours, minutes = window.split("-")[0].split(":")
    return int(hours) * 3600 + int(minutes) * 60


def _end_s(window: str) -> int:
    hours, minutes = window.split("-")[1].split(":")
    return int(hours) * 3600 + int(minutes) * 60


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
