"""Run folders (written aside, renamed into place, never overwritten without force),
JSON files with stable bytes, and the run manifest."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
import os
from pathlib import Path

import pytest
from _evaluate_fixtures import feed_tables, routes_toml, write_line_study
from _feeds import write_feed

from routes import __version__
from routes.config import load_study_area
from routes.errors import OutputExistsError
from routes.outputs import InputFile, RunManifest, build_manifest, run_folder, write_json


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --------------------------------------------------------------------------- run_folder


def test_run_folder_is_written_aside_then_renamed(tmp_path: Path) -> None:
    target = tmp_path / "run"
    with run_folder(target) as tmp:
        assert tmp.parent == tmp_path
        assert tmp.name.startswith(".run-")
        assert not target.exists()  # nothing visible until the block succeeds
        (tmp / "a.txt").write_text("a", encoding="utf-8")
    assert listing(tmp_path) == ["run"]
    assert listing(target) == ["a.txt"]


def test_run_folder_is_not_private(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        with run_folder(tmp_path / "run"):
            pass
    finally:
        os.umask(umask)
    assert (tmp_path / "run").stat().st_mode & 0o777 == 0o755


def test_run_folder_creates_missing_parents(tmp_path: Path) -> None:
    with run_folder(tmp_path / "outputs" / "deep" / "run") as tmp:
        (tmp / "x").write_bytes(b"")
    assert listing(tmp_path / "outputs" / "deep" / "run") == ["x"]


def test_run_folder_refuses_an_existing_folder_without_force(tmp_path: Path) -> None:
    target = tmp_path / "run"
    target.mkdir()
    (target / "old.txt").write_text("old", encoding="utf-8")
    with (pytest.raises(OutputExistsError, match=r"run exists; pass --force to replace it or "
                                                 r"choose another --out"),
          run_folder(target)):
        pytest.fail("the block must not run")  # pragma: no cover
    assert listing(tmp_path) == ["run"]
    assert listing(target) == ["old.txt"]


def test_run_folder_with_force_replaces_the_whole_folder(tmp_path: Path) -> None:
    target = tmp_path / "run"
    target.mkdir()
    (target / "old.txt").write_text("old", encoding="utf-8")
    with run_folder(target, force=True) as tmp:
        (tmp / "new.txt").write_text("new", encoding="utf-8")
        assert listing(target) == ["old.txt"]  # still the old run while writing
    assert listing(tmp_path) == ["run"]  # no temporary or old folder left
    assert listing(target) == ["new.txt"]


def test_a_failed_run_leaves_the_previous_folder(tmp_path: Path) -> None:
    target = tmp_path / "run"
    target.mkdir()
    (target / "old.txt").write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError, match="boom"), run_folder(target, force=True) as tmp:
        (tmp / "half.txt").write_text("half", encoding="utf-8")
        raise RuntimeError("boom")
    assert listing(tmp_path) == ["run"]
    assert listing(target) == ["old.txt"]


def test_a_failed_first_run_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="boom"), run_folder(tmp_path / "run"):
        raise RuntimeError("boom")
    assert listing(tmp_path) == []


# --------------------------------------------------------------------------- write_json


def test_write_json_has_stable_bytes(tmp_path: Path) -> None:
    a = write_json({"b": [1, 2.5], "a": {"y": None, "x": "é"}}, tmp_path / "a.json")
    b = write_json({"a": {"x": "é", "y": None}, "b": [1, 2.5]}, tmp_path / "b.json")
    assert a.read_bytes() == b.read_bytes()
    assert a.read_text(encoding="utf-8") == (
        '{\n  "a": {\n    "x": "\\u00e9",\n    "y": null\n  },\n  "b": [\n    1,\n    2.5\n  ]\n}\n'
    )


def test_write_json_takes_dataclasses(tmp_path: Path) -> None:
    path = write_json(InputFile("osm", "x.osm", "ab" * 32), tmp_path / "f.json")
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "role": "osm", "path": "x.osm", "sha256": "ab" * 32}


def test_write_json_refuses_nan(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        write_json({"x": math.nan}, tmp_path / "nan.json")


# --------------------------------------------------------------------------- the manifest


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_manifest_of_the_line_study(tmp_path: Path) -> None:
    study = load_study_area(write_line_study(tmp_path))
    extra = InputFile("proposal", "p.geojson", "0" * 64)
    manifest = build_manifest(study, "link", ["zones.csv", "manifest.json"],
                              extra_inputs=(extra,))
    assert isinstance(manifest, RunManifest)
    assert manifest.version == __version__
    assert manifest.run == "link"
    assert manifest.study_area == f"Line street ({tmp_path / 'routes.toml'})"
    assert manifest.service_date == "2019-05-13"
    assert manifest.engine == "builtin"
    assert manifest.outputs == ("zones.csv", "manifest.json")
    assert manifest.routing == dataclasses.asdict(study.routing)
    assert manifest.scoring["job_cutoff_min"] == 20.0
    created = dt.datetime.fromisoformat(manifest.created_utc)
    assert created.utcoffset() == dt.timedelta(0)
    assert abs(dt.datetime.now(dt.UTC) - created) < dt.timedelta(minutes=5)
    expected = [("config", "routes.toml"), ("osm", "line.osm"), ("gtfs", "feed.zip"),
                ("zones", "zones.csv"), ("destinations:jobs", "jobs.csv"),
                ("destinations:spaces", "spaces.csv")]
    assert [(i.role, Path(i.path).name) for i in manifest.inputs] == [*expected, ("proposal",
                                                                                 "p.geojson")]
    for entry in manifest.inputs[:-1]:
        assert entry.sha256 == sha256(Path(entry.path)), entry.role
    assert manifest.inputs[-1] is extra
    # it serialises: every field is plain data
    written = json.loads(write_json(manifest, tmp_path / "m.json").read_text(encoding="utf-8"))
    assert written["inputs"][1] == {"role": "osm", "path": str(tmp_path / "line.osm"),
                                    "sha256": sha256(tmp_path / "line.osm")}


def test_manifest_hashes_each_file_of_a_gtfs_folder(tmp_path: Path) -> None:
    write_line_study(tmp_path)
    feed = write_feed(tmp_path / "feed_dir", **feed_tables())
    (tmp_path / "routes.toml").write_text(routes_toml(gtfs="feed_dir"), encoding="utf-8")
    study = load_study_area(tmp_path / "routes.toml")
    [gtfs] = [i for i in build_manifest(study, "access", []).inputs if i.role == "gtfs"]
    files = sorted(p for p in feed.rglob("*") if p.is_file())
    assert len(files) == 6
    assert gtfs.sha256 == ",".join(sha256(p) for p in files)
