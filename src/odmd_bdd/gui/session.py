"""One scenario on the GUI layer: its browser context and page, its capture, its evidence.

Where the context comes from is the run's `--gui-isolation`:

- `reset` (default): one context and page per worker, reset between scenarios the way Cypress
  isolates tests — the page leaves for about:blank on its own origin (its JS realm goes), that
  origin's sessionStorage and the window's name are cleared, and the page stays on that blank
  document (a page that was on more than one origin, or pages the scenario opened besides it,
  are closed and replaced by a new page instead); localStorage, IndexedDB, Cache Storage and
  service workers of every origin the scenario could reach, every cookie of the context and the
  HTTP cache are cleared (CDP `Storage.clearDataForOrigin`, `Network.clearBrowserCache`,
  `clear_cookies`), permissions are reset, the
  previous capture's listeners are removed, and the next scenario gets its own run header,
  capture and trace, and a fresh navigation. No new context or renderer process per scenario.
- `context`: a fresh context per scenario (the strict mode, as before).

A context is reused only with the very options it was made with (viewport, the capture's
proxy-to-nowhere and its bypass list); a crashed or otherwise unusable one is discarded.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from odmd_bdd.gui.browser import GuiBrowser
from odmd_bdd.gui.capture import NetworkCapture
from odmd_bdd.gui.pages import WebClientPage
from odmd_bdd.redaction import Redactor
from odmd_bdd.reporting.scrub import scrub_zip
from odmd_bdd.resolution.envers import Enver

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, CDPSession, Page

VIEWPORT = {"width": 1280, "height": 720}  # Playwright's default; every pixel more is more raster work a frame


def evidence_dir(reports: Path, nodeid: str) -> Path:
    """reports/traces/<the test id, made a file name>/"""
    name = re.sub(r"[^A-Za-z0-9_.\[\]-]+", "_", nodeid).strip("_")[-150:]
    return reports / "traces" / name


ISOLATION = ("reset", "context")  # --gui-isolation; the first is the default


def _leave_in_place(page: Page, cdp: CDPSession) -> None:
    """Replace the page's document by an about:blank one that the page itself navigates to.

    That navigation stays in the renderer process and keeps the origin, so the old document (its
    JS realm, timers and pending callbacks) is gone once it commits, and the origin's
    sessionStorage can then be cleared with nothing left to write it back. (A browser-initiated
    navigation may swap processes: the old document then runs on while it is torn down, with
    DevTools' script blocking lifted; a timer of it was seen rewriting sessionStorage then.)"""
    # Waiting for the navigation event, not for the URL: a page already on about:blank (one a
    # scenario scripted without navigating) must still lose its realm.
    with page.expect_event("framenavigated", lambda f: f.parent_frame is None and f.url == "about:blank"):
        page.evaluate("() => location.replace('about:blank')")
    # The browsing context's name is not the document's: it outlives a same-origin navigation.
    # Set in the blank document through DevTools: Playwright's evaluate would first wait for that
    # document's context to be announced to it, a third of this function's time.
    cdp.send("Runtime.evaluate", {"expression": "window.name = ''"})


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else ""


class Contexts:
    """Where each scenario's context comes from: a fresh one (`context`) or the worker's one,
    reset (`reset`). `acquire` gives a context and a blank page; `release` discards or resets."""

    def __init__(self, browser: GuiBrowser, isolation: str = ISOLATION[0]):
        if isolation not in ISOLATION:
            raise ValueError(f"isolation must be one of {', '.join(ISOLATION)}, not {isolation!r}")
        self.browser = browser
        self.isolation = isolation
        self._kept: tuple[BrowserContext, Page] | None = None
        self._kept_options: dict[str, Any] = {}
        self._visited: dict[Page, set[str]] = {}  # the origins each page's main frame was on
        self._cdp: dict[Page, CDPSession] = {}  # each kept page's DevTools session, made once
        self._blank_on: dict[Page, str] = {}  # the origin a page's about:blank was left on by a reset
        self.made = 0  # contexts created: the isolation test and the bench read it
        self.pages_made = 0  # pages created: a page kept across scenarios keeps its renderer process

    def acquire(self, **options: Any) -> tuple[BrowserContext, Page]:
        if self._kept is not None and self._kept_options == options:
            kept, self._kept = self._kept, None
            return kept
        self._discard()
        self.made += 1
        context = self.browser.new_context(**options)
        return context, self._new_page(context)

    def _new_page(self, context: BrowserContext) -> Page:
        page = context.new_page()
        self.pages_made += 1
        visited = self._visited[page] = set()

        def navigated(frame: Any) -> None:  # an event: no Playwright call in here
            if frame.parent_frame is None:
                visited.add(_origin(frame.url))

        page.on("framenavigated", navigated)
        return page

    def release(self, context: BrowserContext, origins: list[str], options: dict[str, Any]) -> None:
        """After the scenario (its tracing stopped and its listeners removed): close or reset."""
        if self.isolation == "context" or self._kept is not None:
            self._forget(context)
            context.close()
            return
        try:
            page = self._reset(context, origins)
        except Exception:  # a context that cannot be reset is not reused
            self._forget(context)
            context.close()
            return
        self._kept, self._kept_options = (context, page), options

    def _reset(self, context: BrowserContext, origins: list[str]) -> Page:
        """The next scenario's blank page, in a context with nothing left of the last one.

        The page itself is kept (and with it its renderer process) when its main frame only
        ever was on one origin: the page leaves for about:blank on its own (its JS realm goes),
        then that origin's sessionStorage is cleared with none of its scripts left. Otherwise the pages
        are closed and a new one opened (sessionStorage belongs to the page)."""
        pages = list(context.pages)
        page = pages[0] if len(pages) == 1 else None
        seen = self._visited.get(page, {""}) if page is not None else {""}
        on = (_origin(page.url) or self._blank_on.get(page, "")) if page is not None else ""
        keep = page is not None and not page.is_closed() and seen <= {on, ""}
        if not keep:
            page = self._new_page(context)
            for each in pages:  # the realm, sessionStorage and any in-flight request go with the page
                self._visited.pop(each, None)
                self._cdp.pop(each, None)
                self._blank_on.pop(each, None)
                each.close()
        assert page is not None
        cdp = self._cdp.get(page)
        if cdp is None:  # a page's session: the storage of this context only
            cdp = self._cdp[page] = context.new_cdp_session(page)
        if keep and on:
            _leave_in_place(page, cdp)
        if keep:
            if on:  # the page's realm is gone and its blank successor is still on that origin
                cdp.send("DOMStorage.clear", {"storageId": {"securityOrigin": on, "isLocalStorage": False}})
            # The page stays on that blank document (no script, nothing stored): the next
            # scenario's first navigation leaves it. Should that scenario script the blank page
            # instead, its storage is still that origin's, so the next reset clears it again.
            self._blank_on[page] = on
            self._visited[page].clear()  # the set the page's listener adds to
        for origin in origins:
            cdp.send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"})
        cdp.send("Network.clearBrowserCache")
        context.clear_cookies()
        context.clear_permissions()
        return page

    def _forget(self, context: BrowserContext) -> None:
        for page in context.pages:
            self._visited.pop(page, None)
            self._cdp.pop(page, None)  # a session ends with its page
            self._blank_on.pop(page, None)

    def _discard(self) -> None:
        if self._kept is not None:
            try:
                self._forget(self._kept[0])
                self._kept[0].close()
            finally:
                self._kept = None

    def close(self) -> None:
        self._discard()


class GuiSession:
    """`open()` starts the context (tracing if asked); `close(evidence)` saves a screenshot and
    the trace into `evidence` when given (a failed scenario), then discards the context. The
    trace is scrubbed of secrets before anything else can read it.

    A trace always holds the action log (every Playwright call, its arguments, time and error)
    and the console. `snapshots` adds a DOM snapshot before and after every action and the
    network log: the trace viewer's time travel, at ~20% of a GUI scenario's time, which is why
    by default only a rerun attempt records them (the exchanges are in the report anyway)."""

    def __init__(
        self,
        browser: GuiBrowser,
        enver: Enver,
        web_client_url: str,
        run_id: str,
        timeout_s: float,
        trace: bool = True,
        snapshots: bool = False,
        redactor: Redactor | None = None,
        contexts: Contexts | None = None,
    ):
        self.browser = browser
        self.contexts = contexts or Contexts(browser, "context")
        self.enver = enver
        self.web_client_url = web_client_url
        self.timeout_s = timeout_s
        self.trace = trace
        self.snapshots = snapshots
        self.redactor = redactor or Redactor()  # what the trace must not keep (reporting.scrub)
        self.capture = NetworkCapture(enver, web_client_url, run_id, timeout_s)
        self.context: BrowserContext | None = None
        self.page: Page | None = None
        self._client: WebClientPage | None = None

    def __repr__(self) -> str:
        return f"<GuiSession {self.web_client_url}>"

    def _options(self) -> dict[str, Any]:
        return {"viewport": VIEWPORT, "service_workers": "block", "proxy": self.capture.proxy()}

    def _origins(self) -> list[str]:
        """Every origin the scenario's page could have stored anything for."""
        urls = [self.web_client_url, *(svc.base_url for svc in self.enver.services.values())]
        return sorted({f"{p.scheme}://{p.netloc}" for p in map(urlsplit, urls) if p.netloc})

    def open(self) -> GuiSession:
        self.context, self.page = self.contexts.acquire(**self._options())
        self.context.set_default_timeout(self.timeout_s * 1000)
        if self.trace:
            # No screencast filmstrip (~25% more): a failure gets a full-page screenshot of its own.
            self.context.tracing.start(screenshots=False, snapshots=self.snapshots, sources=False)
        self.capture.install(self.context)
        return self

    @property
    def client(self) -> WebClientPage:
        """The web client, loaded on first use."""
        if self._client is None:
            if self.page is None:
                raise RuntimeError("GuiSession.client before open() (or after close())")
            self._client = WebClientPage(self.page, self.web_client_url, self.timeout_s)
        if not self._client.opened:
            self._client.open()
        return self._client

    def small_screenshot(self) -> bytes | None:
        """The page as it ends, small (the viewport, JPEG): the report's last look at a passed
        scenario. None when the page is gone."""
        if self.page is None or self.page.is_closed():
            return None
        try:
            return self.page.screenshot(type="jpeg", quality=50, scale="css", timeout=self.timeout_s * 1000)
        except Exception:  # a crashed page has no screenshot; the scenario's outcome stands
            return None

    def close(self, evidence: Path | None = None) -> list[Path]:
        """Discard the context; with `evidence`, first keep a screenshot and the trace there."""
        saved: list[Path] = []
        if self.context is None:
            return saved
        clean = False  # a context whose tracing did not stop cleanly is not reused
        try:
            if evidence is not None:
                evidence.mkdir(parents=True, exist_ok=True)
                if self.page is not None and not self.page.is_closed():
                    shot = evidence / "screenshot.png"
                    try:
                        self.page.screenshot(path=str(shot), full_page=True, timeout=self.timeout_s * 1000)
                        saved.append(shot)
                    except Exception:  # a crashed page has no screenshot; the trace may still tell
                        pass
                if self.trace:
                    trace = evidence / "trace.zip"
                    self.context.tracing.stop(path=str(trace))
                    scrub_zip(trace, self.redactor)
                    saved.append(trace)
            elif self.trace:
                self.context.tracing.stop()
            clean = True
        finally:
            context, self.context, self.page, self._client = self.context, None, None, None
            # The capture is this scenario's: a reused context must not feed it the next one's traffic.
            self.capture.uninstall(context)
            if clean:
                self.contexts.release(context, self._origins(), self._options())
            else:
                context.close()
        return saved
