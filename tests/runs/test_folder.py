"""Run folders (written aside, renamed into place, never overwritten without force),
JSON files with stable bytes, and the run manifest."""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import hashlib
import json
import math
import os
import sys
import warnings
from pathlib import Path

import pytest
from _evaluate_fixtures import feed_tables, routes_toml, write_line_study
from _feeds import write_feed

from routes import __version__
from routes._os_faults import FileSystemError
from routes._warnings import record_warnings
from routes.config.study_area import load_study_area
from routes.errors import InputError, OutputExistsError, RoutesWarning
from routes.evaluation.manifest import InputFile, RunManifest, build_manifest
from routes.io import write_json
from routes.runs import folder as _run_folder
from routes.runs.folder import (
    RUN_NAME_MAX_BYTES,
    check_folder_writable,
    remove_stale_temporaries,
    run_folder,
    run_folder_name,
)


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --------------------------------------------------------------------------- run_folder


def a_run(folder: Path, *files: str) -> Path:
    """A finished run folder: ``manifest.json`` plus ``files``."""
    folder.mkdir(parents=True)
    for name in ("manifest.json", *files):
        (folder / name).write_text(name, encoding="utf-8")
    return folder


def test_run_folder_is_written_aside_under_a_lock_then_renamed(tmp_path: Path) -> None:
    target = tmp_path / "run"
    with run_folder(target) as tmp:
        assert tmp.parent == tmp_path
        assert tmp.name.startswith(".routes-tmp-")
        assert listing(tmp_path) == sorted([tmp.name, f"{tmp.name}.lock"])
        assert not target.exists()  # nothing visible until the block succeeds
        (tmp / "a.txt").write_text("a", encoding="utf-8")
    assert listing(tmp_path) == ["run"]  # no temporary folder, no lock left
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
    target = a_run(tmp_path / "run", "old.txt")
    with (pytest.raises(OutputExistsError, match=r"run exists; pass --force to replace it or "
                                                 r"choose another --out"),
          run_folder(target)):
        pytest.fail("the block must not run")  # pragma: no cover
    assert listing(tmp_path) == ["run"]
    assert listing(target) == ["manifest.json", "old.txt"]


def test_run_folder_with_force_replaces_the_whole_folder(tmp_path: Path) -> None:
    target = a_run(tmp_path / "run", "old.txt")
    with run_folder(target, force=True) as tmp:
        (tmp / "new.txt").write_text("new", encoding="utf-8")
        assert listing(target) == ["manifest.json", "old.txt"]  # the old run while writing
    assert listing(tmp_path) == ["run"]  # no temporary or old folder left
    assert listing(target) == ["new.txt"]


def test_force_replaces_an_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    with run_folder(tmp_path / "run", force=True) as tmp:
        (tmp / "x").write_bytes(b"")
    assert listing(tmp_path / "run") == ["x"]


@pytest.mark.parametrize("kind", ["file", "folder-without-manifest", "link-to-a-run"])
def test_force_never_replaces_what_is_not_a_run_folder(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "out" / "run"
    target.parent.mkdir()
    if kind == "file":
        target.write_text("notes", encoding="utf-8")
        what = "is a file"
    elif kind == "folder-without-manifest":
        target.mkdir()
        (target / "notes.txt").write_text("notes", encoding="utf-8")
        what = "is a folder that is not a run folder \\(it has no manifest.json\\)"
    else:
        a_run(tmp_path / "elsewhere")
        target.symlink_to(tmp_path / "elsewhere")
        what = "is a link"
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    for force in (False, True):
        with (pytest.raises(OutputExistsError, match=rf"run {what}; choose another --out "
                                                      r"\(--force replaces only run folders"),
              run_folder(target, force=force)):
            pytest.fail("the block must not run")  # pragma: no cover
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


def test_a_failed_run_leaves_the_previous_folder(tmp_path: Path) -> None:
    target = a_run(tmp_path / "run", "old.txt")
    with pytest.raises(RuntimeError, match="boom"), run_folder(target, force=True) as tmp:
        (tmp / "half.txt").write_text("half", encoding="utf-8")
        raise RuntimeError("boom")
    assert listing(tmp_path) == ["run"]
    assert listing(target) == ["manifest.json", "old.txt"]


def test_a_failed_first_run_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="boom"), run_folder(tmp_path / "run"):
        raise RuntimeError("boom")
    assert listing(tmp_path) == []


@pytest.mark.parametrize("no_renameat2", [False, True], ids=["renameat2", "portable"])
def test_a_folder_that_appears_meanwhile_is_never_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_renameat2: bool
) -> None:
    if no_renameat2:
        monkeypatch.setattr(_run_folder, "_renameat2", lambda: None)
    target = tmp_path / "run"
    with (pytest.raises(OutputExistsError, match=r"run was created by another run while this "
                                                 r"one was computing; its folder is kept"),
          run_folder(target) as tmp):
        (tmp / "mine.txt").write_text("mine", encoding="utf-8")
        target.mkdir()  # another run (or a person) made it: even empty, it is kept
    assert listing(tmp_path) == ["run"]
    assert listing(target) == []


@pytest.mark.parametrize("no_renameat2", [False, True], ids=["renameat2", "portable"])
def test_force_replaces_a_run_that_appeared_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_renameat2: bool
) -> None:
    if no_renameat2:
        monkeypatch.setattr(_run_folder, "_renameat2", lambda: None)
    target = tmp_path / "run"
    with run_folder(target, force=True) as tmp:
        (tmp / "mine.txt").write_text("mine", encoding="utf-8")
        a_run(target, "theirs.txt")
    assert listing(tmp_path) == ["run"]
    assert listing(target) == ["mine.txt"]


def test_renameat2_is_used_on_linux() -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("renameat2 is Linux's")
    assert _run_folder._renameat2() is not None


# --------------------------------------------------------------------------- run names


@pytest.mark.parametrize(("name", "reason", "fix"), [
    ("", "is empty", "my_route.geojson"),
    ("   ", "is empty", "my_route.geojson"),
    (".", "is '.', which names the outputs folder itself or its parent", "my_route.geojson"),
    ("..", "is '..', which names the outputs folder itself or its parent", "my_route.geojson"),
    (".hidden", "starts with '.' (a hidden folder", "hidden.geojson"),
    (".routes-tmp-0123456789ab", "starts with '.'", "routes-tmp-0123456789ab.geojson"),
    ("a\\b", "holds a path separator", "ab.geojson"),
    ("a\nb", "holds a control character", "ab.geojson"),
])
def test_names_that_cannot_name_a_run_folder(name: str, reason: str, fix: str) -> None:
    with pytest.raises(InputError) as info:
        run_folder_name(name, source=f"p/{name}.geojson")
    message = str(info.value)
    assert message.startswith(f"p/{name}.geojson: its name {name!r} cannot name a run folder: ")
    assert reason in message
    assert message.endswith(f"; rename the file, e.g. to {fix}")


@pytest.mark.parametrize("name", ["link", "Crosstown Link (v2)", "x" * 100, "é" * 50])
def test_ordinary_names_are_kept(name: str) -> None:
    assert run_folder_name(name) == name


def test_long_names_are_shortened_with_a_hash_and_stay_distinct() -> None:
    a, b = "r" * 245, "r" * 244 + "s"
    short_a, short_b = run_folder_name(a), run_folder_name(b)
    assert short_a != short_b
    for long, short in ((a, short_a), (b, short_b)):
        assert len(short.encode()) <= RUN_NAME_MAX_BYTES
        digest = hashlib.sha256(long.encode()).hexdigest()[:8]
        assert short == "r" * (RUN_NAME_MAX_BYTES - 9) + "-" + digest
    accented = run_folder_name("é" * 80)  # 160 bytes: cut between characters, not inside one
    assert len(accented.encode()) <= RUN_NAME_MAX_BYTES
    assert accented.startswith("é" * 45) and accented.encode().decode() == accented


# --------------------------------------------------------------------------- leftovers


def test_leftovers_of_killed_runs_are_removed_and_live_runs_kept(tmp_path: Path) -> None:
    import fcntl

    a_run(tmp_path / "finished")
    dead = tmp_path / ".routes-tmp-aaaaaaaaaaaa"
    dead.mkdir()
    (dead / "zones.csv").write_text("x", encoding="utf-8")
    (tmp_path / ".routes-tmp-aaaaaaaaaaaa.lock").write_text("pid 1", encoding="utf-8")
    orphan = tmp_path / ".routes-tmp-bbbbbbbbbbbb-old"  # a swapped-out run, lock gone
    orphan.mkdir()
    live = tmp_path / ".routes-tmp-cccccccccccc"
    live.mkdir()
    live_lock = tmp_path / ".routes-tmp-cccccccccccc.lock"
    live_lock.write_text("pid 2", encoding="utf-8")
    (tmp_path / ".git").mkdir()  # not ours
    fd = os.open(live_lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # a run in progress (a separate open file)
        assert remove_stale_temporaries(tmp_path) == 2
        assert listing(tmp_path) == sorted([".git", live.name, live_lock.name, "finished"])
    finally:
        os.close(fd)  # the live run ends without cleaning up: now it is a leftover too
    with run_folder(tmp_path / "next") as tmp:
        (tmp / "x").write_bytes(b"")
    assert listing(tmp_path) == [".git", "finished", "next"]


def test_remove_stale_temporaries_of_a_missing_folder(tmp_path: Path) -> None:
    assert remove_stale_temporaries(tmp_path / "nowhere") == 0


# --------------------------------------------------------------------------- OS faults


@pytest.mark.parametrize(("code", "what", "todo"), [
    (errno.ENOSPC, "no space left on the disk (ENOSPC)", "free some space on that disk"),
    (errno.EROFS, "the disk is read-only (EROFS)", "write elsewhere with --out"),
    (errno.EACCES, "permission denied (EACCES)", "give yourself write access"),
    (errno.EBUSY, "the folder is in use", "close the program using it"),
    (errno.ENAMETOOLONG, "the path is too long for the file system", "shorter --out"),
    (errno.EIO, "an input/output error", "check the disk"),
])
def test_a_disk_fault_inside_the_run_is_one_line_naming_the_run_file(
    tmp_path: Path, code: int, what: str, todo: str
) -> None:
    target = a_run(tmp_path / "run", "old.txt")
    with pytest.raises(FileSystemError) as info, run_folder(target, force=True) as tmp:
        raise OSError(code, os.strerror(code), str(tmp / "zones.gpkg"))
    message = str(info.value)
    assert message.startswith(f"cannot write {target / 'zones.gpkg'}: {what}")
    assert todo in message and "\n" not in message
    assert listing(tmp_path) == ["run"]
    assert listing(target) == ["manifest.json", "old.txt"]


def test_a_disk_fault_without_a_file_name_names_the_run_folder(tmp_path: Path) -> None:
    with pytest.raises(FileSystemError, match=r"cannot write .*/run: no space left on the disk"
                                              r" \(ENOSPC\)"), run_folder(tmp_path / "run"):
        raise OSError(errno.ENOSPC, "No space left on device")
    assert listing(tmp_path) == []


def test_an_os_error_about_another_folder_is_not_blamed_on_the_run(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError), run_folder(tmp_path / "out" / "run"):
        raise FileNotFoundError(errno.ENOENT, "No such file", str(tmp_path / "cache" / "x"))


def test_check_folder_writable_names_the_folder_not_the_probe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    def read_only(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path / "tmpab12cd"))

    monkeypatch.setattr(tempfile, "TemporaryFile", read_only)
    with pytest.raises(FileSystemError) as info:
        check_folder_writable(tmp_path)
    assert str(info.value) == (f"cannot write in {tmp_path}: the disk is read-only (EROFS); "
                               "write elsewhere with --out (a writable folder)")


def test_check_folder_writable_when_a_file_is_in_the_way(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    with pytest.raises(FileSystemError, match=r"cannot make the folder .*afile: part of the path"
                                              r" is a file, not a folder \(ENOTDIR\)"):
        check_folder_writable(tmp_path / "afile")


def test_check_folder_writable_leaves_nothing(tmp_path: Path) -> None:
    check_folder_writable(tmp_path / "new")
    assert listing(tmp_path) == ["new"] and listing(tmp_path / "new") == []


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


def test_manifest_records_the_warnings_once_each_in_order(tmp_path: Path) -> None:
    study = load_study_area(write_line_study(tmp_path))
    manifest = build_manifest(study, "link", [], warnings=["b", "a", "b"])
    assert manifest.warnings == ("b", "a")
    written = json.loads(write_json(manifest, tmp_path / "m.json").read_text(encoding="utf-8"))
    assert written["warnings"] == ["b", "a"]


# --------------------------------------------------------------------------- record_warnings


def test_record_warnings_records_data_warnings_and_issues_them_again() -> None:
    with pytest.warns(RoutesWarning) as shown, record_warnings() as log:
        warnings.warn("first", RoutesWarning, stacklevel=1)
        assert log.messages == ("first",)  # readable while the block runs
        warnings.warn("second", RoutesWarning, stacklevel=1)
        warnings.warn("first", RoutesWarning, stacklevel=1)
    assert log.messages == ("first", "second")
    assert [str(w.message) for w in shown] == ["first", "second", "first"]


def test_record_warnings_keeps_only_data_warnings_but_reissues_all() -> None:
    with pytest.warns(UserWarning) as shown, record_warnings() as log:
        warnings.warn("not ours", UserWarning, stacklevel=1)
        warnings.warn("ours", RoutesWarning, stacklevel=1)
    assert log.messages == ("ours",)
    assert sorted(str(w.message) for w in shown) == ["not ours", "ours"]


def test_record_warnings_lets_the_blocks_error_through() -> None:
    """pytest turns warnings into errors; the block's own error is the one that propagates."""
    with pytest.raises(KeyError, match="boom"), record_warnings():
        warnings.warn("data", RoutesWarning, stacklevel=1)
        raise KeyError("boom")


def test_record_warnings_applies_the_filters_outside() -> None:
    with pytest.raises(RoutesWarning, match="data"), record_warnings() as log:
        warnings.warn("data", RoutesWarning, stacklevel=1)  # an error outside: raised at the end
    assert log.messages == ("data",)
