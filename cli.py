"""The ``routes`` command line: a thin click layer over the :mod:`routes` library.

Each command parses its options, loads the study area, calls one library
function and echoes a summary. Results go to stdout, logs and progress bars to
stderr. Exit codes: 0 success, 1 a problem with the inputs or the run, 2 bad usage.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from routes import __version__
from routes._format import format_number
from routes.errors import RoutesError

logger = logging.getLogger("routes.cli")

# --------------------------------------------------------------------------------------
# Shared options, defined once
# --------------------------------------------------------------------------------------


def _out_option(help_text: str, *, required: bool = True) -> Callable[[Any], Any]:
    return click.option(
        "--out", "out", type=click.Path(dir_okay=True, path_type=Path), required=required,
        help=help_text,
    )


force_option = click.option(
    "--force", is_flag=True, default=False, help="Overwrite existing outputs."
)
allow_feed_errors_option = click.option(
    "--allow-feed-errors", is_flag=True, default=False,
    help="Drop malformed GTFS trips with a warning instead of stopping.",
)
allow_data_loss_option = click.option(
    "--allow-data-loss", is_flag=True, default=False,
    help="Go on, with warnings, when most stops, zones or destinations are off the street "
         "network (normally an error).",
)
keep_duplicate_trips_option = click.option(
    "--keep-duplicate-trips", is_flag=True, default=False,
    help="Keep the duplicate and superseded trips the feed doctor finds (it still reports "
         "them).",
)


def _feed_doctor(keep_duplicate_trips: bool) -> Any:
    """Return the feed doctor's rules for --keep-duplicate-trips."""
    from routes.timetable.diagnosis import DOCTOR_RULES, DoctorRules

    return DoctorRules(drop=False) if keep_duplicate_trips else DOCTOR_RULES


def _network_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--allow-feed-errors, --allow-data-loss and --keep-duplicate-trips."""
    for option in (keep_duplicate_trips_option, allow_data_loss_option,
                   allow_feed_errors_option):
        f = option(f)
    return f


threads_option = click.option(
    "--threads", type=click.IntRange(min=1), default=None,
    help="Worker threads (default: all cores).",
)
departure_option = click.option(
    "--departure", type=str, default=None,
    help="First departure HH:MM (default: start of [routing].departure_window).",
)
window_option = click.option(
    "--window-min", type=click.IntRange(min=1), default=None,
    help="Departures, one a minute (default: the [routing].departure_window; 1 = single).",
)

# Maps and reports (issue 5).
pdf_option = click.option(
    "--pdf", is_flag=True, default=False,
    help="Also write report.pdf (needs WeasyPrint: the pdf extra).",
)
map_zone_option = click.option(
    "--map-zone", "map_zones", multiple=True,
    help="Zone ID to draw isochrones from on map.html (repeatable; default: the most "
         "deprived zones that gain).",
)

# Engines (issue 7): --engine r5py cross-checks with R5; --scheduler/--workers shard over Dask.
engine_option = click.option(
    "--engine", type=click.Choice(["builtin", "r5py"], case_sensitive=False), default="builtin",
    show_default=True, help="Routing engine: the built-in range-RAPTOR, or R5 through r5py.",
)
r5_classpath_option = click.option(
    "--r5-classpath", type=click.Path(exists=True, path_type=Path), default=None,
    help="The R5 jar (r5-all.jar) for --engine r5py (default: $R5_CLASSPATH).",
)
scheduler_option = click.option(
    "--scheduler", type=str, default=None,
    help="Shard origins over the Dask cluster of this scheduler, e.g. tcp://10.0.0.5:8786.",
)
workers_option = click.option(
    "--workers", type=click.IntRange(min=1), default=None,
    help="Shard origins over a local Dask cluster of N worker processes.",
)


def _engine_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for option in (workers_option, scheduler_option, r5_classpath_option, engine_option):
        f = option(f)
    return f


def _check_engine_options(engine: str, r5_classpath: Path | None, scheduler: str | None,
                          workers: int | None) -> None:
    if scheduler and workers:
        raise click.UsageError("give --scheduler or --workers, not both")
    if engine.lower() == "r5py" and (scheduler or workers):
        raise click.UsageError("--scheduler and --workers shard the builtin engine; "
                               "drop them for --engine r5py")
    if r5_classpath is not None and engine.lower() != "r5py":
        raise click.UsageError("--r5-classpath is used only with --engine r5py")


class _State:
    def __init__(self, verbosity: int, config: Path) -> None:
        self.verbosity = verbosity
        self.config = config

    def study_area(self) -> Any:
        from routes.config.study_area import load_study_area

        return load_study_area(self.config)


def _configure_logging(verbosity: int) -> None:
    level = max(logging.DEBUG, logging.WARNING - 10 * verbosity)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("routes")
    root.handlers[:] = [h for h in root.handlers if isinstance(h, logging.NullHandler)]
    root.addHandler(handler)
    root.setLevel(level)

    shown: set[str] = set()  # each warning once (the scenario repeats the baseline's)

    def show(message: Any, category: Any, filename: str, lineno: int, file: Any = None,
             line: Any = None) -> None:
        text = str(message)
        if verbosity >= 0 and text not in shown:
            shown.add(text)
            click.echo(f"warning: {text}", err=True)

    warnings.showwarning = show


def _progress_enabled(verbosity: int) -> bool:
    return verbosity >= 0 and sys.stderr.isatty() and not os.environ.get("CI")


def _refuse_overwrite(path: Path, force: bool) -> None:
    """Check an output *file* before any work: not a folder, not there unless ``--force``."""
    from routes.errors import OutputExistsError

    if path.is_dir():
        msg = f"{path} is a folder; give --out a file name, e.g. {path / ('out' + path.suffix)}"
        raise OutputExistsError(msg)
    if path.exists() and not force:
        msg = f"{path} exists; pass --force to replace it or choose another --out"
        raise OutputExistsError(msg)


def _check_run_out(folder: Path, force: bool) -> None:
    """Check a run folder target (``--out`` of access, compare) before any work."""
    from routes.runs.folder import check_folder_writable, check_run_target, remove_stale_temporaries

    remove_stale_temporaries(folder.parent)
    check_run_target(folder, force=force)
    check_folder_writable(folder.parent)


def _check_zone_ids(ids: tuple[str, ...], known: Any, option: str) -> None:
    """Unknown zone ids are bad usage (exit 2), listed with the closest known ids."""
    from routes._closest import check_known_ids
    from routes.errors import InputError

    try:
        check_known_ids(list(ids), [str(k) for k in known], what=option, noun="zones",
                        todo="give zone ids from the zones file's id column")
    except InputError as exc:
        raise click.BadParameter(str(exc).removeprefix(f"{option} "), param_hint=option) from None


def _parse_int_list(value: str, what: str) -> tuple[int, ...]:
    try:
        items = tuple(int(v) for v in value.split(",") if v.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r}: expected comma-separated whole numbers") from None
    if not items:
        raise click.BadParameter(f"{value!r}: give at least one {what}")
    return items


def _parse_departure(value: str | None) -> int | None:
    if value is None:
        return None
    from routes.config.study_area import parse_clock

    try:
        return parse_clock(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--departure") from None


# --------------------------------------------------------------------------------------
# The group
# --------------------------------------------------------------------------------------


class _RoutesGroup(click.Group):
    """Turns library errors into one-line messages with exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise  # stdout closed early (``routes ... | head``): click exits quietly
        except (RoutesError, OSError, MemoryError) as exc:
            state = ctx.obj
            if isinstance(state, _State) and state.verbosity >= 2:
                raise
            raise click.ClickException(_one_line(exc)) from None


def _one_line(exc: BaseException) -> str:
    """Describe a library error, an OS fault (a full disk...) or running out of memory."""
    if isinstance(exc, RoutesError):
        return str(exc)
    from routes._os_faults import describe_memory_error, describe_os_error

    if isinstance(exc, OSError):
        return describe_os_error(exc, action="access")
    return describe_memory_error()


class _Terminated(SystemExit):
    """Raised by the SIGTERM handler, so cleanup (unfinished run folders) runs before exit."""


def _exit_on_sigterm(signum: int, _frame: Any) -> None:
    click.echo("Aborted: terminated (SIGTERM); unfinished outputs were removed.", err=True)
    raise _Terminated(128 + signum)


def _handle_sigterm(ctx: click.Context) -> None:
    """Turn SIGTERM into an exit that runs cleanups, for this command only."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
        ctx.call_on_close(lambda: signal.signal(signal.SIGTERM, previous))


def _show_versions(ctx: click.Context, _param: Any, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from importlib.metadata import PackageNotFoundError, version

    click.echo(f"community-routes {__version__}")
    click.echo(f"python {sys.version.split()[0]}")
    for package in ("numpy", "scipy", "pandas", "geopandas", "shapely", "pyproj", "gtfs-kit",
                    "osmium", "numba", "click", "pyarrow", "folium", "r5py", "dask"):
        try:
            click.echo(f"{package} {version(package)}")
        except PackageNotFoundError:
            click.echo(f"{package} not installed")
    ctx.exit()


@click.group(cls=_RoutesGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (repeat for more).")
@click.option("-q", "--quiet", count=True, help="Less log output; no progress bars.")
@click.option(
    "--config", type=click.Path(dir_okay=False, path_type=Path), default=Path("routes.toml"),
    show_default=True, help="The study area file.",
)
@click.version_option(__version__, prog_name="routes")
@click.option("--show-versions", is_flag=True, expose_value=False, is_eager=True,
              callback=_show_versions, help="Show versions of the dependencies and exit.")
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: int, config: Path) -> None:
    """Community Routes: score bus routes on how they connect deprived neighbourhoods."""
    verbosity = verbose - quiet
    _configure_logging(verbosity)
    _handle_sigterm(ctx)
    ctx.obj = _State(verbosity, config)


# --------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------


@main.command(short_help="Validate the study area and print a data report.")
@_network_options
@click.pass_obj
def check(state: _State, allow_feed_errors: bool, allow_data_loss: bool,
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
                                     feed_doctor=_feed_doctor(keep_duplicate_trips))
    click.echo(report.render(warnings=[str(w.message) for w in caught]))


def _points_for(state: _State, study: Any, path: Path | None, what: str) -> Any:
    from routes.inputs.points import load_layer, points_from_layer

    if path is not None:
        return points_from_layer(load_layer(path))
    if study.zones is None:
        msg = f"{state.config.name} has no [zones]; give --{what} FILE"
        raise click.UsageError(msg)
    layer = study.zones
    origins = layer.centroids_path or layer.path
    return points_from_layer(load_layer(origins, id_column=layer.id_column))


def _check_points(study: Any, network: Any, points: Any, path: Path | None, what: str,
                  allow_data_loss: bool) -> None:
    """Stop when most points are off the street network (the engine warns about a few)."""
    from routes.network.coverage import check_point_coverage

    source = path if path is not None else (study.zones.centroids_path or study.zones.path)
    check_point_coverage(network.streets, points, study.routing.max_snap_m, what=what,
                         source=source.name, allow_data_loss=allow_data_loss,
                         index=network.edge_index, warn=False)


@main.command(short_help="Compute a travel-time matrix.")
@departure_option
@window_option
@click.option("--percentiles", type=str, default=None,
              help="Comma-separated percentiles, e.g. 5,50,95 (default: [routing]).")
@click.option("--from", "from_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Origins file (default: the zones).")
@click.option("--to", "to_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Destinations file (default: the origins).")
@_out_option("Output file, .csv or .parquet.")
@force_option
@_network_options
@threads_option
@_engine_options
@click.pass_obj
def matrix(state: _State, departure: str | None, window_min: int | None,
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
    pcts = _parse_int_list(percentiles, "percentile") if percentiles else None
    if pcts and not all(0 < p < 100 for p in pcts):
        raise click.BadParameter("percentiles must be between 1 and 99", param_hint="--percentiles")
    departure_s = _parse_departure(departure)
    _check_engine_options(engine, r5_classpath, scheduler, workers)
    _refuse_overwrite(out, force)
    from routes.engine.backends import compute_travel_times_with, open_engine
    from routes.engine.request import TravelTimeRequest
    from routes.io import write_table
    from routes.network.transit import build_network

    study = state.study_area()
    request = TravelTimeRequest.from_routing(study.routing, departure_s=departure_s,
                                             window_min=window_min, percentiles=pcts)
    origins = _points_for(state, study, from_path, "from")
    destinations = _points_for(state, study, to_path, "to") if to_path else None
    # R5 builds its own network from the study area's files; the built-in network's
    # street linking still decides which points get no times, with either engine.
    network = build_network(
        study, allow_feed_errors=allow_feed_errors, allow_data_loss=allow_data_loss,
        feed_doctor=_feed_doctor(keep_duplicate_trips))
    _check_points(study, network, origins, from_path, "origins", allow_data_loss)
    if destinations is not None:
        _check_points(study, network, destinations, to_path, "destinations", allow_data_loss)
    with open_engine(engine, study, network, n_threads=threads, r5_classpath=r5_classpath,
                     scheduler=scheduler, workers=workers,
                     allow_feed_errors=allow_feed_errors) as chosen:
        table = compute_travel_times_with(
            chosen, origins, destinations, request,
            progress=_step_progress(state, unit="origin")("travel times"))
    write_table(table, out, overwrite=force)
    click.echo(f"{out}  ({len(table):,} origin-destination pairs)")


@main.command(short_help="Travel-time isochrones around zones (before and after a proposal).")
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
@_out_option("Output file, .geojson or .gpkg.")
@force_option
@_network_options
@click.pass_obj
def isochrones(state: _State, zones: tuple[str, ...], cutoffs: str,
               proposal_path: Path | None, departure: str | None, window_min: int | None,
               out: Path, force: bool, allow_feed_errors: bool, allow_data_loss: bool,
               keep_duplicate_trips: bool) -> None:
    """Compute isochrone polygons (WGS84) for chosen origin zones and cutoffs.

    With --proposal, each zone and cutoff gets two polygons: today
    (network=baseline) and with the proposal (network=scenario).
    """
    if out.suffix.lower() not in (".geojson", ".gpkg"):
        raise click.BadParameter(f"{out.name}: use a .geojson or .gpkg file", param_hint="--out")
    cutoff_list = _parse_int_list(cutoffs, "cutoff")
    departure_s = _parse_departure(departure)
    _refuse_overwrite(out, force)
    from routes.engine.isochrones import compute_isochrones
    from routes.engine.request import TravelTimeRequest
    from routes.errors import InputError
    from routes.evaluation.isochrones import compute_proposal_isochrones, resolve_zone_ids
    from routes.io import write_layer
    from routes.network.transit import build_network

    study = state.study_area()
    request = TravelTimeRequest.from_routing(study.routing, departure_s=departure_s,
                                             window_min=window_min)
    origins = _points_for(state, study, None, "from")
    try:
        ids = [str(i) for i in origins.ids]
        zone_ids = resolve_zone_ids(zones, ids, _zone_names(study, ids))
    except InputError as exc:
        raise click.BadParameter(str(exc).removeprefix("--zone "), param_hint="--zone") from None
    proposal = None
    if proposal_path is not None:
        from routes.proposal.load import load_proposal

        proposal = load_proposal(proposal_path)
    network = build_network(study, allow_feed_errors=allow_feed_errors,
                            allow_data_loss=allow_data_loss,
                            feed_doctor=_feed_doctor(keep_duplicate_trips))
    _check_points(study, network, origins, None, "zones", allow_data_loss)
    if proposal is None:
        layer = compute_isochrones(network, origins, zone_ids, cutoff_list, request)
    else:
        layer = compute_proposal_isochrones(study, network, proposal, origins, zone_ids,
                                            cutoff_list, request)
    write_layer(layer, out, overwrite=force)
    what = ", today and with the proposal" if proposal is not None else ""
    click.echo(f"{out}  ({len(layer)} polygons{what})")


def _zone_names(study: Any, ids: list[str]) -> list[object]:
    """Return the zones' display names, aligned with ``ids`` (``None`` without names)."""
    from routes.inputs.points import load_layer

    layer = study.zones
    if layer is None or layer.name_column is None:
        return [None] * len(ids)
    frame = load_layer(layer.path, id_column=layer.id_column, columns=(layer.name_column,))
    names = dict(zip(frame["id"].astype(str), frame[layer.name_column], strict=True))
    return [names.get(i) for i in ids]


def _step_progress(state: _State, unit: str = "zone") -> Callable[[str], Any]:
    """Make progress bars, one per named step, for the library (``unit="B"`` for bytes)."""
    from routes._progress import tqdm_progress

    return tqdm_progress(enabled=_progress_enabled(state.verbosity), unit=unit)


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


@main.command(short_help="Score proposals against the baseline.")
@click.argument("proposals", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_out_option("Parent folder of the run folders.", required=False)
@force_option
@_network_options
@_engine_options
@pdf_option
@map_zone_option
@click.pass_obj
def evaluate(state: _State, proposals: tuple[Path, ...], out: Path | None, force: bool,
             allow_feed_errors: bool, allow_data_loss: bool, keep_duplicate_trips: bool,
             engine: str, r5_classpath: Path | None, scheduler: str | None,
             workers: int | None, pdf: bool, map_zones: tuple[str, ...]) -> None:
    """Evaluate proposal GeoJSON files; write outputs/<proposal>/ for each.

    Each run folder holds zones.gpkg, zones.csv, matrix.parquet,
    scorecard.json, map.html, report.html (report.pdf with --pdf) and
    manifest.json; the scorecard is printed here.
    """
    from routes.engine.backends import open_engine
    from routes.evaluation.study import load_study
    from routes.runs.evaluate import evaluate_to_folders
    from routes.runs.write import check_run_folders

    _check_engine_options(engine, r5_classpath, scheduler, workers)
    area = state.study_area()
    out_root = out if out is not None else area.config_path.parent / "outputs"
    check_run_folders(proposals, out_root, force=force)  # named after the proposal files
    study = load_study(area, allow_feed_errors=allow_feed_errors, allow_data_loss=allow_data_loss,
                       feed_doctor=_feed_doctor(keep_duplicate_trips))
    _check_zone_ids(map_zones, study.zones.table.index, "--map-zone")
    with open_engine(engine, area, study.network, cache=study.cache, r5_classpath=r5_classpath,
                     scheduler=scheduler, workers=workers) as chosen:
        results = evaluate_to_folders(study, list(proposals), out_root=out_root, force=force,
                                      progress_factory=_step_progress(state), engine=chosen,
                                      pdf=pdf, map_zones=map_zones or None)
    for run in results:
        _print_scorecard(run)


@main.command(short_help="Rank proposals side by side in one report.")
@click.argument("proposals", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_out_option("Folder of the comparison (default: outputs/compare).", required=False)
@force_option
@_network_options
@_engine_options
@pdf_option
@map_zone_option
@click.pass_obj
def compare(state: _State, proposals: tuple[Path, ...], out: Path | None, force: bool,
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
    _check_engine_options(engine, r5_classpath, scheduler, workers)
    from routes.engine.backends import open_engine
    from routes.evaluation.study import load_study
    from routes.runs.compare import compare_proposals
    from routes.runs.write import run_folders_for

    area = state.study_area()
    folder = out if out is not None else area.config_path.parent / "outputs" / "compare"
    _check_run_out(folder, force)
    run_folders_for(proposals, folder)
    study = load_study(area, allow_feed_errors=allow_feed_errors, allow_data_loss=allow_data_loss,
                       feed_doctor=_feed_doctor(keep_duplicate_trips))
    _check_zone_ids(map_zones, study.zones.table.index, "--map-zone")
    with open_engine(engine, area, study.network, cache=study.cache, r5_classpath=r5_classpath,
                     scheduler=scheduler, workers=workers) as chosen:
        result = compare_proposals(study, list(proposals), out=folder, force=force, pdf=pdf,
                                   progress_factory=_step_progress(state), engine=chosen,
                                   map_zones=map_zones or None)
    click.echo(str(folder / "report.html"))
    for row in result.ranking.itertuples(index=False):
        click.echo(f"  {row.rank}. {row.proposal}  benefit per vehicle-hour "
                   f"{format_number(row.benefit_per_vehicle_hour)}  "
                   f"({format_number(row.benefit)} resident-jobs for {row.benefit_group}, "
                   f"{format_number(row.annual_vehicle_hours)} vehicle-hours a year)")


@main.command(short_help="Baseline accessibility per zone.")
@_out_option("Run folder (default: outputs/access).", required=False)
@force_option
@_network_options
@_engine_options
@click.pass_obj
def access(state: _State, out: Path | None, force: bool, allow_feed_errors: bool,
           allow_data_loss: bool, keep_duplicate_trips: bool, engine: str,
           r5_classpath: Path | None, scheduler: str | None, workers: int | None) -> None:
    """Compute baseline accessibility of every zone; write zones.gpkg, zones.csv, manifest.json."""
    from routes.engine.backends import open_engine
    from routes.evaluation.study import compute_baseline, load_study
    from routes.runs.write import write_access

    _check_engine_options(engine, r5_classpath, scheduler, workers)
    area = state.study_area()
    folder = out if out is not None else area.config_path.parent / "outputs" / "access"
    _check_run_out(folder, force)
    study = load_study(area, allow_feed_errors=allow_feed_errors, allow_data_loss=allow_data_loss,
                       feed_doctor=_feed_doctor(keep_duplicate_trips))
    with open_engine(engine, area, study.network, cache=study.cache, r5_classpath=r5_classpath,
                     scheduler=scheduler, workers=workers) as chosen:
        baseline = compute_baseline(study, engine=chosen,
                                    progress=_step_progress(state)("baseline"))
    write_access(study, baseline, folder, force=force, engine=chosen.name)
    click.echo(f"{folder}  ({len(baseline.access.zones):,} zones)")


@main.command(short_help="Access under two or more real timetables (before/after).")
@click.argument("configs", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_out_option("Run folder of the monitoring.")
@force_option
@_network_options
@click.option("--no-map", is_flag=True, default=False, help="Do not write map.html.")
@click.pass_obj
def monitor(state: _State, configs: tuple[Path, ...], out: Path, force: bool,
            allow_feed_errors: bool, allow_data_loss: bool, keep_duplicate_trips: bool,
            no_map: bool) -> None:
    """Compare the same zones and destinations under BEFORE.toml AFTER.toml [MORE.toml ...].

    Writes zones.csv and zones.gpkg (before_, after_ and delta_ of every metric),
    by_decile.csv, by_community.csv, trend.csv (more than two timetables),
    report.html, map.html and manifest.json into --out.
    """
    from routes.runs.monitor import monitor_to_folder

    if len(configs) < 2:
        raise click.UsageError("give two or more routes.toml files: BEFORE.toml AFTER.toml")
    run = monitor_to_folder(list(configs), out, force=force, allow_feed_errors=allow_feed_errors,
                            allow_data_loss=allow_data_loss, map_page=not no_map,
                            feed_doctor=_feed_doctor(keep_duplicate_trips),
                            progress_factory=_step_progress(state))
    click.echo(str(run.folder))
    for line in run.findings:
        click.echo(f"  {line}")


@main.group(short_help="Work with proposal files.")
def proposal() -> None:
    """Proposal GeoJSON files."""


@proposal.command("export", short_help="Write a proposal as a GTFS feed.")
@click.argument("proposal_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_out_option("GTFS zip to write.")
@force_option
def proposal_export(proposal_path: Path, out: Path, force: bool) -> None:
    """Write the new routes of a proposal as a GTFS zip."""
    from routes.proposal.export import write_proposal_feed
    from routes.proposal.load import load_proposal

    if out.suffix.lower() != ".zip":
        raise click.BadParameter(f"{out.name}: use a .zip file", param_hint="--out")
    write_proposal_feed(load_proposal(proposal_path), out, overwrite=force)
    click.echo(str(out))


@main.group(short_help="Work with the study area's street network.")
def streets() -> None:
    """Work with the walk network of the study area."""


@streets.command("export", short_help="Write the walk network as GraphML (for osmnx).")
@_out_option("GraphML file to write (.graphml, or .graphml.gz).")
@force_option
@click.pass_obj
def streets_export(state: _State, out: Path, force: bool) -> None:
    """Write the study area's walk network as GraphML that osmnx.load_graphml opens."""
    from routes.streets.graphml import write_graphml
    from routes.streets.osm import load_street_network

    if not out.name.lower().endswith((".graphml", ".graphml.gz")):
        raise click.BadParameter(f"{out.name}: use a .graphml file", param_hint="--out")
    _refuse_overwrite(out, force)
    study = state.study_area()
    network = load_street_network(
        study.osm_path, walk_access="permissive" if study.walk_access == "permissive" else "strict",
        ignore_foot_no=study.walk_access == "ignore_foot_no")
    write_graphml(network, out, overwrite=force)
    click.echo(f"{out}  ({network.n_nodes:,} nodes, {network.n_edges // 2:,} street segments)")


@main.command(short_help="Write the bundled synthetic demo study area.")
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


@main.command(short_help="Assemble a real study area for an English district.")
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
def fetch(state: _State, lad: str, folder: Path | None, buffer_km: float,
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
                               progress_factory=_step_progress(state, unit="B"))
    click.echo(f"{fetched.district_name} ({fetched.district_code}): {fetched.n_zones} LSOAs, "
               f"{fetched.n_jobs:,} jobs at {fetched.n_job_points} places, "
               f"{fetched.n_trips:,} bus trips ({fetched.region} BODS), streets from "
               f"{fetched.osm_extract}; service date {fetched.service_date}")
    click.echo(str(fetched.config_path))
    click.echo(f"next: routes --config {fetched.config_path} check")


@main.command("compare-engines", short_help="Agreement between the built-in engine and R5.")
@departure_option
@window_option
@click.option("--percentiles", type=str, default=None,
              help="Comma-separated percentiles, at most 5 (default: [routing]).")
@click.option("--from", "from_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Origins file (default: the zones).")
@click.option("--to", "to_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Destinations file (default: the origins).")
@r5_classpath_option
@_out_option("Also write both engines' times per pair, .csv or .parquet.", required=False)
@force_option
@_network_options
@threads_option
@click.option("--json", "as_json", is_flag=True, default=False, help="Print the summary as JSON.")
@click.pass_obj
def compare_engines(state: _State, departure: str | None, window_min: int | None,
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
    pcts = _parse_int_list(percentiles, "percentile") if percentiles else None
    departure_s = _parse_departure(departure)
    if out is not None:
        _refuse_overwrite(out, force)
    from routes.engine.backends import open_engine
    from routes.engine.r5.compare import compare_engines as compare
    from routes.engine.r5.compare import like_for_like_study
    from routes.engine.request import TravelTimeRequest
    from routes.network.transit import build_network

    study, aligned = like_for_like_study(state.study_area())
    origins = _points_for(state, study, from_path, "from")
    destinations = _points_for(state, study, to_path, "to") if to_path else origins
    request = TravelTimeRequest.from_routing(study.routing, departure_s=departure_s,
                                             window_min=window_min, percentiles=pcts)
    pcts = request.percentiles
    network = build_network(study, allow_feed_errors=allow_feed_errors,
                            allow_data_loss=allow_data_loss,
                            feed_doctor=_feed_doctor(keep_duplicate_trips))
    _check_points(study, network, origins, from_path, "origins", allow_data_loss)
    with open_engine("r5py", study, network, r5_classpath=r5_classpath) as r5, \
            open_engine("builtin", study, network, n_threads=threads) as builtin:
        result = compare(builtin, r5, study, network, origins, destinations, request,
                         aligned=aligned, progress=_step_progress(state, unit="origin"))
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


@main.group(short_help="Inspect or clear the network cache.")
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


if __name__ == "__main__":  # pragma: no cover
    main()
