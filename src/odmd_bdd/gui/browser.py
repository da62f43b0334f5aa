"""Browser provisioning for the GUI layer: find a Chromium, launch it once per worker.

Where the Chromium comes from, in this order (the first that exists wins):
  1. `$CHROMIUM_PATH` — an explicit executable; if set but unusable, that is the error.
  2. An installed Chromium on PATH: `chromium`, `chromium-browser`, `google-chrome`
     (Debian's /usr/bin/chromium is a shell wrapper; Playwright's executable_path takes it).
  3. Playwright's own managed browser, if `playwright install chromium` already put it there
     (nothing here downloads it).
  4. As root with apt-get on PATH: `apt-get install -y chromium`, then step 2 again.
No Chromium at all is one `BrowserNotFound` naming the command that fixes it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from odmd_bdd import cpus
from odmd_bdd.errors import OdmdError

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Playwright

PATH_NAMES = ("chromium", "chromium-browser", "google-chrome")
LAUNCH_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)
APT_PACKAGE = "chromium"
INSTALL_TIMEOUT = 900  # seconds apt-get may take


class BrowserNotFound(OdmdError):
    """No Chromium to drive the web client with."""


class BrowserLaunchError(OdmdError):
    """A Chromium was found but would not start."""


@dataclass(frozen=True)
class FoundBrowser:
    path: str
    source: str  # how it was found: "$CHROMIUM_PATH", "PATH (chromium)", "playwright", "apt-get"

    def __str__(self) -> str:
        return f"{self.path} ({self.source})"


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def fix_command(root: bool | None = None) -> str:
    root = _is_root() if root is None else root
    return f"{'' if root else 'sudo '}apt-get install -y {APT_PACKAGE}"


def _executable(path: str | Path) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def _on_path(environ: Mapping[str, str]) -> FoundBrowser | None:
    search = environ.get("PATH", "")
    for name in PATH_NAMES:
        found = shutil.which(name, path=search)
        if found:
            return FoundBrowser(found, f"PATH ({name})")
    return None


def _apt_install(apt_get: str, environ: Mapping[str, str], run: Callable[..., subprocess.CompletedProcess]) -> str:
    """Run apt-get; return '' on success, else the tail of its output."""
    env = {**environ, "DEBIAN_FRONTEND": "noninteractive"}
    print(f"odmd-bdd: no Chromium found; installing it: {apt_get} install -y {APT_PACKAGE}", file=sys.stderr)
    output = ""
    for command in (
        [apt_get, "install", "-y", APT_PACKAGE],
        [apt_get, "update"],
        [apt_get, "install", "-y", APT_PACKAGE],
    ):  # retry after refreshing the lists
        try:
            done = run(command, env=env, capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"{' '.join(command)}: {exc}"
        output = (done.stdout or "") + (done.stderr or "")
        if done.returncode == 0 and command[1] == "install":
            return ""
    return "\n".join(output.strip().splitlines()[-5:])


def find_chromium(
    environ: Mapping[str, str] | None = None,
    *,
    managed: str | None = None,
    install: bool | None = None,
    run: Callable[..., subprocess.CompletedProcess] = subprocess.run,
) -> FoundBrowser:
    """The Chromium to launch. `managed`: where Playwright keeps its own browser (may not exist);
    `install`: allow the apt-get step (default: when root and apt-get is on PATH)."""
    environ = os.environ if environ is None else environ
    explicit = environ.get("CHROMIUM_PATH")
    if explicit:
        if _executable(explicit):
            return FoundBrowser(explicit, "$CHROMIUM_PATH")
        raise BrowserNotFound(
            f"CHROMIUM_PATH={explicit} is not an executable file. Point it at a Chromium "
            f"executable, or unset it to use the installed one."
        )
    found = _on_path(environ)
    if found:
        return found
    if managed and _executable(managed):
        return FoundBrowser(managed, "playwright")
    apt_get = shutil.which("apt-get", path=environ.get("PATH", ""))
    root = _is_root()
    if install is None:
        install = root and apt_get is not None
    failure = ""
    if install and apt_get:
        failure = _apt_install(apt_get, environ, run)
        found = _on_path(environ)
        if found:
            return FoundBrowser(found.path, "apt-get")
        failure = failure or f"apt-get succeeded but put none of {', '.join(PATH_NAMES)} on PATH"
    looked = [
        "$CHROMIUM_PATH (unset)",
        f"PATH ({', '.join(PATH_NAMES)}: none found)",
        f"Playwright's browser ({managed or 'unknown location'}: not installed)",
    ]
    if install and apt_get:
        looked.append(f"apt-get install -y {APT_PACKAGE} (failed: {failure})")
        # apt-get itself just failed: suggesting it again would not help.
        advice = (
            "the GUI layer needs Chromium, none was found, and installing it with apt-get failed. Next: check "
            "that apt-get can reach its package sources (/etc/apt/sources.list*, a proxy), or install Chromium "
            "another way and set CHROMIUM_PATH=/path/to/chromium"
        )
    else:
        advice = (
            f"the GUI layer needs Chromium and none was found. Install it with:\n    {fix_command(root)}\n"
            "(or set CHROMIUM_PATH=/path/to/chromium)"
        )
    raise BrowserNotFound(
        f"{advice}. The API layer runs without it: pytest features/ --layer api. Looked at: " + "; ".join(looked)
    )


class _SharedPlaywright:
    """One sync Playwright per process: a second one cannot start while the first runs in the same
    thread ("Sync API inside the asyncio loop"), so every GuiBrowser borrows this one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._playwright: Playwright | None = None
        self._users = 0

    def acquire(self) -> Playwright:
        from playwright.sync_api import sync_playwright

        with self._lock:
            if self._playwright is None:
                with cpus.unpinned():  # the driver and its Chromium may use every core (odmd_bdd/cpus.py)
                    self._playwright = sync_playwright().start()
            self._users += 1
            return self._playwright

    def release(self) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0 and self._playwright is not None:
                playwright, self._playwright = self._playwright, None
                playwright.stop()


_PLAYWRIGHT = _SharedPlaywright()


@dataclass(frozen=True)
class LaunchOptions:
    headed: bool = False
    slowmo_ms: float = 0.0


class GuiBrowser:
    """One Chromium for a test session (a worker); contexts come from it. Playwright itself is
    shared by every GuiBrowser of the process."""

    def __init__(self, options: LaunchOptions = LaunchOptions(), environ: Mapping[str, str] | None = None):
        self.options = options
        self._environ = environ
        self.found: FoundBrowser | None = None
        self._playwright: Playwright | None = None
        self.browser: Browser | None = None

    def launch(self) -> GuiBrowser:
        from playwright.sync_api import Error as PlaywrightError

        environ = os.environ if self._environ is None else self._environ
        if self.options.headed and not (environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY")):
            raise BrowserLaunchError(
                "--headed needs a display, but $DISPLAY is not set: run under `xvfb-run` "
                "or on a desktop, or drop --headed"
            )
        self._playwright = _PLAYWRIGHT.acquire()
        try:
            self.found = find_chromium(environ, managed=self._playwright.chromium.executable_path)
            self.browser = self._playwright.chromium.launch(
                executable_path=self.found.path,
                headless=not self.options.headed,
                slow_mo=self.options.slowmo_ms or None,
                args=list(LAUNCH_ARGS),
                timeout=30_000,
            )
        except PlaywrightError as exc:
            self.close()
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise BrowserLaunchError(
                f"Chromium {self.found} would not start: {first}. Fix it with "
                f"`{fix_command()}` or point CHROMIUM_PATH at a working Chromium"
            ) from None
        except BaseException:
            self.close()
            raise
        return self

    @property
    def version(self) -> str:
        return self.browser.version if self.browser is not None else "?"

    def new_context(self, **kwargs: Any) -> BrowserContext:
        if self.browser is None:
            raise BrowserLaunchError("the browser is not launched")
        return self.browser.new_context(**kwargs)

    def close(self) -> None:
        if self.browser is not None:
            try:
                self.browser.close()
            finally:
                self.browser = None
        if self._playwright is not None:
            self._playwright = None
            _PLAYWRIGHT.release()

    def __enter__(self) -> GuiBrowser:
        return self.launch()

    def __exit__(self, *exc: object) -> None:
        self.close()
