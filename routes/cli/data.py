"""``routes check``, ``demo``, ``fetch``, ``proposal export``, ``streets export`` and ``cache``.

The commands about the inputs: checking, writing and fetching study areas,
exporting proposals and streets, and the network cache.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import click

from routes.cli.options import (
    State,
    doctor_rules,
    force_option,
    network_options,
    out_option,
    refuse_overwrite,
    step_progress,
)

__all__ = ["cache", "check", "demo", "fetch", "proposal", "streets"]


@click.command(short_help="Validate the study area and print a data report.")
@network_options
@click.pass_obj
def check(state: State, allow_feed_errors: bool, allow_data_loss: bool,
          keep_duplicate_trips: bool) -> None:
    """Validate routes.toml and its inputs, then print a data report.

    The report lists the feeds with their service date ranges, the trips,
    routes and stops running on the chosen date, the street network, and how
    stops, zones and destinations snap to it.
    """
    from routes.network.check import compute_data_report

    study = state.study_area()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = compute_data_report(study, allow_feed_errors=allow_feed_errors,
                                     allow_data_loss=allow_data_loss,
                                     feed_doctor=doctor_rules(keep_duplicate_trips))
    click.echo(report.render(warnings=[str(w.message) for w in caught]))



@click.group(short_help="Work with proposal files.")
def proposal() -> None:
    """Proposal GeoJSON files."""


@proposal.command("export", short_help="Write a proposal as a GTFS feed.")
@click.argument("proposal_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@out_option("GTFS zip to write.")
@force_option
def proposal_export(proposal_path: Path, out: Path, force: bool) -> None:
    """Write the new routes of a proposal as a GTFS zip."""
    from routes.proposal.export import write_proposal_feed
    from routes.proposal.load import load_proposal

    if out.suffix.lower() != ".zip":
        raise click.BadParameter(f"{out.name}: use a .zip file", param_hint="--out")
    write_proposal_feed(load_proposal(proposal_path), out, overwrite=force)
    click.echo(str(out))


@click.group(short_help="Work with the study area's street network.")
def streets() -> None:
    """Work with the walk network of the study area."""


@streets.command("export", short_help="Write the walk network as GraphML (for osmnx).")
@out_option("GraphML file to write (.graphml, or .graphml.gz).")
@force_option
@click.pass_obj
def streets_export(state: State, out: Path, force: bool) -> None:
    """Write the study area's walk network as GraphML that osmnx.load_graphml opens."""
    from routes.streets.graphml import write_graphml
    from routes.streets.osm import load_street_network

    if not out.name.lower().endswith((".graphml", ".graphml.gz")):
        raise click.BadParameter(f"{out.name}: use a .graphml file", param_hint="--out")
    refuse_overwrite(out, force)
    study = state.study_area()
    network = load_street_network(
        study.osm_path, walk_access="permissive" if study.walk_access == "permissive" else "strict",
        ignore_foot_no=study.walk_access == "ignore_foot_no")
    write_graphml(network, out, overwrite=force)
    click.echo(f"{out}  ({network.n_nodes:,} nodes, {network.n_edges // 2:,} street segments)")


@click.command(short_help="Write the bundled synthetic demo study area.")
@click.argument("folder", required=False, default=".",
                type=click.Path(file_okay=False, path_type=Path))
@force_option
def demo(folder: Path, force: bool) -> None:
    """Write the synthetic "Demo Town" study area into FOLDER (default: here).

    It holds routes.toml, gtfs/, osm/, zones/ and examples/*.geojson proposals;
    the same files every time.
    """
    from routes.demo.study_area import write_demo_study_area

    written = write_demo_study_area(folder, overwrite=force)
    for path in written.paths:
        click.echo(str(path))


@click.command(short_help="Assemble a real study area for an English district.")
@click.option("--lad", required=True,
              help="Local authority district: ONS code (E06000008) or name "
                   "('Blackburn with Darwen').")
@click.argument("folder", required=False, default=None,
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--buffer-km", type=click.FloatRange(min=0), default=5.0, show_default=True,
              help="Keep streets, buses and jobs this far beyond the district.")
@click.option("--sources", "sources_path", default=None,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="TOML file with other download addresses ([sources] table).")
@click.option("--downloads", "downloads_dir", default=None,
              type=click.Path(file_okay=False, path_type=Path),
              help="Folder for downloaded files, reused by later runs "
                   "(default: downloads/ in the cache folder).")
@click.option("--refresh", is_flag=True, default=False,
              help="Download every source again instead of reusing earlier copies.")
@force_option
@click.pass_obj
def fetch(state: State, lad: str, folder: Path | None, buffer_km: float,
          sources_path: Path | None, downloads_dir: Path | None, refresh: bool,
          force: bool) -> None:
    """Download public data and write a study area for an English district into FOLDER.

    FOLDER defaults to a new folder named after the district. The sources are
    IoD 2025, ONS LSOA 2021 boundaries and population-weighted centroids,
    Census 2021 TS021 ethnic group, BRES employment, the BODS regional GTFS
    and the Geofabrik OpenStreetMap extract, each restricted to the district
    plus --buffer-km. Downloads are kept and resumed if interrupted. Then run
    `routes --config FOLDER/routes.toml check`.
    """
    from routes.fetch import fetch_study_area, load_fetch_sources

    if state.verbosity >= 0:  # a long job: show its milestones unless --quiet
        logging.getLogger("routes.fetch").setLevel(min(logging.INFO, logging.getLogger(
            "routes").level))
    sources = load_fetch_sources(sources_path)
    fetched = fetch_study_area(lad, folder, sources=sources, buffer_km=buffer_km,
                               downloads_dir=downloads_dir, refresh=refresh, overwrite=force,
                               progress_factory=step_progress(state, unit="B"))
    click.echo(f"{fetched.district_name} ({fetched.district_code}): {fetched.n_zones} LSOAs, "
               f"{fetched.n_jobs:,} jobs at {fetched.n_job_points} places, "
               f"{fetched.n_trips:,} bus trips ({fetched.region} BODS), streets from "
               f"{fetched.osm_extract}; service date {fetched.service_date}")
    click.echo(str(fetched.config_path))
    click.echo(f"next: routes --config {fetched.config_path} check")



@click.group(short_help="Inspect or clear the network cache.")
def cache() -> None:
    """Inspect the on-disk cache of street networks, timetables and stop links."""


@cache.command("info", short_help="List cache entries.")
def cache_info() -> None:
    """List the cache folder and its entries, and say which are damaged."""
    from routes.cache import NetworkCache

    store = NetworkCache()
    entries = store.entries()
    damaged = [e for e in entries if e.problem]
    leftovers = store.leftovers()
    click.echo(f"cache: {store.root}  ({len(entries)} entries, "
               f"{sum(e.size_bytes for e in entries) / 1e6:.1f} MB)")
    for e in entries:
        state = f"  DAMAGED: {e.problem}" if e.problem else ""
        click.echo(f"  {e.kind:<10} {e.digest[:12]}  {e.size_bytes / 1e6:7.1f} MB  "
                   f"{e.created or '?':<25}  {e.description}{state}")
    if damaged:
        click.echo(f"{len(damaged)} damaged entries are rebuilt when next needed; "
                   "'routes cache clear' removes them now")
    if leftovers:
        click.echo(f"{len(leftovers)} folders left by interrupted writes; "
                   "'routes cache clear' removes them")


@cache.command("clear", short_help="Delete every cache entry.")
def cache_clear() -> None:
    """Delete every entry of the cache, damaged ones and leftovers of interrupted writes too."""
    from routes.cache import NetworkCache

    store = NetworkCache()
    click.echo(f"removed {store.clear()} entries from {store.root}")

