"""Resumable, checksummed downloads into a local folder that later runs reuse.

A file is written to ``<name>.part`` and renamed into place only when it is
complete (and matches its published MD5, where there is one), so an
interrupted download is resumed with an HTTP ``Range`` request on the next run
and a finished file is never half-written. Servers that ignore ``Range`` (and
answer 200, as BODS does for its GTFS files) are downloaded again from the start.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from routes._progress import ProgressCallback, no_progress
from routes.cache import sha256_file
from routes.errors import DownloadError

__all__ = ["Downloads", "file_md5"]

logger = logging.getLogger(__name__)

_CHUNK = 1 << 20


def file_md5(path: Path) -> str:
    """MD5 hex digest of a file's bytes (to compare with a published checksum)."""
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class DownloadRecord:
    """One file that a study area was assembled from.

    Attributes
    ----------
    what
        What the file is, in words.
    url
        Where it was downloaded from.
    path
        The local copy.
    sha256
        SHA-256 of the local copy.
    n_bytes
        Its size, bytes.
    """

    what: str
    url: str
    path: Path
    sha256: str
    n_bytes: int


class Downloads:
    """A download folder: fetches each address once and reuses the copy afterwards.

    Parameters
    ----------
    folder
        Where downloaded files are kept (created if missing).
    refresh
        Download again even where a complete copy exists.
    timeout_s
        Seconds to wait for a server before giving up.
    """

    def __init__(self, folder: Path, *, refresh: bool = False, timeout_s: float = 60.0) -> None:
        self.folder = Path(folder)
        self.refresh = refresh
        self.timeout_s = timeout_s
        self.records: list[DownloadRecord] = []

    # ------------------------------------------------------------------ public

    def file(
        self,
        url: str,
        *,
        what: str,
        name: str | None = None,
        params: Mapping[str, str] | None = None,
        expected_md5: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> Path:
        """Return a local copy of ``url`` (with query ``params``), downloading it if needed.

        Parameters
        ----------
        url
            The address.
        what
            What it is, for messages ("IoD 2025 File 7").
        name
            File name in the download folder (default: from the address, made
            unique by a hash of the full address).
        params
            Query-string parameters.
        expected_md5
            The published MD5 of the file: a copy that does not match it is
            downloaded again, a download that does not match it is an error.
        progress
            Called as ``progress(bytes_done, bytes_total)``; total 0 when the
            server does not say.

        Returns
        -------
        Path
            The complete local file.

        Raises
        ------
        DownloadError
            If the server cannot be reached, answers with an error, stops
            before the end, or the file does not match ``expected_md5``.
        """
        full_url = _with_params(url, params)
        path = self.folder / (name or _local_name(full_url))
        if path.exists() and not self.refresh and (
            expected_md5 is None or file_md5(path) == expected_md5
        ):
            logger.debug("%s: using the copy downloaded before, %s", what, path)
        else:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._download(full_url, path, what, expected_md5, progress or no_progress)
        self.records.append(
            DownloadRecord(what, full_url, path, sha256_file(path), path.stat().st_size)
        )
        return path

    def json(
        self, url: str, *, what: str, params: Mapping[str, str] | None = None,
        problem: Callable[[Any], str | None] | None = None,
    ) -> Any:
        """Download (or reuse) a JSON document and parse it.

        Parameters
        ----------
        url, what, params
            As for :meth:`file`.
        problem
            Returns a description of what is wrong with a parsed answer (an
            error the server reported with status 200), or ``None``.

        Raises
        ------
        DownloadError
            If the download fails, the answer is not JSON, or ``problem``
            finds something wrong; the bad answer is not kept.
        """
        path = self.file(url, what=what, params=params)
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            path.unlink()
            self.records.pop()
            msg = (
                f"{what}: {_host(url)} did not answer with JSON ({exc}); check the address "
                "in --sources, or try again later"
            )
            raise DownloadError(msg) from exc
        if problem is not None and (text := problem(payload)) is not None:
            path.unlink()
            self.records.pop()
            msg = f"{what}: {_host(url)} answered with an error ({text}); check the address " \
                  "in --sources, or try again later"
            raise DownloadError(msg)
        return payload

    def text(self, url: str, *, what: str) -> str:
        """Download (or reuse) a small text document, e.g. a published checksum."""
        return self.file(url, what=what).read_text(encoding="utf-8", errors="replace")

    # ------------------------------------------------------------------ private

    def _download(
        self, url: str, path: Path, what: str, expected_md5: str | None,
        progress: ProgressCallback,
    ) -> None:
        part = path.with_name(path.name + ".part")
        start = part.stat().st_size if part.exists() else 0
        headers = {"User-Agent": _user_agent()}
        if start:
            headers["Range"] = f"bytes={start}-"
        request = urllib.request.Request(url, headers=headers)
        try:
            response = urllib.request.urlopen(request, timeout=self.timeout_s)  # noqa: S310
        except urllib.error.HTTPError as exc:
            if exc.code == 416 and start:  # the part file is stale or complete: start again
                part.unlink()
                self._download(url, path, what, expected_md5, progress)
                return
            msg = (
                f"{what}: {_host(url)} answered HTTP {exc.code} {exc.reason} for {url}; "
                "check the address (routes fetch --sources) or try again later"
            )
            raise DownloadError(msg) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise DownloadError(_unreachable(what, url, exc)) from exc
        with response:
            resumed = start > 0 and response.status == 206
            if start and not resumed:
                logger.info("%s: %s does not resume downloads; starting again", what, _host(url))
            length = response.headers.get("Content-Length")
            total = (int(length) + (start if resumed else 0)) if length else 0
            done = start if resumed else 0
            if resumed:
                logger.info("%s: resuming at %s bytes", what, f"{start:,}")
            try:
                with part.open("ab" if resumed else "wb") as out:
                    progress(done, total)
                    while chunk := response.read(_CHUNK):
                        out.write(chunk)
                        done += len(chunk)
                        progress(done, total)
            except OSError as exc:  # TimeoutError included
                msg = (
                    f"{what}: the download from {_host(url)} stopped at {done:,} bytes "
                    f"({exc}); run the command again to resume it"
                )
                raise DownloadError(msg) from exc
        if total and done < total:
            msg = (
                f"{what}: the download from {_host(url)} stopped at {done:,} of {total:,} "
                "bytes; run the command again to resume it"
            )
            raise DownloadError(msg)
        if expected_md5 is not None and (got := file_md5(part)) != expected_md5:
            part.unlink()
            msg = (
                f"{what}: the file downloaded from {url} has MD5 {got}, not the published "
                f"{expected_md5}; it was deleted; run the command again (the server may have "
                "been updating it)"
            )
            raise DownloadError(msg)
        os.replace(part, path)
        logger.log(logging.INFO if done >= _CHUNK else logging.DEBUG,
                   "%s: downloaded %s bytes from %s", what, f"{done:,}", _host(url))


def _with_params(url: str, params: Mapping[str, str] | None) -> str:
    if not params:
        return url
    joiner = "&" if urllib.parse.urlsplit(url).query else "?"
    return url + joiner + urllib.parse.urlencode(params)


def _local_name(url: str) -> str:
    """Name the local copy of an address: its last path part, prefixed by a hash of it all."""
    parts = urllib.parse.urlsplit(url)
    stem = Path(parts.path.rstrip("/")).name or parts.netloc
    stem = "".join(c if c.isalnum() or c in "._-" else "_" for c in stem)[:80]
    digest = hashlib.sha256(url.encode()).hexdigest()[:12]
    return f"{digest}-{stem}"


def _host(url: str) -> str:
    return urllib.parse.urlsplit(url).netloc or url


def _unreachable(what: str, url: str, exc: BaseException) -> str:
    reason = getattr(exc, "reason", exc)
    return (
        f"could not reach {_host(url)} to download {what} ({reason}); check the internet "
        "connection (or a proxy), or point routes fetch --sources at a reachable copy"
    )


def _user_agent() -> str:
    from routes import __version__

    return f"community-routes/{__version__} (routes fetch)"
