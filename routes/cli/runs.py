"""``routes evaluate``, ``compare``, ``access`` and ``monitor``: the commands that write runs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from routes._format import format_number
from routes.cli.options import (
    State,
    check_engine_options,
    check_run_out,
    check_zone_ids,
    doctor_rules,
    engine_options,
    force_option,
    map_zone_option,
    network_options,
    out_option,
    pdf_option,
    step_progress,
)

__all__ = ["access", "compare", "evaluate", "monitor"]


def _print_scorecard(run: Any) -> None:
    evaluation = run.evaluation
    frame = evaluation.scorecard.to_frame()
    click.echo(f"\n{evaluation.proposal.name}  ->  {run.folder}")
    width = max(len(s) for s in frame["indicator"])
    for row in frame.itertuples(index=False):
        value = format_number(row.value)
        click.echo(f"  {row.indicator:<{width}}  {value:>14}  {row.unit}")
    if evaluation.scorecard.when_it_helps:  # only with [[periods]]
        click.echo(f"  {evaluation.scorecard.when_it_helps}")


@click.command(short_help="Score proposals against the baseline.")
@click.argument("proposals", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@out_option("Parent folder of the run folders.", required=False)
@force_option
@network_options
@engine_options
@pdf_option
@map_zone_option
@click.option("--persona", type=click.Choice(["adult", "encts"]), default=None,
              help="Whose fares (with [fares] in routes.toml): adult, or encts (older and "
                   "disabled person's bus pass). Default: [fares].persona.")
@click.option("--no-isochrones", is_flag=True, default=False,
              help="Draw no reachable areas on map.html and in the report: they are most of "
                   "the time of an evaluation on a large study area.")
@click.pass_obj
def evaluate(state: State, proposals: tuple[Path, ...], out: Path | None, force: bool,
             allow_feed_errors: bool, allow_data_loss: bool, keep_duplicate_trips: bool,
             engine: str, r5_classpath: Path | None, scheduler: str | None,
             workers: int | None, pdf: bool, map_zones: tuple[str, ...],
             persona: str | None, no_isochrones: bool) -> None:
    """Evaluate proposal GeoJSON files; write outputs/<proposal>/ for each.

    Each run folder holds zones.gpkg, zones.csv, matrix.parquet,
    scorecard.json, map.html, report.html (report.pdf with --pdf) and
    manifest.json; the scorecard is printed here.
    """
    from routes.engine.backends import open_engine
    from routes.evaluation.study import load_study
    from routes.runs.evaluate import evaluate_to_folders
    from routes.runs.write import check_run_folders

    check_engine_options(engine, r5_classpath, scheduler, workers)
    if no_isochrones and map_zones:
        raise click.UsageError("--map-zone chooses where reachable areas are drawn from; "
                               "drop it or --no-isochrones")
    area = state.study_area()
    if persona is not None:
        if area.fares is None:
            msg = f"--persona needs fares: add a [fares] table to {area.config_path.name}"
            raise click.UsageError(msg)
        area = replace(area, fares=area.fares.with_persona(persona))
    out_root = out if out is not None else area.config_path.parent / "outputs"
    check_run_folders(proposals, out_root, force=force)  # named after the proposal files
    study = load_study(area, allow_feed_errors=allow_feed_errors, allow_data_loss=allow_data_loss,
                       feed_doctor=doctor_rules(keep_duplicate_trips))
    check_zone_ids(map_zones, study.zones.table.index, "--map-zone")
    with open_engine(engine, area, study.network, cache=study.cache, r5_classpath=r5_classpath,
                     scheduler=scheduler, workers=workers) as chosen:
        results = evaluate_to_folders(study, list(proposals), out_root=out_root, force=force,
                                      progress_factory=step_progress(state), engine=chosen,
                                      pdf=pdf, map_zones=map_zones or None,
                                      isochrones=not no_isochrones)
    for run in results:
        _print_scorecard(run)


@click.command(short_help="Rank proposals side by side in one report.")
@click.argument("proposals", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@out_option("Folder of the comparison (default: outputs/compare).", required=False)
@force_option
@network_options
@engine_options
@pdf_option
@map_zone_option
@click.pass_obj
def compare(state: State, proposals: tuple[Path, ...], out: Path | None, force: bool,
            allow_feed_errors: bool, allow_data_loss: bool, keep_duplicate_trips: bool,
            engine: str, r5_classpath: Path | None, scheduler: str | None,
            workers: int | None, pdf: bool, map_zones: tuple[str, ...]) -> None:
    """Evaluate two or more proposals and rank them in one report.

    Writes report.html (report.pdf with --pdf), ranking.csv and one run folder
    per proposal into the comparison folder, and prints the ranking.
    """
    if len(proposals) < 2:
        raise click.UsageError("compare needs at least two proposals; use `routes evaluate` "
                               "for one")
    check_engine_options(engine, r5_classpath, scheduler, workers)
    from routes.engine.backends import open_engine
    from routes.evaluation.study import load_study
    from routes.runs.compare import compare_proposals
    from routes.runs.write import run_folders_for

    area = state.study_area()
    folder = out if out is not None else area.config_path.parent / "outputs" / "compare"
    check_run_out(folder, force)
    run_folders_for(proposals, folder)
    study = load_study(area, allow_feed_errors=allow_feed_errors, allow_data_loss=allow_data_loss,
                       feed_doctor=doctor_rules(keep_duplicate_trips))
    check_zone_ids(map_zones, study.zones.table.index, "--map-zone")
    with open_engine(engine, area, study.network, cache=study.cache, r5_classpath=r5_classpath,
                     scheduler=scheduler, workers=workers) as chosen:
        result = compare_proposals(study, list(proposals), out=folder, force=force, pdf=pdf,
                                   progress_factory=step_progress(state), engine=chosen,
                                   map_zones=map_zones or None)
    click.echo(str(folder / "report.html"))
    for row in result.ranking.itertuples(index=False):
        click.echo(f"  {row.rank}. {row.proposal}  benefit per vehicle-hour "
                   f"{format_number(row.benefit_per_vehicle_hour)}  "
                   f"({format_number(row.benefit)} resident-jobs for {row.benefit_group}, "
                   f"{format_number(row.annual_vehicle_hours)} vehicle-hours a year)")


@click.command(short_help="Baseline accessibility per zone.")
@out_option("Run folder (default: outputs/access).", required=False)
@force_option
@network_options
@engine_options
@click.pass_obj
def access(state: State, out: Path | None, force: bool, allow_feed_errors: bool,
           allow_data_loss: bool, keep_duplicate_trips: bool, engine: str,
           r5_classpath: Path | None, scheduler: str | None, workers: int | None) -> None:
    """Compute baseline accessibility of every zone; write zones.gpkg, zones.csv, manifest.json.

    With [fares] in routes.toml, zones.csv also has the fare-limited columns
    (built-in engine only).
    """
    from routes._warnings import record_warnings, unique_messages
    from routes.engine.backends import open_engine
    from routes.evaluation.fares import add_baseline_fare_access
    from routes.evaluation.study import compute_baseline, load_study
    from routes.runs.write import write_access

    check_engine_options(engine, r5_classpath, scheduler, workers)
    area = state.study_area()
    folder = out if out is not None else area.config_path.parent / "outputs" / "access"
    check_run_out(folder, force)
    study = load_study(area, allow_feed_errors=allow_feed_errors, allow_data_loss=allow_data_loss,
                       feed_doctor=doctor_rules(keep_duplicate_trips))
    with open_engine(engine, area, study.network, cache=study.cache, r5_classpath=r5_classpath,
                     scheduler=scheduler, workers=workers) as chosen:
        baseline = compute_baseline(study, engine=chosen,
                                    progress=step_progress(state)("baseline"))
        with record_warnings() as log:
            with_fares = add_baseline_fare_access(study, baseline.access, chosen)
        baseline = replace(baseline, access=with_fares,
                           warnings=unique_messages(baseline.warnings, log.messages))
    write_access(study, baseline, folder, force=force, engine=chosen.name)
    click.echo(f"{folder}  ({len(baseline.access.zones):,} zones)")


@click.command(short_help="Access under two or more real timetables (before/after).")
@click.argument("configs", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@out_option("Run folder of the monitoring.")
@force_option
@network_options
@engine_options
@click.option("--no-map", is_flag=True, default=False, help="Do not write map.html.")
@click.pass_obj
def monitor(state: State, configs: tuple[Path, ...], out: Path, force: bool,
            allow_feed_errors: bool, allow_data_loss: bool, keep_duplicate_trips: bool,
            engine: str, r5_classpath: Path | None, scheduler: str | None,
            workers: int | None, no_map: bool) -> None:
    """Compare the same zones and destinations under BEFORE.toml AFTER.toml [MORE.toml ...].

    Writes zones.csv and zones.gpkg (before_, after_ and delta_ of every metric),
    by_decile.csv, by_community.csv, trend.csv (more than two timetables),
    report.html, map.html and manifest.json into --out.
    """
    from routes.runs.monitor import monitor_to_folder

    if len(configs) < 2:
        raise click.UsageError("give two or more routes.toml files: BEFORE.toml AFTER.toml")
    check_engine_options(engine, r5_classpath, scheduler, workers)
    run = monitor_to_folder(list(configs), out, force=force, allow_feed_errors=allow_feed_errors,
                            allow_data_loss=allow_data_loss, map_page=not no_map,
                            feed_doctor=doctor_rules(keep_duplicate_trips),
                            progress_factory=step_progress(state), engine=engine,
                            r5_classpath=r5_classpath, scheduler=scheduler, workers=workers)
    click.echo(str(run.folder))
    for line in run.findings:
        click.echo(f"  {line}")

