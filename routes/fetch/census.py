"""Community-group counts per LSOA, from Census 2021 table TS021 (ethnic group)."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from routes.errors import InputError

__all__ = ["GROUP_COLUMNS", "load_ethnic_groups"]

GROUP_COLUMNS = ("white_british", "white_other", "asian", "black", "mixed", "other")
"""The community groups written to the zones file, from Census 2021's five broad ethnic
groups with "White" split into "English, Welsh, Scottish, Northern Irish or British" and
the rest (Irish, Gypsy or Irish Traveller, Roma, other White)."""

_TS021 = {
    "total": "Ethnic group: Total: All usual residents",
    "white": "Ethnic group: White",
    "white_british": "Ethnic group: White: English, Welsh, Scottish, Northern Irish or British",
    "asian": "Ethnic group: Asian, Asian British or Asian Welsh",
    "black": "Ethnic group: Black, Black British, Black Welsh, Caribbean or African",
    "mixed": "Ethnic group: Mixed or Multiple ethnic groups",
    "other": "Ethnic group: Other ethnic group",
}
_CODE = "geography code"


def _normalise(label: str) -> str:
    return re.sub(r"\s+", " ", label).strip().casefold()


def load_ethnic_groups(ts021_zip: Path, lsoa_codes: Sequence[str]) -> pd.DataFrame:
    """Usual residents by community group for the given LSOAs, from the TS021 bulk zip.

    The LSOA table (the member ending ``-lsoa.csv``) is read straight from the
    archive; nothing is extracted.

    Parameters
    ----------
    ts021_zip
        ``census2021-ts021.zip`` from Nomis.
    lsoa_codes
        LSOA 2021 codes to keep.

    Returns
    -------
    pandas.DataFrame
        Indexed by LSOA code (``LSOA21CD``), columns ``population`` (all usual
        residents, persons) and one count per :data:`GROUP_COLUMNS` (persons);
        the groups sum to the population.

    Raises
    ------
    InputError
        If the archive has no LSOA table, a column is missing, or an LSOA is
        not in it.
    """
    try:
        with zipfile.ZipFile(ts021_zip) as archive:
            members = [n for n in archive.namelist() if n.lower().endswith("-lsoa.csv")]
            if not members:
                msg = f"{ts021_zip.name}: no '*-lsoa.csv' table inside; is this the Nomis " \
                      "census2021-ts021.zip bulk file?"
                raise InputError(msg)
            with archive.open(members[0]) as fh:
                table = pd.read_csv(io.TextIOWrapper(fh, encoding="utf-8-sig"), dtype=str)
    except zipfile.BadZipFile as exc:
        msg = f"{ts021_zip.name}: not a zip archive ({exc}); run routes fetch again with " \
              "--refresh to download it again"
        raise InputError(msg) from exc
    by_label = {_normalise(c): c for c in table.columns}
    wanted = {key: by_label.get(_normalise(label)) for key, label in {"code": _CODE,
                                                                       **_TS021}.items()}
    missing = [(_CODE if key == "code" else _TS021[key]) for key, c in wanted.items() if c is None]
    if missing:
        msg = f"{ts021_zip.name}: the LSOA table has no column {', '.join(map(repr, missing))}"
        raise InputError(msg)
    table = table.set_index(wanted["code"])
    absent = [c for c in lsoa_codes if c not in table.index]
    if absent:
        msg = (f"{ts021_zip.name}: {len(absent)} LSOAs are not in the Census table "
               f"(e.g. {', '.join(absent[:3])}); the Census and IoD must both use LSOA 2021")
        raise InputError(msg)
    rows = table.loc[list(lsoa_codes)]
    counts = {key: pd.to_numeric(rows[col], errors="raise").astype("int64")
              for key, col in wanted.items() if key != "code"}
    groups = pd.DataFrame(
        {
            "population": counts["total"],
            "white_british": counts["white_british"],
            "white_other": counts["white"] - counts["white_british"],
            "asian": counts["asian"],
            "black": counts["black"],
            "mixed": counts["mixed"],
            "other": counts["other"],
        }
    )
    groups.index = pd.Index(groups.index.astype(str), name="LSOA21CD")
    return groups
