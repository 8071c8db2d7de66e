"""Operating-system faults (full or read-only disks, long names, busy folders) in one line.

An :class:`OSError` carries an ``errno`` and sometimes a file name; this module
turns it into a sentence that says what happened, where, and what to do, so the
command line can print it instead of a traceback.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from routes.errors import RoutesError

__all__ = ["FileSystemError", "describe_memory_error", "describe_os_error", "file_system_error"]


class FileSystemError(RoutesError):
    """The disk or the operating system refused to read or write a file (an :class:`OSError`)."""


#: ``errno -> (what happened, what to do)``; ``{where}`` is the folder or file concerned.
_TEXTS: dict[int, tuple[str, str]] = {
    errno.ENOSPC: ("no space left on the disk",
                   "free some space on that disk, or write elsewhere with --out"),
    errno.EDQUOT: ("the disk quota is exhausted",
                   "free some space within your quota, or write elsewhere with --out"),
    errno.EROFS: ("the disk is read-only", "write elsewhere with --out (a writable folder)"),
    errno.EACCES: ("permission denied",
                   "write elsewhere with --out, or give yourself write access to that folder"),
    errno.EPERM: ("the operation is not permitted",
                  "write elsewhere with --out, or ask the folder's owner for access"),
    errno.EBUSY: ("the folder is in use (a program has it open, or it is a mount point)",
                  "close the program using it and run again, or write elsewhere with --out"),
    errno.ENAMETOOLONG: ("the path is too long for the file system",
                         "use a shorter --out folder or a shorter proposal file name"),
    errno.ENOTDIR: ("part of the path is a file, not a folder",
                    "give --out a folder (or a new name), not a file"),
    errno.EISDIR: ("it is a folder, not a file", "give the path of a file"),
    errno.EEXIST: ("it already exists", "choose another --out, or pass --force to replace it"),
    errno.ENOTEMPTY: ("a folder of that name already exists and is not empty",
                      "choose another --out, or pass --force to replace it"),
    errno.EMFILE: ("too many open files",
                   "raise the limit (ulimit -n 4096) or close other programs, then run again"),
    errno.ENFILE: ("too many open files on this machine",
                   "close other programs, then run again"),
    errno.EIO: ("an input/output error (the disk may be failing or disconnected)",
                "check the disk, then run again"),
    errno.ENOMEM: ("out of memory",
                   "close other programs, or shorten [routing].departure_window, then run again"),
    errno.ENOENT: ("no such file or folder",
                   "check the path; if it is on a removable or network disk, reconnect it"),
    errno.EXDEV: ("the folders are on different disks", "write the outputs on one disk"),
    errno.ELOOP: ("the path has too many symbolic links", "use a path without a link loop"),
}


def _errno_name(code: int | None) -> str:
    return errno.errorcode.get(code, str(code)) if code is not None else "?"


def describe_os_error(exc: OSError, *, where: Path | str | None = None,
                      action: str = "write") -> str:
    """Describe an :class:`OSError` in one line: what, where, and what to do.

    Parameters
    ----------
    exc
        The error.
    where
        The file or folder concerned when the error does not name one (e.g. a
        write that fails on a full disk carries no file name).
    action
        ``"write"`` or ``"read"``, for the sentence.

    Returns
    -------
    str
        E.g. ``"cannot write /data/outputs/link: no space left on the disk
        (ENOSPC); free some space on that disk, or write elsewhere with --out"``.
    """
    path = exc.filename if exc.filename is not None else where
    what, todo = _TEXTS.get(exc.errno or -1, (
        (exc.strerror or str(exc)).rstrip(".").lower() or "an operating-system error",
        "check the disk and the path, then run again"))
    if exc.errno == errno.ENAMETOOLONG and path is not None:
        text = os.fsdecode(path) if isinstance(path, bytes | str) else str(path)
        longest = max((len(os.fsencode(p)) for p in Path(text).parts), default=0)
        what += f" ({len(os.fsencode(text)):,} bytes, the longest name {longest:,})"
    place = f" {os.fsdecode(path) if isinstance(path, bytes) else path}" if path else ""
    return f"cannot {action}{place}: {what} ({_errno_name(exc.errno)}); {todo}"


def file_system_error(exc: OSError, *, where: Path | str | None = None,
                      action: str = "write") -> FileSystemError:
    """Wrap an :class:`OSError` in a :class:`FileSystemError` with :func:`describe_os_error`'s text.

    Returns
    -------
    FileSystemError
        To be raised ``from exc``.
    """
    return FileSystemError(describe_os_error(exc, where=where, action=action))


def describe_memory_error(step: str = "the run") -> str:
    """Describe running out of memory in one line, with what to try."""
    return (f"out of memory during {step}; close other programs, evaluate fewer proposals at "
            "once, shorten [routing].departure_window or use fewer zones, or run on a "
            "machine with more memory (or shard with --workers / --scheduler)")
