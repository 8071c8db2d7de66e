"""Community Routes: score bus routes on how they connect deprived neighbourhoods.

Proposed routes are scored on how they connect deprived, segregated
neighbourhoods to jobs and shared community spaces.

The public API is re-exported here lazily, so ``import routes`` stays cheap:
the geospatial and numba stacks load on first use.
"""

from __future__ import annotations

import importlib
import logging
from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("community-routes")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

logging.getLogger(__name__).addHandler(logging.NullHandler())

_EXPORTS = {
    "StudyArea": "routes.config.study_area",
    "RoutingParams": "routes.config.parameters",
    "ScoringParams": "routes.config.parameters",
    "ZoneLayer": "routes.config.study_area",
    "DestinationLayer": "routes.config.study_area",
    "load_study_area": "routes.config.study_area",
    "Points": "routes.inputs.points",
    "Zones": "routes.inputs.zones",
    "load_zones": "routes.inputs.zones",
    "Destinations": "routes.inputs.destinations",
    "load_destinations": "routes.inputs.destinations",
    "Timetable": "routes.timetable.timetable",
    "load_timetable": "routes.timetable.timetable",
    "StreetNetwork": "routes.streets.graph",
    "load_street_network": "routes.streets.osm",
    "TransitNetwork": "routes.network.transit",
    "build_network": "routes.network.transit",
    "TravelTimeRequest": "routes.engine.request",
    "EngineKind": "routes.engine.base",
    "open_engine": "routes.engine.backends",
    "compute_travel_times": "routes.engine.raptor",
    "compute_isochrones": "routes.engine.isochrones",
    "compute_access": "routes.access.zone_access",
    "Proposal": "routes.proposal.model",
    "load_proposal": "routes.proposal.load",
    "Scorecard": "routes.evaluation.scoring",
    "Study": "routes.evaluation.study",
    "load_study": "routes.evaluation.study",
    "compute_baseline": "routes.evaluation.study",
    "Evaluation": "routes.evaluation.evaluate",
    "evaluate_proposal": "routes.evaluation.evaluate",
    "evaluate_proposals": "routes.evaluation.evaluate",
    "compute_ranking": "routes.evaluation.compare",
    "write_evaluation": "routes.runs.write",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    msg = f"module 'routes' has no attribute {name!r}"
    raise AttributeError(msg)
