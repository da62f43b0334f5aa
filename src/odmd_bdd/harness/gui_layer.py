"""The GUI layer's per-worker browser and per-scenario session, with the evidence a failure leaves."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from odmd_bdd.actors import World
from odmd_bdd.errors import OdmdError
from odmd_bdd.harness.stash import PHASE_REPORTS
from odmd_bdd.redaction import Redactor
from odmd_bdd.resolution.envers import Enver

if TYPE_CHECKING:  # Playwright loads only when a GUI scenario runs
    from odmd_bdd.gui.browser import GuiBrowser
    from odmd_bdd.gui.session import Contexts, GuiSession


def launch_browser(config: pytest.Config) -> GuiBrowser:
    """One Chromium per worker: a Playwright server's (--browser-ws-endpoint) or one launched here."""
    from odmd_bdd.gui.browser import GuiBrowser, LaunchOptions

    options = LaunchOptions(headed=config.getoption("headed"), slowmo_ms=config.getoption("slowmo"))
    endpoint = config.getoption("browser_ws_endpoint") or os.environ.get("ODMD_BROWSER_WS_ENDPOINT")
    if endpoint:
        from odmd_bdd.gui.remote import RemoteGuiBrowser

        browser: GuiBrowser = RemoteGuiBrowser(endpoint, options)
    else:
        browser = GuiBrowser(options)
    try:
        browser.launch()
    except OdmdError as exc:
        pytest.exit(f"odmd-bdd: {exc}", returncode=pytest.ExitCode.USAGE_ERROR)
    return browser


def contexts(config: pytest.Config, browser: GuiBrowser) -> Contexts:
    """Where the worker's scenarios get their browser contexts: --gui-isolation (gui/session.py)."""
    from odmd_bdd.gui.session import Contexts

    return Contexts(browser, config.getoption("gui_isolation"))


def open_session(
    request: pytest.FixtureRequest, contexts: Contexts, url: str, enver: Enver, world: World, redactor: Redactor
) -> GuiSession:
    """This scenario's browser context, traced as --gui-trace says (DOM snapshots on a rerun attempt)."""
    from odmd_bdd.gui.session import GuiSession

    config = request.config
    mode = config.getoption("gui_trace")
    rerun = getattr(request.node, "execution_count", 1) > 1  # pytest-rerunfailures counts the attempts
    return GuiSession(
        contexts.browser,
        enver,
        url,
        world.run_id,
        config.getoption("gui_timeout"),
        trace=mode != "off",
        snapshots=mode == "full" or (mode == "on-failure" and rerun),
        redactor=redactor,
        contexts=contexts,
    ).open()


def trace_command(config: pytest.Config, trace: Path) -> str:
    """The one command that opens a kept trace (Playwright's trace viewer ships with the Python package)."""
    try:
        shown = trace.relative_to(config.rootpath)
    except ValueError:
        shown = trace
    return f"playwright show-trace {shown}"


def close_session(request: pytest.FixtureRequest, session: GuiSession) -> None:
    """Discard the context, ending the report with a look at the page: a failed scenario keeps a
    full-page screenshot and its (scrubbed) trace in reports/traces/ and on the Allure report
    (the trace's name says the command that opens it); with --gui-screenshot always, a passed
    one gets a small screenshot (a screenshot is about a tenth of a short scenario's time)."""
    import allure

    from odmd_bdd.gui.session import evidence_dir

    reports = request.node.stash.get(PHASE_REPORTS, {})
    failed = any(r.failed for r in reports.values())
    evidence = evidence_dir(request.config.rootpath / "reports", request.node.nodeid) if failed else None
    if not failed and request.config.getoption("gui_screenshot") == "always":
        shot = session.small_screenshot()
        if shot is not None:
            allure.attach(shot, name="[gui] the page at the end (passed)", attachment_type=allure.attachment_type.JPG)
    for path in session.close(evidence):
        if path.suffix == ".png":
            allure.attach.file(
                str(path), name=f"[gui] {path.name} (failed)", attachment_type=allure.attachment_type.PNG
            )
        else:
            name = f"[gui] {path.name} — open it with: {trace_command(request.config, path)}"
            allure.attach.file(str(path), name=name, attachment_type=allure.attachment_type.ZIP)
