"""What reaches a report: credentials masked, step parameters without fixtures, events on their
step, the enver and artifact versions once per run, and a clean reports/traces/ at the start."""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from odmd_bdd.harness import allure_report, shards, terminal
from odmd_bdd.harness.stash import ENVER, EVENTS_SHOWN, INBOX, NOT_CHECKED_SHOWN, PHASE_REPORTS, REDACTOR
from odmd_bdd.redaction import Redactor
from odmd_bdd.reporting.evidence import Recorder
from odmd_bdd.reporting.summary import ENVER_FILE


def clean_traces(config: pytest.Config) -> None:
    """Each run starts with an empty reports/traces/ (the controller's job under xdist)."""
    if not shards.is_worker(config):
        shutil.rmtree(config.rootpath / "reports" / "traces", ignore_errors=True)


def keep_and_redact(item: pytest.Item, call: pytest.CallInfo[Any], report: pytest.TestReport) -> pytest.TestReport:
    """Keep each phase's report on the item (the GUI layer saves evidence when a scenario failed);
    show a harness failure as scenario, step and message (harness.terminal); mask credentials in
    failure text and captured output before any reporter sees them."""
    item.stash.setdefault(PHASE_REPORTS, {})[report.when] = report
    redactor = item.config.stash.get(REDACTOR, None)
    if redactor is None:
        return report
    terminal.compact(item, call, report, redactor)
    terminal.redact(report, redactor)
    return report


@contextmanager
def without_fixture_args(request: pytest.FixtureRequest, step_func_args: dict[str, Any]) -> Iterator[None]:
    """allure-pytest-bdd lists every argument of a step function as a step parameter: show the
    values from the step text only, not the fixtures (their reprs are noise and hold run state);
    the step itself gets every argument back."""
    names = set(request.fixturenames)
    hidden = {
        name: value
        for name, value in step_func_args.items()
        if name in names and value is request.getfixturevalue(name)
    }
    for name in hidden:
        del step_func_args[name]
    try:
        yield
    finally:
        step_func_args.update(hidden)


def attach_new_events(request: pytest.FixtureRequest) -> None:
    """The events this scenario run received during the step, redacted, on the step in Allure."""
    inbox = request.node.stash.get(INBOX, None)
    if inbox is None:
        return
    shown = request.node.stash.get(EVENTS_SHOWN, 0)
    if len(inbox.received) > shown:
        request.node.stash[EVENTS_SHOWN] = len(inbox.received)
        redactor = request.config.stash.get(REDACTOR, None) or Redactor()
        Recorder(redactor).events(inbox.received[shown:], request.getfixturevalue("layer"))


NOT_CHECKED = "not checked"  # the reason every not-checked outcome starts with: "not checked: ..."


def _new_not_checked(request: pytest.FixtureRequest) -> list[str]:
    """The not-checked notes the step that just ran added to the scenario's world."""
    world = request.getfixturevalue("world") if "world" in request.fixturenames else None
    if world is None:
        return []
    notes = list(world.not_checked)
    of_world, shown = request.node.stash.get(NOT_CHECKED_SHOWN, (id(world), 0))
    request.node.stash[NOT_CHECKED_SHOWN] = (id(world), len(notes))
    return notes[shown if of_world == id(world) else 0 :]  # a rerun's world starts afresh


def close_step_not_checked(request: pytest.FixtureRequest, step: Any) -> None:
    """A step that could not check what it names is closed in Allure as skipped, with the reason,
    before allure-pytest-bdd closes it as passed (it then finds the step closed and leaves it)."""
    notes = _new_not_checked(request)
    if not notes:
        return
    listener = allure_report.listener(request.config)
    if listener is None:
        return
    from allure_commons.model2 import Status, StatusDetails
    from allure_pytest_bdd.steps import get_step_uuid, stop_gherkin_step

    details = StatusDetails(message=f"{NOT_CHECKED}: {'; '.join(notes)}")
    stop_gherkin_step(
        listener.lifecycle, request.node, get_step_uuid(step), status=Status.SKIPPED, status_details=details
    )


def not_checked_status(report: pytest.TestReport) -> tuple[str, str, str] | None:
    """A scenario that ended "not checked" keeps pytest's skipped category (JUnit writes <skipped>,
    -rs lists it) but shows as N / NOT CHECKED in the progress line, never as a pass."""
    if report.skipped and _skip_reason(report).startswith(f"{NOT_CHECKED}:"):
        return "skipped", "N", "NOT CHECKED"
    return None


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr or "")
    return reason.removeprefix("Skipped: ")


def write_not_checked(terminalreporter: Any) -> None:
    """Every not-checked scenario with its reason, without -rs: a skip here is not an ordinary one."""
    reports = [r for r in terminalreporter.stats.get("skipped", []) if _skip_reason(r).startswith(f"{NOT_CHECKED}:")]
    if not reports:
        return
    terminalreporter.write_sep("-", f"{len(reports)} scenario(s) {NOT_CHECKED} (not passed)")
    for report in reports:
        terminalreporter.write_line(f"NOT CHECKED {report.nodeid}: {_skip_reason(report)}")


def skip_if_not_checked(request: pytest.FixtureRequest) -> None:
    """A scenario some of whose steps could not check what they name ends skipped, saying which:
    "not checked" is its own outcome in the terminal, JUnit and Allure, never a pass."""
    world = request.getfixturevalue("world") if "world" in request.fixturenames else None
    if world is not None and world.not_checked:
        pytest.skip(f"{NOT_CHECKED}: {'; '.join(world.not_checked)}")


def enver_info(config: pytest.Config) -> dict[str, str]:
    """What the report says about the enver: this process's, or (xdist controller) the workers' merged."""
    resolved = config.stash.get(ENVER, None)
    return resolved.describe() if resolved is not None else shards.controller_enver_info(config)


def write_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """The failed tests with their reason, the run per use case × layer, the enver (in full with -v)."""
    terminal.write_failed_summary(terminalreporter)
    terminal.write_run_summary(terminalreporter, enver_info(config), getattr(config.option, "allure_report_dir", None))


def record_enver(session: pytest.Session) -> None:
    """The enver and the artifact versions in the Allure results, once per run: an xdist worker
    hands its enver to the controller, which writes the merged description. Three files:
    - environment.properties, Allure's Metadata panel: short keys a person reads there (the
      enver, where the services came from, one key per service with its address);
    - a global attachment, "enver: addresses and artifact versions, per service";
    - odmd-enver.properties, every key for tools (reporting.summary, merges of shards)."""
    config = session.config
    if shards.is_worker(config):
        resolved = config.stash.get(ENVER, None)
        if resolved is not None:
            shards.send_to_controller(config, resolved.describe())
        return
    info = enver_info(config)
    alluredir = getattr(config.option, "allure_report_dir", None)
    if not info or not alluredir:
        return
    path = Path(alluredir)
    path.mkdir(parents=True, exist_ok=True)
    (path / ENVER_FILE).write_text(shards.properties_text(info.items()), encoding="utf-8")
    (path / "environment.properties").write_text(shards.properties_text(panel(info).items()), encoding="utf-8")
    name = str(uuid.uuid4())
    (path / f"{name}-attachment.txt").write_text(per_service_text(info), encoding="utf-8")
    attachment = {"name": ENVER_ATTACHMENT, "source": f"{name}-attachment.txt", "type": "text/plain"}
    (path / f"{name}-globals.json").write_text(
        json.dumps({"attachments": [{**attachment, "timestamp": int(time.time() * 1000)}]}), encoding="utf-8"
    )


ENVER_ATTACHMENT = "enver: addresses and artifact versions, per service"


def _split(key: str) -> tuple[str, str, str]:
    """`identity-service.artifact.openapi[gw1]` -> ("identity-service", "artifact.openapi", "[gw1]")."""
    worker = ""
    if key.endswith("]") and "[" in key:
        key, worker = key[: key.rindex("[")], key[key.rindex("[") :]
    service, _, rest = key.partition(".")
    return service, rest, worker


def panel(info: dict[str, str]) -> dict[str, str]:
    """Allure's Metadata panel cuts keys at ~17 characters: the run's facts under their short keys,
    each service under its name without "-service" with its address (and where it came from); the artifact
    versions are one click away, in the global attachment."""
    out: dict[str, str] = {}
    for key, value in info.items():
        service, rest, worker = _split(key)
        if not rest:
            out[key] = value
        elif rest == "base_url":
            source = info.get(f"{service}.base_url_source{worker}") or info.get(f"{service}.base_url_source", "")
            out[f"{service.removesuffix('-service')}{worker}"] = f"{value} ({source})" if source else value
    out["artifacts"] = f"Global Attachments: {ENVER_ATTACHMENT}"
    return out


def per_service_text(info: dict[str, str]) -> str:
    """The whole description, the run's facts first, then one block per service."""
    run: list[str] = []
    services: dict[str, list[str]] = {}
    for key, value in info.items():
        service, rest, worker = _split(key)
        if not rest:
            run.append(f"{key}: {value}")
        else:
            services.setdefault(service, []).append(f"  {rest.removeprefix('artifact.') + worker:<22} {value}")
    blocks = ["\n".join(run)] + [f"{service}\n" + "\n".join(lines) for service, lines in services.items()]
    return "\n\n".join(blocks) + "\n"
