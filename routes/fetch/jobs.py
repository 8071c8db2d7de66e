"""Jobs per LSOA: the Business Register and Employment Survey (BRES), from the Nomis API.

The whole LSOA 2021 table is downloaded (``geography=TYPE151``, about 35,700
rows) rather than a list of LSOA codes: dataset NM_189_1 holds LSOAs of both
2011 and 2021, most ``E01`` codes are shared between the two, and Nomis does
not resolve every code for every area type, so a list of codes can come back
short without an error. The table is paged with ``recordoffset`` (Nomis answers
at most 25,000 rows a request to users without a key) until the
``RECORD_COUNT`` it reports has arrived, and every page is kept in the
download folder. The geography type of every row is checked, and an LSOA of
the area that the table lacks is an error, never 0 jobs.

The figures are the rounded open-access estimates (to 5 or 10 below 50 jobs, to
25 or 50 from 50 to 249, and coarser above: https://www.nomisweb.co.uk/articles/1103.aspx).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from routes.errors import DownloadError
from routes.fetch.download import Downloads

__all__ = ["BRES_QUERY", "LSOA_2021_GEOGRAPHY_TYPE", "download_jobs"]

logger = logging.getLogger(__name__)

BRES_QUERY: dict[str, str] = {
    "geography": "TYPE151",  # every LSOA 2021 in England and Wales
    "date": "latest",
    "industry": "37748736",  # all industries
    "employment_status": "4",  # employment: employees plus working owners
    "measure": "1",  # count
    "measures": "20100",  # value
    "select": "geography_code,geography_type,obs_value,record_count",
}
"""Query parameters of the BRES request (with ``recordoffset`` added per page)."""

LSOA_2021_GEOGRAPHY_TYPE = "2021 super output areas - lower layer"
"""Nomis's ``GEOGRAPHY_TYPE`` of ``TYPE151`` rows."""

_WHAT = "BRES employment by LSOA (Nomis NM_189_1)"
_COLUMNS = ("GEOGRAPHY_CODE", "GEOGRAPHY_TYPE", "OBS_VALUE", "RECORD_COUNT")


def _read_page(path: Path) -> pd.DataFrame:
    """One page of the answer, its columns upper case; a bad page is deleted."""
    try:
        page = pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        return pd.DataFrame(columns=list(_COLUMNS))
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        path.unlink()
        msg = f"{_WHAT}: Nomis did not answer with a CSV ({exc}); check the bres address " \
              "in --sources, or try again later"
        raise DownloadError(msg) from exc
    page.columns = page.columns.str.strip().str.upper()
    missing = [c for c in _COLUMNS if c not in page.columns]
    if missing:
        path.unlink()
        msg = (f"{_WHAT}: the answer has columns {list(page.columns)}, without "
               f"{', '.join(missing)}; check the bres address in --sources")
        raise DownloadError(msg)
    return page


def _record_count(counts: set[str], path: Path) -> int:
    """Read the table's size from the first page's ``RECORD_COUNT``."""
    if len(counts) == 1 and (text := next(iter(counts))).isdigit():
        return int(text)
    path.unlink()
    msg = (f"{_WHAT}: RECORD_COUNT is {sorted(counts)}, not one whole number of rows; check "
           "the bres address in --sources")
    raise DownloadError(msg)


def _whole_table(downloads: Downloads, url: str) -> pd.DataFrame:
    pages: list[pd.DataFrame] = []
    paths: list[Path] = []
    offset = 0
    total: int | None = None
    while total is None or offset < total:
        path = downloads.file(url, what=_WHAT, params={**BRES_QUERY, "recordoffset": str(offset)})
        paths.append(path)
        page = _read_page(path)
        if page.empty:
            break
        counts = set(page["RECORD_COUNT"].str.strip())
        if total is None:
            total = _record_count(counts, path)
        if counts != {str(total)}:
            for stale in paths:
                stale.unlink(missing_ok=True)
            msg = (f"{_WHAT}: the pages disagree on the size of the table "
                   f"({sorted(counts)} rows, first {total}); the downloaded copies were "
                   "deleted; run routes fetch again")
            raise DownloadError(msg)
        pages.append(page)
        offset += len(page)
    if total is None or offset < total:
        msg = (f"{_WHAT}: Nomis stopped answering at {offset:,} of "
               f"{total if total is not None else 'an unknown number of'} rows; run routes "
               "fetch again with --refresh, or check the bres address in --sources")
        raise DownloadError(msg)
    table = pd.concat(pages, ignore_index=True)
    types = set(table["GEOGRAPHY_TYPE"].str.strip().str.casefold())
    if types != {LSOA_2021_GEOGRAPHY_TYPE}:
        for stale in paths:
            stale.unlink(missing_ok=True)
        msg = (f"{_WHAT}: the answer holds {sorted(types)} rows, not only "
               f"{LSOA_2021_GEOGRAPHY_TYPE!r} (TYPE151); check the bres address in --sources")
        raise DownloadError(msg)
    logger.info("BRES: %s LSOA rows in %d page(s)", f"{len(table):,}", len(pages))
    return table


def download_jobs(downloads: Downloads, url: str, lsoa_codes: Sequence[str]) -> pd.Series:
    """Employment of the given LSOAs, from the whole BRES LSOA 2021 table.

    Parameters
    ----------
    downloads
        Where the pages of the table are kept (and reused by later runs).
    url
        The Nomis ``NM_189_1.data.csv`` endpoint; :data:`BRES_QUERY` is added.
    lsoa_codes
        LSOA 2021 codes whose jobs are wanted.

    Returns
    -------
    pandas.Series
        Jobs (persons employed: employees plus working owners, rounded) per
        LSOA code, in the order of ``lsoa_codes``, named ``jobs``.

    Raises
    ------
    DownloadError
        If a request fails; the answer is not the expected CSV, holds another
        geography type or stops short; or an LSOA is missing from it or has
        no value (it would otherwise count as 0 jobs).
    """
    table = _whole_table(downloads, url)
    codes = table["GEOGRAPHY_CODE"].str.strip()
    if codes.duplicated().any():
        dupes = sorted(set(codes[codes.duplicated()]))
        msg = (f"{_WHAT}: {len(dupes)} LSOAs appear more than once (e.g. {', '.join(dupes[:3])}); "
               "the query must select one year, industry and measure; check the bres address")
        raise DownloadError(msg)
    values = pd.Series(pd.to_numeric(table["OBS_VALUE"].str.strip(), errors="coerce").to_numpy(),
                       index=codes.to_numpy())
    jobs = values.reindex(list(lsoa_codes))
    missing = jobs.index[jobs.isna()].tolist()
    if missing:
        msg = (f"{_WHAT}: {len(missing)} of the {len(jobs)} LSOAs in the area are not in "
               f"Nomis's table or have no value (e.g. {', '.join(missing[:3])}), so their jobs "
               "are unknown, not 0; run routes fetch again with --refresh, or check the bres "
               "address in --sources")
        raise DownloadError(msg)
    return pd.Series(jobs.round().astype("int64").to_numpy(),
                     index=pd.Index(list(lsoa_codes), dtype=str, name="LSOA21CD"), name="jobs")
