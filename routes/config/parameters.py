"""Routing and scoring parameters: their dataclasses, and parsing them from ``routes.toml``.

Every number is checked against physical bounds (a walking pace, minutes in a
day...), so a typo such as ``walk_speed_kmh = 1e6`` is an error naming the key,
the accepted range and a typical value, not a silently wrong result.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from routes.errors import InputError, join_problems

__all__ = [
    "BOUNDS",
    "DEFAULT_PARAMETERS_TOML",
    "FREQUENCY_PHASES",
    "NOT_SHARED_BY_DEFAULT",
    "R5_TRANSFER_LIMIT_M",
    "TRANSFER_RULES",
    "Bound",
    "RoutingParams",
    "ScoringParams",
    "parse_clock",
    "parse_money",
    "parse_window",
]

DEFAULT_PARAMETERS_TOML = """\
[routing]
departure_window = "07:00-09:00"
percentile = 50
max_walk_min = 15
walk_speed_kmh = 4.8
max_rides = 3
max_trip_min = 120

[scoring]
deprived_deciles = [1, 2, 3]
job_cutoff_min = 45
space_cutoff_min = 30
# Categories of destinations that count as shared community spaces; by default
# every category but place_of_worship (most serve one faith community):
# shared_space_categories = ["community_centre", "library", "park", "sports_centre"]
"""
"""The ``[routing]`` and ``[scoring]`` tables DESIGN §4 sketches, as the study areas
written by ``routes demo`` and ``routes fetch`` spell them out (the values are the
defaults of :class:`RoutingParams` and :class:`ScoringParams`)."""

NOT_SHARED_BY_DEFAULT = frozenset({"place_of_worship"})
"""Space categories that are not counted as shared unless ``[scoring]
shared_space_categories`` lists them: places of worship mostly serve one faith
community, so reaching one says little about meeting people of other groups."""

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def parse_clock(text: str) -> int:
    """Parse ``HH:MM`` or ``HH:MM:SS`` (hours may exceed 23) into seconds after midnight.

    Raises
    ------
    ValueError
        If the text is not a clock time.
    """
    m = _CLOCK.match(text.strip())
    if m is None or int(m.group(2)) > 59 or int(m.group(3) or 0) > 59:
        msg = f"{text!r} is not a time of day like '07:30'"
        raise ValueError(msg)
    return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3) or 0)


def parse_window(text: str) -> tuple[int, int]:
    """Parse a window ``"07:00-09:00"`` into (start, end) seconds after midnight.

    Raises
    ------
    ValueError
        If either end is not a clock time or the end is not after the start.
    """
    parts = text.split("-")
    if len(parts) != 2:
        msg = f"{text!r} is not a window like '07:00-09:00'"
        raise ValueError(msg)
    start, end = parse_clock(parts[0]), parse_clock(parts[1])
    if end <= start:
        msg = f"{text!r} ends before it starts"
        raise ValueError(msg)
    return start, end


@dataclass(frozen=True, slots=True)
class RoutingParams:
    """Parameters of the travel-time computation (DESIGN §4 ``[routing]``).

    Attributes
    ----------
    departure_start_s, departure_end_s
        The departure window, seconds after midnight; one departure per minute
        from the start, the end excluded.
    percentiles
        Percentiles of the per-minute travel times to report (default the median).
    max_walk_min
        Longest walk to the first stop and from the last stop, and longest
        walk-only trip, minutes.
    walk_speed_kmh
        Walking speed, km/h.
    max_rides
        Most vehicles boarded in one journey.
    max_trip_min
        Longest journey, minutes, waiting at the first stop included.
    max_transfer_walk_min
        Longest walk between two rides, minutes; ``None`` (the default) for
        R5's rule: transfer walks up to 1,000 m (R5's
        ``TransitLayer.TRANSFER_DISTANCE_LIMIT_METERS``) that are also within
        ``max_walk_min``.
    max_snap_m
        Origins and destinations farther than this from every street are dropped,
        metres (stops are linked up to R5's 1,600 m, see :mod:`routes.network.transit`).
    board_slack_s
        Boarding slack, seconds (R5's ``MINIMUM_BOARD_WAIT_SEC``, 60): a
        timetabled vehicle is boarded only if it leaves *more* than this after
        one is at the stop (after the access walk, a transfer walk or
        alighting), a vehicle of a ``frequencies.txt`` trip if it leaves at
        least this long after (R5's two rules, see
        :mod:`routes.engine.raptor`).
    transfers
        Which transfer walks are used: ``"closest_per_pattern"`` (the default,
        as R5's ``TransferFinder``) keeps, from each stop, the walk to the
        closest stop of each pattern within reach; ``"all"`` keeps every walk.
    frequency_phase
        How ``frequencies.txt`` trips run: ``"random"`` (the default, as R5)
        draws the first vehicle's phase at random, ``frequency_draws`` times
        over the window; ``"fixed"`` runs them as GTFS ``exact_times=1``
        schedules from ``start_time`` (see :mod:`routes.timetable.timetable`).
    frequency_draws
        Random schedules over the departure window when a timetable has
        frequency trips (R5's ``monteCarloDraws``, 60 in r5py): each minute
        gets ``ceil(frequency_draws / minutes)`` of them.
    frequency_seed
        Seed of the random phases; the same seed gives the same schedules,
        hence the same travel times, on every run.
    """

    departure_start_s: int = 7 * 3600
    departure_end_s: int = 9 * 3600
    percentiles: tuple[int, ...] = (50,)
    max_walk_min: float = 15.0
    walk_speed_kmh: float = 4.8
    max_rides: int = 3
    max_trip_min: float = 120.0
    max_transfer_walk_min: float | None = None
    max_snap_m: float = 500.0
    board_slack_s: int = 60
    transfers: str = "closest_per_pattern"
    frequency_phase: str = "random"
    frequency_draws: int = 60
    frequency_seed: int = 0

    def __post_init__(self) -> None:
        problems = []
        if self.transfers not in TRANSFER_RULES:
            problems.append(f"transfers must be one of {TRANSFER_RULES}, got {self.transfers!r}")
        if self.frequency_phase not in FREQUENCY_PHASES:
            problems.append(f"frequency_phase must be one of {FREQUENCY_PHASES}, "
                            f"got {self.frequency_phase!r}")
        if self.board_slack_s < 0 or self.frequency_draws < 1:
            problems.append(f"board_slack_s ({self.board_slack_s}) must be >= 0 and "
                            f"frequency_draws ({self.frequency_draws}) >= 1")
        if problems:
            msg = f"RoutingParams: {'; '.join(problems)}"
            raise InputError(msg)

    @property
    def walk_speed_m_s(self) -> float:
        """Walking speed, metres per second."""
        return self.walk_speed_kmh / 3.6

    @property
    def window_min(self) -> int:
        """Length of the departure window, whole minutes (at least 1)."""
        return max(1, (self.departure_end_s - self.departure_start_s) // 60)

    @property
    def max_transfer_m(self) -> float:
        """Longest transfer walk allowed by distance, metres (``inf`` when only time limits it).

        R5's 1,000 m when ``max_transfer_walk_min`` is ``None``.
        """
        return R5_TRANSFER_LIMIT_M if self.max_transfer_walk_min is None else math.inf

    @property
    def max_transfer_s(self) -> float:
        """Longest transfer walk allowed by time, seconds.

        ``max_transfer_walk_min``, or ``max_walk_min`` under R5's rule.
        """
        minutes = self.max_walk_min if self.max_transfer_walk_min is None \
            else self.max_transfer_walk_min
        return minutes * 60.0


@dataclass(frozen=True, slots=True)
class ScoringParams:
    """Parameters of accessibility and scoring (DESIGN §4 ``[scoring]``).

    Attributes
    ----------
    deprived_deciles
        IMD deciles counted as deprived (1 = most deprived).
    job_cutoff_min
        Travel-time cutoff for jobs, minutes.
    space_cutoff_min
        Travel-time cutoff for shared community spaces and for cross-community
        reach, minutes.
    decay_half_life_min
        Half-life of the exponential decay weighting, minutes.
    shared_space_categories
        Categories of the space layers' destinations that count as shared
        community spaces (lowercase snake_case, as the layers' categories
        are); ``None``: every category but :data:`NOT_SHARED_BY_DEFAULT`.
    fare_budget_minor
        The most a journey may cost to count as affordable, minor units of
        ``[fares].currency`` (``fare_budget`` in major units in the file);
        ``None``: one single fare (``[fares].single``).
    fare_report_max_minor
        The dearest fare of the fastest journey reported as a number, minor
        units (``fare_report_max`` in the file); dearer ones are reported as
        "more than" it. ``None``: twice the fare budget. At least the budget.
    """

    deprived_deciles: tuple[int, ...] = (1, 2, 3)
    job_cutoff_min: float = 45.0
    space_cutoff_min: float = 30.0
    decay_half_life_min: float = 20.0
    shared_space_categories: tuple[str, ...] | None = None
    fare_budget_minor: int | None = None
    fare_report_max_minor: int | None = None

    def is_shared(self, category: str) -> bool:
        """Whether destinations of a category count as shared community spaces."""
        if self.shared_space_categories is None:
            return category not in NOT_SHARED_BY_DEFAULT
        return category in self.shared_space_categories


@dataclass(frozen=True, slots=True)
class Bound:
    """The accepted range of a numeric parameter.

    Attributes
    ----------
    low, high
        Smallest and largest accepted values (``low`` excluded when ``low_open``).
    unit
        Unit named in messages (``"minutes"``, ``"km/h"``).
    hint
        What the number is and a typical value, for messages.
    low_open
        Whether ``low`` itself is refused (``> 0`` rather than ``>= 0``).
    integer
        Whether only whole numbers are accepted.
    """

    low: float
    high: float
    unit: str
    hint: str
    low_open: bool = False
    integer: bool = False

    def describe(self) -> str:
        """Describe the range, e.g. ``"a number of km/h from 1 to 10 (a walking pace...)"``."""
        noun = "a whole number" if self.integer else "a number"
        if self.low_open and self.low == 0:
            span = f"above 0 and at most {self.high:g}"
        else:
            span = f"from {self.low:g} to {self.high:g}"
        unit = f" of {self.unit}" if self.unit else ""
        return f"{noun}{unit} {span} ({self.hint})"

    def accepts(self, value: object) -> bool:
        """Whether ``value`` is a number (not a bool) within the range."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if self.integer and not isinstance(value, int):
            return False
        if not math.isfinite(value):
            return False
        above = value > self.low if self.low_open else value >= self.low
        return above and value <= self.high


R5_TRANSFER_LIMIT_M = 1000.0
"""R5's ``TransitLayer.TRANSFER_DISTANCE_LIMIT_METERS``: the longest transfer walk, metres."""

TRANSFER_RULES = ("closest_per_pattern", "all")
"""Values of ``[routing].transfers``."""
FREQUENCY_PHASES = ("random", "fixed")
"""Values of ``[routing].frequency_phase``."""

#: Physical bounds of every numeric ``[routing]`` and ``[scoring]`` key.
BOUNDS: dict[str, Bound] = {
    "max_walk_min": Bound(0, 120, "minutes", "the longest walk to or from a stop; 15 is "
                          "typical", low_open=True),
    "walk_speed_kmh": Bound(1, 10, "km/h", "a walking pace; 4.8 is typical"),
    "max_rides": Bound(1, 10, "rides", "vehicles boarded in one journey; 3 is typical",
                       integer=True),
    "max_trip_min": Bound(0, 1440, "minutes", "the longest journey, at most a day; 120 is "
                          "typical", low_open=True),
    "max_transfer_walk_min": Bound(0, 60, "minutes", "the longest walk between two rides; 10 "
                                   "is typical", low_open=True),
    "max_snap_m": Bound(0, 5000, "metres", "how far a zone or destination may lie from a "
                        "street; 500 is typical", low_open=True),
    "board_slack_s": Bound(0, 3600, "seconds", "the least wait before boarding; R5 uses 60",
                           integer=True),
    "frequency_draws": Bound(1, 10_000, "random schedules", "of frequencies.txt trips over "
                             "the window; R5 (r5py) uses 60", integer=True),
    "frequency_seed": Bound(0, 999_999_999, "", "any seed; 0 by default", integer=True),
    "job_cutoff_min": Bound(0, 1440, "minutes", "a travel-time cutoff; 45 is typical",
                            low_open=True),
    "space_cutoff_min": Bound(0, 1440, "minutes", "a travel-time cutoff; 30 is typical",
                              low_open=True),
    "decay_half_life_min": Bound(0, 600, "minutes", "the half-life of the decay weighting; 20 "
                                 "is typical", low_open=True),
}
MAX_WINDOW_END_S = 48 * 3600
"""Latest end of the departure window (GTFS times run to 47:59:59 of the service day)."""
MAX_WINDOW_S = 24 * 3600
"""Longest departure window: one service day."""

ROUTING_KEYS = (
    "departure_window", "percentile", "percentiles", "max_walk_min", "walk_speed_kmh",
    "max_rides", "max_trip_min", "max_transfer_walk_min", "max_snap_m", "board_slack_s",
    "transfers", "frequency_phase", "frequency_draws", "frequency_seed",
)
SCORING_KEYS = ("deprived_deciles", "job_cutoff_min", "space_cutoff_min", "decay_half_life_min",
                "shared_space_categories", "fare_budget", "fare_report_max")
MAX_MONEY = 1000.0
"""Largest amount accepted, in major units (a typo guard: a single of 300 is 300 pounds)."""
_CATEGORY = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")


class Problems:
    """Collects validation problems of a file, each prefixed with the file name and key."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[str] = []

    def add(self, key: str, text: str) -> None:
        """Record a problem of ``key`` (e.g. ``[routing].max_walk_min``)."""
        self.items.append(f"{self.path.name} {key}: {text}")

    def raise_if_any(self) -> None:
        """Raise one :class:`InputError` listing every problem, if there are any."""
        if self.items:
            msg = join_problems(self.items)
            raise InputError(msg)


def check_keys(
    table: Mapping[str, Any], allowed: tuple[str, ...], where: str, problems: Problems
) -> None:
    """Record every key of ``table`` that is not ``allowed``."""
    for key in table:
        if key not in allowed:
            problems.add(
                f"{where}.{key}" if where else f"[{key}]",
                f"unknown key; allowed keys are {', '.join(allowed)}",
            )


def get_table(data: Mapping[str, Any], key: str, problems: Problems) -> dict[str, Any]:
    """Return ``data[key]`` (empty when absent); record a problem if it is not a table."""
    value = data.get(key, {})
    if not isinstance(value, dict):
        problems.add(f"[{key}]", f"expected a table, got {value!r}")
        return {}
    return value


def _bounded(table: Mapping[str, Any], key: str, where: str, default: float,
             problems: Problems) -> float:
    value = table.get(key, default)
    bound = BOUNDS[key]
    if not bound.accepts(value):
        problems.add(f"{where}.{key}", f"expected {bound.describe()}, got {value!r}")
        return default
    return float(value)


def _parse_percentiles(routing: Mapping[str, Any], problems: Problems) -> tuple[int, ...]:
    if "percentile" in routing and "percentiles" in routing:
        problems.add("[routing]", "give either 'percentile' or 'percentiles', not both")
    value = routing.get("percentiles", routing.get("percentile", 50))
    values = value if isinstance(value, list) else [value]
    ok = all(isinstance(v, int) and not isinstance(v, bool) and 0 < v < 100 for v in values)
    if not values or not ok:
        problems.add(
            "[routing].percentile", f"expected whole numbers from 1 to 99, got {value!r}"
        )
        return (50,)
    return tuple(sorted(set(values)))


def _parse_window(routing: Mapping[str, Any], problems: Problems) -> tuple[int, int]:
    defaults = RoutingParams()
    if "departure_window" not in routing:
        return defaults.departure_start_s, defaults.departure_end_s
    window = routing["departure_window"]
    key = "[routing].departure_window"
    try:
        start, end = parse_window(window if isinstance(window, str) else repr(window))
    except ValueError as exc:
        problems.add(key, f"{exc}; write it like '07:00-09:00'")
        return defaults.departure_start_s, defaults.departure_end_s
    if end > MAX_WINDOW_END_S:
        problems.add(key, f"{window!r} ends after 48:00, the end of a GTFS service day; "
                          "write it like '07:00-09:00' (or '23:00-25:00' past midnight)")
    elif end - start > MAX_WINDOW_S:
        problems.add(key, f"{window!r} is longer than a day; give at most 24 hours, e.g. "
                          "'07:00-09:00'")
    return start, end


def parse_routing(data: Mapping[str, Any], problems: Problems) -> RoutingParams:
    """Parse and check the ``[routing]`` table (defaults for missing keys)."""
    routing = get_table(data, "routing", problems)
    check_keys(routing, ROUTING_KEYS, "[routing]", problems)
    defaults = RoutingParams()
    start, end = _parse_window(routing, problems)

    def number(key: str) -> float:
        return _bounded(routing, key, "[routing]", getattr(defaults, key), problems)

    def choice(key: str, choices: tuple[str, ...]) -> str:
        value = routing.get(key, getattr(defaults, key))
        if value not in choices:
            problems.add(f"[routing].{key}",
                         f"expected one of {', '.join(map(repr, choices))}, got {value!r}")
            return str(getattr(defaults, key))
        return str(value)

    transfer_min = None
    if "max_transfer_walk_min" in routing:
        transfer_min = _bounded(routing, "max_transfer_walk_min", "[routing]", 10.0, problems)
    params = RoutingParams(
        departure_start_s=start,
        departure_end_s=end,
        percentiles=_parse_percentiles(routing, problems),
        max_walk_min=number("max_walk_min"),
        walk_speed_kmh=number("walk_speed_kmh"),
        max_rides=int(number("max_rides")),
        max_trip_min=number("max_trip_min"),
        max_transfer_walk_min=transfer_min,
        max_snap_m=number("max_snap_m"),
        board_slack_s=int(number("board_slack_s")),
        transfers=choice("transfers", TRANSFER_RULES),
        frequency_phase=choice("frequency_phase", FREQUENCY_PHASES),
        frequency_draws=int(number("frequency_draws")),
        frequency_seed=int(number("frequency_seed")),
    )
    if "max_walk_min" in routing and params.max_walk_min > params.max_trip_min:
        problems.add("[routing].max_walk_min",
                     f"{params.max_walk_min:g} minutes is longer than [routing].max_trip_min "
                     f"({params.max_trip_min:g}); lower it or raise max_trip_min")
    return params


def _parse_categories(scoring: Mapping[str, Any], problems: Problems) -> tuple[str, ...] | None:
    if "shared_space_categories" not in scoring:
        return None
    value = scoring["shared_space_categories"]
    if not isinstance(value, list) or not all(
        isinstance(c, str) and _CATEGORY.match(c) for c in value
    ):
        problems.add("[scoring].shared_space_categories",
                     f"expected a list of lowercase snake_case categories such as "
                     f"[\"community_centre\", \"library\"], got {value!r}")
        return None
    return tuple(sorted(set(value)))


def _parse_scoring_money(scoring: Mapping[str, Any], key: str, problems: Problems) -> int | None:
    if key not in scoring:
        return None
    return parse_money(scoring[key], f"[scoring].{key}", problems)


def parse_money(value: Any, key: str, problems: Problems) -> int | None:
    """Return an amount in major units as integer minor units; record a problem if it is not one.

    Examples
    --------
    >>> from pathlib import Path
    >>> parse_money(2.5, "[fares].single", Problems(Path("routes.toml")))
    250
    """
    ok = (not isinstance(value, bool) and isinstance(value, int | float)
          and math.isfinite(value) and 0 <= value <= MAX_MONEY)
    if ok and abs(value * 100 - round(value * 100)) < 1e-6:
        return int(round(value * 100))
    problems.add(key, f"expected an amount from 0 to {MAX_MONEY:g} with at most two decimals, "
                      f"such as 3.00, got {value!r}")
    return None


def parse_scoring(data: Mapping[str, Any], problems: Problems,
                  routing: RoutingParams | None = None) -> ScoringParams:
    """Parse and check the ``[scoring]`` table; cutoffs may not exceed ``max_trip_min``."""
    scoring = get_table(data, "scoring", problems)
    check_keys(scoring, SCORING_KEYS, "[scoring]", problems)
    defaults = ScoringParams()
    deciles = scoring.get("deprived_deciles", list(defaults.deprived_deciles))
    if not isinstance(deciles, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 10 for d in deciles
    ):
        problems.add(
            "[scoring].deprived_deciles", f"expected a list of deciles 1 to 10, got {deciles!r}"
        )
        deciles = list(defaults.deprived_deciles)

    def number(key: str) -> float:
        return _bounded(scoring, key, "[scoring]", getattr(defaults, key), problems)

    params = ScoringParams(
        deprived_deciles=tuple(sorted(set(deciles))),
        job_cutoff_min=number("job_cutoff_min"),
        space_cutoff_min=number("space_cutoff_min"),
        decay_half_life_min=number("decay_half_life_min"),
        shared_space_categories=_parse_categories(scoring, problems),
        fare_budget_minor=_parse_scoring_money(scoring, "fare_budget", problems),
        fare_report_max_minor=_parse_scoring_money(scoring, "fare_report_max", problems),
    )
    budget, most = params.fare_budget_minor, params.fare_report_max_minor
    if budget is not None and most is not None and most < budget:
        problems.add("[scoring].fare_report_max",
                     f"{most / 100:.2f} is below fare_budget ({budget / 100:.2f}): fares of "
                     "the fastest journey are reported up to it; raise it to at least the "
                     "budget")
    if routing is not None:
        for key in ("job_cutoff_min", "space_cutoff_min"):
            cutoff = getattr(params, key)
            if cutoff > routing.max_trip_min:
                problems.add(f"[scoring].{key}",
                             f"{cutoff:g} minutes is longer than [routing].max_trip_min "
                             f"({routing.max_trip_min:g}), so journeys that long are never "
                             "computed; lower the cutoff or raise max_trip_min")
    return params
