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
    "StudyArea": "routes.config",
    "RoutingParams": "routes.config",
    "ScoringParams": "routes.config",
    "ZoneLayer": "routes.config",
    "DestinationLayer": "routes.config",
    "load_study_area": "routes.config",
    "Points": "routes.points",
    "Zones": "routes.zones",
    "load_zones": "routes.zones",
    "Destinations": "routes.destinations",
    "load_destinations": "routes.destinations",
    "Timetable": "routes.timetable",
    "load_timetable": "routes.timetable",
    "StreetNetwork": "routes.streets",
    "load_street_network": "routes.streets",
    "TransitNetwork": "routes.network",
    "build_network": "routes.network",
    "compute_travel_times": "routes.engine.raptor",
    "compute_isochrones": "routes.isochrones",
    "compute_access": "routes.access",
    "Proposal": "routes.proposal",
    "load_proposal": "routes.proposal",
    "Scorecard": "routes.scoring",
    "load_study_inputs": "routes.evaluate",
    "evaluate_proposals": "routes.evaluate",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    msg = f"module 'routes' has no attribute {name!r}"
    raise AttributeError(msg)
