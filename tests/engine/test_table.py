"""The long travel-time table, whole and in pieces of origins (``routes.engine.table``).

Expected tables are built by a naive loop over every origin, destination and
percentile (a pair is a row when some percentile reaches it), independent of
the vectorised code.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from routes.engine.table import travel_time_table, travel_time_table_chunks
from routes.inputs.points import Points


def _points(ids: list[object]) -> Points:
    n = len(ids)
    return Points(np.asarray(ids, dtype=object), np.zeros(n), np.zeros(n))


def _naive_rows(minutes: np.ndarray, from_ids: list[object], to_ids: list[object],
                ) -> list[tuple[object, ...]]:
    rows = []
    for o, from_id in enumerate(from_ids):
        for d, to_id in enumerate(to_ids):
            times = [float(minutes[o, j, d]) for j in range(minutes.shape[1])]
            if any(not math.isnan(t) for t in times):
                rows.append((str(from_id), str(to_id), *times))
    return rows


def _rows(frame: pd.DataFrame) -> list[tuple[object, ...]]:
    return [tuple(r) for r in frame.itertuples(index=False, name=None)]


def _same_rows(got: list[tuple[object, ...]], want: list[tuple[object, ...]]) -> bool:
    def key(row: tuple[object, ...]) -> tuple[object, ...]:
        return tuple("nan" if isinstance(v, float) and math.isnan(v) else v for v in row)

    return [key(r) for r in got] == [key(r) for r in want]


def _random_minutes(rng: np.random.Generator, n_o: int, n_p: int, n_d: int) -> np.ndarray:
    minutes = rng.integers(0, 7200, size=(n_o, n_p, n_d)) / 60.0
    minutes[rng.random(minutes.shape) < 0.4] = np.nan
    minutes[:, :, rng.random(n_d) < 0.2] = np.nan  # destinations nobody reaches
    if n_o:
        minutes[0] = np.nan  # an origin that reaches nothing
    return minutes


@pytest.mark.parametrize("seed", range(4))
def test_whole_table_is_the_naive_one(seed: int) -> None:
    rng = np.random.default_rng(seed)
    minutes = _random_minutes(rng, 7, 2, 5)
    from_ids = [f"o{i}" for i in range(7)]
    to_ids = [10 + i for i in range(5)]  # not str: written as str
    table = travel_time_table(minutes, _points(from_ids), _points(to_ids), (25, 75))
    assert list(table.columns) == ["from_id", "to_id", "travel_time_p25_min",
                                   "travel_time_p75_min"]
    assert _same_rows(_rows(table), _naive_rows(minutes, from_ids, to_ids))


@pytest.mark.parametrize("rows_per_chunk", [1, 4, 5, 11, 34, 35, 1000])
def test_pieces_concatenated_are_the_whole_table(rows_per_chunk: int) -> None:
    rng = np.random.default_rng(rows_per_chunk)
    minutes = _random_minutes(rng, 7, 3, 5)
    origins, destinations = _points([f"o{i}" for i in range(7)]), _points(list("abcde"))
    pcts = (5, 50, 95)
    whole = travel_time_table(minutes, origins, destinations, pcts)
    pieces = list(travel_time_table_chunks(minutes, origins, destinations, pcts,
                                           rows_per_chunk=rows_per_chunk))
    # whole origins per piece, as many as fit in rows_per_chunk pairs (at least one)
    per_piece = max(1, rows_per_chunk // 5)
    assert len(pieces) == math.ceil(7 / per_piece)
    for k, piece in enumerate(pieces):
        first = {f"o{i}" for i in range(k * per_piece, min(7, (k + 1) * per_piece))}
        assert set(piece["from_id"]) <= first
        if len(piece):  # (an empty piece, like an empty whole table, has object ids)
            assert list(piece.dtypes) == list(whole.dtypes)
    # as routes.io.write_table_chunks writes them: empty pieces skipped
    together = pd.concat([p for p in pieces if len(p)], ignore_index=True)
    pd.testing.assert_frame_equal(together, whole)


def test_no_origins_give_one_empty_piece_with_the_columns() -> None:
    minutes = np.empty((0, 1, 3))
    pieces = list(travel_time_table_chunks(minutes, _points([]), _points(["a", "b", "c"]),
                                           (50,)))
    assert len(pieces) == 1
    assert len(pieces[0]) == 0
    assert list(pieces[0].columns) == ["from_id", "to_id", "travel_time_p50_min"]


def test_default_piece_size_is_read_when_called(monkeypatch: pytest.MonkeyPatch) -> None:
    import routes.engine.table as table_module

    monkeypatch.setattr(table_module, "ROWS_PER_CHUNK", 2)
    minutes = np.ones((3, 1, 2))
    pieces = list(travel_time_table_chunks(minutes, _points(["x", "y", "z"]),
                                           _points(["a", "b"]), (50,)))
    assert [list(p["from_id"]) for p in pieces] == [["x", "x"], ["y", "y"], ["z", "z"]]
