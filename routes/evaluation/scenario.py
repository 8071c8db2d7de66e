"""Scenarios: the baseline feeds with a proposal's changes, as a new transit network.

A scenario never edits the baseline: modified feeds are written as new GTFS
files in a scenario folder, the proposal's new routes as one more feed, and the
network is built from those (sharing the cached street network).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

from routes.cache import NetworkCache
from routes.config.study_area import StudyArea
from routes.errors import ProposalError
from routes.network.transit import TransitNetwork, build_network
from routes.proposal.model import Proposal, RouteModification
from routes.proposal.validate import validate_against_network, validate_modifications

__all__ = ["Scenario", "build_scenario"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Scenario:
    """A proposal applied to a study area.

    Attributes
    ----------
    proposal
        The proposal.
    feeds
        The GTFS feeds of the scenario: baseline feeds (modified copies where
        the proposal changes them) plus the proposal's own feed.
    network
        The scenario's transit network.
    """

    proposal: Proposal
    feeds: tuple[Path, ...]
    network: TransitNetwork


def _feed_names(study: StudyArea) -> dict[str, Path]:
    from routes.timetable.read import unique_feed_names

    return dict(zip(unique_feed_names(list(study.gtfs_paths)), study.gtfs_paths, strict=True))


def _write_modified_feeds(
    study: StudyArea, proposal: Proposal, folder: Path
) -> dict[Path, Path]:
    """Write modified copies of the feeds a proposal changes; map original to copy."""
    if not proposal.modifications:
        return {}
    from routes.proposal.modifications import apply_modifications
    from routes.timetable.export import write_gtfs_feed
    from routes.timetable.read import read_gtfs_feed

    by_name = _feed_names(study)
    per_feed: dict[str, list[RouteModification]] = {}
    for mod in proposal.modifications:
        feed_name, _, route_id = mod.gtfs_route_id.partition(":")
        if feed_name not in by_name or not route_id:
            msg = (
                f"{proposal.name}: route {mod.gtfs_route_id!r} does not name a feed of the study "
                f"area ({', '.join(by_name)}); write it as '<feed>:<route_id>'"
            )
            raise ProposalError(msg)
        per_feed.setdefault(feed_name, []).append(replace(mod, gtfs_route_id=route_id))
    copies = {}
    for feed_name, mods in per_feed.items():
        source = by_name[feed_name]
        feed = apply_modifications(read_gtfs_feed(source, feed_name), mods)
        # Same file name, so the copy keeps the feed's name and its namespaced ids.
        target = folder / "modified" / (source.name if source.suffix == ".zip" else
                                        f"{source.name}.zip")
        target.parent.mkdir(parents=True, exist_ok=True)
        write_gtfs_feed(feed, target)
        copies[source] = target
    return copies


def build_scenario(
    study: StudyArea,
    baseline: TransitNetwork,
    proposal: Proposal,
    *,
    cache: NetworkCache | None = None,
    work_dir: Path,
    allow_feed_errors: bool = False,
) -> Scenario:
    """Apply a proposal to a study area and build the scenario network.

    Parameters
    ----------
    study
        The study area.
    baseline
        The baseline network (its street network is reused).
    proposal
        The proposal.
    cache
        Network cache.
    work_dir
        Folder for the scenario's GTFS files (kept, so they can be inspected).
    allow_feed_errors
        Drop malformed trips of the feeds with a warning, as the baseline did.

    Returns
    -------
    Scenario
        The scenario and its network.

    Raises
    ------
    ProposalError
        If a route lies outside the street network or a modification names an
        unknown GTFS route.
    """
    from routes.proposal.export import write_proposal_feed

    streets = baseline.streets
    bbox = (float(streets.node_lon.min()), float(streets.node_lat.min()),
            float(streets.node_lon.max()), float(streets.node_lat.max()))
    validate_against_network(proposal, bbox)
    validate_modifications(proposal, [str(r) for r in baseline.timetable.route_ids])
    work_dir.mkdir(parents=True, exist_ok=True)
    copies = _write_modified_feeds(study, proposal, work_dir)
    feeds = [copies.get(p, p) for p in study.gtfs_paths]
    if proposal.routes:
        feed_path = work_dir / f"proposal_{proposal.name}.zip"
        write_proposal_feed(proposal, feed_path, overwrite=True,
                            service_dates=(study.service_date, study.service_date))
        feeds.append(feed_path)
    # Keyed by the bytes and names of these feeds (the proposal's feed is named
    # after the proposal), so the scenario network is cached apart from the baseline.
    network = build_network(study, cache=cache, feeds=tuple(feeds),
                            allow_feed_errors=allow_feed_errors,
                            allow_data_loss=baseline.allow_data_loss,
                            feed_doctor=baseline.feed_doctor)
    logger.info(
        "scenario %s: %s trips (baseline %s); network %s", proposal.name,
        f"{network.timetable.n_trips:,}", f"{baseline.timetable.n_trips:,}", network.digest[:12],
    )
    return Scenario(proposal, tuple(feeds), network)
