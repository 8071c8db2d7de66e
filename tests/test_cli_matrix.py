"""``routes matrix`` writes the long table, in pieces of origins, with pinned content.

The study area of ``tests/_study.py``: zones z1, z2, z3 on lattice nodes 1, 5
and 9 of 100-m streets. At the default 4.8 km/h (4/3 m/s) z1-z2 and z2-z3 are
200 m on foot (150 s = 2.5 min) and z1-z3 400 m (300 s = 5.0 min); the one
bus trip (A 08:00 -> D 08:12) never beats walking, whatever the departure;
a zone to itself is 0 min. So every percentile of every pair is known by hand.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from _study import write_study_area
from click.testing import CliRunner

import cli
import routes.engine.table as table_module

BY_HAND_MIN = {("z1", "z2"): 2.5, ("z2", "z3"): 2.5, ("z1", "z3"): 5.0}


def _expected_csv() -> bytes:
    lines = ["from_id,to_id,travel_time_p25_min,travel_time_p50_min"]
    for o in ("z1", "z2", "z3"):
        for d in ("z1", "z2", "z3"):
            t = 0.0 if o == d else BY_HAND_MIN.get((o, d), BY_HAND_MIN.get((d, o)))
            lines.append(f"{o},{d},{t},{t}")
    return ("\n".join(lines) + "\n").encode()


def _matrix(toml: Path, out: Path) -> None:
    result = CliRunner().invoke(cli.main, ["--config", str(toml), "-q", "matrix",
                                           "--percentiles", "25,50", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{out}  (9 origin-destination pairs)\n"


@pytest.mark.parametrize("rows_per_chunk", [1, 3, 4, 1 << 17])
def test_matrix_table_content_is_pinned_whatever_the_pieces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows_per_chunk: int
) -> None:
    # 1 and 3: one origin per piece; 4: one origin (3 pairs) per piece; default: one piece
    monkeypatch.setattr(table_module, "ROWS_PER_CHUNK", rows_per_chunk)
    toml = write_study_area(tmp_path / "study")
    _matrix(toml, tmp_path / "m.csv")
    assert (tmp_path / "m.csv").read_bytes() == _expected_csv()
    _matrix(toml, tmp_path / "m.parquet")
    got = pd.read_parquet(tmp_path / "m.parquet")
    want = pd.read_csv(tmp_path / "m.csv", dtype={"from_id": str, "to_id": str})
    pd.testing.assert_frame_equal(got, want)
