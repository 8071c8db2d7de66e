"""Run folders on disk: safely named, built in a locked hidden sibling, published atomically.

A run is written into ``<parent>/.routes-tmp-<token>/`` while a lock file
``<parent>/.routes-tmp-<token>.lock`` is held (``flock``; the kernel releases it
when the process dies, even by ``kill -9``). When the run is complete the folder
is renamed into place in one step that cannot replace a folder that appeared
meanwhile (Linux ``renameat2(RENAME_NOREPLACE)``; elsewhere a ``mkdir`` that
claims the name, then a rename onto that empty folder). With ``force`` the old
run folder and the new one are swapped in one step (``RENAME_EXCHANGE``) and
the old one deleted. Every run that starts in a folder first removes what
killed runs left there: temporary folders whose lock nobody holds.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import hashlib
import logging
import os
import secrets
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from routes._os_faults import FileSystemError, file_system_error
from routes.errors import InputError, OutputExistsError, RoutesError

__all__ = [
    "RUN_NAME_MAX_BYTES",
    "TMP_PREFIX",
    "check_folder_writable",
    "check_run_target",
    "remove_stale_temporaries",
    "run_folder",
    "run_folder_name",
]

logger = logging.getLogger(__name__)

TMP_PREFIX = ".routes-tmp-"
"""Name prefix of the temporary folders and lock files of unfinished runs."""
RUN_NAME_MAX_BYTES = 100
"""Longest run folder name, UTF-8 bytes; longer names are cut and get a short hash."""
_TOKEN_CHARS = 12
_HASH_CHARS = 8
_AT_FDCWD = -100
_RENAME_NOREPLACE = 1
_RENAME_EXCHANGE = 2


# --------------------------------------------------------------------------- names


def _bad_name_reason(name: str) -> str:
    """Why ``name`` cannot name a folder inside the outputs folder ("" when it can)."""
    if not name.strip():
        return "is empty"
    if name in (".", ".."):
        return f"is {name!r}, which names the outputs folder itself or its parent"
    if name.startswith("."):
        return "starts with '.' (a hidden folder, like the temporary folders of runs)"
    if any(c in name for c in "/\\"):
        return "holds a path separator"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "holds a control character"
    return ""


def run_folder_name(name: str, *, source: str | None = None) -> str:
    """Check a run name (a proposal's file stem) and shorten it to a safe folder name.

    Parameters
    ----------
    name
        The run name.
    source
        The file the name comes from, for the message.

    Returns
    -------
    str
        ``name`` itself, or, when it is longer than :data:`RUN_NAME_MAX_BYTES`
        in UTF-8, its beginning plus ``-`` and the first 8 hex digits of its
        SHA-256 (so different long names stay different).

    Raises
    ------
    InputError
        If the name is empty, ``.`` or ``..``, hidden (starts with ``.``), or
        holds a path separator or a control character: it could not name a
        folder inside the outputs folder.
    """
    reason = _bad_name_reason(name)
    if reason:
        label = f"{source}: its name {name!r}" if source else f"run name {name!r}"
        suffix = (Path(source).suffix if source else "") or ".geojson"
        fixed = "".join(c for c in name if c not in "/\\" and ord(c) >= 32 and ord(c) != 127)
        fixed = fixed.strip().lstrip(".").strip() or "my_route"
        msg = (f"{label} cannot name a run folder: it {reason}; rename the file, e.g. to "
               f"{fixed}{suffix}")
        raise InputError(msg)
    encoded = name.encode("utf-8", "surrogateescape")
    if len(encoded) <= RUN_NAME_MAX_BYTES:
        return name
    digest = hashlib.sha256(encoded).hexdigest()[:_HASH_CHARS]
    head = encoded[:RUN_NAME_MAX_BYTES - _HASH_CHARS - 1].decode("utf-8", "ignore")
    return f"{head.rstrip(' .-_')}-{digest}"


# --------------------------------------------------------------------------- checks


def _is_run_folder(path: Path) -> bool:
    """Whether ``path`` is a folder a run may replace: a run folder (manifest.json) or empty."""
    if path.is_symlink() or not path.is_dir():
        return False
    try:
        return (path / "manifest.json").is_file() or not any(path.iterdir())
    except OSError:
        return False


def check_run_target(path: Path, *, force: bool) -> None:
    """Check that a run may be written to ``path`` (before any work, and again at the end).

    Raises
    ------
    OutputExistsError
        If ``path`` is a run folder (it holds ``manifest.json``, or is empty)
        and ``force`` is false; whatever ``force``, if it is a file, a link or
        a folder that is not a run folder, which ``--force`` never replaces; or
        if a parent is a file.
    """
    path = Path(path)
    for parent in path.parents:
        if parent.is_file():
            msg = (f"{parent} is a file, so {path} cannot be made; choose another --out (a "
                   "folder)")
            raise OutputExistsError(msg)
        if parent.is_dir():
            break
    if not (path.exists() or path.is_symlink()):
        return
    if not _is_run_folder(path):
        kind = ("a link" if path.is_symlink() else "a file" if not path.is_dir()
                else "a folder that is not a run folder (it has no manifest.json)")
        msg = (f"{path} is {kind}; choose another --out (--force replaces only run folders, "
               "never other files)")
        raise OutputExistsError(msg)
    if not force:
        msg = f"{path} exists; pass --force to replace it or choose another --out"
        raise OutputExistsError(msg)


def check_folder_writable(folder: Path) -> None:
    """Check, before any work, that files can be created in ``folder`` (made if missing).

    The probe is an anonymous temporary file, so nothing is left behind even
    if the process is killed.

    Raises
    ------
    routes._os_faults.FileSystemError
        If the folder cannot be made or written (read-only disk, no permission,
        a file in the way, a name too long...).
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except FileExistsError as exc:
        raise file_system_error(OSError(errno.ENOTDIR, "Not a directory", str(folder)),
                                action="make the folder") from exc
    except OSError as exc:  # name the folder, not the probe's random name
        plain = OSError(exc.errno, exc.strerror)
        raise file_system_error(plain, where=folder, action="write in") from exc


# --------------------------------------------------------------------------- locks


def _try_lock(fd: int) -> bool:
    """Take an exclusive lock on an open file without waiting; ``False`` if another holds it."""
    if sys.platform == "win32":  # pragma: no cover - not exercised on the Linux test machine
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _take_lock(parent: Path, name: str) -> tuple[int, str]:
    """Create and lock ``.routes-tmp-<token>.lock`` in ``parent``; return its fd and token."""
    for _ in range(100):
        token = secrets.token_hex(_TOKEN_CHARS // 2)
        lock_path = parent / f"{TMP_PREFIX}{token}.lock"
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            continue
        if not _try_lock(fd):  # a cleaner took it first: it will delete it
            os.close(fd)
            continue
        try:
            same = os.fstat(fd).st_ino == os.stat(lock_path).st_ino
        except FileNotFoundError:
            same = False
        if not same:
            os.close(fd)
            continue
        os.write(fd, f"pid {os.getpid()} run {name}\n".encode("utf-8", "replace"))
        return fd, token
    msg = f"could not create a lock file in {parent}; remove its {TMP_PREFIX}* files and retry"
    raise RoutesError(msg)


def _remove_tree(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.exists():
        shutil.rmtree(path, ignore_errors=True)


def remove_stale_temporaries(parent: Path) -> int:
    """Remove what killed runs left in ``parent``: temporary folders nobody holds a lock on.

    Returns
    -------
    int
        How many unfinished runs were removed.
    """
    parent = Path(parent)
    try:
        names = [p.name for p in parent.iterdir() if p.name.startswith(TMP_PREFIX)]
    except OSError:  # no folder yet, or unreadable: nothing to clean
        return 0
    tokens: dict[str, list[str]] = {}
    for name in names:
        tokens.setdefault(name[len(TMP_PREFIX):len(TMP_PREFIX) + _TOKEN_CHARS], []).append(name)
    removed = 0
    for token, entries in tokens.items():
        lock_path = parent / f"{TMP_PREFIX}{token}.lock"
        others = [parent / n for n in entries if n != lock_path.name]
        if lock_path.name not in entries:  # an orphan: its run is gone (see _take_lock)
            for entry in others:
                _remove_tree(entry)
            removed += bool(others)
            continue
        try:
            fd = os.open(lock_path, os.O_RDWR)
        except OSError:
            continue
        try:
            if not _try_lock(fd):  # a live run
                continue
            for entry in others:
                _remove_tree(entry)
            lock_path.unlink(missing_ok=True)
            removed += 1
        finally:
            os.close(fd)
    if removed:
        logger.info("removed %d unfinished run(s) left in %s", removed, parent)
    return removed


# --------------------------------------------------------------------------- renames


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    """Linux ``renameat2`` from the C library, or ``None`` where it is missing."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                         ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def _rename2(source: Path, target: Path, flags: int) -> bool:
    """``renameat2(source, target, flags)``; ``False`` when the system cannot do it."""
    function = _renameat2()
    if function is None:
        return False
    if function(_AT_FDCWD, os.fsencode(source), _AT_FDCWD, os.fsencode(target), flags) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):  # kernel or file system lacks it
        return False
    raise OSError(code, os.strerror(code), str(source), None, str(target))


def _appeared(path: Path) -> OutputExistsError:
    return OutputExistsError(
        f"{path} was created by another run while this one was computing; its folder is "
        "kept and this run's results are not written: pass --force to replace it, or choose "
        "another --out")


def _rename_no_replace(source: Path, target: Path) -> None:
    """Rename a folder to ``target``, failing with OutputExistsError if ``target`` exists."""
    try:
        if _rename2(source, target, _RENAME_NOREPLACE):
            return
    except FileExistsError:
        raise _appeared(target) from None
    if os.name == "nt":  # pragma: no cover - Windows renames never replace
        try:
            os.rename(source, target)
        except FileExistsError:
            raise _appeared(target) from None
        return
    try:
        os.mkdir(target)  # claims the name; a rename may replace only this empty folder
    except FileExistsError:
        raise _appeared(target) from None
    try:
        os.rename(source, target)
    except OSError:
        with suppress(OSError):
            os.rmdir(target)
        raise


def _publish(tmp: Path, path: Path, *, force: bool) -> None:
    """Move the finished run ``tmp`` to ``path`` (replacing a run folder there with ``force``)."""
    try:
        _rename_no_replace(tmp, path)
        return
    except OutputExistsError:
        if not force:
            raise
    check_run_target(path, force=True)  # what is there now must be a run folder
    if _rename2(tmp, path, _RENAME_EXCHANGE):
        _remove_tree(tmp)  # now the old run
        return
    old = tmp.with_name(f"{tmp.name}-old")
    os.rename(path, old)
    try:
        _rename_no_replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.rename(old, path)
        raise
    _remove_tree(old)


def _concerns(exc: OSError, folder: Path) -> bool:
    """Whether an OSError is about writing the run (no file name, or one inside ``folder``)."""
    if exc.filename is None:
        return True
    name = os.fsdecode(exc.filename) if isinstance(exc.filename, bytes) else str(exc.filename)
    return name.startswith(str(folder))


def _as_final(exc: OSError, tmp: Path, path: Path) -> OSError:
    """Name a file of the temporary folder in the error as it would be in the run folder."""
    if exc.filename is None:
        return exc
    name = os.fsdecode(exc.filename) if isinstance(exc.filename, bytes) else str(exc.filename)
    if name == str(tmp) or name.startswith(f"{tmp}{os.sep}"):
        name = str(path) + name[len(str(tmp)):]
    return OSError(exc.errno, exc.strerror, name)


@contextmanager
def run_folder(path: Path, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary folder that becomes ``path`` when the block succeeds.

    The temporary folder is a locked hidden sibling of ``path``; leftovers of
    killed runs in the same parent folder are removed first. An error in the
    block, or a signal that ends the process, leaves ``path`` as it was.

    Parameters
    ----------
    path
        The run folder.
    force
        Replace ``path`` if it is a run folder (it holds ``manifest.json``) or empty.

    Raises
    ------
    OutputExistsError
        If ``path`` exists and ``force`` is false, checked both before the
        block and at the final rename (another run may have written it
        meanwhile); or if with ``force`` it is not a run folder.
    routes._os_faults.FileSystemError
        If the disk refuses a write (full, read-only, no permission, name too
        long, busy folder), in one line saying what to do.
    """
    path = Path(path)
    check_run_target(path, force=force)
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise file_system_error(exc, where=parent, action="make the folder") from exc
    remove_stale_temporaries(parent)
    try:
        fd, token = _take_lock(parent, path.name)
    except OSError as exc:
        raise file_system_error(exc, where=parent, action="write in") from exc
    tmp = parent / f"{TMP_PREFIX}{token}"
    try:
        try:
            os.mkdir(tmp, 0o777)  # the umask applies: a run folder is not private
            yield tmp
            _publish(tmp, path, force=force)
        except FileSystemError as exc:  # name files as they would be in the run folder
            raise FileSystemError(str(exc).replace(str(tmp), str(path))) from exc
        except RoutesError:
            raise
        except OSError as exc:
            if not _concerns(exc, parent):
                raise
            raise file_system_error(_as_final(exc, tmp, path), where=path) from exc
    finally:
        _remove_tree(tmp)
        with suppress(OSError):
            (parent / f"{TMP_PREFIX}{token}.lock").unlink()
        os.close(fd)
