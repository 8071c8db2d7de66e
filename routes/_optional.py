"""Optional dependencies (r5py, dask, folium, osmnx, the PDF backend), imported where used.

An optional package that is missing raises :class:`OptionalDependencyError`, an
``ImportError`` that names the extra to install, e.g.
``pip install "community-routes[r5py]"``. It is also a
:class:`~routes.errors.RoutesError`, so the command line prints it as one line
and exits 1.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from routes.errors import RoutesError

__all__ = ["OptionalDependencyError", "check_optional_dependency", "import_optional_dependency"]


class OptionalDependencyError(RoutesError, ImportError):
    """An optional package needed for the requested feature is not installed."""


def _message(name: str, extra: str, purpose: str) -> str:
    what = f" {purpose}" if purpose else ""
    return (
        f"{name} is not installed and is needed{what}; "
        f'install it with: pip install "community-routes[{extra}]"'
    )


def check_optional_dependency(name: str, *, extra: str, purpose: str = "") -> None:
    """Check that an optional package is installed, without importing it.

    For packages whose import has side effects (r5py starts a JVM and may
    download a jar), so they can be checked before any other precondition.

    Parameters
    ----------
    name
        Top-level module name, e.g. ``"r5py"``.
    extra
        The ``community-routes`` extra that installs it.
    purpose
        What it is needed for, e.g. ``"for --engine r5py"``.

    Raises
    ------
    OptionalDependencyError
        If the package cannot be found.
    """
    if importlib.util.find_spec(name) is None:
        msg = _message(name, extra, purpose)
        raise OptionalDependencyError(msg, name=name)


def import_optional_dependency(name: str, *, extra: str, purpose: str = "") -> ModuleType:
    """Import an optional package, or explain which extra installs it.

    Parameters
    ----------
    name
        Module to import, e.g. ``"distributed"`` or ``"folium"``.
    extra
        The ``community-routes`` extra that installs it.
    purpose
        What it is needed for, e.g. ``"for --workers"``.

    Returns
    -------
    types.ModuleType
        The imported module.

    Raises
    ------
    OptionalDependencyError
        If the package (or the top-level package it belongs to) is not installed.
        An ``ImportError`` raised *inside* an installed package propagates unchanged.
    """
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        top = name.partition(".")[0]
        if exc.name is None or exc.name.partition(".")[0] != top:
            raise
        msg = _message(top, extra, purpose)
        raise OptionalDependencyError(msg, name=top) from None
