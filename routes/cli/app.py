"""The ``routes`` group: logging, one-line errors, SIGTERM, versions; every command added.

Library errors (:class:`routes.errors.RoutesError`), OS faults and running out
of memory become one line and exit code 1 (``-vv`` shows the traceback); bad
usage exits 2 (click).
"""

from __future__ import annotations

import logging
import sys
import warnings
from pathlib import Path
from typing import Any

import click

from routes import __version__
from routes.cli.data import cache, check, demo, fetch, proposal, streets
from routes.cli.options import State
from routes.cli.routing import compare_engines, isochrones, matrix
from routes.cli.runs import access, compare, evaluate, monitor
from routes.errors import RoutesError

__all__ = ["main"]


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


class _RoutesGroup(click.Group):
    """Turns library errors into one-line messages with exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise  # stdout closed early (``routes ... | head``): click exits quietly
        except (RoutesError, OSError, MemoryError) as exc:
            state = ctx.obj
            if isinstance(state, State) and state.verbosity >= 2:
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
    ctx.obj = State(verbosity, config)


for _command in (check, matrix, isochrones, evaluate, compare, access, monitor, proposal,
                 streets, demo, fetch, compare_engines, cache):
    main.add_command(_command)
