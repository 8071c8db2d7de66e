"""Exceptions and warnings raised by Community Routes.

Every error message says what is wrong, where (file, row, feature or key) and
what to do about it.
"""

from __future__ import annotations

__all__ = [
    "CacheError",
    "DataLossError",
    "DownloadError",
    "GtfsError",
    "InputError",
    "OsmError",
    "OutputExistsError",
    "ProposalError",
    "RoutesError",
    "RoutesWarning",
]


class RoutesError(Exception):
    """Base class of every error this package raises on purpose."""


class InputError(RoutesError, ValueError):
    """A problem with an input file or parameter that the user can fix."""


class GtfsError(InputError):
    """A GTFS feed that cannot be read or is inconsistent."""


class DataLossError(InputError):
    """Most of the zones, destinations or transit network fall off the street network.

    Raised instead of giving results that look sound and are not; the
    ``allow_data_loss`` keyword (CLI ``--allow-data-loss``) goes on with warnings.
    """


class OsmError(InputError):
    """An OpenStreetMap extract that cannot be read or holds no streets."""


class ProposalError(InputError):
    """A proposal GeoJSON that is malformed or inconsistent."""


class OutputExistsError(RoutesError, FileExistsError):
    """An output would overwrite existing files without ``--force``."""


class CacheError(RoutesError):
    """The on-disk network cache is unreadable or inconsistent."""


class DownloadError(RoutesError, ConnectionError):
    """A download failed: the server could not be reached, refused, or sent bad data."""


class RoutesWarning(UserWarning):
    """Input that is suspicious but usable (no service on a date, unsnapped points...)."""


def join_problems(problems: list[str]) -> str:
    """Join collected validation problems into one message.

    Parameters
    ----------
    problems
        One line per problem.

    Returns
    -------
    str
        A single line if there is one problem, else a count followed by one
        problem per line.
    """
    if len(problems) == 1:
        return problems[0]
    return f"{len(problems)} problems:\n" + "\n".join(f"  - {p}" for p in problems)
