"""The evaluation of one proposal against the baseline: :class:`Evaluation`.

Evaluations are computed and written into run folders by
:func:`routes.runs.evaluate.evaluate_proposals`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from routes.evaluation.scoring import Scorecard
from routes.proposal.costing import ProposalCost
from routes.proposal.model import (
    Proposal,
)

__all__ = ["Evaluation"]


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The result of evaluating one proposal.

    Attributes
    ----------
    proposal
        The proposal.
    cost
        Its running cost.
    changes
        Per-zone baseline, scenario and change of every metric (``zones.csv``).
    scorecard
        The summary.
    folder
        The run folder written.
    seconds
        Wall time of the proposal's own work (scenario build, routing, scoring, writing).
    warnings
        The run's data warnings (as in its ``manifest.json``).
    """

    proposal: Proposal
    cost: ProposalCost
    changes: pd.DataFrame
    scorecard: Scorecard
    folder: Path
    seconds: float
    warnings: tuple[str, ...] = ()


