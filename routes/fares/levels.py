"""Every fare a journey can cost, and the one-operator fare table.

Two helpers for the metrics on the fastest journey's fare
(:mod:`routes.access.fare_fastest`), which read the fare-aware engine's
"fastest journey costing at most B" for a list of budgets ``B`` rather than
journeys' fares:

* :func:`fare_levels`: budgets that include every fare a journey of at most
  ``max_rides`` rides can cost, up to a limit (a superset: sums of at most
  ``max_rides`` terms drawn from the prices, change prices and day caps).
  When there are too many, a coarser grid (multiples of a round step) whose
  results are then "rounded up to" the step.
* :func:`one_operator_fares`: a synthetic :class:`CompiledFares` under which
  a journey costs at most 1 exactly when all its rides are run by one
  operator (ticket group).

Why the sums cover every fare (semantics of :mod:`routes.fares.compiled`): a
journey's fare is the sum of its charges, one per ride. A ride's charge before
the day cap is its price (in its boarding regime), a change price, or 0 (a
free ride). Under a group's day cap, each charge is ``min(charge, cap -
paid)``, so what the group charges in all is ``min(sum of its uncapped
charges, cap)``: either that sum, or the cap as one term standing for at least
one ride. So a fare is a sum of at most as many terms as rides, each a price,
a change price or a cap (0s dropped).

Examples
--------
>>> import numpy as np
>>> fares = CompiledFares.flat(n_patterns=2, single_minor=300)
>>> fare_levels(fares, max_rides=3, limit_minor=600)
FareLevels(levels_minor=(0, 300, 600), step_minor=0)
>>> one_operator_fares(fares).transfer_price.tolist()
[[0]]
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from routes.config.study_area import StudyArea
from routes.fares.compile import fare_budget_minor
from routes.fares.compiled import CompiledFares
from routes.fares.gtfs import WHOLE_DAY_S

__all__ = ["MAX_LEVELS", "FareLevels", "fare_levels", "fare_report_max_minor",
           "one_operator_fares", "operators_running"]

MAX_LEVELS = 24
"""Most budgets :func:`fare_levels` returns before it rounds (each is one more fare budget)."""

_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000)


@dataclass(frozen=True, slots=True)
class FareLevels:
    """Budgets at which to ask the fare engine for the fastest journey.

    Attributes
    ----------
    levels_minor
        Increasing budgets, minor units, from 0 to the limit; they hold the
        required budgets given to :func:`fare_levels` (the fare budget, the
        reporting limit).
    step_minor
        0: the levels hold every fare up to the limit, so the smallest level a
        journey fits is its exact fare. Otherwise the levels are the multiples
        of this step (and the required budgets): a fare found is "rounded up
        to" the next level.
    """

    levels_minor: tuple[int, ...]
    step_minor: int


def fare_report_max_minor(study: StudyArea) -> int:
    """Return ``[scoring].fare_report_max`` in minor units; by default twice the fare budget.

    Fares of the fastest journey above it are reported as "more than" it.
    """
    if study.scoring.fare_report_max_minor is not None:
        return study.scoring.fare_report_max_minor
    return 2 * fare_budget_minor(study)


def _terms(fares: CompiledFares) -> NDArray[np.int64]:
    prices = [fares.pattern_price.ravel(), fares.transfer_price.ravel(),
              fares.group_day_cap.ravel()]
    values = np.unique(np.concatenate([np.asarray(p, np.int64) for p in prices]))
    return values[values > 0]


def fare_levels(fares: CompiledFares, max_rides: int, limit_minor: int, *,
                required_minor: Iterable[int] = (), max_levels: int = MAX_LEVELS) -> FareLevels:
    """Return budgets covering every fare up to ``limit_minor`` (see the module docstring).

    Parameters
    ----------
    fares
        The compiled fares (persona and single cap applied).
    max_rides
        Most rides in a journey (``[routing] max_rides``).
    limit_minor
        Largest fare of interest (``fare_report_max``), minor units.
    required_minor
        Budgets that must be among the levels (the fare budget), when at most
        the limit; the limit always is.
    max_levels
        Above this many exact levels, multiples of the smallest round step
        (1, 2, 5, 10, 20, 25, 50 ... minor units) that give at most this many.

    Returns
    -------
    FareLevels
        The levels, and the rounding step (0: exact).

    Examples
    --------
    A single of 250 p, a change for 50 p, a day cap of 400 p, three rides:
    250, 300, 350, 400 (capped), 500 (two singles) ...

    >>> import numpy as np
    >>> fares = CompiledFares(
    ...     pattern_group=np.zeros(1, np.int16), pattern_price=np.full((1, 1), 250, np.int32),
    ...     regime_bounds_s=np.zeros(0, np.int32), transfer_price=np.full((1, 1), 50, np.int32),
    ...     transfer_counts=np.ones((1, 1), np.bool_), group_window_s=np.full(1, 3600, np.int32),
    ...     group_max_transfers=np.ones(1, np.int16), group_day_cap=np.full(1, 400, np.int32))
    >>> fare_levels(fares, max_rides=3, limit_minor=600).levels_minor
    (0, 50, 100, 150, 250, 300, 350, 400, 450, 500, 550, 600)
    >>> fare_levels(fares, max_rides=3, limit_minor=600, max_levels=5)
    FareLevels(levels_minor=(0, 200, 400, 600), step_minor=200)
    """
    if limit_minor < 0 or max_rides < 0:
        raise ValueError(f"fare_levels: limit {limit_minor} and max_rides {max_rides} must "
                         "be 0 or more")
    terms = _terms(fares)
    terms = terms[terms <= limit_minor]
    reached = np.zeros(limit_minor + 1, np.bool_)
    reached[0] = True
    frontier = reached.copy()
    for _ in range(max_rides):  # sums of at most max_rides terms
        grown = np.zeros_like(reached)
        for term in terms.tolist():
            grown[term:] |= frontier[:limit_minor + 1 - term]
        frontier = grown & ~reached
        reached |= grown
        if not frontier.any():
            break
    required = {int(b) for b in required_minor if 0 <= int(b) <= limit_minor} | {limit_minor}
    exact = sorted(set(np.flatnonzero(reached).tolist()) | required)
    if len(exact) <= max_levels:
        return FareLevels(tuple(exact), 0)
    steps = [*_STEPS, math.ceil(limit_minor / max(max_levels - 1 - len(required), 1))]
    for step in steps:
        grid = set(range(0, limit_minor + 1, step)) | required
        if len(grid) <= max_levels:
            break
    return FareLevels(tuple(sorted(grid)), step)


def operators_running(fares: CompiledFares) -> int:
    """Return how many ticket groups (operators) run at least one pattern."""
    return len(np.unique(fares.pattern_group))


def one_operator_fares(fares: CompiledFares) -> CompiledFares:
    """Return a fare table where a journey costs at most 1 exactly when one operator runs it.

    Every ride of every group (operator) is priced 1; a change within a group
    is free, unlimited and never expires; a change between groups is not
    accepted (so it buys another 1); no caps; one regime all day. A journey's
    fare is then 0 (no ride), 1 (rides all of one group; a free ride of
    another group does not exist here, every price being 1) or more (rides of
    two groups or more: the second group's first ride is bought, as a ticket
    of another group never accepts it). Hence "the fastest journey costing
    at most 1" is the fastest journey using one operator.
    """
    n_groups = fares.n_groups
    return CompiledFares(
        pattern_group=fares.pattern_group.copy(),
        pattern_price=np.ones((len(fares.pattern_group), 1), np.int32),
        regime_bounds_s=np.zeros(0, np.int32),
        transfer_price=np.where(np.eye(n_groups, dtype=np.bool_), 0, -1).astype(np.int32),
        transfer_counts=np.zeros((n_groups, n_groups), np.bool_),
        group_window_s=np.full(n_groups, WHOLE_DAY_S, np.int32),
        group_max_transfers=np.full(n_groups, -1, np.int16),
        group_day_cap=np.full(n_groups, -1, np.int32),
        currency=fares.currency,
    )
