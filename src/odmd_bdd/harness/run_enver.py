"""The run's enver: resolved once per process from the options, with a fault plan planted if asked."""

from __future__ import annotations

import os

import pytest

from odmd_bdd.data.constellation import Constellation
from odmd_bdd.errors import OdmdError
from odmd_bdd.events.sqs import EventInbox, MessageIndex, NoEventBus
from odmd_bdd.harness import warm_enver
from odmd_bdd.harness.stash import ENVER, EVENTS_SHOWN, INBOX
from odmd_bdd.localenv.fault_plan import FaultPlanFile
from odmd_bdd.resolution.envers import EmbeddedAddress, Enver, resolve_enver
from odmd_bdd.transports import Transport
from odmd_bdd.transports.factory import make_transport


def resolve_run_enver(
    config: pytest.Config,
    constellation: Constellation,
    attach: EmbeddedAddress | None = None,
) -> Enver:
    """The enver the run's options name, with the --odmd-faults plan planted in it — unless it is
    `attach`ed to a running embedded enver (a run with a fault plan never is: harness/warm_enver.py)."""
    plan_path = config.getoption("odmd_faults")
    plan = FaultPlanFile.read(plan_path) if plan_path and attach is None else None
    resolved = resolve_enver(
        constellation,
        config.getoption("enver"),
        base_url_file=config.getoption("base_urls"),
        transport=config.getoption("transport"),
        withhold_artifacts=set(plan.withhold_artifacts) if plan else set(),
        attach=attach,
    )
    if plan is not None:
        if resolved.local is None:
            resolved.close()
            raise OdmdError("--odmd-faults plants faults in the embedded enver; this enver has none")
        plan.apply(resolved.local)
    return resolved


def open_enver(config: pytest.Config, constellation: Constellation, attach: EmbeddedAddress | None) -> Enver:
    """The session's enver, kept on the config for the report; an unusable one ends the run with one message."""
    try:
        resolved = resolve_run_enver(config, constellation, attach)
    except OdmdError as exc:
        pytest.exit(f"odmd-bdd: {exc}", returncode=pytest.ExitCode.USAGE_ERROR)
    config.stash[ENVER] = resolved
    resolved.reused = warm_enver.described(config)
    if resolved.sqs() is None and resolved.event_contracts:  # said once, at the start
        terminal = config.pluginmanager.get_plugin("terminalreporter")
        capture = config.pluginmanager.get_plugin("capturemanager")
        if terminal is not None and capture is not None:
            with capture.global_and_fixture_disabled():  # the enver comes up inside a test's captured setup
                terminal.write_line(
                    f"odmd-bdd: {NO_BUS.format(name=resolved.name)}; event steps are reported as not checked (skipped)"
                )
    return resolved


def api_transport(config: pytest.Config, enver: Enver) -> Transport:
    """How the API layer reaches services: one pooled httpx client, or the BDD state machine."""
    return make_transport(
        enver, http_timeout=config.getoption("http_timeout"), sfn_deadline=config.getoption("sfn_deadline")
    )


NO_BUS = (
    "no event bus: every service is at an explicit address and the constellation file names no "
    "event_bus for enver {name!r}"
)


def open_inbox(node: pytest.Item, enver: Enver, message_index: MessageIndex, run_id: str) -> EventInbox | NoEventBus:
    """This scenario run's events: its own queues (X-Odmd-Run), deleted when it closes; without
    a bus, an inbox whose steps are reported not checked."""
    sqs = enver.sqs()
    if sqs is None:
        return NoEventBus(NO_BUS.format(name=enver.name))
    inbox = EventInbox(sqs, message_index, run_id, named=enver.event_queues, embedded=enver.embedded_bus)
    node.stash[INBOX] = inbox
    node.stash[EVENTS_SHOWN] = 0
    return inbox


def web_client_url(config: pytest.Config, enver: Enver) -> str:
    """The web client the GUI layer drives: the one given, else the one the enver publishes in its
    /odmd-share (an embedded enver's calls the services where resolve_enver found them)."""
    given = config.getoption("web_client_url") or os.environ.get("ODMD_WEB_CLIENT_URL")
    url = given or enver.web_client_url
    if url:
        return url
    pytest.exit(
        f"odmd-bdd: enver {enver.name!r} has no web client for the GUI layer: pass --web-client-url "
        f"URL (or set ODMD_WEB_CLIENT_URL), or run the API layer only with --layer api",
        returncode=pytest.ExitCode.USAGE_ERROR,
    )
