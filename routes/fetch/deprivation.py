"""A district and its neighbourhoods from the English Indices of Deprivation 2025, File 7.

File 7 lists every LSOA 2021 in England with the local authority district it
lies in, so it both resolves ``--lad`` (a code or a name) and gives each
neighbourhood its IMD decile and population.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from routes.errors import InputError

__all__ = ["District", "load_district", "load_lsoa_districts"]

_LSOA_CODE = "LSOA code (2021)"
_LSOA_NAME = "LSOA name (2021)"
_LAD_CODE = re.compile(r"^Local Authority District code \(\d{4}\)$")
_LAD_NAME = re.compile(r"^Local Authority District name \(\d{4}\)$")
_IMD_RANK = "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)"
_IMD_DECILE = "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"
_POPULATION = re.compile(r"^Total population: mid \d{4}")


@dataclass(frozen=True, slots=True)
class District:
    """A local authority district and the deprivation of its neighbourhoods.

    Attributes
    ----------
    code
        ONS code, e.g. ``"E06000008"``.
    name
        ONS name, e.g. ``"Blackburn with Darwen"``.
    lsoas
        One row per LSOA 2021 of the district, indexed by its code
        (``LSOA21CD``), with columns ``name``, ``imd_rank`` (1 = most
        deprived in England), ``imd_decile`` (1 = the most deprived 10 %) and
        ``population`` (the IoD's mid-year population estimate, persons).
    """

    code: str
    name: str
    lsoas: pd.DataFrame


def _column(columns: pd.Index, pattern: re.Pattern[str]) -> str | None:
    return next((c for c in columns if pattern.match(c)), None)


def _find_columns(iod_csv: Path) -> dict[str, str]:
    """File 7's column for each role, or an :class:`InputError` naming the missing ones."""
    header = pd.read_csv(iod_csv, nrows=0, encoding="utf-8-sig").columns.str.strip()
    found = {
        "LSOA code": _LSOA_CODE if _LSOA_CODE in header else None,
        "LSOA name": _LSOA_NAME if _LSOA_NAME in header else None,
        "district code": _column(header, _LAD_CODE),
        "district name": _column(header, _LAD_NAME),
        "IMD rank": _IMD_RANK if _IMD_RANK in header else None,
        "IMD decile": _IMD_DECILE if _IMD_DECILE in header else None,
        "total population": _column(header, _POPULATION),
    }
    missing = [role for role, column in found.items() if column is None]
    if missing:
        msg = (
            f"{iod_csv.name}: this is not IoD 2025 File 7 as expected: no column for "
            f"{', '.join(missing)} (columns found: {', '.join(header[:8])}…); point "
            "--sources iod_file7 at 'File_7_IoD2025_All_Ranks_Scores_Deciles_Population_"
            "Denominators.csv'"
        )
        raise InputError(msg)
    return {role: column for role, column in found.items() if column is not None}


def load_district(iod_csv: Path, lad: str) -> District:
    """Find a district in IoD 2025 File 7 by its code or name.

    Parameters
    ----------
    iod_csv
        The File 7 CSV (UTF-8, possibly with a byte-order mark).
    lad
        A district code (``E06000008``) or name (``Blackburn with Darwen``),
        compared ignoring case and surrounding spaces.

    Returns
    -------
    District
        The district with its LSOAs, sorted by code.

    Raises
    ------
    InputError
        If the file lacks a needed column, or no district matches (the message
        suggests the closest names).
    """
    col = _find_columns(iod_csv)
    table = pd.read_csv(iod_csv, encoding="utf-8-sig", dtype=str)
    table.columns = table.columns.str.strip()
    table = table[list(col.values())].apply(lambda values: values.str.strip())
    wanted = lad.strip().casefold()
    rows = table[(table[col["district code"]].str.casefold() == wanted)
                 | (table[col["district name"]].str.casefold() == wanted)]
    if rows.empty:
        codes = table.drop_duplicates(col["district name"]).set_index(col["district name"])
        close = difflib.get_close_matches(lad.strip(), sorted(codes.index.dropna()), n=3,
                                          cutoff=0.6)
        hint = (
            "; did you mean "
            + ", ".join(f"{n!r} ({codes.at[n, col['district code']]})" for n in close) + "?"
            if close else "; give an English district's ONS code, e.g. E06000008"
        )
        msg = f"no local authority district {lad!r} in IoD 2025 File 7 ({iod_csv}){hint}"
        raise InputError(msg)
    lsoas = pd.DataFrame(
        {
            "name": rows[col["LSOA name"]].to_numpy(),
            "imd_rank": _whole_numbers(rows[col["IMD rank"]], col["IMD rank"], iod_csv),
            "imd_decile": _whole_numbers(rows[col["IMD decile"]], col["IMD decile"], iod_csv),
            "population": _whole_numbers(rows[col["total population"]],
                                         col["total population"], iod_csv),
        },
        index=pd.Index(rows[col["LSOA code"]].to_numpy(), dtype="str", name="LSOA21CD"),
    ).sort_index()
    first = rows.iloc[0]
    return District(code=str(first[col["district code"]]), name=str(first[col["district name"]]),
                    lsoas=lsoas)


def _whole_numbers(values: pd.Series, column: str, path: Path) -> NDArray[np.int64]:
    numbers = pd.to_numeric(values.str.replace(",", "", regex=False), errors="coerce")
    bad = numbers.isna() | (numbers % 1 != 0)
    if bad.any():
        examples = ", ".join(repr(v) for v in values[bad].head(3))
        msg = f"{path.name} column {column!r}: {int(bad.sum())} values are not whole numbers " \
              f"(e.g. {examples}); run routes fetch again with --refresh to download File 7 again"
        raise InputError(msg)
    return np.asarray(numbers.to_numpy(dtype=np.int64), dtype=np.int64)


def load_lsoa_districts(iod_csv: Path, lsoa_codes: Sequence[str]) -> dict[str, str]:
    """Look up the local authority district of each of the given LSOAs in File 7.

    Parameters
    ----------
    iod_csv
        The File 7 CSV.
    lsoa_codes
        LSOA 2021 codes, e.g. every LSOA with a centroid in the buffered area.

    Returns
    -------
    dict of str to str
        LSOA code to district code, for the codes File 7 lists (English LSOAs
        only: Welsh ``W01`` codes are not in it).

    Raises
    ------
    InputError
        If the file lacks a needed column.
    """
    col = _find_columns(iod_csv)
    table = pd.read_csv(iod_csv, encoding="utf-8-sig", dtype=str,
                        usecols=lambda c: c.strip() in (col["LSOA code"], col["district code"]))
    table.columns = table.columns.str.strip()
    codes = table[col["LSOA code"]].str.strip()
    districts = table[col["district code"]].str.strip()
    wanted = set(lsoa_codes)
    return {c: d for c, d in zip(codes, districts, strict=True) if c in wanted}
