"""Which BODS regional timetable files cover a study area: NPTG regions, not ONS regions.

BODS publishes one GTFS file per region, and a regional file holds every trip
with at least one stop in that region, where a stop's region is the NPTG
(National Public Transport Gazetteer) region of its administrative area
(DfT's ``bods-integrated-data``, ``createRegionalTripTable`` in
``src/functions/gtfs-timetables-generator/data.ts``). NPTG regions follow the
Traveline regions, and differ from the ONS regions for some districts: the
ONS "East of England" is split between NPTG East Anglia, South East and East
Midlands; Cumbria is in NPTG North East; Hampshire, Southampton and
Portsmouth in NPTG South West; North and North East Lincolnshire in NPTG East
Midlands. :data:`NPTG_REGION_EXCEPTIONS` lists those districts; every other
English district's BODS region is named after its ONS region
(:data:`BODS_REGION_OF_ONS_REGION`).

A study area with its buffer can reach into a second region; every region an
LSOA of the buffered area lies in is fetched, and the files are merged
(:func:`routes.fetch.timetables.restrict_feeds_to_area`).

Evidence for the table: the NPTG administrative areas and their regions, as
listed in ``mullinscr/naptan`` ``naptan/atco_codes.csv`` (ATCO area code,
administrative area, Traveline region); the districts of each county from
``drkane/geo-lookups`` ``la_all_codes.csv`` (LADCD, UTLANM, RGNNM).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from routes.errors import DownloadError
from routes.fetch.arcgis import query_records, where_in
from routes.fetch.download import Downloads
from routes.fetch.sources import FetchSources

__all__ = [
    "BODS_REGION_OF_ONS_REGION",
    "NPTG_REGION_EXCEPTIONS",
    "WALES",
    "bods_region_of",
    "choose_bods_regions",
]

logger = logging.getLogger(__name__)

BODS_REGION_OF_ONS_REGION: dict[str, str] = {
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
"""ONS region name (``RGN24NM``) to the BODS regional file of the same NPTG region."""

WALES = "wales"
"""The BODS file of Wales, fetched when the buffered area reaches a Welsh LSOA."""

_SOUTH_EAST = "south_east"
_EAST_MIDLANDS = "east_midlands"
_NORTH_EAST = "north_east"
_SOUTH_WEST = "south_west"

NPTG_REGION_EXCEPTIONS: dict[str, str] = {
    # ONS East of England, NPTG South East: Bedford (ATCO area 020), Central Bedfordshire
    # (021), Luton (029), Essex (150), Southend-on-Sea (158), Thurrock (159), Hertfordshire (210)
    "E06000055": _SOUTH_EAST,  # Bedford
    "E06000056": _SOUTH_EAST,  # Central Bedfordshire
    "E06000032": _SOUTH_EAST,  # Luton
    "E06000033": _SOUTH_EAST,  # Southend-on-Sea
    "E06000034": _SOUTH_EAST,  # Thurrock
    "E07000066": _SOUTH_EAST,  # Basildon (Essex)
    "E07000067": _SOUTH_EAST,  # Braintree (Essex)
    "E07000068": _SOUTH_EAST,  # Brentwood (Essex)
    "E07000069": _SOUTH_EAST,  # Castle Point (Essex)
    "E07000070": _SOUTH_EAST,  # Chelmsford (Essex)
    "E07000071": _SOUTH_EAST,  # Colchester (Essex)
    "E07000072": _SOUTH_EAST,  # Epping Forest (Essex)
    "E07000073": _SOUTH_EAST,  # Harlow (Essex)
    "E07000074": _SOUTH_EAST,  # Maldon (Essex)
    "E07000075": _SOUTH_EAST,  # Rochford (Essex)
    "E07000076": _SOUTH_EAST,  # Tendring (Essex)
    "E07000077": _SOUTH_EAST,  # Uttlesford (Essex)
    "E07000095": _SOUTH_EAST,  # Broxbourne (Hertfordshire)
    "E07000096": _SOUTH_EAST,  # Dacorum (Hertfordshire)
    "E07000097": _SOUTH_EAST,  # East Hertfordshire, code until 2014
    "E07000098": _SOUTH_EAST,  # Hertsmere (Hertfordshire)
    "E07000099": _SOUTH_EAST,  # North Hertfordshire
    "E07000100": _SOUTH_EAST,  # St Albans, code until 2014
    "E07000101": _SOUTH_EAST,  # Stevenage, code until 2014
    "E07000102": _SOUTH_EAST,  # Three Rivers (Hertfordshire)
    "E07000103": _SOUTH_EAST,  # Watford (Hertfordshire)
    "E07000104": _SOUTH_EAST,  # Welwyn Hatfield, code until 2014
    "E07000240": _SOUTH_EAST,  # St Albans (Hertfordshire)
    "E07000241": _SOUTH_EAST,  # Welwyn Hatfield (Hertfordshire)
    "E07000242": _SOUTH_EAST,  # East Hertfordshire
    "E07000243": _SOUTH_EAST,  # Stevenage (Hertfordshire)
    # ONS East of England, NPTG East Midlands: Peterborough (ATCO area 059)
    "E06000031": _EAST_MIDLANDS,  # Peterborough
    # ONS Yorkshire and The Humber, NPTG East Midlands: North East Lincolnshire (228) and
    # North Lincolnshire (227)
    "E06000012": _EAST_MIDLANDS,  # North East Lincolnshire
    "E06000013": _EAST_MIDLANDS,  # North Lincolnshire
    # ONS North West, NPTG North East: Cumbria (ATCO area 090), now two unitary districts
    "E06000063": _NORTH_EAST,  # Cumberland
    "E06000064": _NORTH_EAST,  # Westmorland and Furness
    "E07000026": _NORTH_EAST,  # Allerdale (Cumbria), until 2023
    "E07000027": _NORTH_EAST,  # Barrow-in-Furness (Cumbria), until 2023
    "E07000028": _NORTH_EAST,  # Carlisle (Cumbria), until 2023
    "E07000029": _NORTH_EAST,  # Copeland (Cumbria), until 2023
    "E07000030": _NORTH_EAST,  # Eden (Cumbria), until 2023
    "E07000031": _NORTH_EAST,  # South Lakeland (Cumbria), until 2023
    # ONS South East, NPTG South West: Hampshire (ATCO area 190), Southampton (198),
    # Portsmouth (199); the Isle of Wight (230) stays in the South East
    "E06000044": _SOUTH_WEST,  # Portsmouth
    "E06000045": _SOUTH_WEST,  # Southampton
    "E07000084": _SOUTH_WEST,  # Basingstoke and Deane (Hampshire)
    "E07000085": _SOUTH_WEST,  # East Hampshire
    "E07000086": _SOUTH_WEST,  # Eastleigh (Hampshire)
    "E07000087": _SOUTH_WEST,  # Fareham (Hampshire)
    "E07000088": _SOUTH_WEST,  # Gosport (Hampshire)
    "E07000089": _SOUTH_WEST,  # Hart (Hampshire)
    "E07000090": _SOUTH_WEST,  # Havant (Hampshire)
    "E07000091": _SOUTH_WEST,  # New Forest (Hampshire)
    "E07000092": _SOUTH_WEST,  # Rushmoor (Hampshire)
    "E07000093": _SOUTH_WEST,  # Test Valley (Hampshire)
    "E07000094": _SOUTH_WEST,  # Winchester (Hampshire)
}
"""Districts (ONS ``LAD`` codes, 2024 and earlier) whose NPTG region is not their ONS
region, to the BODS regional file that holds their stops."""


def bods_region_of(lad_code: str, ons_region: str) -> str:
    """Name the BODS regional file of an English district: its NPTG region.

    Parameters
    ----------
    lad_code
        The district's ONS code, e.g. ``"E06000008"``.
    ons_region
        Its ONS region name (``RGN24NM``), e.g. ``"North West"``.

    Returns
    -------
    str
        The BODS region name, e.g. ``"north_west"``.

    Raises
    ------
    DownloadError
        If the district is not an exception and the ONS region is not one of
        England's nine (the lookup answered something unexpected).

    Examples
    --------
    >>> bods_region_of("E07000243", "East of England")  # Stevenage, Hertfordshire
    'south_east'
    >>> bods_region_of("E06000008", "North West")  # Blackburn with Darwen
    'north_west'
    """
    if lad_code in NPTG_REGION_EXCEPTIONS:
        return NPTG_REGION_EXCEPTIONS[lad_code]
    if ons_region not in BODS_REGION_OF_ONS_REGION:
        msg = (f"ONS district-to-region lookup: {lad_code} is in {ons_region!r}, not one of "
               f"England's regions ({', '.join(BODS_REGION_OF_ONS_REGION)}); check the "
               "lad_regions address in --sources")
        raise DownloadError(msg)
    return BODS_REGION_OF_ONS_REGION[ons_region]


def _ons_regions(
    downloads: Downloads, sources: FetchSources, lad_codes: Sequence[str],
) -> dict[str, str]:
    """ONS region name of each district, from the ``lad_regions`` lookup."""
    if not lad_codes:
        return {}
    records = query_records(
        downloads, sources.lad_regions, where=where_in("LAD24CD", lad_codes),
        out_fields=["LAD24CD", "RGN24NM"], what="ONS district-to-region lookup",
        page_size=sources.arcgis_page_size)
    found = dict(zip(records["LAD24CD"].astype(str), records["RGN24NM"].astype(str),
                     strict=True))
    missing = [c for c in lad_codes if c not in found]
    if missing:
        msg = (f"ONS district-to-region lookup: no region for {len(missing)} district(s) "
               f"({', '.join(missing[:5])}); check the lad_regions address in --sources (it "
               "must be the lookup of the districts IoD 2025 File 7 uses)")
        raise DownloadError(msg)
    return found


def choose_bods_regions(
    downloads: Downloads,
    sources: FetchSources,
    district_code: str,
    lsoa_districts: Mapping[str, str],
    lsoas_in_area: Sequence[str],
) -> tuple[str, ...]:
    """Choose the BODS regional files a buffered study area needs, the district's first.

    Parameters
    ----------
    downloads, sources
        Where to look up the ONS region of districts that are not in
        :data:`NPTG_REGION_EXCEPTIONS`.
    district_code
        The district's ONS code.
    lsoa_districts
        The district of each English LSOA in the area (from IoD 2025 File 7).
    lsoas_in_area
        Every LSOA 2021 whose population-weighted centroid lies in the area,
        English and Welsh.

    Returns
    -------
    tuple of str
        BODS region names: the district's region, then any other region an
        LSOA of the area lies in (sorted), then ``"wales"`` if a Welsh LSOA
        does.

    Raises
    ------
    DownloadError
        If the lookup has no region for one of the districts.
    """
    districts = sorted({district_code, *(lsoa_districts[c] for c in lsoas_in_area
                                          if c in lsoa_districts)})
    unplaced = [c for c in lsoas_in_area if c not in lsoa_districts and not c.startswith("W")]
    if unplaced:
        logger.debug("%d LSOAs in the area are not in IoD 2025 File 7 (e.g. %s); their region "
                     "is not looked up", len(unplaced), unplaced[0])
    ons = _ons_regions(downloads, sources,
                       [d for d in districts if d not in NPTG_REGION_EXCEPTIONS])
    regions = {d: bods_region_of(d, ons.get(d, "")) for d in districts}
    own = regions[district_code]
    chosen = [own, *sorted(set(regions.values()) - {own})]
    if any(c.startswith("W") for c in lsoas_in_area):
        chosen.append(WALES)
    if len(chosen) > 1:
        logger.info("the area reaches beyond the %s region: BODS files %s are merged", own,
                    ", ".join(chosen))
    return tuple(chosen)
