"""The fare rules as arrays the engine reads: :class:`CompiledFares`.

The semantics (one journey, one way; money in integer minor units, pence):

* **Price of a ride**: ``pattern_price[p, r]`` for the pattern ``p`` ridden and the
  regime ``r`` of the **boarding** time (``regime_of(dep_s)``); the persona and the
  single-fare cap are already applied. A price of 0 is a free ride: it neither
  buys nor uses a ticket (the ticket held passes through unchanged).
* **Tickets**: a ride that pays its price buys a ticket of its pattern's group
  (``pattern_group``), valid for boardings up to ``boarding + group_window_s[g]``
  and for ``group_max_transfers[g]`` more rides (-1: unlimited). A later ride whose
  group ``h`` the ticket accepts (``transfer_price[g, h] >= 0``), boarding within
  the window with changes left, may pay ``transfer_price[g, h]`` instead of its
  price; when ``transfer_counts[g, h]`` the change uses up one of the ticket's
  changes. The rider holds one ticket at a time (buying a single replaces it) and
  at every boarding chooses whichever of "use the ticket" or "buy" gives the
  cheapest journey. The window is inclusive (a boarding exactly ``window``
  seconds later may use it); a change that does not count
  (``transfer_counts[g, h]`` False) needs no change left.
* **Day cap**: what one group charges in a journey never exceeds
  ``group_day_cap[g]`` (-1: no cap); each charge is ``min(charge, cap - paid)``.
  A charge, a single's or a change's, counts against the group of the ride
  (the pattern's), not the ticket's; a ride paying its price buys a ticket
  even when the cap makes its charge smaller (down to 0).
* The fare of a journey is the sum of its charges; "the fastest journey costing
  at most B" is the earliest arrival over journeys whose fare is at most B.

Examples
--------
>>> import numpy as np
>>> fares = CompiledFares.flat(n_patterns=2, single_minor=300)
>>> fares.pattern_price.tolist(), fares.regime_of(8 * 3600)
([[300], [300]], 0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["CompiledFares"]


@dataclass(frozen=True, slots=True)
class CompiledFares:
    """Fare rules compiled against one timetable's patterns.

    Attributes
    ----------
    pattern_group
        int16 [n_patterns]: the ticket group (operator) of each pattern, 0-based.
    pattern_price
        int32 [n_patterns, n_regimes]: the price of boarding the pattern, minor
        units, in each boarding-time regime (persona and single cap applied).
    regime_bounds_s
        int32 [n_regimes - 1], increasing: regime ``r`` applies to boardings at
        ``regime_bounds_s[r-1] <= dep_s < regime_bounds_s[r]`` (seconds after
        midnight of the service date; empty: one regime all day).
    transfer_price
        int32 [n_groups, n_groups]: the charge for a ride of group ``h`` on a
        ticket of group ``g``; -1: the ticket is not accepted.
    transfer_counts
        bool [n_groups, n_groups]: whether such a change uses up one of the
        ticket's changes.
    group_window_s
        int32 [n_groups]: how long after its purchase (boarding) a ticket may be
        used for a boarding.
    group_max_transfers
        int16 [n_groups]: changes a ticket allows; -1 unlimited.
    group_day_cap
        int32 [n_groups]: the most one group charges in a journey; -1 no cap.
    currency
        ISO 4217 code of the minor units (``"GBP"``: pence).
    """

    pattern_group: NDArray[np.int16]
    pattern_price: NDArray[np.int32]
    regime_bounds_s: NDArray[np.int32]
    transfer_price: NDArray[np.int32]
    transfer_counts: NDArray[np.bool_]
    group_window_s: NDArray[np.int32]
    group_max_transfers: NDArray[np.int16]
    group_day_cap: NDArray[np.int32]
    currency: str = "GBP"

    def __post_init__(self) -> None:
        n_patterns = len(self.pattern_group)
        n_groups = len(self.group_window_s)
        n_regimes = len(self.regime_bounds_s) + 1
        problems = []
        if self.pattern_price.shape != (n_patterns, n_regimes):
            problems.append(f"pattern_price has shape {self.pattern_price.shape}, "
                            f"expected {(n_patterns, n_regimes)}")
        if self.transfer_price.shape != (n_groups, n_groups):
            problems.append(f"transfer_price has shape {self.transfer_price.shape}")
        if self.transfer_counts.shape != (n_groups, n_groups):
            problems.append(f"transfer_counts has shape {self.transfer_counts.shape}")
        if len(self.group_max_transfers) != n_groups or len(self.group_day_cap) != n_groups:
            problems.append("group arrays differ in length")
        if n_patterns and (self.pattern_group.min() < 0 or self.pattern_group.max() >= n_groups):
            problems.append("a pattern's group is out of range")
        if (self.pattern_price < 0).any():
            problems.append("a price is negative")
        if np.any(np.diff(self.regime_bounds_s) <= 0):
            problems.append("regime bounds are not increasing")
        if problems:
            raise ValueError("CompiledFares: " + "; ".join(problems))

    @property
    def n_groups(self) -> int:
        """Number of ticket groups."""
        return len(self.group_window_s)

    def regime_of(self, dep_s: int) -> int:
        """Return the regime of a boarding at ``dep_s`` seconds after midnight."""
        return int(np.searchsorted(self.regime_bounds_s, dep_s, side="right"))

    @classmethod
    def flat(cls, n_patterns: int, single_minor: int, currency: str = "GBP") -> CompiledFares:
        """Every boarding pays ``single_minor``, one group, no transfers, no cap."""
        return cls(pattern_group=np.zeros(n_patterns, np.int16),
                   pattern_price=np.full((n_patterns, 1), single_minor, np.int32),
                   regime_bounds_s=np.zeros(0, np.int32),
                   transfer_price=np.full((1, 1), -1, np.int32),
                   transfer_counts=np.ones((1, 1), np.bool_),
                   group_window_s=np.zeros(1, np.int32),
                   group_max_transfers=np.zeros(1, np.int16),
                   group_day_cap=np.full(1, -1, np.int32),
                   currency=currency)
