"""The options every command shares, defined once, and the helpers of the commands.

Parsing and checking what was typed (bad usage exits 2 through click), the
state the group hands to its commands (:class:`State`), progress bars, and
the points a command routes from and to.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

__all__ = [
    "State",
    "allow_data_loss_option",
    "allow_feed_errors_option",
    "check_engine_options",
    "check_points",
    "check_run_out",
    "check_zone_ids",
    "departure_option",
    "doctor_rules",
    "engine_option",
    "engine_options",
    "force_option",
    "keep_duplicate_trips_option",
    "map_zone_option",
    "network_options",
    "out_option",
    "parse_departure",
    "parse_int_list",
    "pdf_option",
    "points_for",
    "progress_enabled",
    "r5_classpath_option",
    "refuse_overwrite",
    "scheduler_option",
    "step_progress",
    "threads_option",
    "window_option",
    "workers_option",
    "zone_names",
]


def out_option(help_text: str, *, required: bool = True) -> Callable[[Any], Any]:
    """``--out``, with the command's help text."""
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


def doctor_rules(keep_duplicate_trips: bool) -> Any:
    """Return the feed doctor's rules for --keep-duplicate-trips."""
    from routes.timetable.diagnosis import DOCTOR_RULES, DoctorRules

    return DoctorRules(drop=False) if keep_duplicate_trips else DOCTOR_RULES


def network_options(f: Callable[..., Any]) -> Callable[..., Any]:
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


def engine_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--engine, --r5-classpath, --scheduler and --workers."""
    for option in (workers_option, scheduler_option, r5_classpath_option, engine_option):
        f = option(f)
    return f


def check_engine_options(engine: str, r5_classpath: Path | None, scheduler: str | None,
                          workers: int | None) -> None:
    """Refuse engine options that do not go together (bad usage, before any work)."""
    if scheduler and workers:
        raise click.UsageError("give --scheduler or --workers, not both")
    if engine.lower() == "r5py" and (scheduler or workers):
        raise click.UsageError("--scheduler and --workers shard the builtin engine; "
                               "drop them for --engine r5py")
    if r5_classpath is not None and engine.lower() != "r5py":
        raise click.UsageError("--r5-classpath is used only with --engine r5py")


class State:
    """What the group hands its commands: the verbosity and the study area file."""

    def __init__(self, verbosity: int, config: Path) -> None:
        self.verbosity = verbosity
        self.config = config

    def study_area(self) -> Any:
        """Load the study area of ``--config``."""
        from routes.config.study_area import load_study_area

        return load_study_area(self.config)


def progress_enabled(verbosity: int) -> bool:
    """Progress bars only on a terminal, not with --quiet or in CI."""
    return verbosity >= 0 and sys.stderr.isatty() and not os.environ.get("CI")


def refuse_overwrite(path: Path, force: bool) -> None:
    """Check an output *file* before any work: not a folder, not there unless ``--force``."""
    from routes.io import refuse_existing

    refuse_existing(path, overwrite=force, option="--out")


def check_run_out(folder: Path, force: bool) -> None:
    """Check a run folder target (``--out`` of access, compare) before any work."""
    from routes.runs.folder import check_folder_writable, check_run_target, remove_stale_temporaries

    remove_stale_temporaries(folder.parent)
    check_run_target(folder, force=force)
    check_folder_writable(folder.parent)


def check_zone_ids(ids: tuple[str, ...], known: Any, option: str) -> None:
    """Unknown zone ids are bad usage (exit 2), listed with the closest known ids."""
    from routes._closest import check_known_ids
    from routes.errors import InputError

    try:
        check_known_ids(list(ids), [str(k) for k in known], what=option, noun="zones",
                        todo="give zone ids from the zones file's id column")
    except InputError as exc:
        raise click.BadParameter(str(exc).removeprefix(f"{option} "), param_hint=option) from None


def parse_int_list(value: str, what: str) -> tuple[int, ...]:
    """Parse comma-separated whole numbers (bad usage when there are none)."""
    try:
        items = tuple(int(v) for v in value.split(",") if v.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r}: expected comma-separated whole numbers") from None
    if not items:
        raise click.BadParameter(f"{value!r}: give at least one {what}")
    return items


def parse_departure(value: str | None) -> int | None:
    """Parse ``--departure HH:MM`` into seconds after midnight (``None`` if not given)."""
    if value is None:
        return None
    from routes.config.study_area import parse_clock

    try:
        return parse_clock(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--departure") from None



def points_for(state: State, study: Any, path: Path | None, what: str) -> Any:
    """Points of ``--from``/``--to`` FILE, or the zones (their centroids where given)."""
    from routes.inputs.points import load_layer, points_from_layer

    if path is not None:
        return points_from_layer(load_layer(path))
    if study.zones is None:
        msg = f"{state.config.name} has no [zones]; give --{what} FILE"
        raise click.UsageError(msg)
    layer = study.zones
    origins = layer.centroids_path or layer.path
    return points_from_layer(load_layer(origins, id_column=layer.id_column))


def check_points(study: Any, network: Any, points: Any, path: Path | None, what: str,
                  allow_data_loss: bool) -> None:
    """Stop when most points are off the street network (the engine warns about a few)."""
    from routes.network.coverage import check_point_coverage

    source = path if path is not None else (study.zones.centroids_path or study.zones.path)
    check_point_coverage(network.streets, points, study.routing.max_snap_m, what=what,
                         source=source.name, allow_data_loss=allow_data_loss,
                         index=network.edge_index, warn=False)



def zone_names(study: Any, ids: list[str]) -> list[object]:
    """Return the zones' display names, aligned with ``ids`` (``None`` without names)."""
    from routes.inputs.points import load_layer

    layer = study.zones
    if layer is None or layer.name_column is None:
        return [None] * len(ids)
    frame = load_layer(layer.path, id_column=layer.id_column, columns=(layer.name_column,))
    names = dict(zip(frame["id"].astype(str), frame[layer.name_column], strict=True))
    return [names.get(i) for i in ids]


def step_progress(state: State, unit: str = "zone") -> Callable[[str], Any]:
    """Make progress bars, one per named step, for the library (``unit="B"`` for bytes)."""
    from routes._progress import tqdm_progress

    return tqdm_progress(enabled=progress_enabled(state.verbosity), unit=unit)

