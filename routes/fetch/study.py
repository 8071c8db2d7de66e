"""Assemble a real study area for an English local authority district from public data.

:func:`fetch_study_area` downloads (or reuses) each source, restricts it to the
district plus a buffer, and writes a folder that ``routes check`` and
``routes evaluate`` accept as it is::

    routes.toml                 the study area
    gtfs/bods_<regions>.zip     BODS regional GTFS (every NPTG region the area reaches,
                                merged), trips calling in the area
    osm/<district>.osm.pbf      Geofabrik extract clipped to the area
    zones/lsoa.geojson          the district's LSOAs: population, IMD decile, groups
    zones/lsoa_centroids.geojson  their population-weighted centroids (origins)
    zones/jobs.geojson          employment (BRES) at every LSOA centroid in the area
    fetch_manifest.json         every source's address, SHA-256 and size
    README.md                   sources and licences
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from routes._crs import local_metric_crs
from routes._progress import ProgressFactory, no_progress
from routes.cache import default_cache_dir
from routes.config.study_area import DEFAULT_PARAMETERS_TOML
from routes.errors import InputError, OutputExistsError
from routes.fetch.census import GROUP_COLUMNS, load_ethnic_groups
from routes.fetch.deprivation import District, load_district, load_lsoa_districts
from routes.fetch.download import Downloads
from routes.fetch.geography import download_centroids_in, download_district_polygons
from routes.fetch.jobs import download_jobs
from routes.fetch.osm_extract import choose_geofabrik_extract, restrict_osm_to_area
from routes.fetch.regions import choose_bods_regions
from routes.fetch.sources import FetchSources
from routes.fetch.timetables import choose_service_date, restrict_feeds_to_area

__all__ = ["COMMUNITY_SPACE_TAGS", "FetchedStudyArea", "fetch_study_area"]

logger = logging.getLogger(__name__)


COMMUNITY_SPACE_TAGS: dict[str, tuple[str, ...]] = {
    "amenity": ("community_centre", "library", "arts_centre", "social_centre"),
    "leisure": ("park", "sports_centre"),
}
"""OSM tags of the shared community spaces layer: places open to every community.
Places of worship are left out (they mostly serve one faith); add
``amenity = ["place_of_worship"]`` in routes.toml to count them."""


@dataclass(frozen=True, slots=True)
class FetchedStudyArea:
    """A study area written by :func:`fetch_study_area`.

    Attributes
    ----------
    folder
        The folder written.
    config_path
        Its ``routes.toml``.
    district_code, district_name
        The district (ONS code and name).
    service_date
        The date chosen for ``[study_area].date``.
    n_zones
        LSOAs of the district (origins).
    n_job_points
        LSOA centroids within the buffer that carry jobs.
    n_jobs
        Jobs (BRES employment) within the buffer.
    n_trips
        GTFS trips calling in the area (all service days).
    regions
        The BODS regional files used (NPTG regions, e.g. ``("north_west",)``),
        the district's own first.
    osm_extract
        The Geofabrik extract that was clipped.
    """

    folder: Path
    config_path: Path
    district_code: str
    district_name: str
    service_date: dt.date
    n_zones: int
    n_job_points: int
    n_jobs: int
    n_trips: int
    regions: tuple[str, ...]
    osm_extract: str

    @property
    def region(self) -> str:
        """The BODS regional files used, joined with ``" + "`` (for messages)."""
        return " + ".join(self.regions)


def _refuse_full_folder(folder: Path | None, overwrite: bool) -> None:
    if folder is not None and folder.exists() and any(folder.iterdir()) and not overwrite:
        msg = f"{folder} already holds files; pass --force to replace it or choose another folder"
        raise OutputExistsError(msg)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.casefold()).strip("_") or "district"


def _buffered(area: BaseGeometry, buffer_km: float) -> BaseGeometry:
    """``area`` grown by ``buffer_km`` in a local metric CRS, back in WGS84."""
    series = gpd.GeoSeries([area], crs="EPSG:4326")
    crs = local_metric_crs(*series.total_bounds)
    grown = series.to_crs(crs).buffer(buffer_km * 1000.0).to_crs("EPSG:4326")
    return shapely.make_valid(grown.iloc[0])


def fetch_study_area(
    lad: str,
    folder: Path | None = None,
    *,
    sources: FetchSources | None = None,
    buffer_km: float = 5.0,
    downloads_dir: Path | None = None,
    refresh: bool = False,
    overwrite: bool = False,
    progress_factory: ProgressFactory | None = None,
    today: dt.date | None = None,
) -> FetchedStudyArea:
    """Download and assemble the study area of an English local authority district.

    Parameters
    ----------
    lad
        The district's ONS code (``E06000008``) or name (``Blackburn with Darwen``).
    folder
        Where to write the study area (default: a folder in the working
        directory named after the district, e.g. ``blackburn-with-darwen``);
        it must not exist (or be empty) unless ``overwrite``.
    sources
        Addresses of the data sets (default: the public ones).
    buffer_km
        Streets, timetables and job locations are kept up to this distance
        beyond the district boundary, km, so trips that leave it and jobs just
        outside count.
    downloads_dir
        Where downloaded files are kept and reused (default: ``downloads/`` in
        the cache folder, see :func:`routes.cache.default_cache_dir`).
    refresh
        Download every source again instead of reusing earlier copies.
    overwrite
        Replace an existing, non-empty ``folder``.
    progress_factory
        Called with a step name, returns the ``progress(done, total)`` callback
        for that step (bytes for downloads).
    today
        The day from which the service date is chosen (default: today).

    Returns
    -------
    FetchedStudyArea
        What was written, with counts.

    Raises
    ------
    OutputExistsError
        If ``folder`` holds files and ``overwrite`` is false.
    InputError
        If the district is unknown, or a source lacks data for it.
    DownloadError
        If a source cannot be reached or answers with an error (one line
        naming the host and what was being downloaded).

    Notes
    -----
    The folder is written beside itself and renamed into place at the end, so
    a failed run leaves nothing half-written; downloads are kept, and a second
    run resumes an interrupted one (BODS answers a resumed request with the
    whole file, so its downloads start again).
    """
    if not buffer_km >= 0:
        msg = f"buffer_km must be zero or a positive number of km, got {buffer_km!r}"
        raise InputError(msg)
    _refuse_full_folder(folder, overwrite)
    sources = sources or FetchSources()
    steps = progress_factory or (lambda name: no_progress)
    downloads = Downloads(downloads_dir or default_cache_dir() / "downloads", refresh=refresh)

    iod = downloads.file(sources.iod_file7, what="IoD 2025 File 7",
                         progress=steps("IoD 2025 File 7"))
    district = load_district(iod, lad)
    folder = Path(folder) if folder is not None else Path(_slug(district.name).replace("_", "-"))
    _refuse_full_folder(folder, overwrite)
    codes = district.lsoas.index.tolist()
    logger.info("district %s %s: %d LSOAs", district.code, district.name, len(codes))

    lsoas = download_district_polygons(downloads, sources, district)
    area = _buffered(shapely.union_all(lsoas.geometry.to_numpy()), buffer_km)
    centroids = download_centroids_in(downloads, sources, area, codes)
    logger.info("LSOA boundaries of the district, and %d population-weighted centroids "
                "within %g km of it", len(centroids), buffer_km)
    groups = load_ethnic_groups(
        downloads.file(sources.census_ts021, what="Census 2021 TS021 (ethnic group)",
                       progress=steps("Census 2021 TS021")), codes)
    jobs = download_jobs(downloads, sources.bres, centroids.index.tolist())
    logger.info("Census 2021: %s residents; BRES: %s jobs within the buffer",
                f"{int(groups['population'].sum()):,}", f"{int(jobs.sum()):,}")
    regions = choose_bods_regions(
        downloads, sources, district.code,
        load_lsoa_districts(iod, centroids.index.tolist()), centroids.index.tolist())
    logger.info("BODS region(s): %s", ", ".join(regions))
    slug = _slug(district.name)

    parent = folder.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.fetching-", dir=parent))
    try:
        feed_path = staging / "gtfs" / f"bods_{'-'.join(regions)}.zip"
        feed_path.parent.mkdir()
        regional = [
            downloads.file(sources.bods_gtfs.format(region=region),
                           what=f"BODS GTFS ({region})", name=f"bods_{region}_gtfs.zip",
                           progress=steps(f"BODS GTFS {region}"))
            for region in regions
        ]
        restricted = restrict_feeds_to_area(regional, area, feed_path)
        n_trips = len(restricted.trips)
        service_date = choose_service_date(feed_path, today=today, feed=restricted)

        extract = choose_geofabrik_extract(
            downloads.json(sources.geofabrik_index, what="Geofabrik extract index"), area)
        md5 = downloads.text(extract.pbf_url + ".md5", what=f"MD5 of {extract.id}").split()
        pbf = downloads.file(extract.pbf_url, what=f"OpenStreetMap extract {extract.id}",
                             expected_md5=md5[0] if md5 else None,
                             progress=steps(f"OSM {extract.id}"))
        osm_path = staging / "osm" / f"{slug}.osm.pbf"
        osm_path.parent.mkdir()
        restrict_osm_to_area(pbf, area, osm_path, progress=steps("clip OSM"))

        zones_dir = staging / "zones"
        zones_dir.mkdir()
        _write_zones(zones_dir, district, lsoas, groups, centroids)
        job_points = centroids.assign(jobs=jobs.reindex(centroids.index).to_numpy())
        job_points = job_points[job_points["jobs"] > 0].reset_index()
        job_points.to_file(zones_dir / "jobs.geojson", driver="GeoJSON")

        config = staging / "routes.toml"
        config.write_text(_render_toml(district, feed_path, osm_path, service_date),
                          encoding="utf-8")
        (staging / "README.md").write_text(_render_readme(district, regions, extract.id,
                                                          buffer_km), encoding="utf-8")
        (staging / "fetch_manifest.json").write_text(
            _render_manifest(district, lad, buffer_km, downloads), encoding="utf-8")
        _move_into_place(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return FetchedStudyArea(
        folder=folder, config_path=folder / "routes.toml", district_code=district.code,
        district_name=district.name, service_date=service_date, n_zones=len(codes),
        n_job_points=len(job_points), n_jobs=int(job_points["jobs"].sum()), n_trips=n_trips,
        regions=regions, osm_extract=extract.id,
    )


def _write_zones(
    folder: Path, district: District, polygons: gpd.GeoDataFrame, groups: pd.DataFrame,
    centroids: gpd.GeoDataFrame,
) -> None:
    codes = district.lsoas.index
    zones = gpd.GeoDataFrame(
        {
            "LSOA21CD": codes.to_numpy(),
            "name": district.lsoas["name"].to_numpy(),
            "pop": groups.loc[codes, "population"].to_numpy(),
            "imd_decile": district.lsoas["imd_decile"].to_numpy(),
            "imd_rank": district.lsoas["imd_rank"].to_numpy(),
            "pop_iod": district.lsoas["population"].to_numpy(),
            **{g: groups.loc[codes, g].to_numpy() for g in GROUP_COLUMNS},
        },
        geometry=polygons.loc[codes].geometry.to_numpy(), crs="EPSG:4326",
    )
    zones.to_file(folder / "lsoa.geojson", driver="GeoJSON")
    centroids.loc[codes].reset_index().to_file(folder / "lsoa_centroids.geojson",
                                               driver="GeoJSON")


def _render_toml(district: District, feed: Path, osm: Path, date: dt.date) -> str:
    groups = ", ".join(f'"{g}"' for g in GROUP_COLUMNS)
    spaces = ", ".join(f"{k} = [{', '.join(repr(v) for v in vs)}]".replace("'", '"')
                       for k, vs in COMMUNITY_SPACE_TAGS.items())
    return f"""\
# {district.name} ({district.code}): written by `routes fetch`; see README.md for the
# sources and their licences. Edit freely: `routes check` validates the file.

[study_area]
name = {json.dumps(district.name)}
gtfs = ["gtfs/{feed.name}"]
osm = "osm/{osm.name}"
date = "{date.isoformat()}"  # a {date:%A} inside the feed's dates, the busiest of 8 weeks

[zones]
file = "zones/lsoa.geojson"
id = "LSOA21CD"
name = "name"
population = "pop"                 # Census 2021 usual residents (TS021 total)
deprivation_decile = "imd_decile"  # IMD 2025, 1 = most deprived 10 % in England
groups = [{groups}]
centroids = "zones/lsoa_centroids.geojson"  # ONS population-weighted centroids

[[destinations]]
name = "jobs"
file = "zones/jobs.geojson"
id = "LSOA21CD"
weight = "jobs"                    # BRES employment, at LSOA population-weighted centroids

[[destinations]]
name = "community_spaces"
osm_tags = {{ {spaces} }}

""" + DEFAULT_PARAMETERS_TOML


_OGL = "Open Government Licence v3.0"
_ONS_SOURCE = ("Source: Office for National Statistics licensed under the Open Government "
               "Licence v.3.0")
_OS_DATA = "Contains OS data © Crown copyright and database right 2025"
_PSI = "Contains public sector information licensed under the Open Government Licence v3.0."


def _render_readme(
    district: District, regions: tuple[str, ...], extract: str, buffer_km: float,
) -> str:
    files = ", ".join(f"`{r}`" for r in regions)
    return f"""\
# {district.name} ({district.code}) study area

Written by `routes fetch --lad {district.code}` on {dt.date.today().isoformat()}.
Streets, timetables and job locations reach {buffer_km:g} km beyond the district.
`fetch_manifest.json` lists every file it was made from, with its address and SHA-256.

## Sources, licences and attribution

Keep these statements with the data and with maps or tables made from it. The Open
Government Licence v3.0: https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/

* **Neighbourhoods** (`zones/lsoa.geojson`, `zones/lsoa_centroids.geojson`): Lower layer
  Super Output Areas (December 2021) boundaries and population-weighted centroids, Office
  for National Statistics (ONS), Open Geography Portal. Licence: {_OGL}.
  "{_ONS_SOURCE}". "{_OS_DATA}".
* **Deprivation** (`imd_decile`, `imd_rank`, `pop_iod`): English Indices of Deprivation
  2025, File 7, Ministry of Housing, Communities and Local Government (MHCLG). Licence:
  {_OGL}. "{_PSI}"
* **Residents and community groups** (`pop` and the group columns): Census 2021 table
  TS021, ethnic group, ONS, via Nomis. Licence: {_OGL}. "{_ONS_SOURCE}".
* **Jobs** (`zones/jobs.geojson`): Business Register and Employment Survey (BRES),
  employment (employees and working owners), latest year, ONS, via Nomis (dataset
  NM_189_1). Licence: {_OGL}. "{_ONS_SOURCE}". These are the open-access
  figures, rounded by ONS to protect confidentiality (to 5 or 10 below 50 jobs, to 25 or
  50 from 50 to 249, and coarser above: https://www.nomisweb.co.uk/articles/1103.aspx),
  so a small area's count is approximate.
* **Bus timetables** (`gtfs/`): Bus Open Data Service (BODS), Department for Transport
  (DfT), regional GTFS file(s) {files} (each holds every trip with a stop in that
  NPTG region), merged and restricted to the trips that call in the area. Licence:
  {_OGL}. "{_PSI}"
* **Streets and community spaces** (`osm/`): OpenStreetMap, via Geofabrik (the
  `{extract}` extract), clipped to the area. "© OpenStreetMap contributors". The data
  is available under the Open Database License 1.0
  (https://opendatacommons.org/licenses/odbl/1-0/; see
  https://www.openstreetmap.org/copyright). The clipped extract is a derivative
  database: if you share it, or a database made from it, share it under the ODbL too.

Community groups: `white_british` (White: English, Welsh, Scottish, Northern Irish or
British), `white_other` (the other White groups), `asian`, `black`, `mixed`, `other`
(Census 2021 broad groups).
"""


def _render_manifest(district: District, lad: str, buffer_km: float,
                     downloads: Downloads) -> str:
    from routes import __version__

    seen: dict[str, dict[str, object]] = {}
    for record in downloads.records:
        seen[record.url] = {"what": record.what, "url": record.url, "sha256": record.sha256,
                            "bytes": record.n_bytes}
    manifest = {
        "version": __version__,
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "district": {"code": district.code, "name": district.name, "asked_for": lad},
        "buffer_km": buffer_km,
        "sources": list(seen.values()),
    }
    return json.dumps(manifest, indent=2) + "\n"


def _move_into_place(staging: Path, folder: Path) -> None:
    """Rename the finished staging folder to ``folder``, replacing an old one last."""
    old = None
    if folder.exists():
        old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
        os.replace(folder, old)
    os.replace(staging, folder)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
