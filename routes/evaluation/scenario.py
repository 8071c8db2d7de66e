"""Scenarios: a proposal applied to a study area, as a new transit network built in memory.

A scenario never edits the baseline and never reads or writes a GTFS file:
the feeds the proposal changes are changed in memory from the trips read for
the baseline (:func:`routes.proposal.modifications.apply_modifications_to_trips`),
the proposal's new routes become one more feed's trips
(:func:`routes.proposal.trips.proposal_feed_trips`), and the network is
assembled from those on the baseline's streets and stop links
(:func:`routes.network.scenario.build_scenario_network`).

Engines that read GTFS files (R5) get the scenario as files from
:func:`write_scenario_feeds`, which applies the same changes to the feed files.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from routes.config.study_area import StudyArea
from routes.errors import ProposalError, RoutesWarning
from routes.network.scenario import build_scenario_network
from routes.network.transit import TransitNetwork
from routes.proposal.model import Proposal, RouteModification
from routes.proposal.validate import validate_against_network, validate_modifications
from routes.timetable.feed import FeedTrips
from routes.timetable.read import unique_feed_names

__all__ = ["Scenario", "build_scenario", "write_scenario_feeds"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Scenario:
    """A proposal applied to a study area.

    Attributes
    ----------
    proposal
        The proposal.
    network
        The scenario's transit network: the baseline's streets and stop links,
        the baseline's feeds with the proposal's changes, and its new routes
        as one more feed (named ``proposal_<name>``).
    """

    proposal: Proposal
    network: TransitNetwork


def _modifications_per_feed(
    names: Sequence[str], proposal: Proposal
) -> dict[str, list[RouteModification]]:
    """Split the proposal's modifications by feed, taking the feed's name off the route id."""
    per_feed: dict[str, list[RouteModification]] = {}
    for mod in proposal.modifications:
        feed_name, _, route_id = mod.gtfs_route_id.partition(":")
        if feed_name not in names or not route_id:
            msg = (
                f"{proposal.name}: route {mod.gtfs_route_id!r} does not name a feed of the study "
                f"area ({', '.join(names)}); write it as '<feed>:<route_id>'"
            )
            raise ProposalError(msg)
        per_feed.setdefault(feed_name, []).append(replace(mod, gtfs_route_id=route_id))
    return per_feed


def proposal_feed_name(feed_paths: Sequence[Path], proposal: Proposal) -> str:
    """Name the proposal's feed beside the study area's (``proposal_<name>``, made unique)."""
    paths = [*map(Path, feed_paths), Path(f"proposal_{proposal.name}.zip")]
    return unique_feed_names(paths)[-1]


def build_scenario(study: StudyArea, baseline: TransitNetwork, proposal: Proposal) -> Scenario:
    """Apply a proposal to a study area and build the scenario's network, in memory.

    Parameters
    ----------
    study
        The study area.
    baseline
        The baseline network (from :func:`routes.network.transit.build_network`;
        its feeds' trips, options and feed doctor's rules are reused).
    proposal
        The proposal.

    Returns
    -------
    Scenario
        The scenario and its network.

    Raises
    ------
    ProposalError
        If a route lies outside the street network, a modification names an
        unknown GTFS route, or a new route has fewer than two stops.

    Warns
    -----
    RoutesWarning
        What the feed doctor drops in a changed feed, a route to change that
        has no trips on the date, and new stops off the street network.

    Notes
    -----
    Writes nothing. The result equals building the network from the feed
    files the proposal's changes give (:func:`write_scenario_feeds`), except
    in the cases listed in
    :func:`routes.proposal.modifications.apply_modifications_to_trips`.
    """
    from routes.proposal.modifications import apply_modifications_to_trips
    from routes.proposal.trips import proposal_feed_trips

    streets = baseline.streets
    bbox = (float(streets.node_lon.min()), float(streets.node_lat.min()),
            float(streets.node_lon.max()), float(streets.node_lat.max()))
    validate_against_network(proposal, bbox)
    validate_modifications(proposal, [str(r) for r in baseline.timetable.route_ids])
    if not baseline.feeds:
        msg = "the baseline network was not built from feeds; build it with build_network"
        raise ValueError(msg)
    date = baseline.timetable.service_date
    names = [f.name for f in baseline.feeds]
    per_feed = _modifications_per_feed(names, proposal)
    feeds: list[FeedTrips] = []
    for feed in baseline.feeds:
        if feed.name not in per_feed:
            feeds.append(feed)
            continue
        changed = apply_modifications_to_trips(feed, per_feed[feed.name], service_date=date,
                                               rules=baseline.feed_doctor)
        _warn_changed(feed, changed)
        feeds.append(changed)
    if proposal.routes:
        name = proposal_feed_name([Path(f.path) for f in baseline.feeds], proposal)
        added = proposal_feed_trips(proposal, service_date=date, feed_name=name,
                                    rules=baseline.feed_doctor)
        _warn_changed(None, added)
        feeds.append(added)
    network = build_scenario_network(baseline, feeds, osm_path=study.osm_path)
    logger.info("scenario %s: %s trips (baseline %s); network %s", proposal.name,
                f"{network.timetable.n_trips:,}", f"{baseline.timetable.n_trips:,}",
                network.digest[:12])
    return Scenario(proposal, network)


def _warn_changed(before: FeedTrips | None, after: FeedTrips) -> None:
    """Give the warnings of a changed or new feed that the baseline's did not give."""
    given = set() if before is None else {*before.warnings, before.diagnosis.warning()}
    for text in (*after.warnings, after.diagnosis.warning()):
        if text and text not in given:
            warnings.warn(text, RoutesWarning, stacklevel=3)


def write_scenario_feeds(study: StudyArea, proposal: Proposal, folder: Path) -> tuple[Path, ...]:
    """Write a scenario as GTFS files, for engines that read files (R5).

    The feeds the proposal changes are written changed
    (:func:`routes.proposal.gtfs_modifications.apply_modifications`) under
    ``folder/modified/`` with their own file names, the proposal's new routes
    as ``folder/proposal_<name>.zip``; the other feeds are the study area's.

    Returns
    -------
    tuple[pathlib.Path, ...]
        The scenario's feeds, in the study area's order, the proposal's last.

    Raises
    ------
    ProposalError
        If a modification names an unknown feed or route.
    """
    from routes.proposal.export import write_proposal_feed
    from routes.proposal.gtfs_modifications import apply_modifications
    from routes.timetable.export import write_gtfs_feed
    from routes.timetable.read import read_gtfs_feed

    paths = list(study.gtfs_paths)
    names = unique_feed_names(paths)
    per_feed = _modifications_per_feed(names, proposal)
    feeds = []
    for path, name in zip(paths, names, strict=True):
        if name not in per_feed:
            feeds.append(path)
            continue
        feed = apply_modifications(read_gtfs_feed(path, name), per_feed[name])
        # Same file name, so the copy keeps the feed's name and its namespaced ids.
        target = folder / "modified" / (path.name if path.suffix == ".zip" else
                                        f"{path.name}.zip")
        target.parent.mkdir(parents=True, exist_ok=True)
        write_gtfs_feed(feed, target)
        feeds.append(target)
    if proposal.routes:
        target = folder / f"proposal_{proposal.name}.zip"
        write_proposal_feed(proposal, target, overwrite=True,
                            service_dates=(study.service_date, study.service_date))
        feeds.append(target)
    return tuple(feeds)
