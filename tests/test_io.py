"""``routes.io``: tables written in pieces equal tables written whole; layers' names.

For ``write_table_chunks`` the reference is :func:`routes.io.write_table` of the
pieces concatenated (what ``routes matrix`` wrote before it wrote in pieces): the
same CSV bytes, the same Parquet schema (with pandas' metadata) and values.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import shapely

from routes.errors import InputError, OutputExistsError
from routes.io import write_layer, write_table, write_table_chunks

#: Ids that CSV must quote or that are not ASCII, and numbers of every shape.
IDS = np.asarray(["a", "b,c", 'say "hi"', "ñandú", " space ", "x\ny", "12", ""], dtype=object)


def _pieces() -> list[pd.DataFrame]:
    rng = np.random.default_rng(7)
    frames = []
    for n in (5, 0, 3, 8, 0, 1):
        minutes = rng.integers(0, 7200, size=n) / 60.0
        minutes[rng.random(n) < 0.3] = np.nan
        frames.append(pd.DataFrame({
            "from_id": IDS[rng.integers(0, len(IDS), size=n)],
            "to_id": IDS[rng.integers(0, len(IDS), size=n)],
            "travel_time_p50_min": minutes,
            "travel_time_p95_min": minutes * 1.5 + 1e-9,
        }))
    return frames


def _whole(pieces: list[pd.DataFrame]) -> pd.DataFrame:
    non_empty = [p for p in pieces if len(p)]
    return pd.concat(non_empty or pieces[:1], ignore_index=True)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_pieces_write_the_file_the_whole_table_writes(tmp_path: Path, suffix: str) -> None:
    pieces = _pieces()
    whole = _whole(pieces)
    assert len(whole) == 17
    n = write_table_chunks(iter(pieces), tmp_path / f"pieces{suffix}")
    write_table(whole, tmp_path / f"whole{suffix}")
    assert n == 17
    if suffix == ".csv":
        got = (tmp_path / "pieces.csv").read_bytes()
        assert got == (tmp_path / "whole.csv").read_bytes()
        assert got.count(b'"b,c"') + got.count(b'"say ""hi"""') > 0  # quoting exercised
    else:
        got_file = pq.ParquetFile(tmp_path / "pieces.parquet")
        want_file = pq.ParquetFile(tmp_path / "whole.parquet")
        assert got_file.schema_arrow.equals(want_file.schema_arrow, check_metadata=True)
        assert got_file.read().equals(want_file.read())
        assert got_file.metadata.num_row_groups == 4  # one per non-empty piece
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "pieces.parquet"), whole)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_all_pieces_empty_write_the_empty_table(tmp_path: Path, suffix: str) -> None:
    empty = pd.DataFrame({"from_id": np.empty(0, dtype=object),
                          "travel_time_p50_min": np.empty(0)})
    assert write_table_chunks([empty, empty.copy()], tmp_path / f"pieces{suffix}") == 0
    write_table(empty, tmp_path / f"whole{suffix}")
    assert (tmp_path / f"pieces{suffix}").exists()
    if suffix == ".csv":
        assert (tmp_path / "pieces.csv").read_bytes() == b"from_id,travel_time_p50_min\n"
    else:
        got = pq.read_table(tmp_path / "pieces.parquet")
        assert got.num_rows == 0
        assert got.schema.equals(pq.read_table(tmp_path / "whole.parquet").schema)


def test_refuses_an_existing_file_and_an_unknown_suffix(tmp_path: Path) -> None:
    target = tmp_path / "m.csv"
    target.write_text("keep", encoding="utf-8")
    with pytest.raises(OutputExistsError, match="m.csv exists; pass --force"):
        write_table_chunks(_pieces(), target)
    assert target.read_text(encoding="utf-8") == "keep"
    assert write_table_chunks(_pieces(), target, overwrite=True) == 17
    with pytest.raises(InputError, match=r"m.txt: cannot write '.txt' files; use one of"):
        write_table_chunks(_pieces(), tmp_path / "m.txt")


def test_a_failing_piece_leaves_no_file(tmp_path: Path) -> None:
    def pieces():  # type: ignore[no-untyped-def]
        yield _pieces()[0]
        raise RuntimeError("engine stopped")

    for suffix in (".csv", ".parquet"):
        with pytest.raises(RuntimeError, match="engine stopped"):
            write_table_chunks(pieces(), tmp_path / f"m{suffix}")
    assert list(tmp_path.iterdir()) == []


def _layer() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"zone": ["Mill Hey"]}, geometry=[shapely.Point(-2.5, 53.7)],
                            crs="EPSG:4326")


def test_geojson_layer_is_named_after_its_file_not_the_temporary_one(tmp_path: Path) -> None:
    path = write_layer(_layer(), tmp_path / "zones.geojson")
    written = json.loads(path.read_text(encoding="utf-8"))
    assert written["name"] == "zones"
    assert [f["properties"]["zone"] for f in written["features"]] == ["Mill Hey"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["zones.geojson"]


def test_gpkg_layer_is_named_after_its_file(tmp_path: Path) -> None:
    import pyogrio

    path = write_layer(_layer(), tmp_path / "zones.gpkg")
    assert [str(name) for name in pyogrio.list_layers(path)[:, 0]] == ["zones"]


def test_write_layer_refuses_to_replace_a_file_unless_told(tmp_path: Path) -> None:
    path = write_layer(_layer(), tmp_path / "zones.geojson")
    with pytest.raises(OutputExistsError):
        write_layer(_layer(), path)
    write_layer(_layer().assign(zone=["Moorgate"]), path, overwrite=True)
    assert json.loads(path.read_text(encoding="utf-8"))["features"][0]["properties"] == {
        "zone": "Moorgate"}
