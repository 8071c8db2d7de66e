"""map.html and report.html in real headless Chromium, with the network cut.

The pages are opened from ``file://`` in Debian's ``chromium`` driven over the
DevTools protocol through ``--remote-debugging-pipe`` (a tiny client below: no
websocket, no Playwright, nothing downloaded). Every request leaves through a
dead proxy and every host name fails to resolve, so the page must work
offline; failed background tiles are the only errors allowed.

Skipped when chromium is not installed, except under CI (``CI`` set), where
a missing browser is a failure. CI installs it with
``apt-get update && apt-get install -y --no-install-recommends chromium fonts-liberation``.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import signal
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
SCREENSHOT_DIR_ENV = "ROUTES_SCREENSHOT_DIR"
HOSTILE = "<script>alert(1)</script>"

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-quic", "--disable-extensions", "--disable-default-apps", "--mute-audio",
    "--hide-scrollbars",
    # The network is cut: all traffic goes to a closed port, no name resolves.
    "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


class BrowserError(RuntimeError):
    pass


class Chromium:
    """A headless Chromium driven over the DevTools protocol on a pipe (fds 3 and 4)."""

    def __init__(self, executable: str, *, width: int = 1280, height: int = 900) -> None:
        self._profile = tempfile.mkdtemp(prefix="routes-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        args = [executable, *CHROMIUM_FLAGS, f"--user-data-dir={self._profile}",
                f"--window-size={width},{height}", "--remote-debugging-pipe", "about:blank"]
        log = os.open(os.path.join(self._profile, "chromium.log"),
                      os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        null = os.open(os.devnull, os.O_RDWR)
        try:
            # The DevTools pipe is fds 3 (commands in) and 4 (answers out) of the browser.
            self._pid = os.posix_spawn(executable, args, os.environ, file_actions=[
                (os.POSIX_SPAWN_DUP2, null, 0), (os.POSIX_SPAWN_DUP2, null, 1),
                (os.POSIX_SPAWN_DUP2, log, 2), (os.POSIX_SPAWN_DUP2, to_browser_r, 3),
                (os.POSIX_SPAWN_DUP2, from_browser_w, 4)])
        finally:
            for fd in (to_browser_r, from_browser_w, log, null):
                os.close(fd)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        self.session: str | None = None
        self.width, self.height = width, height

    # -- protocol -----------------------------------------------------------------------

    def _read(self, timeout: float) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if not ready:
                return None
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise BrowserError("chromium closed the DevTools pipe")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)

    def _on_event(self, message: dict[str, Any]) -> None:
        self.events.append(message)
        if message.get("method") == "Page.javascriptDialogOpening":
            # Record it (the test fails on it) and close it so the page goes on.
            self.send("Page.handleJavaScriptDialog", {"accept": False}, wait=False)

    def send(self, method: str, params: dict[str, Any] | None = None, *,
             session: bool = True, wait: bool = True, timeout: float = 30.0) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method,
                                   "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        if not wait:
            return {}
        wanted = self._next_id
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(max(deadline - time.monotonic(), 0.0))
            if reply is None:
                raise BrowserError(f"no answer to {method} within {timeout:g} s")
            if reply.get("id") == wanted:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self._on_event(reply)

    def pump(self, seconds: float) -> None:
        """Collect events for a while."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            message = self._read(left)
            if message is not None and "method" in message:
                self._on_event(message)

    def wait_for(self, method: str, timeout: float = 30.0) -> dict[str, Any]:
        for event in self.events:
            if event.get("method") == method:
                return event
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            message = self._read(left)
            if message is not None and "method" in message:
                self._on_event(message)
                if message["method"] == method:
                    return message
        raise BrowserError(f"no {method} within {timeout:g} s")

    # -- pages --------------------------------------------------------------------------

    def open(self, path: Path, *, settle_s: float = 1.5) -> None:
        """Attach to the first tab and load a local file in it."""
        targets = self.send("Target.getTargets", session=False)["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self.session = self.send("Target.attachToTarget",
                                 {"targetId": page["targetId"], "flatten": True},
                                 session=False)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": self.width, "height": self.height, "deviceScaleFactor": 1,
                   "mobile": False})
        self.events.clear()
        self.send("Page.navigate", {"url": path.resolve().as_uri()})
        self.wait_for("Page.loadEventFired")
        self.pump(settle_s)

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression,
                                                "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression[:60]}...: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path, *, full_page: bool = False) -> Path:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = self.send("Page.getLayoutMetrics")["cssContentSize"]
            params["captureBeyondViewport"] = True
            params["clip"] = {"x": 0, "y": 0, "width": self.width,
                              "height": min(float(size["height"]), 16000.0), "scale": 1}
        data = self.send("Page.captureScreenshot", params)["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def errors(self) -> list[str]:
        """JavaScript errors so far: exceptions, console errors, non-network log errors."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                found.append(details.get("exception", {}).get("description")
                             or details.get("text", "exception"))
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error",
                                                                                 "assert"):
                found.append(" ".join(str(a.get("value", a.get("description", "")))
                                      for a in params.get("args", [])))
            elif method == "Log.entryAdded":
                entry = params["entry"]
                # Failed tile (and other) requests are "network" entries: allowed offline.
                if entry.get("level") == "error" and entry.get("source") != "network":
                    found.append(entry.get("text", ""))
        return found

    def dialogs(self) -> list[str]:
        return [e["params"].get("message", "") for e in self.events
                if e.get("method") == "Page.javascriptDialogOpening"]

    def _wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, _ = os.waitpid(self._pid, os.WNOHANG)
            if pid:
                return True
            time.sleep(0.05)
        return False

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.send("Browser.close", session=False, wait=False)
        if not self._wait(10.0):
            os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
        os.close(self._to_browser)
        os.close(self._from_browser)
        shutil.rmtree(self._profile, ignore_errors=True)


# --------------------------------------------------------------------------- fixtures

from _pages import (  # noqa: E402
    ALL_HOSTILE,
    HOSTILE_PROPOSAL,
    HOSTILE_SPACE,
    HOSTILE_STOP,
    HOSTILE_ZONE,
    write_hostile_demo,
)

LAYER_NAMES = [
    "Street map tiles (need the internet)", "Change in jobs within 45 min",
    "Change in people of other groups within 30 min", "Deprivation (decile 1 = most deprived)",
    "Rivers and water", "Main roads", "Bus routes today", "Jobs", "Shared community spaces",
    "Proposed routes", "Proposed stops", "Names of places",
]
"""The map's layers, but for the reachable areas (two per chosen zone)."""

TOOLTIPS_JS = """(() => {
  const texts = [];
  for (const key of Object.keys(window)) {
    const group = window[key];
    if (!(group instanceof L.GeoJSON) || !group._map || !group.getTooltip()) continue;
    for (const layer of group.getLayers()) {
      const at = layer.getLatLng ? layer.getLatLng() : layer.getBounds().getCenter();
      layer.fire('mouseover', {latlng: at}, true);  // as a pointer would
      const tips = document.querySelectorAll('.leaflet-tooltip');
      texts.push(tips.length ? tips[tips.length - 1].textContent.trim() : null);
      layer.fire('mouseout', {latlng: at}, true);
      group.closeTooltip();
    }
  }
  return texts;
})()"""

INJECTED_JS = """(() => {
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      if (/^on/i.test(attr.name)) found.push(el.tagName + '[' + attr.name + ']');
    }
  }
  for (const s of document.querySelectorAll('script')) {
    if (/^\\s*alert\\(/.test(s.textContent)) found.push('script calling alert');
  }
  const text = '.leaflet-tooltip-pane, .leaflet-control-layers, #routes-legend, title, ' +
               'h1, table, ul';
  for (const box of document.querySelectorAll(text)) {
    for (const el of box.querySelectorAll('script, img, svg, iframe, b[onmouseover]')) {
      found.push(el.tagName + ' inside ' + box.tagName);
    }
  }
  for (const el of document.querySelectorAll('img[src="x"], svg[onload], b[onmouseover]')) {
    found.push(el.outerHTML.slice(0, 60));
  }
  return found;
})()"""


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; CI needs `apt-get install -y "
                        "--no-install-recommends chromium fonts-liberation`")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return path


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get(SCREENSHOT_DIR_ENV)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        return Path(folder)
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory, chromium: str) -> dict[str, Path]:
    """`routes compare` on Demo Town with hostile names: the pages to open."""
    from click.testing import CliRunner

    from cli import main
    from routes.errors import RoutesWarning

    folder = tmp_path_factory.mktemp("demo")
    hostile = write_hostile_demo(folder)
    out = folder / "outputs" / "compare"
    with warnings.catch_warnings():  # the data warning: shown, not an error
        warnings.simplefilter("default", RoutesWarning)
        result = CliRunner().invoke(main, [
            "-q", "--config", str(folder / "routes.toml"), "compare", str(hostile),
            str(folder / "examples" / "hospital_shuttle.geojson"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return {"map": out / HOSTILE_PROPOSAL / "map.html",
            "report": out / HOSTILE_PROPOSAL / "report.html",
            "compare": out / "report.html"}


@pytest.fixture
def browser(chromium: str) -> Iterator[Chromium]:
    b = Chromium(chromium)
    try:
        yield b
    finally:
        b.close()


def _png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


# --------------------------------------------------------------------------- tests


def test_map_works_offline(browser: Chromium, pages: dict[str, Path],
                           screenshots: Path) -> None:
    browser.open(pages["map"])
    assert browser.errors() == []
    assert browser.evaluate("typeof L !== 'undefined' && L.version") == "1.9.3"
    labels = browser.evaluate(
        "Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
        ".map(e => e.textContent.trim())")
    assert [label for label in labels if not label.startswith("Reachable")] == LAYER_NAMES
    reach = [label for label in labels if label.startswith("Reachable")]
    assert len(reach) >= 2 and len(reach) % 2 == 0
    assert all(a.startswith("Reachable today within 45 min, from ") and
               b.startswith("Reachable with the proposal within 45 min, from ")
               for a, b in zip(reach[::2], reach[1::2], strict=True))
    assert f"from {HOSTILE_ZONE} (DT021)" in " ".join(reach)  # names as typed, inert
    legend = browser.evaluate(
        "(() => { const el = document.getElementById('routes-legend');"
        " const r = el.getBoundingClientRect();"
        " return {text: el.innerText, w: r.width, h: r.height}; })()")
    assert legend["w"] > 100 and legend["h"] > 100
    assert "Change in jobs within 45 min per neighbourhood" in legend["text"]
    assert "no change" in legend["text"] and "Proposed routes" in legend["text"]
    drawn = browser.evaluate("document.querySelectorAll('path.leaflet-interactive').length")
    assert drawn > 30  # zones, isochrones, route, stops, spaces
    _png(browser.screenshot(screenshots / "map.png"))


def test_map_hostile_names_are_inert(browser: Chromium, pages: dict[str, Path]) -> None:
    browser.open(pages["map"])
    tips = browser.evaluate(TOOLTIPS_JS)
    browser.pump(0.5)
    assert browser.dialogs() == []
    assert browser.evaluate(INJECTED_JS) == []
    assert browser.errors() == []
    assert None not in tips and len(set(tips)) > 50  # every feature has its own tooltip
    text = "\n".join(tips)
    # The names show as the literal text people typed.
    assert HOSTILE_ZONE in text and HOSTILE_SPACE in text
    assert f"{HOSTILE_STOP}: stop 1 of 3 on <script>alert(1)</script>" in text
    title = browser.evaluate("document.title")
    assert title.startswith(f"{HOSTILE_PROPOSAL}: what the proposal changes")


@pytest.mark.parametrize("name", ["report", "compare"])
def test_reports_work_offline(browser: Chromium, pages: dict[str, Path], screenshots: Path,
                              name: str) -> None:
    browser.open(pages[name], settle_s=0.5)
    assert browser.errors() == []
    assert browser.dialogs() == []
    assert browser.evaluate(INJECTED_JS) == []
    assert browser.evaluate("document.scripts.length") == 0
    text = browser.evaluate("document.body.innerText")
    for name_ in ALL_HOSTILE[:2]:
        assert name_ in text or name == "compare"
    assert HOSTILE_PROPOSAL in text
    charts = browser.evaluate("document.querySelectorAll('svg').length")
    if name == "report":
        assert "residents of the most deprived neighbourhoods" in text
        assert "In one minute" in text
        # The change map, the headline community's reach, before/after, who gains by decile.
        assert browser.evaluate("document.querySelectorAll('svg.static-map').length") == 2
        assert charts == 4
    else:
        assert "Ranking" in text and "Every indicator side by side" in text
        assert charts == 2  # one small map per proposal
    _png(browser.screenshot(screenshots / f"{name}.png", full_page=True))
