"""Tests for routes.cache: keys that cover what a value depends on, verified reads, atomic writes.

The end-to-end cases run on the synthetic Demo Town (``routes demo``): a warm
cache must give what a cold one gives after points are swapped or renamed,
and a damaged entry must be rebuilt with the same numbers.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import textwrap
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from numpy.typing import NDArray

from cli import main
from routes.cache import NetworkCache, code_digest, hash_inputs
from routes.config.study_area import load_study_area
from routes.demo.study_area import DemoFiles, write_demo_study_area
from routes.errors import CacheError, RoutesWarning
from routes.evaluation.study import compute_baseline, load_study

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True, slots=True)
class Value:
    """A small value of the kinds the cache stores: arrays, ids, a date, a tuple."""

    numbers: NDArray[np.float64]
    ids: NDArray[np.object_]
    day: dt.date
    names: tuple[str, ...]


def make_value() -> Value:
    return Value(np.arange(1000, dtype=np.float64) / 7, np.array(["a", "b"], dtype=object),
                 dt.date(2026, 3, 10), ("x", "y"))


def assert_same(a: Value, b: Value) -> None:
    np.testing.assert_array_equal(a.numbers, b.numbers)
    assert a.ids.tolist() == b.ids.tolist() and a.day == b.day and a.names == b.names


KEY = "0123456789abcdef" * 4


def entry(cache: NetworkCache) -> Path:
    [folder] = [p for p in cache.root.iterdir() if not p.name.startswith(".")]
    return folder


def fill(cache: NetworkCache) -> Value:
    return cache.get_or_build("thing", KEY, Value, make_value, "a test value")


def fail_to_build() -> Value:
    pytest.fail("rebuilt although the entry is sound")


# --------------------------------------------------------------------------- reading and writing


def test_entry_round_trips_and_holds_its_content_hash(tmp_path: Path) -> None:
    cache = NetworkCache(tmp_path)
    built = fill(cache)
    loaded = cache.get_or_build("thing", KEY, Value, fail_to_build, "a test value")
    assert_same(built, loaded)
    meta = json.loads((entry(cache) / "meta.json").read_text())
    npz = entry(cache) / "arrays.npz"
    assert meta["key"] == KEY and meta["arrays_bytes"] == npz.stat().st_size
    assert len(meta["sha256"]) == 2 and all(len(h) == 64 for h in meta["sha256"])
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"thing-{KEY[:32]}"]  # no leftovers


def _truncate(folder: Path) -> None:
    npz = folder / "arrays.npz"
    npz.write_bytes(npz.read_bytes()[: npz.stat().st_size // 2])


def _empty(folder: Path) -> None:
    (folder / "arrays.npz").write_bytes(b"")


def _flip_array_byte(folder: Path) -> None:
    """Flip one bit inside the stored numbers (the zip still opens: only the hash can tell)."""
    npz = folder / "arrays.npz"
    data = bytearray(npz.read_bytes())
    data[len(data) // 3] ^= 0x01
    npz.write_bytes(bytes(data))


def _flip_meta_digit(folder: Path) -> None:
    """Change one digit of the stored date: still valid JSON, but not what was written."""
    meta = folder / "meta.json"
    meta.write_text(meta.read_text().replace("2026-03-10", "2026-03-11"))


def _break_meta(folder: Path) -> None:
    meta = folder / "meta.json"
    meta.write_text(meta.read_text()[:-40])


def _empty_meta(folder: Path) -> None:
    (folder / "meta.json").write_bytes(b"")


def _remove_npz(folder: Path) -> None:
    (folder / "arrays.npz").unlink()


def _old_format(folder: Path) -> None:
    meta = json.loads((folder / "meta.json").read_text())
    del meta["format"], meta["sha256"]
    (folder / "meta.json").write_text(json.dumps(meta))


DAMAGE = [_truncate, _empty, _flip_array_byte, _flip_meta_digit, _break_meta, _empty_meta,
          _remove_npz, _old_format]


@pytest.mark.parametrize("damage", DAMAGE, ids=[d.__name__.strip("_") for d in DAMAGE])
def test_damaged_entry_is_rebuilt_with_one_warning(tmp_path: Path, damage: Any) -> None:
    cache = NetworkCache(tmp_path)
    fill(cache)
    damage(entry(cache))
    built: list[bool] = []

    def build() -> Value:
        built.append(True)
        return make_value()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = cache.get_or_build("thing", KEY, Value, build, "a test value")
    assert len(caught) == 1 and issubclass(caught[0].category, RoutesWarning)  # exactly one
    assert f"cache entry {entry(cache)} was damaged" in str(caught[0].message)
    assert "discarded and is rebuilt" in str(caught[0].message)
    assert built == [True]
    assert_same(value, make_value())
    # the rebuilt entry is sound: read back without building, without a warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = cache.get_or_build("thing", KEY, Value, fail_to_build, "a test value")
    assert_same(again, make_value())
    assert len([p for p in tmp_path.iterdir()]) == 1  # the damaged copy is gone


def test_warnings_given_while_building_are_given_again_on_a_hit(tmp_path: Path) -> None:
    cache = NetworkCache(tmp_path)

    def build() -> Value:
        warnings.warn("3 of 9 stops are far from the streets", RoutesWarning, stacklevel=2)
        return make_value()

    with pytest.warns(RoutesWarning, match="3 of 9 stops") as cold:
        cache.get_or_build("thing", KEY, Value, build, "a test value")
    with pytest.warns(RoutesWarning, match="3 of 9 stops") as warm:
        cache.get_or_build("thing", KEY, Value, fail_to_build, "a test value")
    assert [str(w.message) for w in cold] == [str(w.message) for w in warm]


def test_a_failing_build_still_gives_its_warnings_and_stores_nothing(tmp_path: Path) -> None:
    cache = NetworkCache(tmp_path)

    def build() -> Value:
        warnings.warn("feed 'b' has no service on 2026-03-10", RoutesWarning, stacklevel=2)
        raise CacheError("the build failed")

    with pytest.warns(RoutesWarning, match="no service"), pytest.raises(CacheError, match="failed"):
        cache.get_or_build("thing", KEY, Value, build, "a test value")
    assert list(tmp_path.iterdir()) == []


def test_another_run_writing_the_same_key_first_is_kept(tmp_path: Path) -> None:
    """The race, made deterministic: while we build, another run stores the same key."""
    ours, theirs = NetworkCache(tmp_path), NetworkCache(tmp_path)

    def build_while_another_run_stores() -> Value:
        theirs.get_or_build("thing", KEY, Value, make_value, "their value")
        return make_value()

    value = ours.get_or_build("thing", KEY, Value, build_while_another_run_stores, "ours")
    assert_same(value, make_value())
    assert json.loads((entry(ours) / "meta.json").read_text())["description"] == "their value"
    assert len(list(tmp_path.iterdir())) == 1  # our temporary copy was dropped


CONCURRENT_WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {tests!r})
    from test_cache import KEY, Value, make_value
    from routes.cache import NetworkCache

    go = Path(sys.argv[1])
    while not go.exists():
        time.sleep(0.005)
    cache = NetworkCache(Path(sys.argv[2]))
    value = cache.get_or_build("thing", KEY, Value, make_value, sys.argv[3])
    print(float(value.numbers.sum()))
""")


def test_two_processes_writing_the_same_key_at_once(tmp_path: Path) -> None:
    script = tmp_path / "writer.py"
    script.write_text(CONCURRENT_WRITER.format(tests=str(REPO / "tests")))
    go, root = tmp_path / "go", tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [subprocess.Popen([sys.executable, str(script), str(go), str(root), f"writer {i}"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for i in range(4)]
    go.touch()
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [err for _, err in results]
    assert {out.strip() for out, _ in results} == {str(float(make_value().numbers.sum()))}
    assert all(err == "" for _, err in results)
    cache = NetworkCache(root)
    assert [e.problem for e in cache.entries()] == [""] and cache.leftovers() == []
    assert_same(cache.get_or_build("thing", KEY, Value, fail_to_build, "x"), make_value())


def test_unwritable_cache_folder_warns_once_and_the_run_goes_on(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    cache = NetworkCache(blocker / "cache")
    with pytest.warns(RoutesWarning, match=r"cannot write to the cache folder .*ROUTES_CACHE_DIR"):
        value = fill(cache)
    assert_same(value, make_value())


# --------------------------------------------------------------------------- info and clear


def test_info_and_clear_work_on_a_broken_cache(tmp_path: Path) -> None:
    cache = NetworkCache(tmp_path)
    for kind in ("streets", "timetable", "links", "times"):
        cache.get_or_build(kind, KEY, Value, make_value, kind)
    _break_meta(tmp_path / f"streets-{KEY[:32]}")
    _truncate(tmp_path / f"timetable-{KEY[:32]}")
    _remove_npz(tmp_path / f"links-{KEY[:32]}")
    (tmp_path / f".times-{KEY[:32]}-killed").mkdir()  # a write interrupted by kill -9
    (tmp_path / "downloads").mkdir()  # not ours: stays
    (tmp_path / "notes.txt").write_text("not ours either")
    problems = {e.kind: e.problem for e in cache.entries()}
    assert problems["streets"].startswith("meta.json is not valid JSON")
    assert problems["timetable"].startswith("arrays.npz is ")
    assert problems["links"] == "arrays.npz is missing"
    assert problems["times"] == ""
    assert [p.name for p in cache.leftovers()] == [f".times-{KEY[:32]}-killed"]
    assert cache.clear() == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["downloads", "notes.txt"]
    assert cache.entries() == [] and cache.clear() == 0


def test_cli_cache_info_and_clear_on_a_broken_cache(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "cache"
    cache = NetworkCache(root)
    cache.get_or_build("streets", KEY, Value, make_value, "osm/demo_town.osm (strict)")
    (root / f"streets-{KEY[:32]}" / "meta.json").write_text("{ not json")
    monkeypatch.setenv("ROUTES_CACHE_DIR", str(root))
    runner = CliRunner()
    info = runner.invoke(main, ["cache", "info"])
    assert info.exit_code == 0, info.output
    assert "DAMAGED: meta.json is not valid JSON" in info.stdout
    assert "1 damaged entries are rebuilt when next needed" in info.stdout
    cleared = runner.invoke(main, ["cache", "clear"])
    assert cleared.exit_code == 0, cleared.output
    assert cleared.stdout == f"removed 1 entries from {root}\n"
    assert list(root.iterdir()) == []


def test_cli_cache_info_on_a_cache_path_that_is_a_file(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "cache"
    path.write_text("oops")
    monkeypatch.setenv("ROUTES_CACHE_DIR", str(path))
    for command in ("info", "clear"):
        result = CliRunner().invoke(main, ["cache", command])
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith(f"Error: cannot read the cache folder {path}")
        assert "ROUTES_CACHE_DIR" in result.stderr and "Traceback" not in result.output


def test_clear_reports_an_entry_it_cannot_delete(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    cache = NetworkCache(tmp_path)
    fill(cache)

    def refuse(path: Any, *args: Any, **kwargs: Any) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(shutil, "rmtree", refuse)
    with pytest.raises(CacheError, match=r"cannot delete the cache entry .*Permission denied"):
        cache.clear()


# --------------------------------------------------------------------------- keys


def test_key_covers_paths_inside_a_feed_folder(tmp_path: Path) -> None:
    feed = tmp_path / "feed"
    (feed / "old").mkdir(parents=True)
    (feed / "stops.txt").write_text("stop_id\nA\n")
    before = hash_inputs([feed], {})
    (feed / "stops.txt").rename(feed / "old" / "stops.txt")
    assert hash_inputs([feed], {}) != before
    assert hash_inputs([feed], {"day": "2026-03-10"}) != hash_inputs([feed], {"day": "2026-03-11"})


def test_key_covers_the_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "x.txt"
    path.write_text("x")
    before = hash_inputs([path], {})
    monkeypatch.setattr("routes.cache.code_digest", lambda: "another version of the code")
    assert hash_inputs([path], {}) != before
    assert len(code_digest()) == 64


# --------------------------------------------------------------------------- Demo Town


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return write_demo_study_area(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def town(demo: DemoFiles, tmp_path: Path) -> Path:
    """A private copy of Demo Town, free to edit; returns its routes.toml."""
    folder = tmp_path / "town"
    shutil.copytree(demo.folder, folder)
    return folder / "routes.toml"


def baseline_zones(toml: Path, cache_dir: Path) -> pd.DataFrame:
    study = load_study_area(toml)
    cache = NetworkCache(cache_dir)
    return compute_baseline(load_study(study, cache=cache)).access.zones


def edit_workplaces(toml: Path, edit: Any) -> None:
    path = toml.parent / "zones" / "workplaces.geojson"
    data = json.loads(path.read_text())
    edit(data["features"])
    path.write_text(json.dumps(data))


def swap_most_and_fewest_jobs(features: list[dict[str, Any]]) -> None:
    jobs = [f["properties"]["jobs"] for f in features]
    most, fewest = features[int(np.argmax(jobs))], features[int(np.argmin(jobs))]
    most["geometry"], fewest["geometry"] = fewest["geometry"], most["geometry"]


def rename_ids(features: list[dict[str, Any]]) -> None:
    for f in features:
        f["properties"]["id"] = "renamed-" + f["properties"]["id"][::-1]


@pytest.mark.slow
@pytest.mark.parametrize("edit", [swap_most_and_fewest_jobs, rename_ids])
def test_warm_cache_after_editing_workplaces_equals_a_cold_cache(town: Path, tmp_path: Path,
                                                                  edit: Any) -> None:
    warm = tmp_path / "warm"
    before = baseline_zones(town, warm)
    edit_workplaces(town, edit)
    after_warm = baseline_zones(town, warm)
    after_cold = baseline_zones(town, tmp_path / "cold")
    pd.testing.assert_frame_equal(after_warm, after_cold)
    jobs = [c for c in before.columns if c.startswith("jobs_within")]
    if edit is swap_most_and_fewest_jobs:  # the edit matters: the old numbers would be wrong
        assert not before[jobs].equals(after_cold[jobs])
    else:  # renaming changes nothing but the ids
        pd.testing.assert_frame_equal(before, after_cold)


@pytest.mark.slow
@pytest.mark.parametrize("damage", [_truncate, _empty, _flip_array_byte, _break_meta],
                         ids=["truncated", "empty", "bit-flip", "broken-meta"])
def test_damaged_demo_cache_is_rebuilt_with_the_same_numbers(town: Path, tmp_path: Path,
                                                             damage: Any) -> None:
    root = tmp_path / "cache"
    first = baseline_zones(town, root)
    folders = sorted(p for p in root.iterdir() if not p.name.startswith("."))
    kinds = sorted(p.name.split("-")[0] for p in folders)
    assert kinds == ["feed", "links", "streets", "times"]  # the timetable from its feeds
    for folder in folders:
        damage(folder)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # urllib3 probes IPv6 with a socket on import, which pytest-socket refuses with a warning
        warnings.filterwarnings("error", message="A test tried to use socket")
        second = baseline_zones(town, root)
    damaged = [str(w.message) for w in caught if "was damaged" in str(w.message)]
    assert len(damaged) == 4 and all(f"{f}" in " ".join(damaged) for f in folders)
    assert len(caught) == 4  # one warning per damaged entry, nothing else
    pd.testing.assert_frame_equal(first, second)
