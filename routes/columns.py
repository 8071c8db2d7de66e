"""Names of result columns: one builder, one documented scheme.

Every per-zone and per-space result column the library writes is named by
:func:`column_name`, so the scheme below is the single source of truth.
Tables downstream (scorecard, maps, reports, CSV/GeoPackage outputs) look
columns up through it rather than spelling names by hand.

============================  ===================================  ============================
kind                          pattern                              unit of the values
============================  ===================================  ============================
``TRAVEL_TIME``               ``travel_time_p<P>_min``             minutes; NaN: unreachable
``WITHIN``                    ``<layer>_within_<T>min``            the layer's weight (jobs, or
                                                                   spaces when counting spaces)
``DECAY``                     ``<layer>_decay_h<H>min``            decay-weighted layer weight
``NEAREST_SPACE``             ``nearest_space_min``                minutes; NaN: none reached
``NEAREST_SPACE`` + category  ``nearest_space_<category>_min``     minutes; NaN: none reached
``REACH_OTHER_GROUPS``        ``reach_other_groups_<T>min``        residents
``REACH_ACROSS_DEPRIVATION``  ``reach_across_deprivation_<T>min``  residents (no groups given)
``MEETING_POTENTIAL``         ``meeting_potential_<T>min``         residents
``REACHABLE_RESIDENTS``       ``reachable_residents_<T>min``       residents (per space)
``REACHABLE_GROUP``           ``reachable_<group>_<T>min``         residents of one group (per
                                                                   space)
``SIMPSON_DIVERSITY``         ``simpson_diversity_<T>min``         dimensionless, 0 to 1 (per
                                                                   space)
``EXPOSURE``                  ``exposure_other_groups_<T>min``     share 0 to 1 (per zone)
``WITHIN_FARE``               ``<layer>_within_<T>min_fare<B>p``   as ``WITHIN``, counting only
                                                                   journeys costing at most
                                                                   ``<B>`` minor units (pence)
``FASTEST_FARE``              ``fastest_fare_<layer>_<T>min_p``    minor units: median, weighted
                                                                   by the layer, over what is
                                                                   within ``<T>`` (time only), of
                                                                   the fare of the fastest
                                                                   journey; NaN: nothing within
                                                                   ``<T>``, or more than the
                                                                   reporting limit
``OVER_FARE_SHARE``           ``<layer>_within_<T>min_over_``      share 0 to 1 of the weight
                              ``fare<B>p_share``                   within ``<T>`` (time only)
                                                                   whose fastest journey costs
                                                                   more than ``<B>``; NaN: none
``TWO_OPERATORS_SHARE``       ``<layer>_within_<T>min_two_``       share 0 to 1 of the weight
                              ``operators_share``                  within ``<T>`` whose fastest
                                                                   journey needs two operators
any, ``delta=True``           ``delta_<name>``                     the unit of ``<name>``
============================  ===================================  ============================

Examples: ``travel_time_p50_min``, ``jobs_within_45min``, ``spaces_within_30min``,
``jobs_decay_h20min``, ``nearest_space_min``, ``nearest_space_library_min``,
``reach_other_groups_30min``, ``reach_across_deprivation_30min``,
``meeting_potential_30min``, ``reachable_residents_30min``,
``simpson_diversity_30min``, ``reachable_asian_30min``,
``exposure_other_groups_30min``, ``jobs_within_45min_fare300p``,
``fastest_fare_jobs_45min_p``, ``jobs_within_45min_over_fare300p_share``,
``jobs_within_45min_two_operators_share``, ``delta_jobs_within_45min``.

``<P>`` is a whole percentile 1-99 of the travel-time distribution over the
departure window, ``<T>`` a cutoff and ``<H>`` a half-life, both in whole
minutes, ``<B>`` a fare budget in whole minor units of the study area's
currency (pence for GBP). ``<layer>`` and ``<category>`` are lowercase snake_case words
(``jobs``, ``place_of_worship``); ``<group>`` is a community-group column of
the zones as the study area names it (``white_british``), or ``deprived`` and
``not_deprived`` for the two halves of the fallback without groups.
``delta_<name>`` always means scenario minus baseline, in the unit of ``<name>``.
"""

from __future__ import annotations

import math
import numbers
import re
from enum import Enum

from routes.errors import InputError

__all__ = ["ColumnKind", "column_name"]

_WORD = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")


class ColumnKind(Enum):
    """The kinds of result column; see the module docstring for the scheme."""

    TRAVEL_TIME = "travel_time"
    WITHIN = "within"
    DECAY = "decay"
    NEAREST_SPACE = "nearest_space"
    REACH_OTHER_GROUPS = "reach_other_groups"
    REACH_ACROSS_DEPRIVATION = "reach_across_deprivation"
    MEETING_POTENTIAL = "meeting_potential"
    REACHABLE_RESIDENTS = "reachable_residents"
    SIMPSON_DIVERSITY = "simpson_diversity"
    REACHABLE_GROUP = "reachable"
    EXPOSURE = "exposure_other_groups"
    WITHIN_FARE = "within_fare"
    FASTEST_FARE = "fastest_fare"
    OVER_FARE_SHARE = "over_fare_share"
    TWO_OPERATORS_SHARE = "two_operators_share"


# For each kind: (required parameters, optional parameters).
_PARAMETERS: dict[ColumnKind, tuple[frozenset[str], frozenset[str]]] = {
    ColumnKind.TRAVEL_TIME: (frozenset({"percentile"}), frozenset()),
    ColumnKind.WITHIN: (frozenset({"layer", "cutoff_min"}), frozenset()),
    ColumnKind.DECAY: (frozenset({"layer", "half_life_min"}), frozenset()),
    ColumnKind.NEAREST_SPACE: (frozenset(), frozenset({"category"})),
    ColumnKind.REACH_OTHER_GROUPS: (frozenset({"cutoff_min"}), frozenset()),
    ColumnKind.REACH_ACROSS_DEPRIVATION: (frozenset({"cutoff_min"}), frozenset()),
    ColumnKind.MEETING_POTENTIAL: (frozenset({"cutoff_min"}), frozenset()),
    ColumnKind.REACHABLE_RESIDENTS: (frozenset({"cutoff_min"}), frozenset()),
    ColumnKind.SIMPSON_DIVERSITY: (frozenset({"cutoff_min"}), frozenset()),
    ColumnKind.REACHABLE_GROUP: (frozenset({"group", "cutoff_min"}), frozenset()),
    ColumnKind.EXPOSURE: (frozenset({"cutoff_min"}), frozenset()),
    ColumnKind.WITHIN_FARE: (frozenset({"layer", "cutoff_min", "budget_minor"}), frozenset()),
    ColumnKind.FASTEST_FARE: (frozenset({"layer", "cutoff_min"}), frozenset()),
    ColumnKind.OVER_FARE_SHARE: (frozenset({"layer", "cutoff_min", "budget_minor"}),
                                 frozenset()),
    ColumnKind.TWO_OPERATORS_SHARE: (frozenset({"layer", "cutoff_min"}), frozenset()),
}


def column_name(
    kind: ColumnKind,
    *,
    layer: str | None = None,
    cutoff_min: float | None = None,
    percentile: int | None = None,
    half_life_min: float | None = None,
    category: str | None = None,
    group: str | None = None,
    budget_minor: int | None = None,
    delta: bool = False,
) -> str:
    """Build the name of a result column.

    Parameters
    ----------
    kind
        Which quantity the column holds.
    layer
        Destination layer name for ``WITHIN`` and ``DECAY`` (``"jobs"``,
        ``"spaces"``), lowercase snake_case.
    cutoff_min
        Travel-time cutoff, whole minutes, for every kind but ``TRAVEL_TIME``,
        ``DECAY`` and ``NEAREST_SPACE``.
    percentile
        Percentile of the travel-time distribution (1-99) for ``TRAVEL_TIME``.
    half_life_min
        Half-life of the exponential decay, whole minutes, for ``DECAY``.
    category
        Optional space category for ``NEAREST_SPACE`` (``"library"``),
        lowercase snake_case.
    group
        Community group for ``REACHABLE_GROUP``: the zones' group column
        name, any non-empty text without leading or trailing spaces.
    budget_minor
        Fare budget for ``WITHIN_FARE`` and ``OVER_FARE_SHARE``: a whole number of minor units
        (pence), 0 or more.
    delta
        Prefix ``delta_`` for a scenario-minus-baseline column.

    Returns
    -------
    str
        The column name, e.g. ``"jobs_within_45min"``.

    Raises
    ------
    InputError
        If a parameter the kind needs is missing, one it does not use is
        given, a minute value is not a positive whole number, or a layer or
        category is not lowercase snake_case.

    Examples
    --------
    >>> column_name(ColumnKind.WITHIN, layer="jobs", cutoff_min=45)
    'jobs_within_45min'
    >>> column_name(ColumnKind.WITHIN_FARE, layer="jobs", cutoff_min=45, budget_minor=300)
    'jobs_within_45min_fare300p'
    >>> column_name(ColumnKind.FASTEST_FARE, layer="jobs", cutoff_min=45)
    'fastest_fare_jobs_45min_p'
    >>> column_name(ColumnKind.OVER_FARE_SHARE, layer="jobs", cutoff_min=45, budget_minor=300)
    'jobs_within_45min_over_fare300p_share'
    >>> column_name(ColumnKind.TWO_OPERATORS_SHARE, layer="jobs", cutoff_min=45, delta=True)
    'delta_jobs_within_45min_two_operators_share'
    >>> column_name(ColumnKind.NEAREST_SPACE, category="library", delta=True)
    'delta_nearest_space_library_min'
    """
    if not isinstance(kind, ColumnKind):
        msg = f"column_name: kind must be a ColumnKind, got {kind!r}"
        raise InputError(msg)
    given = {
        key
        for key, value in (
            ("layer", layer),
            ("cutoff_min", cutoff_min),
            ("percentile", percentile),
            ("half_life_min", half_life_min),
            ("category", category),
            ("group", group),
            ("budget_minor", budget_minor),
        )
        if value is not None
    }
    required, optional = _PARAMETERS[kind]
    missing = sorted(required - given)
    unused = sorted(given - required - optional)
    if missing or unused:
        parts = []
        if missing:
            parts.append(f"needs {', '.join(missing)}")
        if unused:
            parts.append(f"does not use {', '.join(unused)}")
        msg = f"column_name({kind}): {'; '.join(parts)}"
        raise InputError(msg)

    if kind is ColumnKind.TRAVEL_TIME:
        name = f"travel_time_p{_format_percentile(percentile)}_min"
    elif kind is ColumnKind.WITHIN:
        name = f"{_word(layer, 'layer')}_within_{_format_minutes(cutoff_min, 'cutoff_min')}min"
    elif kind is ColumnKind.DECAY:
        half_life = _format_minutes(half_life_min, "half_life_min")
        name = f"{_word(layer, 'layer')}_decay_h{half_life}min"
    elif kind is ColumnKind.NEAREST_SPACE:
        suffix = "" if category is None else f"_{_word(category, 'category')}"
        name = f"nearest_space{suffix}_min"
    elif kind is ColumnKind.WITHIN_FARE:
        cutoff = _format_minutes(cutoff_min, "cutoff_min")
        name = f"{_word(layer, 'layer')}_within_{cutoff}min_fare{_format_budget(budget_minor)}p"
    elif kind is ColumnKind.FASTEST_FARE:
        cutoff = _format_minutes(cutoff_min, "cutoff_min")
        name = f"fastest_fare_{_word(layer, 'layer')}_{cutoff}min_p"
    elif kind is ColumnKind.OVER_FARE_SHARE:
        cutoff = _format_minutes(cutoff_min, "cutoff_min")
        name = (f"{_word(layer, 'layer')}_within_{cutoff}min_over_fare"
                f"{_format_budget(budget_minor)}p_share")
    elif kind is ColumnKind.TWO_OPERATORS_SHARE:
        cutoff = _format_minutes(cutoff_min, "cutoff_min")
        name = f"{_word(layer, 'layer')}_within_{cutoff}min_two_operators_share"
    elif kind is ColumnKind.REACHABLE_GROUP:
        name = f"reachable_{_group(group)}_{_format_minutes(cutoff_min, 'cutoff_min')}min"
    else:
        name = f"{kind.value}_{_format_minutes(cutoff_min, 'cutoff_min')}min"
    return f"delta_{name}" if delta else name


def _word(value: str | None, what: str) -> str:
    """Check that a layer or category is a lowercase snake_case word."""
    if not isinstance(value, str) or not _WORD.match(value):
        msg = (
            f"column_name: {what} {value!r} is not a lowercase snake_case word; "
            "use letters, digits and single underscores, e.g. 'place_of_worship'"
        )
        raise InputError(msg)
    return value


def _group(value: str | None) -> str:
    """Check that a community group name is usable in a column name."""
    if not isinstance(value, str) or not value or value != value.strip():
        msg = (
            f"column_name: group {value!r} is not a community group column name; give the "
            "zones' group column as written in routes.toml [zones].groups"
        )
        raise InputError(msg)
    return value


def _format_minutes(value: float | None, what: str) -> str:
    """Format a positive whole number of minutes (``45.0`` becomes ``"45"``)."""
    ok = (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
        and float(value).is_integer()
    )
    if not ok:
        msg = (
            f"column_name: {what} must be a positive whole number of minutes, got {value!r}; "
            "round it to whole minutes"
        )
        raise InputError(msg)
    return str(int(value))  # type: ignore[arg-type]


def _format_percentile(value: int | None) -> str:
    """Format a whole percentile between 1 and 99."""
    if (
        not isinstance(value, numbers.Integral)
        or isinstance(value, bool)
        or not 1 <= int(value) <= 99
    ):
        msg = f"column_name: percentile must be a whole number from 1 to 99, got {value!r}"
        raise InputError(msg)
    return str(int(value))


def _format_budget(value: int | None) -> str:
    """Format a fare budget: a whole number of minor units, 0 or more."""
    if (
        not isinstance(value, numbers.Integral)
        or isinstance(value, bool)
        or int(value) < 0
    ):
        msg = (f"column_name: budget_minor must be a whole number of minor units (pence), 0 or "
               f"more, got {value!r}")
        raise InputError(msg)
    return str(int(value))
