"""A remote browser for the GUI layer: Playwright `connect` to a Playwright server.

For teams that outgrow one machine: run the browsers elsewhere and point each worker at it
with `--browser-ws-endpoint ws://host:port/` (or `$ODMD_BROWSER_WS_ENDPOINT`). Nothing is
launched locally; each worker opens one connection (one remote Chromium) and its scenarios
get fresh contexts from it, exactly as with a local Chromium.

The server is Playwright's own:

    playwright run-server --host 0.0.0.0 --port 3000            # the Python package's CLI
    npx playwright run-server --host 0.0.0.0 --port 3000        # or Node's

Keep the server's Playwright version the same as this venv's (`pip show playwright`):
Playwright refuses a connection across versions. The browser must reach the web client and
the services it calls: a deployed enver, or `--web-client-url`; an embedded enver listens on
127.0.0.1, so it only works with a server on the same host (e.g. a container with host
networking). A server started with `--unsafe` accepts launch options from the client; set
`$ODMD_BROWSER_LAUNCH_OPTIONS` to a JSON object (e.g. `{"executablePath": "/usr/bin/chromium"}`)
to send them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from odmd_bdd.gui import browser as _browser
from odmd_bdd.gui.browser import BrowserLaunchError, FoundBrowser, GuiBrowser, LaunchOptions

if TYPE_CHECKING:
    from playwright.sync_api import Playwright

ENV_ENDPOINT = "ODMD_BROWSER_WS_ENDPOINT"
ENV_LAUNCH_OPTIONS = "ODMD_BROWSER_LAUNCH_OPTIONS"
LAUNCH_OPTIONS_HEADER = "x-playwright-launch-options"  # read by `playwright run-server`


class RemoteGuiBrowser(GuiBrowser):
    """A GuiBrowser whose Chromium lives in a Playwright server; same contexts, same close()."""

    def __init__(
        self,
        ws_endpoint: str,
        options: LaunchOptions | None = None,
        environ: Mapping[str, str] | None = None,
        timeout_s: float = 30.0,
    ):
        super().__init__(options or LaunchOptions(), environ)
        self.ws_endpoint = ws_endpoint
        self.timeout_s = timeout_s
        self._own_playwright: Playwright | None = None  # a Playwright of our own, when browser.py shares none

    def _launch_headers(self, environ: Mapping[str, str]) -> dict[str, str]:
        extra = environ.get(ENV_LAUNCH_OPTIONS)
        options: dict = {}
        if extra:
            try:
                options = json.loads(extra)
            except ValueError as exc:
                raise BrowserLaunchError(f"${ENV_LAUNCH_OPTIONS} is not JSON: {exc}") from None
            if not isinstance(options, dict):
                raise BrowserLaunchError(f"${ENV_LAUNCH_OPTIONS} must be a JSON object")
        if self.options.headed:
            options.setdefault("headless", False)
        if self.options.slowmo_ms:
            options.setdefault("slowMo", self.options.slowmo_ms)
        return {LAUNCH_OPTIONS_HEADER: json.dumps(options)} if options else {}

    def launch(self) -> RemoteGuiBrowser:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright

        environ = os.environ if self._environ is None else self._environ
        headers = self._launch_headers(environ)
        shared = getattr(_browser, "_PLAYWRIGHT", None)  # one sync Playwright per process, when browser.py has it
        try:
            playwright = shared.acquire() if shared is not None else sync_playwright().start()
            if shared is None:
                self._own_playwright = playwright
            else:
                self._playwright = playwright
            self.browser = playwright.chromium.connect(
                self.ws_endpoint, headers=headers or None, timeout=self.timeout_s * 1000
            )
        except PlaywrightError as exc:
            self.close()
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise BrowserLaunchError(
                f"cannot connect to the Playwright server at {self.ws_endpoint}: {first}. "
                f"Is `playwright run-server` running there, with the same Playwright version "
                f"as this venv? Or drop --browser-ws-endpoint/${ENV_ENDPOINT} to launch a "
                f"local Chromium"
            ) from None
        except BaseException:
            self.close()
            raise
        self.found = FoundBrowser(self.ws_endpoint, "Playwright server (connect)")
        return self

    def close(self) -> None:
        super().close()
        if self._own_playwright is not None:
            playwright, self._own_playwright = self._own_playwright, None
            playwright.stop()
