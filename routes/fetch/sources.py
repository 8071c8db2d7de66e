"""Where ``routes fetch`` downloads each public data set from, overridable from a TOML file.

Every address can be changed, for a mirror, a newer release or a test server,
with a sources file passed as ``routes fetch --sources sources.toml``::

    [sources]
    iod_file7 = "https://example.org/mirror/File_7_IoD2025.csv"
    bods_gtfs = "https://example.org/bods/{region}/"

The defaults were written on a machine without internet access and rest on the
publishers' own pages and on code that downloads these sources in production;
:data:`SOURCE_EVIDENCE` names, for each, what it rests on (repository and path,
or address). Issue #18 of this project checked them against that evidence.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path

from routes.errors import InputError, join_problems

__all__ = ["MAX_ARCGIS_PAGE_SIZE", "SOURCE_EVIDENCE", "FetchSources", "load_fetch_sources"]

_ARCGIS = "https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services"

MAX_ARCGIS_PAGE_SIZE = 2000
"""The most features the ONS Open Geography Portal services return per request."""


@dataclass(frozen=True, slots=True)
class FetchSources:
    """Addresses of the public data sets a study area is assembled from.

    Attributes
    ----------
    iod_file7
        English Indices of Deprivation 2025, File 7 (CSV): every LSOA 2021 with
        its local authority district, IMD rank and decile and mid-2022
        population (MHCLG, Open Government Licence v3.0).
    lsoa_boundaries
        ArcGIS feature-service query endpoint of the ONS LSOA (December 2021)
        boundaries, generalised and clipped (``LSOA21CD``, ``LSOA21NM``).
    lsoa_centroids
        ArcGIS query endpoint of the ONS LSOA (December 2021)
        population-weighted centroids, V4 (``LSOA21CD``; 35,672 points).
    lsoa_centroids_fallback
        An older edition of the same centroids, asked when
        ``lsoa_centroids`` fails or lacks an LSOA of the district.
    lad_regions
        ArcGIS query endpoint of the ONS local authority district to region
        lookup (``LAD24CD``, ``RGN24NM``), the starting point of the choice of
        BODS regional feeds (see :mod:`routes.fetch.regions`).
    census_ts021
        Nomis bulk download of Census 2021 table TS021, ethnic group (zip of
        CSVs, one per geography; the ``-lsoa.csv`` member is read).
    bres
        Nomis API endpoint of the Business Register and Employment Survey
        (dataset NM_189_1): employment of every LSOA 2021 (``TYPE151``), the
        job counts of the ``jobs`` destination layer.
    geofabrik_index
        Geofabrik's extract index (GeoJSON with each extract's polygon and
        download addresses), to pick the smallest extract that covers the area.
    bods_gtfs
        BODS regional GTFS timetable file; ``{region}`` is replaced by the
        BODS region name, e.g. ``north_west`` (see
        :data:`routes.fetch.regions.BODS_REGION_OF_ONS_REGION`).
    arcgis_page_size
        Features asked for per ArcGIS request (at most
        :data:`MAX_ARCGIS_PAGE_SIZE`, the services' own cap).
    """

    iod_file7: str = (
        "https://assets.publishing.service.gov.uk/media/691ded56d140bbbaa59a2a7d/"
        "File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv"
    )
    lsoa_boundaries: str = (
        f"{_ARCGIS}/Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_BGC_V5/"
        "FeatureServer/0/query"
    )
    lsoa_centroids: str = f"{_ARCGIS}/LSOA_PopCentroids_EW_2021_V4/FeatureServer/0/query"
    lsoa_centroids_fallback: str = (
        f"{_ARCGIS}/LLSOA_Dec_2021_PWC_for_England_and_Wales_2022/FeatureServer/0/query"
    )
    lad_regions: str = f"{_ARCGIS}/LAD24_RGN24_EN_LU/FeatureServer/0/query"
    census_ts021: str = "https://www.nomisweb.co.uk/output/census/2021/census2021-ts021.zip"
    bres: str = "https://www.nomisweb.co.uk/api/v01/dataset/NM_189_1.data.csv"
    geofabrik_index: str = "https://download.geofabrik.de/index-v1.json"
    bods_gtfs: str = "https://data.bus-data.dft.gov.uk/timetable/download/gtfs-file/{region}/"
    arcgis_page_size: int = MAX_ARCGIS_PAGE_SIZE


SOURCE_EVIDENCE: dict[str, str] = {
    "iod_file7": (
        "MHCLG release page https://www.gov.uk/government/statistics/"
        "english-indices-of-deprivation-2025 (File 7); the same media address is read by "
        "2025-26 pipelines found by code search (e.g. a Trafford IoD 2025 R script; a "
        "pipeline that lists it with the re-issued and October 2025 media ids)"
    ),
    "lsoa_boundaries": (
        "ONS Open Geography Portal; the BGC_V5 FeatureServer is used beside Nomis TYPE151 "
        "(LSOA 2021) queries in a census pipeline found by code search"
    ),
    "lsoa_centroids": (
        "ONS Open Geography Portal LSOA_PopCentroids_EW_2021_V4: 35,672 points, field "
        "LSOA21CD, queried with outSR=4326 and 2,000-feature pages in several 2025-26 "
        "projects found by code search"
    ),
    "lsoa_centroids_fallback": (
        "the older release LLSOA_Dec_2021_PWC_for_England_and_Wales_2022, in earlier "
        "public code (a notebook's base_url_lsoa_2021_centroids)"
    ),
    "lad_regions": (
        "ONS 'Local Authority District to Region (December 2024) Lookup in EN' (296 "
        "districts, LAD24CD/RGN24NM; data.gov.uk dataset 3fbe9109-f329-4c4a-85cb-"
        "3b78ea4fbce3); queried with orderByFields=LAD24CD in public code"
    ),
    "census_ts021": (
        "Nomis Census 2021 bulk data; humaniverse/demographr data-raw/query_urls.R and "
        "data-raw/ethnicity21_lsoa21.R (reads census2021-ts021-lsoa.csv, 'geography code')"
    ),
    "bres": (
        "Nomis API help https://www.nomisweb.co.uk/api/v01/help; ropensci/nomisr "
        "R/data_download.R (RECORD_COUNT, recordOffset, 25,000 rows a call for guests); "
        "TYPE151 = '2021 super output areas - lower layer' in public Census 2021 code; "
        "rounding: https://www.nomisweb.co.uk/articles/1103.aspx"
    ),
    "geofabrik_index": (
        "https://download.geofabrik.de/index-v1.json and its '.md5' sidecars, read by many "
        "public tools found by code search"
    ),
    "bods_gtfs": (
        "tomalx/bus_pinchpoints README.md (…/gtfs-file/south_west/); region names from "
        "Department-for-Transport-Disruptions/bods-integrated-data src/shared/constants.ts; "
        "a regional file holds every trip with a stop in the NPTG region: "
        "src/functions/gtfs-timetables-generator/data.ts, createRegionalTripTable"
    ),
}
"""What each default address rests on (a repository and path, or a publisher's page)."""


def load_fetch_sources(path: Path | None) -> FetchSources:
    """Read a sources file, or return the default addresses when ``path`` is ``None``.

    Parameters
    ----------
    path
        A TOML file with one ``[sources]`` table whose keys are
        :class:`FetchSources` field names.

    Returns
    -------
    FetchSources
        The defaults, with the file's values in their place.

    Raises
    ------
    InputError
        If the file cannot be read, has other tables or unknown keys, or a
        value has the wrong type; every problem is listed.
    """
    if path is None:
        return FetchSources()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        msg = f"{path}: cannot read the sources file ({exc}); fix it or leave out --sources"
        raise InputError(msg) from exc
    fields = {f.name: f for f in dataclasses.fields(FetchSources)}
    problems = [
        f"{path.name} [{key}]: unknown table; put the addresses in [sources]"
        for key in data if key != "sources"
    ]
    table = data.get("sources", {})
    values: dict[str, object] = {}
    for key, value in table.items():
        if key not in fields:
            problems.append(
                f"{path.name} [sources].{key}: unknown key; allowed keys are {', '.join(fields)}"
            )
        elif key == "arcgis_page_size":
            if (isinstance(value, bool) or not isinstance(value, int)
                    or not 0 < value <= MAX_ARCGIS_PAGE_SIZE):
                problems.append(f"{path.name} [sources].{key}: expected a whole number of "
                                f"features from 1 to {MAX_ARCGIS_PAGE_SIZE:,} (the services' "
                                f"own cap), got {value!r}")
            else:
                values[key] = value
        elif not isinstance(value, str) or "://" not in value:
            problems.append(f"{path.name} [sources].{key}: expected an address like "
                            f"'https://…', got {value!r}")
        else:
            values[key] = value
    if "bods_gtfs" in values and "{region}" not in str(values["bods_gtfs"]):
        problems.append(f"{path.name} [sources].bods_gtfs: the address must contain "
                        "'{region}', where the BODS region name goes")
    if problems:
        raise InputError(join_problems(problems))
    return dataclasses.replace(FetchSources(), **values)  # type: ignore[arg-type]
