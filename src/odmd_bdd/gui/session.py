"""One scenario on the GUI layer: a fresh browser context, its page, its capture, its evidence."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from odmd_bdd.gui.browser import GuiBrowser
from odmd_bdd.gui.capture import NetworkCapture
from odmd_bdd.gui.pages import WebClientPage
from odmd_bdd.reporting.redaction import Redactor
from odmd_bdd.reporting.scrub import scrub_zip
from odmd_bdd.resolution.envers import Enver

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

VIEWPORT = {"width": 1280, "height": 720}  # Playwright's default; every pixel more is more raster work a frame


def evidence_dir(reports: Path, nodeid: str) -> Path:
    """reports/traces/<the test id, made a file name>/"""
    name = re.sub(r"[^A-Za-z0-9_.\[\]-]+", "_", nodeid).strip("_")[-150:]
    return reports / "traces" / name


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
    ):
        self.browser = browser
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

    def open(self) -> GuiSession:
        self.context = self.browser.new_context(
            viewport=VIEWPORT,
            service_workers="block",
            proxy=self.capture.proxy(),
        )
        self.context.set_default_timeout(self.timeout_s * 1000)
        if self.trace:
            # No screencast filmstrip (~25% more): a failure gets a full-page screenshot of its own.
            self.context.tracing.start(screenshots=False, snapshots=self.snapshots, sources=False)
        self.capture.install(self.context)
        self.page = self.context.new_page()
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
        finally:
            self.context.close()
            self.context = self.page = self._client = None
        return saved
