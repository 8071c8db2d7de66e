"""``routes matrix``, ``isochrones`` and ``compare-engines``: travel times between points."""

from __future__ import annotations

import os
from pathlib import Path

import click

from routes._format import format_number
from routes.cli.options import (
    State,
    check_engine_options,
    check_points,
    departure_option,
    doctor_rules,
    engine_option,
    engine_options,
    force_option,
    network_options,
    out_option,
    parse_departure,
    parse_int_list,
    points_for,
    r5_classpath_option,
    refuse_overwrite,
    step_progress,
    threads_option,
    window_option,
    zone_names,
)

__all__ = ["compare_engines", "isochrones", "matrix"]


@click.command(short_help="Compute a travel-time matrix.")
@departure_option
@window_option
@click.option("--percentiles", type=str, default=None,
              help="Comma-separated percentiles, e.g. 5,50,95 (default: [routing]).")
@click.option("--from", "from_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Origins file (default: the zones).")
@click.option("--to", "to_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Destinations file (default: the origins).")
@out_option("Output file, .csv or .parquet.")
@force_option
@network_options
@threads_option
@engine_options
@click.pass_obj
def matrix(state: State, departure: str | None, window_min: int | None,
           percentiles: str | None, from_path: Path | None, to_path: Path | None, out: Path,
           force: bool, allow_feed_errors: bool, allow_data_loss: bool,
           keep_duplicate_trips: bool, threads: int | None, engine: str,
           r5_classpath: Path | None, scheduler: str | None, workers: int | None) -> None:
    """Compute walk + public transport travel times between points (range-RAPTOR).

    Writes a long table: from_id, to_id, travel_time_pNN_min (minutes; pairs
    unreachable at every percentile are left out).
    """
    if out.suffix.lower() not in (".csv", ".parquet"):
        raise click.BadParameter(f"{out.name}: use a .csv or .parquet file", param_hint="--out")
    pcts = parse_int_list(percentiles, "percentile") if percentiles else None
    if pcts and not all(0 < p < 100 for p in pcts):
        raise click.BadParameter("percentiles must be between 1 and 99", param_hint="--percentiles")
    departure_s = parse_departure(departure)
    check_engine_options(engine, r5_classpath, scheduler, workers)
    refuse_overwrite(out, force)
    # pyarrow (imported by pandas) allocates from mimalloc by default, which keeps
    # freed memory: ~20 MB more at import and ~30 MB more while the table is written
    # (POA). Read when pyarrow is first imported, so only a fresh process (the CLI)
    # is affected; a value the user set wins.
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    from routes.engine.backends import open_engine
    from routes.engine.request import TravelTimeRequest
    from routes.engine.table import travel_time_table_chunks
    from routes.io import write_table_chunks
    from routes.network.transit import build_network

    study = state.study_area()
    request = TravelTimeRequest.from_routing(study.routing, departure_s=departure_s,
                                             window_min=window_min, percentiles=pcts)
    origins = points_for(state, study, from_path, "from")
    destinations = points_for(state, study, to_path, "to") if to_path else None
    # R5 builds its own network from the study area's files; the built-in network's
    # street linking still decides which points get no times, with either engine.
    network = build_network(
        study, allow_feed_errors=allow_feed_errors, allow_data_loss=allow_data_loss,
        feed_doctor=doctor_rules(keep_duplicate_trips))
    check_points(study, network, origins, from_path, "origins", allow_data_loss)
    if destinations is not None:
        check_points(study, network, destinations, to_path, "destinations", allow_data_loss)
    targets = origins if destinations is None else destinations
    with open_engine(engine, study, network, n_threads=threads, r5_classpath=r5_classpath,
                     scheduler=scheduler, workers=workers,
                     allow_feed_errors=allow_feed_errors) as chosen:
        minutes = chosen.compute_travel_time_array(
            origins, targets, request,
            progress=step_progress(state, unit="origin")("travel times"))
    # The long table (1.4 M rows on 1,227 points all-to-all) is written in pieces of
    # origins straight from the array, never whole in memory.
    n_pairs = write_table_chunks(
        travel_time_table_chunks(minutes, origins, targets, request.percentiles),
        out, overwrite=force)
    click.echo(f"{out}  ({n_pairs:,} origin-destination pairs)")


@click.command(short_help="Travel-time isochrones around zones (before and after a proposal).")
@click.option("--zone", "zones", multiple=True, required=True,
              help="Origin zone ID or name (repeatable).")
@click.option("--cutoffs", type=str, default="15,30,45", show_default=True,
              help="Comma-separated cutoffs, minutes.")
@click.option("--proposal", "proposal_path", default=None,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A proposal GeoJSON: write the isochrones today and with it (column "
                   "network: baseline or scenario).")
@departure_option
@window_option
@out_option("Output file, .geojson or .gpkg.")
@force_option
@network_options
@engine_option
@r5_classpath_option
@click.pass_obj
def isochrones(state: State, zones: tuple[str, ...], cutoffs: str,
               proposal_path: Path | None, departure: str | None, window_min: int | None,
               out: Path, force: bool, allow_feed_errors: bool, allow_data_loss: bool,
               keep_duplicate_trips: bool, engine: str, r5_classpath: Path | None) -> None:
    """Compute isochrone polygons (WGS84) for chosen origin zones and cutoffs.

    With --proposal, each zone and cutoff gets two polygons: today
    (network=baseline) and with the proposal (network=scenario).
    """
    if out.suffix.lower() not in (".geojson", ".gpkg"):
        raise click.BadParameter(f"{out.name}: use a .geojson or .gpkg file", param_hint="--out")
    cutoff_list = parse_int_list(cutoffs, "cutoff")
    departure_s = parse_departure(departure)
    check_engine_options(engine, r5_classpath, None, None)
    refuse_overwrite(out, force)
    from routes.engine.backends import open_engine
    from routes.engine.isochrones import compute_isochrones
    from routes.engine.request import TravelTimeRequest
    from routes.errors import InputError
    from routes.evaluation.isochrones import compute_proposal_isochrones, resolve_zone_ids
    from routes.io import write_layer
    from routes.network.transit import build_network

    study = state.study_area()
    request = TravelTimeRequest.from_routing(study.routing, departure_s=departure_s,
                                             window_min=window_min)
    origins = points_for(state, study, None, "from")
    try:
        ids = [str(i) for i in origins.ids]
        zone_ids = resolve_zone_ids(zones, ids, zone_names(study, ids))
    except InputError as exc:
        raise click.BadParameter(str(exc).removeprefix("--zone "), param_hint="--zone") from None
    proposal = None
    if proposal_path is not None:
        from routes.proposal.load import load_proposal

        proposal = load_proposal(proposal_path)
    network = build_network(study, allow_feed_errors=allow_feed_errors,
                            allow_data_loss=allow_data_loss,
                            feed_doctor=doctor_rules(keep_duplicate_trips))
    check_points(study, network, origins, None, "zones", allow_data_loss)
    with open_engine(engine, study, network, r5_classpath=r5_classpath,
                     allow_feed_errors=allow_feed_errors) as chosen:
        if proposal is None:
            layer = compute_isochrones(network, origins, zone_ids, cutoff_list, request,
                                       engine=chosen)
        else:
            layer = compute_proposal_isochrones(study, network, proposal, origins, zone_ids,
                                                cutoff_list, request, engine=chosen)
    write_layer(layer, out, overwrite=force)
    what = ", today and with the proposal" if proposal is not None else ""
    click.echo(f"{out}  ({len(layer)} polygons{what})")



@click.command("compare-engines", short_help="Agreement between the built-in engine and R5.")
@departure_option
@window_option
@click.option("--percentiles", type=str, default=None,
              help="Comma-separated percentiles, at most 5 (default: [routing]).")
@click.option("--from", "from_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Origins file (default: the zones).")
@click.option("--to", "to_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Destinations file (default: the origins).")
@r5_classpath_option
@out_option("Also write both engines' times per pair, .csv or .parquet.", required=False)
@force_option
@network_options
@threads_option
@click.option("--json", "as_json", is_flag=True, default=False, help="Print the summary as JSON.")
@click.pass_obj
def compare_engines(state: State, departure: str | None, window_min: int | None,
                    percentiles: str | None, from_path: Path | None, to_path: Path | None,
                    r5_classpath: Path | None, out: Path | None, force: bool,
                    allow_feed_errors: bool, allow_data_loss: bool, keep_duplicate_trips: bool,
                    threads: int | None, as_json: bool) -> None:
    """Run the built-in engine and R5 (r5py) on the same points, like for like; print the agreement.

    The built-in engine runs with R5's conventions (60-s boarding slack, R5's
    transfer rule, random frequency phases with 60 draws) whatever
    [routing] says, and its times are reported as R5 reports them (whole
    minutes, floored; trips of max_trip_min or longer dropped). Prints the
    pairs reachable by each engine, the share of pairs reachable by both whose
    times are within 1, 2 and 5 minutes, the median difference (r5py minus
    builtin), then the differences that remain and why. Trips from a point
    to itself are left out.
    """
    if out is not None and out.suffix.lower() not in (".csv", ".parquet"):
        raise click.BadParameter(f"{out.name}: use a .csv or .parquet file", param_hint="--out")
    pcts = parse_int_list(percentiles, "percentile") if percentiles else None
    departure_s = parse_departure(departure)
    if out is not None:
        refuse_overwrite(out, force)
    from routes.engine.backends import open_engine
    from routes.engine.r5.compare import compare_engines as compare
    from routes.engine.r5.compare import like_for_like_study
    from routes.engine.request import TravelTimeRequest
    from routes.network.transit import build_network

    study, aligned = like_for_like_study(state.study_area())
    origins = points_for(state, study, from_path, "from")
    destinations = points_for(state, study, to_path, "to") if to_path else origins
    request = TravelTimeRequest.from_routing(study.routing, departure_s=departure_s,
                                             window_min=window_min, percentiles=pcts)
    pcts = request.percentiles
    network = build_network(study, allow_feed_errors=allow_feed_errors,
                            allow_data_loss=allow_data_loss,
                            feed_doctor=doctor_rules(keep_duplicate_trips))
    check_points(study, network, origins, from_path, "origins", allow_data_loss)
    with open_engine("r5py", study, network, r5_classpath=r5_classpath) as r5, \
            open_engine("builtin", study, network, n_threads=threads) as builtin:
        result = compare(builtin, r5, study, network, origins, destinations, request,
                         aligned=aligned, progress=step_progress(state, unit="origin"))
    ours, theirs = result.builtin_min, result.r5py_min
    if out is not None:
        import numpy as np
        import pandas as pd

        from routes.io import write_table

        o, j, d = np.nonzero(~(np.isnan(ours) & np.isnan(theirs)))
        write_table(pd.DataFrame({
            "from_id": origins.ids[o].astype(str), "to_id": destinations.ids[d].astype(str),
            "percentile": np.asarray(pcts)[j], "builtin_min": ours[o, j, d],
            "r5py_min": theirs[o, j, d], "diff_min": theirs[o, j, d] - ours[o, j, d],
        }), out, overwrite=force)
    if as_json:
        import json

        click.echo(json.dumps(result.to_dict(), indent=1))
        return
    for row in result.agreement.to_frame().itertuples(index=False):
        click.echo(f"  {row.indicator:<40} {format_number(row.value):>10}  {row.unit}")
    click.echo("like for like: builtin times in whole minutes (floored), trips of max_trip_min "
               "or longer dropped" + "".join(f"; {a}" for a in aligned))
    click.echo("differences that remain:")
    for difference in result.differences:
        click.echo(f"  {difference.cause}: {difference.detail}")
    if out is not None:
        click.echo(str(out))

