"""Where ``routes fetch`` downloads each public data set from, overridable from a TOML file.

Every address can be changed, for a mirror, a newer release or a test server,
with a sources file passed as ``routes fetch --sources sources.toml``::

    [sources]
    iod_file7 = "https://example.org/mirror/File_7_IoD2025.csv"
    bods_gtfs = "https://example.org/bods/{region}/"
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path

from routes.errors import InputError, join_problems

__all__ = ["BODS_REGIONS", "FetchSources", "load_fetch_sources"]

_ARCGIS = "https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services"

BODS_REGIONS: dict[str, str] = {
    "North East": "north_east",
    "North West": "north_west",
    "Yorkshire and The Humber": "yorkshire",
    "East Midlands": "east_midlands",
    "West Midlands": "west_midlands",
    "East of England": "east_anglia",
    "London": "london",
    "South East": "south_east",
    "South West": "south_west",
}
"""ONS region name (``RGN24NM``) to the name of its BODS regional GTFS file."""


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
        population-weighted centroids (``LSOA21CD``).
    lad_regions
        ArcGIS query endpoint of the ONS local authority district to region
        lookup (``LAD24CD``, ``RGN24NM``), to pick the BODS regional feed.
    census_ts021
        Nomis bulk download of Census 2021 table TS021, ethnic group (zip of
        CSVs, one per geography; the ``-lsoa.csv`` member is read).
    bres
        Nomis API endpoint of the Business Register and Employment Survey
        (dataset NM_189_1): employment by LSOA, the job counts of the
        ``jobs`` destination layer.
    geofabrik_index
        Geofabrik's extract index (GeoJSON with each extract's polygon and
        download addresses), to pick the smallest extract that covers the area.
    bods_gtfs
        BODS regional GTFS timetable file; ``{region}`` is replaced by the
        region's BODS name (see :data:`BODS_REGIONS`).
    arcgis_page_size
        Features asked for per ArcGIS request (the services cap it at 2,000).
    """

    iod_file7: str = (
        "https://assets.publishing.service.gov.uk/media/691ded56d140bbbaa59a2a7d/"
        "File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv"
    )
    lsoa_boundaries: str = (
        f"{_ARCGIS}/Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_BGC_V5/"
        "FeatureServer/0/query"
    )
    lsoa_centroids: str = (
        f"{_ARCGIS}/LLSOA_Dec_2021_PWC_for_England_and_Wales_2022/FeatureServer/0/query"
    )
    lad_regions: str = f"{_ARCGIS}/LAD24_RGN24_EN_LU/FeatureServer/0/query"
    census_ts021: str = "https://www.nomisweb.co.uk/output/census/2021/census2021-ts021.zip"
    bres: str = "https://www.nomisweb.co.uk/api/v01/dataset/NM_189_1.data.csv"
    geofabrik_index: str = "https://download.geofabrik.de/index-v1.json"
    bods_gtfs: str = "https://data.bus-data.dft.gov.uk/timetable/download/gtfs-file/{region}/"
    arcgis_page_size: int = 2000


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
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                problems.append(f"{path.name} [sources].{key}: expected a positive whole "
                                f"number of features, got {value!r}")
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
