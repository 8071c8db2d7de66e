"""Fake jars and Java homes, and a machine without R5, for the r5py backend's tests."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from routes.engine.r5 import runtime as r5_runtime


def java_home(folder: Path, version: str) -> Path:
    (folder / "bin").mkdir(parents=True)
    (folder / "release").write_text(f'IMPLEMENTOR="Test"\nJAVA_VERSION="{version}"\n')
    return folder


def fake_jar(path: Path, *, r5: bool = True) -> Path:
    with zipfile.ZipFile(path, "w") as jar:
        jar.writestr("com/conveyal/r5/Fake.class" if r5 else "org/other/Fake.class", b"x")
    return path


def without_r5(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Make a machine with no jar anywhere: no $R5_CLASSPATH, and an empty r5py cache folder.

    The name and hash checks of the jar (against the installed r5py) are off:
    the fake jars here only hold a class; those checks have tests of their own.
    """
    monkeypatch.setattr(r5_runtime, "expected_r5_jar", lambda: None)
    monkeypatch.delenv("R5_CLASSPATH", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.delenv("LOCALAPPDATA", raising=False)
    return tmp_path
