"""Runs killed (``kill -9``, SIGTERM) at chosen moments, and runs racing for one folder.

``tests/_interrupt.py`` runs ``routes evaluate`` in a child process that stops
itself (SIGSTOP) at one moment of the run: before the baseline, inside the
temporary run folder, just before the final rename, between two proposals,
while swapping an old run out with ``--force``. The test then kills it there.
Afterwards ``outputs/`` must hold exactly the runs that had finished (an earlier
run byte for byte), once the next run has started (it removes what killed
runs left); after SIGTERM at once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from _evaluate_fixtures import write_line_study, write_link_proposal

pytestmark = pytest.mark.slow

HARNESS = Path(__file__).parents[1] / "_interrupt.py"


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every entry under ``folder`` (hidden ones too): relative path -> bytes (None: a folder).

    ``manifest.json`` is read too, so equal trees are equal runs to the byte.
    """
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*"))}


def runs(folder: Path) -> list[str]:
    """The top-level entries of ``folder``, hidden ones included."""
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


class Study:
    """The line study with three proposals and one finished run, ``old``, in outputs/."""

    def __init__(self, folder: Path) -> None:
        self.toml = write_line_study(folder)
        self.folder = folder
        self.outputs = folder / "outputs"
        for name in ("old", "a", "b", "c"):
            write_link_proposal(folder, name)
        assert self.evaluate("old").returncode == 0
        self.old = tree(self.outputs / "old")

    def args(self, *names: str, force: bool = False) -> list[str]:
        return ["--config", str(self.toml), "evaluate",
                *(str(self.folder / f"{n}.geojson") for n in names),
                *(["--force"] if force else [])]

    def evaluate(self, *names: str, force: bool = False) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "cli", *self.args(*names, force=force)],
                              capture_output=True, text=True, check=False, cwd=self.folder,
                              timeout=300)

    def start_stopped(self, point: str, call: int, when: str, *names: str,
                      force: bool = False) -> subprocess.Popen[str]:
        """Start ``routes evaluate`` and wait until it has stopped itself at ``point``."""
        child = subprocess.Popen(
            [sys.executable, str(HARNESS), point, str(call), when, "--",
             *self.args(*names, force=force)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=self.folder)
        _, status = os.waitpid(child.pid, os.WUNTRACED)
        assert os.WIFSTOPPED(status), f"child ended before {point}: {child.communicate()}"
        return child


def finish(child: subprocess.Popen[str], *signals: int) -> tuple[int, str]:
    """Send ``signals`` to a stopped child, let it run, and return its exit code and stderr."""
    for sig in signals:
        os.kill(child.pid, sig)
    os.kill(child.pid, signal.SIGCONT)
    _, err = child.communicate(timeout=300)
    return child.returncode, err


@pytest.fixture(scope="module")
def study_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One study with its finished ``old`` run, copied for each test (saves a run each)."""
    folder = tmp_path_factory.mktemp("kill-template")
    Study(folder)
    return folder


@pytest.fixture
def study(study_template: Path, tmp_path: Path) -> Study:
    import shutil

    folder = tmp_path / "study"
    shutil.copytree(study_template, folder, symlinks=True)
    made = Study.__new__(Study)
    made.folder, made.toml, made.outputs = folder, folder / "routes.toml", folder / "outputs"
    made.old = tree(folder / "outputs" / "old")
    return made


#: ``(id, function wrapped, call, before/after, proposals, runs finished when killed)``
MOMENTS = [
    ("during-the-baseline", "routes.runs.evaluate:compute_baseline", 1, "before",
     ("a", "b"), []),
    ("scenario-built", "routes.evaluation.evaluate:build_scenario", 1, "after",
     ("a", "b"), []),
    ("zone-files-written", "routes.runs.write:_write_zone_files", 1, "after",
     ("a", "b"), []),
    ("manifest-written-before-rename", "routes.runs.folder:_publish", 1, "before", ("a", "b"),
     []),
    ("between-two-proposals", "routes.evaluation.evaluate:build_scenario", 2, "before",
     ("a", "b"), ["a"]),
]


@pytest.mark.parametrize(("point", "call", "when", "names", "finished"),
                         [m[1:] for m in MOMENTS], ids=[m[0] for m in MOMENTS])
def test_kill_9_then_the_next_run_leaves_exactly_the_finished_runs(
    study: Study, point: str, call: int, when: str, names: tuple[str, ...],
    finished: list[str],
) -> None:
    child = study.start_stopped(point, call, when, *names)
    code, _ = finish(child, signal.SIGKILL)
    assert code == -signal.SIGKILL
    visible = [n for n in runs(study.outputs) if not n.startswith(".")]
    assert visible == sorted(["old", *finished])  # nothing half-written under a run's name
    result = study.evaluate("c")  # the next run, of another proposal
    assert result.returncode == 0, result.stderr
    assert runs(study.outputs) == sorted(["old", "c", *finished])  # no hidden leftovers
    assert tree(study.outputs / "old") == study.old


SIGTERM_MOMENTS = [m for m in MOMENTS if m[0] in (
    "scenario-built", "manifest-written-before-rename",
    "between-two-proposals")]


@pytest.mark.parametrize(("point", "call", "when", "names", "finished"),
                         [m[1:] for m in SIGTERM_MOMENTS], ids=[m[0] for m in SIGTERM_MOMENTS])
def test_sigterm_removes_the_unfinished_run_at_once(
    study: Study, point: str, call: int, when: str, names: tuple[str, ...],
    finished: list[str],
) -> None:
    child = study.start_stopped(point, call, when, *names)
    code, err = finish(child, signal.SIGTERM)
    assert code == 128 + signal.SIGTERM
    assert "Aborted: terminated (SIGTERM)" in err and "Traceback" not in err
    assert runs(study.outputs) == sorted(["old", *finished])
    assert tree(study.outputs / "old") == study.old


def test_kill_9_while_force_swaps_out_the_old_run(study: Study) -> None:
    """Killed after the new run is in place but before the old one (now aside) is deleted."""
    inode = (study.outputs / "old").stat().st_ino
    child = study.start_stopped("routes.runs.folder:_remove_tree", 1, "before", "old",
                                force=True)
    finish(child, signal.SIGKILL)
    hidden = [n for n in runs(study.outputs) if n.startswith(".")]
    assert hidden  # the swapped-out old run and its lock
    assert [n for n in runs(study.outputs) if not n.startswith(".")] == ["old"]
    assert (study.outputs / "old").stat().st_ino != inode  # the new run is in place
    new = tree(study.outputs / "old")
    assert set(new) == set(study.old)
    assert study.evaluate("c").returncode == 0
    assert runs(study.outputs) == ["c", "old"]
    assert tree(study.outputs / "old") == new


def test_kill_9_with_force_before_the_swap_keeps_the_old_run(study: Study) -> None:
    child = study.start_stopped("routes.runs.folder:_publish", 1, "before", "old", force=True)
    finish(child, signal.SIGKILL)
    assert tree(study.outputs / "old") == study.old
    assert study.evaluate("c").returncode == 0
    assert runs(study.outputs) == ["c", "old"]
    assert tree(study.outputs / "old") == study.old


# --------------------------------------------------------------------------- two runs at once


def test_a_run_never_replaces_a_folder_another_run_wrote_meanwhile(study: Study) -> None:
    """A is held just before its final rename; B writes the same folder; A must refuse."""
    first = study.start_stopped("routes.runs.folder:_publish", 1, "before", "a")
    second = study.evaluate("a")
    assert second.returncode == 0, second.stderr
    written = tree(study.outputs / "a")
    code, err = finish(first)
    assert code == 1
    assert "was created by another run while this one was computing" in err
    assert "pass --force to replace it" in err and "Traceback" not in err
    assert tree(study.outputs / "a") == written  # B's run, byte for byte
    assert runs(study.outputs) == ["a", "old"]


def test_an_empty_folder_that_appears_meanwhile_is_not_replaced_either(study: Study) -> None:
    first = study.start_stopped("routes.runs.folder:_publish", 1, "before", "a")
    (study.outputs / "a").mkdir()
    code, err = finish(first)
    assert code == 1 and "was created by another run" in err
    assert runs(study.outputs / "a") == []
    assert runs(study.outputs) == ["a", "old"]


def test_with_force_the_later_run_replaces_the_earlier(study: Study) -> None:
    first = study.start_stopped("routes.runs.folder:_publish", 1, "before", "a", force=True)
    assert study.evaluate("a").returncode == 0
    between = (study.outputs / "a").stat().st_ino
    code, err = finish(first)
    assert code == 0, err
    assert (study.outputs / "a").stat().st_ino != between  # replaced, as --force asks
    assert runs(study.outputs) == ["a", "old"]
