"""``routes fetch``: a real study area for an English local authority district.

Assembled from public sources (IoD 2025, ONS LSOA 2021 boundaries and centroids,
Census 2021 TS021, BRES, BODS GTFS, Geofabrik OpenStreetMap); see
:func:`fetch_study_area`.
"""

from __future__ import annotations

from routes.fetch.sources import FetchSources, load_fetch_sources
from routes.fetch.study import FetchedStudyArea, fetch_study_area

__all__ = ["FetchSources", "FetchedStudyArea", "fetch_study_area", "load_fetch_sources"]
